// Included first by the network layer's tests that use Asio types.
//
// elector_net compiles Asio with these (PRIVATE to it); net/connection.hpp exposes Asio types, so
// a test must see the same configuration or the two would disagree on them.
#pragma once

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
#ifndef ASIO_NO_DEPRECATED
#define ASIO_NO_DEPRECATED
#endif
