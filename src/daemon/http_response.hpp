// An HTTP/1.1 response of the control server, as its handlers fill it. The server turns it into
// bytes (http_message.hpp); this header does not include Boost.
//
// Thread safety: no shared state; a response is a value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace elector::daemon {

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

}  // namespace elector::daemon
