// Requests to one node's control API (docs/control-api.md), with typed results.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ctl/api.hpp"
#include "ctl/endpoint.hpp"
#include "ctl/errors.hpp"

namespace elector::ctl {

/// A request that did not give the expected answer. It is a Failure (exit code 1).
class NodeError : public Failure {
 public:
  enum class Kind {
    unreachable,  // no connection, or no answer within the timeout
    http,         // an HTTP error status; http_status() says which
    malformed,    // an answer that is not what the API promises
  };
  NodeError(Kind kind, int http_status, const std::string& what)
      : Failure(what), kind_(kind), http_status_(http_status) {}
  Kind kind() const { return kind_; }
  int http_status() const { return http_status_; }

 private:
  Kind kind_;
  int http_status_;
};

/// The outcome of POST /v1/elect.
struct ElectOutcome {
  enum class Result {
    started,            // without sync: the election started
    elected,            // with sync: an election finished with `leader`
    quorum_not_met,     // 409: fewer than quorum_size members are reachable
    no_leader_in_time,  // 504, or no answer before the timeout
    stopping,           // 503: the node is shutting down
  };
  Result result = Result::started;
  std::optional<std::string> leader;
  std::uint64_t term = 0;
  std::string error;  // the node's own words, for the non-success results
};

/// Asks one node. Every call opens its own short-lived connection, so one NodeClient may be used
/// from several threads at once. A node that is dead or frozen costs at most `timeout` per call
/// (connect and each read are bounded by it).
class NodeClient {
 public:
  explicit NodeClient(Endpoint endpoint,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

  const Endpoint& endpoint() const { return endpoint_; }

  LeaderInfo leader() const;
  StatusInfo status() const;
  std::vector<MemberInfo> members() const;
  /// With sync, waits up to `sync_timeout` for the node to report a leader.
  ElectOutcome elect(bool sync, std::chrono::milliseconds sync_timeout) const;
  void clear_leader() const;

 private:
  Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
};

}  // namespace elector::ctl
