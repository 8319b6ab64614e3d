// The router's choice of channel (net::channel_for): UDP only for what the core routes as a
// datagram and fits in one.

#include "test_asio.hpp"  // first: Asio configured as elector_net compiles it

#include "net/router.hpp"

#include <gtest/gtest.h>

namespace elector::net {
namespace {

TEST(RouterChannel, ADatagramThatFitsGoesOverUdp) {
  EXPECT_EQ(channel_for(core::Route::datagram, 100, 1400), Channel::udp);
  EXPECT_EQ(channel_for(core::Route::datagram, 1400, 1400), Channel::udp);
}

TEST(RouterChannel, ADatagramTooLargeGoesOverTcp) {
  EXPECT_EQ(channel_for(core::Route::datagram, 1401, 1400), Channel::tcp);
  EXPECT_EQ(channel_for(core::Route::datagram, 1, 0), Channel::tcp);
}

TEST(RouterChannel, AStreamGoesOverTcpHoweverSmall) {
  EXPECT_EQ(channel_for(core::Route::stream, 1, 1400), Channel::tcp);
  EXPECT_EQ(channel_for(core::Route::stream, 0, 1400), Channel::tcp);
}

}  // namespace
}  // namespace elector::net
