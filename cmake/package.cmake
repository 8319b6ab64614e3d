# The installed product (docs/install.md): libelector as a shared library (libelector.so.N, N =
# ELECTOR_ABI_VERSION) and a static one (libelector.a), both made of the four layers under
# elector::Node (core, wire, net, node); its public headers; a CMake package (find_package(elector))
# and a pkg-config file (elector.pc); electord and electorctl. Tests, benchmarks and tools are not
# installed.
#
# In the tree, programs keep linking the layers' own static libraries (`elector` and below).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

configure_file(${PROJECT_SOURCE_DIR}/cmake/version.hpp.in
  ${PROJECT_BINARY_DIR}/include/elector/version.hpp @ONLY)

# The layers' objects go into a shared library too: position-independent, and every symbol hidden
# but those the public headers mark ELECTOR_API (include/elector/export.hpp). Hidden symbols also
# spare the static programs the calls through the PLT that -fPIC alone would add.
set(_elector_library_layers elector_core elector_wire elector_net elector)
set_target_properties(${_elector_library_layers} PROPERTIES POSITION_INDEPENDENT_CODE ON
  CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
set(_elector_library_objects "")
foreach(layer IN LISTS _elector_library_layers)
  list(APPEND _elector_library_objects $<TARGET_OBJECTS:${layer}>)
endforeach()

add_library(elector_shared SHARED ${_elector_library_objects})
add_library(elector_static STATIC ${_elector_library_objects})
foreach(lib elector_shared elector_static)
  target_include_directories(${lib} INTERFACE
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${lib} INTERFACE cxx_std_20)
  set_target_properties(${lib} PROPERTIES OUTPUT_NAME elector
    ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
endforeach()

# Shared: libsodium's archive goes inside, its symbols hidden (--exclude-libs), so a program needs
# nothing but libelector.so.N and the C++ runtime. --no-undefined: a library that lacks a symbol
# fails here rather than in its users' links; not under a sanitizer, whose runtime clang links
# into programs only, so that an instrumented library leaves the sanitizer's symbols to them.
set_target_properties(elector_shared PROPERTIES EXPORT_NAME elector VERSION ${PROJECT_VERSION}
  SOVERSION ${ELECTOR_ABI_VERSION})
target_link_libraries(elector_shared PRIVATE elector_sodium Threads::Threads resolv)
target_link_options(elector_shared PRIVATE LINKER:--exclude-libs,ALL)
if(NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  target_link_options(elector_shared PRIVATE LINKER:--no-undefined)
endif()

# Static: its users link what its objects need, libsodium, libresolv and the threads library. Boost (the
# transport's Asio) is header-only and only inside the objects: users need none of it.
set_target_properties(elector_static PROPERTIES EXPORT_NAME elector_static)
target_link_libraries(elector_static INTERFACE $<BUILD_INTERFACE:elector_sodium>
  $<INSTALL_INTERFACE:elector::sodium> Threads::Threads resolv)

# Every file belongs to one install component, one per Debian package (cmake/deb.cmake):
# libelector0 (the shared library), libelector-dev (what a program is built with), electorctl,
# electord.
install(TARGETS elector_shared elector_static EXPORT electorTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT libelector0
    NAMELINK_COMPONENT libelector-dev
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT libelector-dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/elector ${PROJECT_BINARY_DIR}/include/elector
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT libelector-dev FILES_MATCHING PATTERN "*.hpp")

# The CMake package: <libdir>/cmake/elector/. While the version is 0.x a minor release may break
# the API, so only the same minor version is compatible; from 1.0, the same major version.
set(_elector_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/elector)
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_elector_compatibility SameMinorVersion)
else()
  set(_elector_compatibility SameMajorVersion)
endif()
install(EXPORT electorTargets NAMESPACE elector:: DESTINATION ${_elector_cmake_dir}
  COMPONENT libelector-dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/electorConfig.cmake.in
  ${PROJECT_BINARY_DIR}/electorConfig.cmake INSTALL_DESTINATION ${_elector_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/electorConfigVersion.cmake
  COMPATIBILITY ${_elector_compatibility})
install(FILES ${PROJECT_BINARY_DIR}/electorConfig.cmake ${PROJECT_BINARY_DIR}/electorConfigVersion.cmake
  DESTINATION ${_elector_cmake_dir} COMPONENT libelector-dev)

# pkg-config: the prefix is found from the .pc file's own place, so that the file stays right
# wherever the tree is installed (cmake --install --prefix, DESTDIR).
file(RELATIVE_PATH _elector_pc_to_prefix /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/elector.pc.in ${PROJECT_BINARY_DIR}/elector.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/elector.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT libelector-dev)

foreach(program electord electorctl)
  if(TARGET ${program})
    install(TARGETS ${program} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${program})
  endif()
endforeach()
