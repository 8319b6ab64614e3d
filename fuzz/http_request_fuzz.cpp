// Fuzzes the control API's HTTP request parser with the bytes a connection could receive.
//
// The parser is a pure function of the bytes buffered so far, so the requests cut out of the
// input must not depend on how the bytes arrived: the whole input at once and the same input in
// two pieces (split where the first byte says) must give the same results.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/http_request.hpp"

namespace {

/// One request or the final error, as a comparable value.
struct Outcome {
  elector::daemon::HttpParse::State state;
  int status = 0;
  elector::daemon::HttpRequest request;
};

bool same(const Outcome& a, const Outcome& b) {
  const auto& x = a.request;
  const auto& y = b.request;
  return a.state == b.state && a.status == b.status && x.method == y.method &&
         x.target == y.target && x.path == y.path && x.query == y.query && x.headers == y.headers &&
         x.body == y.body && x.minor_version == y.minor_version && x.keep_alive == y.keep_alive;
}

/// Feeds `pieces` one after the other, cutting out requests as they complete, as the server does.
std::vector<Outcome> run(const std::vector<std::string>& pieces) {
  // Small limits, so that the fuzzer reaches the 413 and 431 paths with short inputs.
  elector::daemon::HttpLimits limits;
  limits.max_header_bytes = 512;
  limits.max_body_bytes = 256;
  std::vector<Outcome> out;
  std::string buffer;
  for (const auto& piece : pieces) {
    buffer += piece;
    while (true) {
      Outcome o;
      const auto p = elector::daemon::parse_http_request(buffer, limits, o.request);
      o.state = p.state;
      o.status = p.status;
      if (p.state == elector::daemon::HttpParse::State::incomplete) break;
      if (p.state == elector::daemon::HttpParse::State::error &&
          (p.status < 400 || p.status > 599)) {
        std::abort();
      }
      out.push_back(std::move(o));
      if (p.state == elector::daemon::HttpParse::State::error) return out;  // the server closes
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string all(reinterpret_cast<const char*>(data), size);
  const auto whole = run({all});
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  const auto split = run({all.substr(0, cut), all.substr(cut)});
  if (whole.size() != split.size()) std::abort();
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (!same(whole[i], split[i])) std::abort();
  }
  return 0;
}
