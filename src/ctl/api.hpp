// Typed answers of the control API (docs/control-api.md) and their decoding from JSON.
//
// Decoding is tolerant of missing fields (a newer or older daemon may add or omit some) and
// strict about types: a field that is present with the wrong type makes the answer malformed.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace elector::ctl {

/// GET /v1/leader
struct LeaderInfo {
  std::optional<std::string> leader;  // nullopt: the node sees no leader
  std::uint64_t term = 0;
  bool is_leader = false;
  /// Time left on the answering node's own lease when the answer was made (0: it does not lead).
  std::int64_t lease_left_ms = 0;
};

/// GET /v1/status
struct StatusInfo {
  std::string name;
  std::string listen;
  std::string control;
  std::optional<std::string> leader;
  std::uint64_t term = 0;
  bool is_leader = false;
  std::string role;
  std::int64_t lease_left_ms = 0;
  std::int64_t quorum_size = 1;
  bool quorum_met = true;
  std::string strategy;
  std::optional<std::int64_t> priority;
  bool candidate = true;
  std::string settings_hash;
  std::vector<std::string> settings_mismatch;
  std::int64_t members_alive = 0;
  std::int64_t members_suspect = 0;
  std::int64_t members_dead = 0;
  std::int64_t members_left = 0;
  std::uint64_t elections = 0;
  std::int64_t uptime_ms = 0;
  std::int64_t pid = 0;
};

/// One entry of GET /v1/members
struct MemberInfo {
  std::string name;
  std::string addr;
  std::string control;  // empty when the member does not publish a control address
  std::string status;   // alive, suspect, dead or left
  std::optional<std::int64_t> priority;
  bool candidate = true;
  bool settings_match = true;
  bool self = false;
};

/// Thrown by the decoders when an answer is not what the API promises.
class MalformedAnswer : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

LeaderInfo decode_leader(const nlohmann::json& j);
StatusInfo decode_status(const nlohmann::json& j);
std::vector<MemberInfo> decode_members(const nlohmann::json& j);

}  // namespace elector::ctl
