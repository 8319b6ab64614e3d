// The control server's responses as Boost.Beast messages, which Beast writes to the socket.
//
// A response is either whole (Content-Length) or a stream: a head with chunked transfer coding,
// then chunks (http::make_chunk), then the last chunk (http::make_chunk_last). Fields go out in
// the order given: Content-Type, the response's own fields, then the server's (Content-Length,
// Connection or Transfer-Encoding); the reason phrase is http_reason()'s.
//
// For the HTTP server only (http_server.cpp, http_connection.cpp): this header includes Beast.
// Thread safety: no shared state; a message is a value.
#pragma once

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "daemon/http_response.hpp"

namespace elector::daemon {

using HttpWhole = boost::beast::http::response<boost::beast::http::string_body>;
using HttpStreamHead = boost::beast::http::response<boost::beast::http::empty_body>;

/// `r` with Content-Length. `close` adds "Connection: close"; `head_only` (a HEAD request) keeps
/// Content-Length but leaves the body out.
HttpWhole whole_message(const HttpResponse& r, bool close, bool head_only);

/// The head of a streamed response: `r`'s status and fields, "Transfer-Encoding: chunked".
HttpStreamHead stream_head(const HttpResponse& r);

}  // namespace elector::daemon
