#include "daemon/http_request.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace elector::daemon {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;

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

constexpr const char* kNoChunked = "chunked request bodies are not supported; send Content-Length";

HttpParse header_too_large(const HttpLimits& limits) {
  return fail(431, "request header too large (at most " + std::to_string(limits.max_header_bytes) +
                       " bytes)");
}

/// "Content-Length: 99999999999999999999999": a length beyond every limit, which Beast reports
/// as malformed (it overflows) but is a body too large. Judged on the Content-Length field that
/// Beast refused: the first whose value (folded lines joined, as Beast joins them) is not a
/// number or differs from an earlier one. Called on a decided head (see `head_decided`).
bool announces_huge_body(std::string_view buffer) {
  const auto first_nl = buffer.find('\n');
  if (first_nl == std::string_view::npos) return false;
  std::string_view rest = buffer.substr(first_nl + 1);  // after the request line
  // One field at a time: its first line, then the lines that continue it (obs-fold).
  std::vector<std::string_view> lines;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // an incomplete line: not parsed yet
    auto line = rest.substr(0, nl);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) break;  // the end of the head
    lines.push_back(line);
    rest.remove_prefix(nl + 1);
  }
  std::optional<std::string> earlier;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    if (colon == std::string_view::npos || !iequals(lines[i].substr(0, colon), "content-length")) {
      continue;
    }
    std::string v(trim(lines[i].substr(colon + 1)));
    for (; i + 1 < lines.size() && (lines[i + 1][0] == ' ' || lines[i + 1][0] == '\t'); ++i) {
      const auto more = trim(lines[i + 1]);
      if (!more.empty()) v += (v.empty() ? "" : " ") + std::string(more);
    }
    const bool digits = !v.empty() && std::all_of(v.begin(), v.end(), is_digit);
    if (digits && v.size() <= 19 && (!earlier || *earlier == v)) {
      earlier = v;
    } else {
      return digits && v.size() > 19;  // the field refused
    }
  }
  return false;
}

/// Whether Beast's verdict on the head is settled by the bytes buffered so far, so that more
/// bytes cannot change it: the head is complete (a blank line), or holds a bare LF (refused
/// where it stands), or fills the header limit. Before that the answer waits, because Beast
/// judges each field as soon as its line has arrived, and a field's verdict can depend on the
/// line after it (a folded continuation): the answer must not depend on how the bytes arrived.
bool head_decided(std::string_view buffer, std::size_t header_limit) {
  if (buffer.size() >= header_limit) return true;
  if (buffer.find("\r\n\r\n") != std::string_view::npos) return true;
  for (std::size_t i = buffer.find('\n'); i != std::string_view::npos;
       i = buffer.find('\n', i + 1)) {
    if (i == 0 || buffer[i - 1] != '\r') return true;
  }
  return false;
}

/// Beast's HTTP/1 parser, filling an HttpRequest: Beast frames the head and the body (fields,
/// line endings, Content-Length, the size limits); the request line was judged before.
class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(HttpRequest& r) : r_(r) {}

  /// Set when a hook refused the request (the error code is then only a stop signal).
  std::optional<HttpParse> refusal;

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       beast::error_code&) override {}
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     beast::error_code&) override {
    r_.headers.emplace_back(to_lower({name.data(), name.size()}), std::string(value));
  }
  void on_header_impl(beast::error_code& ec) override {
    if (r_.header("transfer-encoding") != nullptr) refuse(ec, fail(411, kNoChunked));
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    r_.body.append(body.data(), body.size());
    return body.size();
  }
  // Never called: a chunked body is refused with its head.
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code& ec) override {
    refuse(ec, fail(411, kNoChunked));
  }
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view,
                                 beast::error_code& ec) override {
    refuse(ec, fail(411, kNoChunked));
    return 0;
  }
  void on_finish_impl(beast::error_code&) override {}

  void refuse(beast::error_code& ec, HttpParse p) {
    refusal = std::move(p);
    ec = http::error::bad_value;
  }

  HttpRequest& r_;
};

/// What a Beast parse error is answered with; `r` has the fields before the one refused.
HttpParse refusal_of(const beast::error_code& ec, const HttpRequest& r, std::string_view head,
                     const HttpLimits& limits) {
  const auto too_large = [&] {
    return fail(413, "request body too large (at most " + std::to_string(limits.max_body_bytes) +
                         " bytes)");
  };
  if (ec == http::error::header_limit) return header_too_large(limits);
  if (ec == http::error::body_limit) return too_large();
  // Beast refuses Transfer-Encoding and Content-Length together; either way round it is 411.
  if (ec == http::error::bad_transfer_encoding ||
      (ec == http::error::bad_content_length && r.header("transfer-encoding") != nullptr)) {
    return fail(411, kNoChunked);
  }
  if (ec == http::error::bad_content_length) {
    return announces_huge_body(head) ? too_large()
                                     : fail(400, "malformed or conflicting Content-Length");
  }
  return fail(400, "malformed request (" + ec.message() + ")");
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

  // The request line is judged as soon as it is complete (Beast waits for the whole head), so
  // that a client speaking something else is answered at once.
  const auto nl = buffer.find('\n');
  if ((nl == std::string::npos ? buffer.size() : nl + 1) > limits.max_header_bytes) {
    return header_too_large(limits);
  }
  if (nl == std::string::npos) return HttpParse{};
  std::string_view line(buffer.data(), nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find('\r') != std::string_view::npos) return fail(400, "malformed request (bare CR)");
  HttpRequest r;
  if (auto err = parse_request_line(line, r)) return *err;
  if (!head_decided(buffer, limits.max_header_bytes)) return HttpParse{};

  RequestParser parser(r);
  parser.eager(true);
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(std::uint64_t{limits.max_body_bytes});
  std::size_t used = 0;
  while (!parser.is_done()) {
    beast::error_code ec;
    const auto n =
        parser.put(boost::asio::const_buffer(buffer.data() + used, buffer.size() - used), ec);
    used += n;
    if (ec == http::error::need_more || (!ec && n == 0)) return HttpParse{};
    if (ec) return parser.refusal ? *parser.refusal : refusal_of(ec, r, buffer, limits);
  }
  buffer.erase(0, used);
  r.keep_alive = parser.keep_alive();
  request = std::move(r);
  HttpParse done;
  done.state = HttpParse::State::complete;
  return done;
}

}  // namespace elector::daemon
