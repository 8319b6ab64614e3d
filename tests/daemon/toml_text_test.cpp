#include "daemon/toml_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace electord {
namespace {

// "é" in UTF-8, a character that toml++ 3.3.0's whitespace test does not expect.
const std::string kE = "\xc3\xa9";

/// "line:column" of the problem check_toml_text finds in `text`, or "none".
std::string at(const std::string& text) {
  const auto p = check_toml_text(text);
  return p ? std::to_string(p->line) + ":" + std::to_string(p->column) : std::string("none");
}

TEST(TomlText, NonAsciiInStringsAndCommentsIsFine) {
  for (const std::string& text : {
           "# caf" + kE + "\na = 1\n", "a = 1 # " + kE + "\n", "a = \"caf" + kE + "\"\n",
           "a = 'caf" + kE + "'\n", "a = \"\"\"x\n" + kE + "\"\"\"\n", "a = '''\\\n" + kE + "'''\n",
           "\"" + kE + "\" = 1\n", "a = \"\\\"" + kE + "\"\n",
           "a = \"\\" + kE + "\"\n",  // a bad escape, which toml++ reports
           "a = \"\"\"\\\n  \"" + kE + "\"\"\"\n", std::string("a = \"\"\"\\\n \\u00e9\"\"\"\n"),
           "a = \"\"\"x\"\"\"\"\"\nb = \"" + kE + "\"\n",  // content ending in two quotes
       }) {
    EXPECT_FALSE(check_toml_text(text).has_value()) << text;
  }
}

TEST(TomlText, NonAsciiOutsideStringsAndCommentsIsNamedByLineAndColumn) {
  EXPECT_EQ(at(kE + " = 1\n"), "1:1");
  EXPECT_EQ(at("a = 1\nb = " + kE + "\n"), "2:5");
  EXPECT_EQ(at("a = 1 " + kE + "\n"), "1:7");
  EXPECT_EQ(at("[" + kE + "]\n"), "1:2");
  EXPECT_EQ(at("a = [1, " + kE + "]\n"), "1:9");
  EXPECT_EQ(at("a.b" + kE + " = 1\n"), "1:4");
  EXPECT_EQ(at("a = \"x\" # \"\nb = \"\"\"y\"\"\" " + kE + "\n"), "2:13");
  EXPECT_EQ(at("\xcc\xaa"), "1:1");
  const auto p = check_toml_text("a = " + kE);
  ASSERT_TRUE(p.has_value());
  EXPECT_NE(p->message.find("outside a string or comment"), std::string::npos) << p->message;
}

TEST(TomlText, NonAsciiAfterABackslashInAMultiLineBasicStringIsRefused) {
  EXPECT_EQ(at("a = \"\"\"\\\n  " + kE + "\"\"\"\n"), "2:3");
  EXPECT_EQ(at("a = \"\"\"\\\r\n" + kE + "\"\"\"\n"), "2:1");
  EXPECT_EQ(at("a = \"\"\"\\\n\\\n \t\n" + kE + "\"\"\"\n"), "4:1");
  EXPECT_EQ(at("a = \"\"\"\\" + kE + "\"\"\"\n"), "1:9");
  EXPECT_EQ(at("a = \"\"\"\\  " + kE + "\"\"\"\n"), "1:11");
  const auto p = check_toml_text("a = \"\"\"\\\n" + kE + "\"\"\"");
  ASSERT_TRUE(p.has_value());
  EXPECT_NE(p->message.find("\\uXXXX"), std::string::npos) << p->message;
}

TEST(TomlText, TheCheckStopsWhereTomlWouldFail) {
  // An unclosed string: toml++ reports it before it reads the next line.
  EXPECT_FALSE(check_toml_text("a = \"x\nb = " + kE + "\n").has_value());
  EXPECT_FALSE(check_toml_text("a = \"\"\"x\n" + kE).has_value());
  EXPECT_FALSE(check_toml_text("a = '''x\n" + kE).has_value());
  EXPECT_FALSE(check_toml_text("").has_value());
}

}  // namespace
}  // namespace electord
