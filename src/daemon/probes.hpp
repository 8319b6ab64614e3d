// The control API's probes, for supervisors such as Kubernetes: liveness (GET /healthz),
// readiness (GET /readyz) and leadership (GET /readyz?role=leader). Each answer is a status code
// and a JSON body; control_server.cpp serves them.
//
// Readiness: a node is ready when it has joined the cluster and its election settings agree with
// every member's. "Joined" is NodeStatus::quorum_met: the members it sees up (alive or suspect,
// itself included) are at least the quorum of the cluster's known size, so that it can back a
// leader or be elected. A node alone in a one-node cluster is joined; one that started with seeds
// nobody answers, or that is cut off from most of its cluster, is not.
//
// Thread safety: pure functions.
#pragma once

#include "daemon/control_backend.hpp"
#include "daemon/event_json.hpp"
#include "elector/node.hpp"

namespace elector::daemon {

struct ProbeAnswer {
  int status = 200;
  Json body;
};

/// Members of `st` that count toward the quorum now (alive or suspect), this node included.
std::size_t up_members(const elector::NodeStatus& st);

/// 200 {"status":"ok"}: the process serves requests.
ProbeAnswer liveness();

/// 200 when joined and without a settings mismatch, else 503 naming the checks that failed.
ProbeAnswer readiness(const elector::NodeStatus& st);

/// 200 while this node holds the lease (`v.is_leader`), else 503.
ProbeAnswer leader_readiness(const LeaderView& v);

}  // namespace elector::daemon
