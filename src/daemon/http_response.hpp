// An HTTP/1.1 response of the control server, and its bytes on the wire.
//
// A response is either whole (Content-Length) or a stream: a head with chunked transfer coding,
// then chunks, then the last chunk. The server writes these; handlers only fill HttpResponse.
//
// Thread safety: no shared state; a response is a value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace electord {

struct HttpResponse {
  int status = 200;
  /// Empty: no Content-Type field.
  std::string content_type;
  /// Further fields (e.g. Allow, Cache-Control). Content-Length, Transfer-Encoding and Connection
  /// are the server's.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// "OK", "Not Found", ...; "Unknown" for a status without a phrase here.
std::string_view http_reason(int status);

/// Status line, fields and body. `close` adds "Connection: close"; `head_only` (a HEAD request)
/// keeps Content-Length but leaves the body out.
std::string serialize_response(const HttpResponse& r, bool close, bool head_only);

/// Status line and fields of a streamed response (chunked transfer coding, kept open).
std::string serialize_stream_head(const HttpResponse& r);

/// One chunk of a streamed body; empty data gives nothing (an empty chunk would end the body).
std::string http_chunk(std::string_view data);

/// The last chunk, which ends a streamed body.
inline constexpr std::string_view kHttpLastChunk = "0\r\n\r\n";

}  // namespace electord
