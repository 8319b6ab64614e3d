// The control server's request parser alone (parse_http_request, percent_decode): requests cut
// out of the bytes as they arrive, and the limits and errors, each with its status code.

#include <gtest/gtest.h>

#include <string>

#include "daemon/http_request.hpp"

namespace elector::daemon {
namespace {

TEST(HttpRequestParser, CutsRequestsOutOfTheBytes) {
  std::string buf = "GET /a%20b?x=1&y=a+b%21&flag HTTP/1.1\r\nHost: h\r\nX-Y:  v \r\n\r\nPOST";
  HttpRequest r;
  auto p = parse_http_request(buf, HttpLimits{}, r);
  ASSERT_EQ(p.state, HttpParse::State::complete) << p.message;
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/a b");
  ASSERT_NE(r.param("y"), nullptr);
  EXPECT_EQ(*r.param("y"), "a b!");
  ASSERT_NE(r.param("flag"), nullptr);
  EXPECT_EQ(*r.param("flag"), "");
  EXPECT_EQ(r.param("z"), nullptr);
  ASSERT_NE(r.header("x-y"), nullptr);
  EXPECT_EQ(*r.header("x-y"), "v");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(buf, "POST");

  // The rest arrives in pieces: incomplete until the whole body is there.
  buf += " /p HTTP/1.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nab";
  p = parse_http_request(buf, HttpLimits{}, r);
  EXPECT_EQ(p.state, HttpParse::State::incomplete);
  buf += "cd";
  p = parse_http_request(buf, HttpLimits{}, r);
  ASSERT_EQ(p.state, HttpParse::State::complete) << p.message;
  EXPECT_EQ(r.body, "abcd");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_TRUE(buf.empty());
}

TEST(HttpRequestParser, LimitsAndErrors) {
  HttpLimits small;
  small.max_header_bytes = 64;
  small.max_body_bytes = 10;
  HttpRequest r;
  std::string buf = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a');
  EXPECT_EQ(parse_http_request(buf, small, r).status, 431);  // before the head is complete
  buf = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 413);
  buf = "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 413);
  buf = "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 400);
  buf = "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 413);
  // The field refused decides, not a later one: the answer must not depend on how much of the
  // head has arrived (Beast may refuse a field before the head is complete).
  // A folded Content-Length is refused as the folded whole, which is known only once the line
  // after it has arrived.
  for (const std::string head :
       {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: POST / HTTP/1.1\r\nHost: x\r\n"
        "Content-Length: 99999999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 7\r\n folded\r\n"
        "Content-Length: 99999999999999999999999\r\n\r\n"}) {
    for (std::size_t cut = 1; cut <= head.size(); ++cut) {
      buf = head.substr(0, cut);
      HttpParse p = parse_http_request(buf, small, r);
      if (p.state == HttpParse::State::incomplete) {
        buf += head.substr(cut);
        p = parse_http_request(buf, small, r);
      }
      EXPECT_EQ(p.status, 400) << head << " cut after " << cut << " bytes";
    }
  }
  buf = "POST / HTTP/1.1\r\nContent-Length:\r\n 3\r\n\r\nabc";  // folded, but a number
  EXPECT_EQ(parse_http_request(buf, small, r).state, HttpParse::State::complete);
  EXPECT_EQ(r.body, "abc");
  buf = "GET / HTTP/1.1\r\n folded\r\n\r\n";
  EXPECT_EQ(parse_http_request(buf, small, r).status, 400);
  buf = "BAD LINE\r\n";  // rejected without waiting for the rest of the head
  EXPECT_EQ(parse_http_request(buf, small, r).status, 400);
  buf = "GET / HTTP/1.1\r";
  EXPECT_EQ(parse_http_request(buf, small, r).state, HttpParse::State::incomplete);
  std::string out;
  EXPECT_FALSE(percent_decode("%4", false, out));
  EXPECT_FALSE(percent_decode("%g0", false, out));
  EXPECT_TRUE(percent_decode("a+b%2B", false, out));
  EXPECT_EQ(out, "a+b+");
}

}  // namespace
}  // namespace elector::daemon
