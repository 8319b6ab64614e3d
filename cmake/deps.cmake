# Third-party libraries, all from Debian's packages, as the targets below link them.
#
# electord is started by the hundred on one machine, so a node should map as little as it can.
# Every shared library a process maps costs it resident pages (the kernel maps a library's
# neighbouring pages on each fault) and private pages of relocations. So the libraries a daemon
# needs are linked into its binary: libsodium from its static archive, spdlog, fmt and toml++ as
# header-only libraries, and (ELECTOR_STATIC_DAEMON) libstdc++ and libgcc. Then electord maps only
# itself and glibc (docs/performance.md, "Memory").
find_package(Threads REQUIRED)

# libsodium: authentication of every packet (wire), the control token's comparison (daemon).
find_library(ELECTOR_SODIUM_ARCHIVE NAMES libsodium.a)
if(NOT ELECTOR_SODIUM_ARCHIVE)
  message(FATAL_ERROR "libsodium.a not found: install libsodium-dev (scripts/install-deps.sh)")
endif()
add_library(elector_sodium INTERFACE)
target_link_libraries(elector_sodium INTERFACE ${ELECTOR_SODIUM_ARCHIVE} Threads::Threads)

# Boost.Asio (the transport, the control API's server) and Boost.Beast (its HTTP), header-only
# from Debian's libboost-dev: Boost.System is header-only since 1.69, so nothing is linked and no
# TLS library comes along (Beast's SSL support is in headers nobody includes).
# One configuration for every target, so that all agree on Asio's types: no deprecated names, and
# no coroutine support (unused; Boost 1.74's awaitable.hpp does not compile under GCC's C++20).
find_package(Boost 1.74 REQUIRED)
add_library(elector_boost INTERFACE)
target_link_libraries(elector_boost INTERFACE Boost::headers Threads::Threads)
target_compile_definitions(elector_boost INTERFACE BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_DISABLE_CO_AWAIT)

# The daemon's and the tools' (not needed by ELECTOR_LIBRARY_ONLY, which builds the library only).
if(ELECTOR_LIBRARY_ONLY)
  return()
endif()

# spdlog over fmt, both header-only. Debian's spdlog targets both link libfmt's shared library;
# without SPDLOG_COMPILED_LIB, spdlog's headers carry its whole implementation.
find_package(fmt REQUIRED)
find_path(ELECTOR_SPDLOG_INCLUDE spdlog/spdlog.h REQUIRED)
add_library(elector_spdlog INTERFACE)
target_include_directories(elector_spdlog SYSTEM INTERFACE ${ELECTOR_SPDLOG_INCLUDE})
target_compile_definitions(elector_spdlog INTERFACE SPDLOG_FMT_EXTERNAL)
target_link_libraries(elector_spdlog INTERFACE fmt::fmt-header-only Threads::Threads)

# toml++ header-only (Debian's pkg-config and CMake files select its shared library).
find_path(ELECTOR_TOML_INCLUDE toml++/toml.h REQUIRED)
add_library(elector_toml INTERFACE)
target_include_directories(elector_toml SYSTEM INTERFACE ${ELECTOR_TOML_INCLUDE})
target_compile_definitions(elector_toml INTERFACE TOML_HEADER_ONLY=1)
