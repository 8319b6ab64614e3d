#include "daemon/ui_page.hpp"

#include <string>

namespace elector::daemon {

namespace {

// The page's script and style are inline (one file, nothing to fetch); it may connect to its own
// origin only (the control API), and loads no image, font, frame or form target from anywhere.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

}  // namespace

HttpResponse ui_page_response() {
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::string(ui_page_html());
  r.headers.emplace_back("Content-Security-Policy", kPolicy);
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  // The token, when the page got one, is in the URL's fragment, which no Referer carries; the
  // page links to the other members' pages, which need not learn where the user came from.
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace elector::daemon
