#include "daemon/http_message.hpp"

#include <string>

namespace elector::daemon {

namespace {

namespace http = boost::beast::http;

template <class Body>
void set_head(http::response<Body>& m, const HttpResponse& r) {
  m.version(11);
  m.result(static_cast<unsigned>(r.status));
  const auto reason = http_reason(r.status);
  m.reason({reason.data(), reason.size()});
  if (!r.content_type.empty()) m.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) m.insert(name, value);
}

}  // namespace

HttpWhole whole_message(const HttpResponse& r, bool close, bool head_only) {
  HttpWhole m;
  set_head(m, r);
  m.content_length(r.body.size());
  if (close) m.set(http::field::connection, "close");
  if (!head_only) m.body() = r.body;
  return m;
}

HttpStreamHead stream_head(const HttpResponse& r) {
  HttpStreamHead m;
  set_head(m, r);
  m.chunked(true);
  return m;
}

}  // namespace elector::daemon
