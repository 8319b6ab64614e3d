// `electorctl cluster ui`: what opens the page, and when nothing does. (The URL it prints is
// checked against a running cluster by tests/ui/ui_browser.sh, which loads it in a browser.)

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ctl/cluster_ui.hpp"

namespace elector::ctl {
namespace {

using Argv = std::vector<std::string>;
const std::string kUrl = "http://127.0.0.1:17001/ui";
const std::optional<std::string> kXdg = "/usr/bin/xdg-open";

TEST(ClusterUi, BrowserVariableComesFirstAndTakesTheUrlAsOneWord) {
  const auto argv = ui_opener(kUrl, true, true, "firefox --new-window", kXdg);
  ASSERT_TRUE(argv);
  EXPECT_EQ(*argv, (Argv{"/bin/sh", "-c", "firefox --new-window \"$1\"", "sh", kUrl}));
}

TEST(ClusterUi, XdgOpenWithoutBrowserVariable) {
  EXPECT_EQ(ui_opener(kUrl, true, true, nullptr, kXdg), (Argv{"/usr/bin/xdg-open", kUrl}));
  EXPECT_EQ(ui_opener(kUrl, true, true, "", kXdg), (Argv{"/usr/bin/xdg-open", kUrl}));
}

TEST(ClusterUi, NothingOpensForAScriptForNoOpenOrWithoutAnOpener) {
  EXPECT_FALSE(ui_opener(kUrl, true, false, "firefox", kXdg)) << "stdout is not a terminal";
  EXPECT_FALSE(ui_opener(kUrl, false, true, "firefox", kXdg)) << "--no-open";
  EXPECT_FALSE(ui_opener(kUrl, true, true, nullptr, std::nullopt)) << "no opener at all";
}

}  // namespace
}  // namespace elector::ctl
