// GET /metrics: the node's status and the transport's counters in the Prometheus text format.

#include <gtest/gtest.h>
#include <httplib.h>

#include <sstream>
#include <string>

#include "daemon/control_server.hpp"
#include "daemon/control_server_fixture.hpp"
#include "daemon/metrics.hpp"

namespace elector::daemon {
namespace {

using namespace testing;

TEST_F(ControlServerTest, Metrics) {
  auto& s = backend.node_status;
  s.term = 7;
  s.is_leader = true;
  s.members_by_status = {{elector::MemberState::alive, 5}, {elector::MemberState::dead, 1}};
  s.elections = 3;
  s.campaigns = {{"vote", {{"won", 2}, {"timed_out", 5}}}};
  s.vote_refusals = {{"promised", 9}};
  s.quorum_met = true;
  s.settings_mismatch = {"x", "y"};
  s.state_saved = false;
  s.state_save_failures = 12;
  backend.transport.messages_in = 1234;
  backend.transport.messages_out = 1230;
  backend.transport.bytes_in = 98765;
  backend.transport.bytes_out = 97654;
  backend.transport.dropped = {{"unauthenticated", 2}, {"replayed", 0}};
  backend.transport.in_by_kind = {{"heartbeat", 1100}, {"ping", 67}};
  backend.transport.out_by_kind = {{"ack", 67}};
  auto c = client();
  const auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), kMetricsContentType);
  const std::string& m = r->body;
  for (const char* line :
       {"elector_term 7\n",
        "elector_is_leader 1\n",
        "elector_members{state=\"alive\"} 5\n",
        "elector_members{state=\"suspect\"} 0\n",
        "elector_members{state=\"dead\"} 1\n",
        "elector_members{state=\"left\"} 0\n",
        "elector_elections_total 3\n",
        "elector_campaigns_total{round=\"vote\",outcome=\"won\"} 2\n",
        "elector_campaigns_total{round=\"vote\",outcome=\"timed_out\"} 5\n",
        "elector_vote_refusals_total{reason=\"promised\"} 9\n",
        "elector_messages_total{direction=\"in\"} 1234\n",
        "elector_messages_total{direction=\"out\"} 1230\n",
        "elector_messages_by_kind_total{direction=\"in\",kind=\"heartbeat\"} 1100\n",
        "elector_messages_by_kind_total{direction=\"in\",kind=\"ping\"} 67\n",
        "elector_messages_by_kind_total{direction=\"out\",kind=\"ack\"} 67\n",
        "elector_bytes_total{direction=\"in\"} 98765\n",
        "elector_bytes_total{direction=\"out\"} 97654\n",
        "elector_packets_dropped_total{reason=\"unauthenticated\"} 2\n",
        "elector_packets_dropped_total{reason=\"replayed\"} 0\n",
        "elector_quorum_met 1\n",
        "elector_settings_mismatch 2\n",
        "elector_state_saved 0\n",
        "elector_state_save_failures_total 12\n",
        "# TYPE elector_elections_total counter\n",
        "# TYPE elector_term gauge\n"}) {
    EXPECT_NE(m.find(line), std::string::npos) << line << "\nin:\n" << m;
  }
  // The member states come in one order, every state once, even those no member is in.
  EXPECT_NE(m.find("elector_members{state=\"alive\"} 5\n"
                   "elector_members{state=\"suspect\"} 0\n"
                   "elector_members{state=\"dead\"} 1\n"
                   "elector_members{state=\"left\"} 0\n"
                   "# HELP elector_elections_total"),
            std::string::npos)
      << m;
  // Every line is a comment or `name[{labels}] value`.
  std::istringstream in(m);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(line.rfind("elector_", 0) == 0) << line;
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_NO_THROW((void)std::stoull(line.substr(space + 1))) << line;
  }
}

TEST(Metrics, LabelValuesAreEscaped) {
  elector::TransportStats st;
  st.dropped = {{"we\"ird\\", 1}};
  const auto m = render_metrics(elector::NodeStatus{}, st);
  EXPECT_NE(m.find("elector_packets_dropped_total{reason=\"we\\\"ird\\\\\"} 1\n"),
            std::string::npos)
      << m;
}

}  // namespace
}  // namespace elector::daemon
