// toml++, as every part of electord includes it: with its internal assertions off in every build.
//
// toml++ 3.3.0 asserts some conditions that bad input can break (`[@]` in a config file fails
// `is_bare_key_character(*cp) || is_string_delimiter(*cp)` in parse_key), then reports the
// error itself. Without NDEBUG the assertion aborts the process; with NDEBUG and clang it
// becomes __builtin_assume, undefined behaviour. Off, the parser goes on to its own error, as in
// a GCC release build. Its other undefined behaviour is kept away by parse_toml
// (daemon/toml_parse.hpp).
#pragma once

// clang-format off
#include <toml++/impl/preprocessor.h>  // defines the macros below; included once (#pragma once)
#undef TOML_ASSERT
#define TOML_ASSERT(expr) static_assert(true)
#undef TOML_ASSERT_ASSUME
#define TOML_ASSERT_ASSUME(expr) static_assert(true)
#include <toml++/toml.h>
// clang-format on
