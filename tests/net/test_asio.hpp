// Included first by the network layer's tests that use Asio types.
//
// Every target compiles Boost.Asio with these (cmake/deps.cmake, elector_boost); net/connection.hpp
// exposes Asio types, so a test must see the same configuration or the two would disagree on them.
#pragma once

#ifndef BOOST_ASIO_NO_DEPRECATED
#define BOOST_ASIO_NO_DEPRECATED
#endif
#ifndef BOOST_ASIO_DISABLE_CO_AWAIT
#define BOOST_ASIO_DISABLE_CO_AWAIT
#endif
