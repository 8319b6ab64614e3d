#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "ctl/api.hpp"
#include "ctl/endpoint.hpp"
#include "ctl/errors.hpp"
#include "ctl/table.hpp"

namespace elector::ctl {
namespace {

TEST(Endpoint, ParsesHostPort) {
  EXPECT_EQ(try_parse_endpoint("127.0.0.1:7947"), (Endpoint{"127.0.0.1", 7947, {}}));
  EXPECT_EQ(try_parse_endpoint("localhost:1"), (Endpoint{"localhost", 1, {}}));
  EXPECT_EQ(try_parse_endpoint("[::1]:17001"), (Endpoint{"::1", 17001, {}}));
  EXPECT_EQ((Endpoint{"::1", 17001, {}}).to_string(), "[::1]:17001");
  EXPECT_EQ((Endpoint{"127.0.0.1", 80, {}}).to_string(), "127.0.0.1:80");
}

TEST(Endpoint, RejectsMalformedAddresses) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":7947", "h:0", "h:65536", "h:80x", "h:-1",
                          "::1:80", "[::1]", "[::1]80", "unix:/run/elector.sock"}) {
    EXPECT_FALSE(try_parse_endpoint(bad)) << bad;
  }
}

TEST(Endpoint, UsageErrorsNameTheSourceAndValue) {
  try {
    parse_endpoint("nonsense", "--control");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--control 'nonsense'"), std::string::npos) << e.what();
  }
  try {
    parse_endpoint("unix:/run/e.sock", "ELECTOR_CONTROL");
    FAIL();
  } catch (const UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("ELECTOR_CONTROL unix:/run/e.sock"), std::string::npos) << what;
    EXPECT_NE(what.find("not supported"), std::string::npos) << what;
  }
}

TEST(Api, DecodesLeader) {
  auto info =
      decode_leader(nlohmann::json::parse(R"({"leader": "box1", "term": 7, "is_leader": false})"));
  EXPECT_EQ(info.leader, "box1");
  EXPECT_EQ(info.term, 7u);
  EXPECT_FALSE(info.is_leader);
  EXPECT_EQ(info.lease_left_ms, 0);  // an older server leaves it out
  info = decode_leader(nlohmann::json::parse(
      R"({"leader": "box1", "term": 8, "is_leader": true, "lease_left_ms": 1500})"));
  EXPECT_EQ(info.lease_left_ms, 1500);
  info = decode_leader(nlohmann::json::parse(R"({"leader": null, "term": 0, "is_leader": false})"));
  EXPECT_FALSE(info.leader);
  nlohmann::json built;  // a signed integer, as code (not the parser) may store it
  built["term"] = std::int64_t{12};
  EXPECT_EQ(decode_leader(built).term, 12u);
}

TEST(Api, WrongTypesAreMalformed) {
  EXPECT_THROW(decode_leader(nlohmann::json::parse(R"({"leader": 5})")), MalformedAnswer);
  EXPECT_THROW(decode_leader(nlohmann::json::parse(R"({"term": -1})")), MalformedAnswer);
  EXPECT_THROW(decode_leader(nlohmann::json::parse("[]")), MalformedAnswer);
  EXPECT_THROW(decode_status(nlohmann::json::parse(R"({"members": 5})")), MalformedAnswer);
  EXPECT_THROW(decode_members(nlohmann::json::parse(R"({"members": [{"addr": "x"}]})")),
               MalformedAnswer);
  EXPECT_THROW(decode_members(nlohmann::json::parse(R"({})")), MalformedAnswer);
}

TEST(Api, DecodesMembers) {
  const auto members = decode_members(nlohmann::json::parse(R"({"members": [
    {"name": "box1", "addr": "127.0.0.1:7001", "control": "127.0.0.1:17001", "status": "alive",
     "priority": 1, "candidate": true, "settings_match": true, "self": false},
    {"name": "box2", "addr": "127.0.0.1:7002", "status": "dead", "priority": null,
     "candidate": false, "settings_match": false, "self": true}]})"));
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].control, "127.0.0.1:17001");
  EXPECT_EQ(members[0].priority, 1);
  EXPECT_EQ(members[1].control, "");
  EXPECT_FALSE(members[1].priority);
  EXPECT_FALSE(members[1].candidate);
  EXPECT_FALSE(members[1].settings_match);
  EXPECT_TRUE(members[1].self);
  EXPECT_EQ(members[1].status, "dead");
}

TEST(Table, AlignsColumnsWithoutTrailingSpaces) {
  EXPECT_EQ(render_table({"NAME", "PID", "STATE"}, {{"box1", "12", "running"}, {"box10", "", ""}}),
            "NAME   PID  STATE\n"
            "box1   12   running\n"
            "box10\n");
}

TEST(Table, NaturalOrder) {
  EXPECT_TRUE(natural_less("box2", "box10"));
  EXPECT_FALSE(natural_less("box10", "box2"));
  EXPECT_TRUE(natural_less("box1", "box1a"));
  EXPECT_TRUE(natural_less("alpha", "box1"));
  EXPECT_FALSE(natural_less("box3", "box3"));
}

TEST(Endpoint, TokenFileIsReadWithoutItsNewline) {
  const std::string path = ::testing::TempDir() + "/elector-token-test";
  { std::ofstream(path) << "0123456789abcdef\n"; }
  EXPECT_EQ(read_token_file(path, "--token-file"), "0123456789abcdef");
  { std::ofstream(path) << "\n"; }
  EXPECT_THROW(read_token_file(path, "--token-file"), UsageError);
  std::remove(path.c_str());
  try {
    read_token_file(path, "--token-file");
    FAIL() << "a missing file must be refused";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--token-file '" + path + "'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace elector::ctl
