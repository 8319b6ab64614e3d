// An HTTP/1.x request as the control server sees it, and the parser that cuts one out of the
// bytes a connection received.
//
// Only what the control API needs: origin-form targets ("/path?query"), Content-Length bodies
// (no chunked request bodies), bounded head and body sizes. Boost.Beast's HTTP/1 parser frames
// the head and the body; the request line, the target and the answers to what is refused are
// ours. The parser is a pure function of the bytes so far, so that every rule is unit-tested
// without sockets. This header does not include Boost.
//
// Thread safety: no shared state; a request is a value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace elector::daemon {

struct HttpRequest {
  std::string method;
  /// As sent, e.g. "/v1/elect?sync=true".
  std::string target;
  /// The target's path, percent-decoded.
  std::string path;
  /// The query's parameters in order, percent-decoded ('+' is a space).
  std::vector<std::pair<std::string, std::string>> query;
  /// Header fields in order; names in lower case, values without surrounding blanks.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// 0 for HTTP/1.0, 1 for HTTP/1.1.
  int minor_version = 1;
  /// The client's address ("127.0.0.1:40522", "unix", ...) and whether it is on this host
  /// (peer_address.hpp); set by the server, not parsed.
  std::string peer;
  bool peer_local = false;
  /// Whether the connection may carry another request after this one (HTTP/1.1 unless
  /// "Connection: close"; HTTP/1.0 only with "Connection: keep-alive").
  bool keep_alive = true;

  /// The first field named `lower_name`, or null.
  [[nodiscard]] const std::string* header(std::string_view lower_name) const;
  /// The first value of query parameter `name` ("" for "?name"), or null when absent.
  [[nodiscard]] const std::string* param(std::string_view name) const;
};

struct HttpLimits {
  /// Request line and header fields together; beyond: 431.
  std::size_t max_header_bytes = 16 * 1024;
  /// Content-Length beyond: 413.
  std::size_t max_body_bytes = 64 * 1024;
};

struct HttpParse {
  enum class State {
    /// More bytes are needed.
    incomplete,
    /// `request` is set and its bytes were removed from the buffer.
    complete,
    /// The request cannot be served: answer `status` with `message` and close the connection
    /// (where the next request would start is unknown).
    error,
  };
  State state = State::incomplete;
  int status = 0;
  std::string message;
};

/// Cuts the first request out of `buffer` (the bytes received and not consumed yet).
HttpParse parse_http_request(std::string& buffer, const HttpLimits& limits, HttpRequest& request);

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`). False on a malformed escape.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out);

/// Splits "a=1&b=x%20y&c" into decoded pairs. False on a malformed escape.
bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out);

}  // namespace elector::daemon
