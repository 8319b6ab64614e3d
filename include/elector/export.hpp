// ELECTOR_API marks what libelector.so exports: the classes and functions of these public
// headers. The library is compiled with -fvisibility=hidden (cmake/package.cmake), so everything
// else in it (the core, the wire, the transport) stays private to it and can change without
// breaking programs linked against it.
//
// The same attribute serves the library's build and its users (ELF needs no import marker).
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define ELECTOR_API __attribute__((visibility("default")))
#else
#define ELECTOR_API
#endif
