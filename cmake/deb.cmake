# Debian packages of the installed product (docs/systemd.md): `cmake --build BUILD --target
# package` writes four .debs into BUILD, one per install component of cmake/package.cmake:
#
#   libelector0     the shared library libelector.so.N (N = ELECTOR_ABI_VERSION)
#   libelector-dev  headers, libelector.a, the libelector.so link, the CMake package, elector.pc
#   electorctl      the command-line tool
#   electord        the daemon, its systemd unit and its default configuration (a conffile)
#
# Each package carries /usr/share/doc/PKG/copyright and changelog.gz; binaries are stripped and
# dependencies come from dpkg-shlibdeps. tests/pkg/check_debs.sh builds and checks them.
include(GNUInstallDirs)

set(_deb_dir ${PROJECT_SOURCE_DIR}/deploy/debian)
set(_deb_build ${PROJECT_BINARY_DIR}/deb)
set(_deb_components libelector0 libelector-dev electorctl electord)

# The systemd unit and the configuration it reads. The paths are Debian's, whatever the prefix.
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/electord.service
  DESTINATION /lib/systemd/system COMPONENT electord)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/electord.toml
  DESTINATION /etc/elector COMPONENT electord)

# copyright and the changelog (gzip -9n: reproducible, as lintian asks) in every package.
configure_file(${_deb_dir}/changelog.in ${_deb_build}/changelog @ONLY)
execute_process(COMMAND gzip -9nf ${_deb_build}/changelog RESULT_VARIABLE _deb_gzip)
if(NOT _deb_gzip EQUAL 0)
  message(FATAL_ERROR "gzip of ${_deb_build}/changelog failed")
endif()
foreach(component IN LISTS _deb_components)
  install(FILES ${_deb_dir}/copyright ${_deb_build}/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${component} COMPONENT ${component}
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endforeach()

# Maintainer scripts and triggers, under the names dpkg expects.
foreach(file postinst prerm postrm conffiles)
  configure_file(${_deb_dir}/electord.${file} ${_deb_build}/electord/${file} COPYONLY)
endforeach()
foreach(file postinst postrm triggers)
  configure_file(${_deb_dir}/libelector0.${file} ${_deb_build}/libelector0/${file} COPYONLY)
endforeach()

# install/strip (CPack strips): the static library loses its debug information too, which
# CMake's stripping leaves (17 MB of the 18 MB package).
install(CODE "if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libelector.a\")
endif()" COMPONENT libelector-dev)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME elector)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "elector")
set(CPACK_PACKAGE_CONTACT "elector maintainers <maintainers@users.noreply.r-seed-90816d8b.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${_deb_components})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The shared library in the build tree, for dpkg-shlibdeps of packages that link it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/lib)

set(CPACK_DEBIAN_LIBELECTOR0_PACKAGE_NAME libelector0)
set(CPACK_DEBIAN_LIBELECTOR0_PACKAGE_SECTION libs)
# A shlibs file in every package that holds a shared library (libelector0 only).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_LIBELECTOR0_PACKAGE_CONTROL_EXTRA ${_deb_build}/libelector0/postinst
  ${_deb_build}/libelector0/postrm ${_deb_build}/libelector0/triggers)
set(CPACK_COMPONENT_LIBELECTOR0_DESCRIPTION "leader election for a cluster of processes (library)
libelector runs one member of a leader-election cluster inside a program
(elector::Node): members find each other through seeds, elect one leader
with a lease and a fencing token, and hand leadership over on shutdown.
.
This package holds the shared library.")

set(CPACK_DEBIAN_LIBELECTOR-DEV_PACKAGE_NAME libelector-dev)
set(CPACK_DEBIAN_LIBELECTOR-DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_LIBELECTOR-DEV_PACKAGE_DEPENDS "libelector0 (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_LIBELECTOR-DEV_PACKAGE_SUGGESTS "libsodium-dev")
set(CPACK_COMPONENT_LIBELECTOR-DEV_DESCRIPTION "leader election for a cluster of processes (development files)
libelector runs one member of a leader-election cluster inside a program
(elector::Node): members find each other through seeds, elect one leader
with a lease and a fencing token, and hand leadership over on shutdown.
.
This package holds the C++20 headers, the static library, the CMake package
(find_package(elector)) and the pkg-config file. The static library needs
libsodium-dev to link.")

set(CPACK_DEBIAN_ELECTORCTL_PACKAGE_NAME electorctl)
set(CPACK_DEBIAN_ELECTORCTL_PACKAGE_SECTION admin)
set(CPACK_COMPONENT_ELECTORCTL_DESCRIPTION "leader election for a cluster of processes (command-line tool)
electorctl talks to electord's control API: the leader, the members, elections,
a command run only while this node leads; it also starts local test clusters.")

set(CPACK_DEBIAN_ELECTORD_PACKAGE_NAME electord)
set(CPACK_DEBIAN_ELECTORD_PACKAGE_SECTION net)
set(CPACK_DEBIAN_ELECTORD_PACKAGE_RECOMMENDS electorctl)
set(CPACK_DEBIAN_ELECTORD_PACKAGE_CONTROL_EXTRA
  ${_deb_build}/electord/postinst ${_deb_build}/electord/prerm ${_deb_build}/electord/postrm
  ${_deb_build}/electord/conffiles)
set(CPACK_COMPONENT_ELECTORD_DESCRIPTION "leader election for a cluster of processes (daemon)
electord runs one member of a leader-election cluster as a daemon, for
programs in any language: an HTTP/JSON control API, hook commands run on
elections, Prometheus metrics and an event log. It ships a hardened systemd
unit and a default configuration; it starts once the cluster secret
/etc/elector/cookie exists.")

include(CPack)
