// GET /ui: the live dashboard, one self-contained HTML page (src/daemon/ui/index.html, its CSS
// and script inline) that reads this node's control API from the browser: GET /v1/events for the
// leader, term and elections as they happen, GET /v1/status and /v1/members for the rest.
//
// The page's bytes are compiled into the daemon (cmake/embed_file.cmake generates the
// definition of ui_page_html() at build time), so that the daemon serves it without files.
//
// Thread safety: both functions read constant data only; any thread may call them.
#pragma once

#include <string_view>

#include "daemon/http_response.hpp"

namespace elector::daemon {

/// The page, byte for byte as in the source tree.
std::string_view ui_page_html();

/// The answer to GET /ui: the page as text/html, with a Content-Security-Policy that lets it
/// load nothing and talk to nothing but this address, and Cache-Control no-cache (a daemon
/// upgraded in place serves its own page at once).
HttpResponse ui_page_response();

}  // namespace elector::daemon
