// GET /metrics: the node's status and the transport's counters in the Prometheus text format.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <sstream>
#include <string>

#include "daemon/control_server.hpp"
#include "daemon/control_server_fixture.hpp"
#include "daemon/metrics.hpp"
#include "daemon/metrics_record.hpp"
#include "daemon/process_metrics.hpp"

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
  s.lease_left = std::chrono::milliseconds(1500);
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
  for (const char* line : {"elector_term 7\n",
                           "elector_is_leader 1\n",
                           "elector_members{state=\"alive\"} 5\n",
                           "elector_members{state=\"suspect\"} 0\n",
                           "elector_members{state=\"dead\"} 1\n",
                           "elector_members{state=\"left\"} 0\n",
                           "elector_elections_total 3\n",
                           "elector_campaigns_total{round=\"vote\",outcome=\"won\"} 2\n",
                           "elector_campaigns_total{round=\"vote\",outcome=\"timed_out\"} 5\n",
                           "elector_vote_refusals_total{reason=\"promised\"} 9\n",
                           "elector_messages_total{direction=\"in\",kind=\"heartbeat\"} 1100\n",
                           "elector_messages_total{direction=\"in\",kind=\"ping\"} 67\n",
                           "elector_messages_total{direction=\"out\",kind=\"ack\"} 67\n",
                           "elector_bytes_total{direction=\"in\"} 98765\n",
                           "elector_bytes_total{direction=\"out\"} 97654\n",
                           "elector_packets_dropped_total{reason=\"unauthenticated\"} 2\n",
                           "elector_packets_dropped_total{reason=\"replayed\"} 0\n",
                           "elector_quorum_met 1\n",
                           "elector_settings_mismatch_members 2\n",
                           "elector_lease_remaining_seconds 1.5\n",
                           "elector_hook_runs_total{hook=\"pre\",outcome=\"timed_out\"} 0\n",
                           "elector_election_duration_seconds_count 0\n",
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
  // The per-direction sums of the kinds are not repeated under another label set.
  EXPECT_EQ(m.find("elector_messages_total{direction=\"in\"}"), std::string::npos) << m;
  EXPECT_NE(m.find("elector_build_info{version=\""), std::string::npos) << m;
  // The server reads this process's figures for the page.
  EXPECT_NE(m.find("\nprocess_open_fds "), std::string::npos) << m;
  // Every line is a comment or `name[{labels}] value`.
  std::istringstream in(m);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(line.rfind("elector_", 0) == 0 || line.rfind("process_", 0) == 0) << line;
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_NO_THROW((void)std::stod(line.substr(space + 1))) << line;
  }
}

TEST(Metrics, HistogramsAndHookRuns) {
  MetricsRecord rec;
  rec.election_finished(std::chrono::milliseconds(250));
  rec.election_finished(std::chrono::seconds(2));
  rec.leader_loss_detected(std::chrono::seconds(20));
  HookResult hook;
  hook.phase = elector::HookRequest::Phase::post;
  hook.outcome = HookResult::Outcome::failed;
  rec.hook_ran(hook);
  rec.hook_ran(hook);
  const auto m = render_metrics(elector::NodeStatus{}, elector::TransportStats{}, rec.snapshot());
  for (const char* line : {
           "# TYPE elector_election_duration_seconds histogram\n",
           "elector_election_duration_seconds_bucket{le=\"0.001\"} 0\n",
           "elector_election_duration_seconds_bucket{le=\"0.1\"} 0\n",
           "elector_election_duration_seconds_bucket{le=\"0.25\"} 1\n",
           "elector_election_duration_seconds_bucket{le=\"1\"} 1\n",
           "elector_election_duration_seconds_bucket{le=\"2.5\"} 2\n",
           "elector_election_duration_seconds_bucket{le=\"+Inf\"} 2\n",
           "elector_election_duration_seconds_sum 2.25\n",
           "elector_election_duration_seconds_count 2\n",
           // Past the last bound: only +Inf counts it.
           "elector_leader_loss_detection_seconds_bucket{le=\"10\"} 0\n",
           "elector_leader_loss_detection_seconds_bucket{le=\"+Inf\"} 1\n",
           "elector_leader_loss_detection_seconds_sum 20\n",
           "elector_hook_runs_total{hook=\"post\",outcome=\"failed\"} 2\n",
           "elector_hook_runs_total{hook=\"post\",outcome=\"ok\"} 0\n",
       }) {
    EXPECT_NE(m.find(line), std::string::npos) << line << "\nin:\n" << m;
  }
  // Without the process's figures the process family is left out, not shown as zeros.
  EXPECT_EQ(m.find("process_"), std::string::npos) << m;
}

TEST(Metrics, ProcessStatParsed) {
  // /proc/PID/stat of a process whose command holds a space and a parenthesis.
  const std::string stat =
      "4242 (electord (x)) S 1 4242 4242 0 -1 4194560 300 0 0 0 150 50 0 0 20 0 5 0 1000 "
      "123456789 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  const auto s = parse_proc_stat(stat, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 2.0);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1'700'000'010.0);
  EXPECT_EQ(s->virtual_memory_bytes, 123456789u);
  EXPECT_EQ(s->resident_memory_bytes, 2500u * 4096u);
  EXPECT_FALSE(parse_proc_stat("4242 (electord) S 1 2", 100, 4096, 0));
  const auto live = read_process_stats();
  ASSERT_TRUE(live);
  EXPECT_GT(live->open_fds, 0u);
  EXPECT_GE(live->max_fds, live->open_fds);
  EXPECT_GT(live->resident_memory_bytes, 0u);
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
