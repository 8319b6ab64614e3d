#include "daemon/http_request.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

namespace electord {

namespace {

/// RFC 9110 token characters (method and field names).
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpParse fail(int status, std::string message) {
  HttpParse p;
  p.state = HttpParse::State::error;
  p.status = status;
  p.message = std::move(message);
  return p;
}

/// Checks the request line and fills method, target, path, query and version; returns the error
/// when the line is not acceptable.
std::optional<HttpParse> parse_request_line(std::string_view line, HttpRequest& r) {
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return fail(400, "malformed request line");
  const auto method = line.substr(0, sp1);
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (!is_token(method)) return fail(400, "malformed request line");
  if (version == "HTTP/1.1") {
    r.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    r.minor_version = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && is_digit(version[5]) &&
             version[6] == '.' && is_digit(version[7])) {
    return fail(505, "HTTP version not supported (use HTTP/1.1)");
  } else {
    return fail(400, "malformed request line");
  }
  const bool printable = std::all_of(target.begin(), target.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
  if (target.empty() || target.front() != '/' || !printable) {
    return fail(400, "malformed request target (expected /PATH[?QUERY])");
  }
  r.method = std::string(method);
  r.target = std::string(target);
  const auto q = target.find('?');
  // Clients do not send fragments; one that does has no meaning here.
  const auto path = target.substr(0, std::min(q, target.find('#')));
  if (!percent_decode(path, false, r.path) || r.path.find('\0') != std::string::npos) {
    return fail(400, "malformed request target (bad percent escape in the path)");
  }
  if (q != std::string_view::npos) {
    auto query = target.substr(q + 1);
    query = query.substr(0, query.find('#'));
    if (!parse_query(query, r.query)) {
      return fail(400, "malformed query string (bad percent escape)");
    }
  }
  return std::nullopt;
}

/// Adds one "name: value" line to the request.
std::optional<HttpParse> parse_header_line(std::string_view line, HttpRequest& r) {
  if (line.front() == ' ' || line.front() == '\t') {
    return fail(400, "malformed header (line folding is not supported)");
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
    return fail(400, "malformed header line");
  }
  const auto value = trim(line.substr(colon + 1));
  const bool clean = std::all_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
  if (!clean) return fail(400, "malformed header value");
  r.headers.emplace_back(to_lower(line.substr(0, colon)), std::string(value));
  return std::nullopt;
}

/// The body length the head announces (0 without Content-Length), or an error.
std::optional<HttpParse> body_length(const HttpRequest& r, const HttpLimits& limits,
                                     std::size_t& length) {
  length = 0;
  if (r.header("transfer-encoding") != nullptr) {
    return fail(411, "chunked request bodies are not supported; send Content-Length");
  }
  const std::string* first = nullptr;
  for (const auto& [name, value] : r.headers) {
    if (name != "content-length") continue;
    // Two different lengths would make the end of the body a guess.
    if (first != nullptr && value != *first) return fail(400, "conflicting Content-Length");
    first = &value;
  }
  if (first == nullptr) return std::nullopt;
  const auto& v = *first;
  if (v.empty() || !std::all_of(v.begin(), v.end(), is_digit)) {
    return fail(400, "malformed Content-Length");
  }
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n > limits.max_body_bytes) {
    return fail(413, "request body too large (at most " + std::to_string(limits.max_body_bytes) +
                         " bytes)");
  }
  length = static_cast<std::size_t>(n);
  return std::nullopt;
}

bool connection_has(const HttpRequest& r, std::string_view option) {
  for (const auto& [name, value] : r.headers) {
    if (name != "connection") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      if (iequals(trim(rest.substr(0, comma)), option)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

const std::string* HttpRequest::param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    if (!part.empty()) {
      const auto eq = part.find('=');
      std::string key;
      std::string value;
      if (!percent_decode(part.substr(0, eq), true, key)) return false;
      if (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), true, value)) {
        return false;
      }
      out.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return true;
}

HttpParse parse_http_request(std::string& buffer, const HttpLimits& limits, HttpRequest& request) {
  // Empty lines before a request line are to be ignored (RFC 9112 §2.2); some clients send a
  // CRLF after a POST body.
  const auto start = std::min(buffer.find_first_not_of("\r\n"), buffer.size());
  buffer.erase(0, start);

  HttpRequest r;
  std::size_t pos = 0;
  bool first_line = true;
  while (true) {
    const auto nl = buffer.find('\n', pos);
    const std::size_t line_end = nl == std::string::npos ? buffer.size() : nl + 1;
    if (line_end > limits.max_header_bytes) {
      return fail(431, "request header too large (at most " +
                           std::to_string(limits.max_header_bytes) + " bytes)");
    }
    if (nl == std::string::npos) return HttpParse{};
    std::string_view line(buffer.data() + pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.find('\r') != std::string_view::npos) return fail(400, "malformed request (bare CR)");
    if (first_line) {
      if (auto err = parse_request_line(line, r)) return *err;
      first_line = false;
      continue;
    }
    if (line.empty()) break;  // end of the head
    if (auto err = parse_header_line(line, r)) return *err;
  }

  std::size_t length = 0;
  if (auto err = body_length(r, limits, length)) return *err;
  if (buffer.size() - pos < length) return HttpParse{};
  r.body = buffer.substr(pos, length);
  buffer.erase(0, pos + length);
  r.keep_alive =
      r.minor_version >= 1 ? !connection_has(r, "close") : connection_has(r, "keep-alive");
  request = std::move(r);
  HttpParse done;
  done.state = HttpParse::State::complete;
  return done;
}

}  // namespace electord
