// GET /ui: the dashboard page as the source tree has it, as HTML, with a policy that lets it
// load nothing from anywhere and talk to nothing but the control API; the page itself names no
// other origin. What it shows is checked in a browser (tests/ui/ui_browser.sh).

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "daemon/control_server_fixture.hpp"
#include "daemon/ui_page.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

TEST_F(ControlServerTest, UiServesTheEmbeddedPage) {
  auto c = client();
  auto r = c.Get("/ui");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-cache");
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  const auto policy = r->get_header_value("Content-Security-Policy");
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("connect-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("http"), std::string::npos) << "no remote origin allowed: " << policy;
  EXPECT_EQ(r->body, ui_page_html());

  // Byte for byte the file of the source tree: the build embedded the current page.
  std::ifstream in(std::string(ELECTOR_SOURCE_DIR) + "/src/daemon/ui/index.html", std::ios::binary);
  std::ostringstream file;
  file << in.rdbuf();
  ASSERT_FALSE(file.str().empty());
  EXPECT_EQ(r->body, file.str());

  r = c.Head("/ui");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body.empty());
  r = c.Post("/ui", "", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->get_header_value("Allow"), "GET");
}

TEST(UiPage, LoadsNothingFromElsewhere) {
  const std::string page(ui_page_html());
  EXPECT_NE(page.find("<!doctype html>"), std::string::npos);
  // No external script, style sheet, image or frame, and no absolute URL to fetch.
  EXPECT_FALSE(std::regex_search(
      page, std::regex(R"(<(script|link|img|iframe)[^>]*(src|href)=)", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(fetch\(\s*["'`]https?:)")));
  EXPECT_FALSE(std::regex_search(page, std::regex(R"(["'`]https?://)")));
}

}  // namespace
}  // namespace elector::daemon
