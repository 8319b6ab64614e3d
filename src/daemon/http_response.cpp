#include "daemon/http_response.hpp"

#include <cstdio>

namespace electord {

namespace {

void append_status_line(std::string& out, int status) {
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(http_reason(status)).append("\r\n");
}

void append_fields(std::string& out, const HttpResponse& r) {
  if (!r.content_type.empty()) out.append("Content-Type: ").append(r.content_type).append("\r\n");
  for (const auto& [name, value] : r.headers)
    out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string_view http_reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string serialize_response(const HttpResponse& r, bool close, bool head_only) {
  std::string out;
  out.reserve(128 + r.body.size());
  append_status_line(out, r.status);
  append_fields(out, r);
  out.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
  if (close) out.append("Connection: close\r\n");
  out.append("\r\n");
  if (!head_only) out.append(r.body);
  return out;
}

std::string serialize_stream_head(const HttpResponse& r) {
  std::string out;
  append_status_line(out, r.status);
  append_fields(out, r);
  out.append("Transfer-Encoding: chunked\r\n\r\n");
  return out;
}

std::string http_chunk(std::string_view data) {
  if (data.empty()) return {};
  char size[24];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<std::size_t>(n) + data.size() + 2);
  out.append(size, static_cast<std::size_t>(n)).append(data).append("\r\n");
  return out;
}

}  // namespace electord
