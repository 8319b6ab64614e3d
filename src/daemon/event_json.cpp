#include "daemon/event_json.hpp"

#include <variant>

namespace elector::daemon {

namespace {

Json optional_name(const std::optional<std::string>& s) {
  return s ? Json(*s) : Json(nullptr);
}

const char* setting_name(elector::ElectionSetting s) {
  switch (s) {
    case elector::ElectionSetting::strategy:
      return "strategy";
    case elector::ElectionSetting::quorum_size:
      return "quorum_size";
    case elector::ElectionSetting::election_delay:
      return "election_delay";
    case elector::ElectionSetting::heartbeat_interval:
      return "heartbeat_interval";
    case elector::ElectionSetting::hooks_execution:
      return "hooks_execution";
    case elector::ElectionSetting::automatic_elections:
      return "automatic_elections";
  }
  return "?";
}

/// Durations in milliseconds, as the settings are given.
Json ms_value(elector::Duration d) {
  if (d % elector::ms(1) == elector::Duration::zero()) return elector::to_ms(d);
  return static_cast<double>(d.count()) / 1e6;
}

/// One setting's value, as the configuration gives it.
Json setting_value(const elector::ElectionSettings& v, elector::ElectionSetting s) {
  switch (s) {
    case elector::ElectionSetting::strategy:
      return v.strategy;
    case elector::ElectionSetting::quorum_size:
      return v.quorum_size;
    case elector::ElectionSetting::election_delay:
      return ms_value(v.election_delay);
    case elector::ElectionSetting::heartbeat_interval:
      return ms_value(v.heartbeat_interval);
    case elector::ElectionSetting::hooks_execution:
      return elector::to_string(v.hooks_execution);
    case elector::ElectionSetting::automatic_elections:
      return v.automatic_elections;
  }
  return nullptr;
}

std::string setting_text(const elector::ElectionSettings& v, elector::ElectionSetting s) {
  const Json j = setting_value(v, s);
  return j.is_string() ? j.get<std::string>() : j.dump();
}

struct Fields {
  Json& j;
  void operator()(const elector::LeaderChanged& e) const {
    j["leader"] = optional_name(e.leader);
    j["term"] = e.term;
  }
  void operator()(const elector::LeadershipAcquired& e) const { j["term"] = e.term; }
  void operator()(const elector::LeadershipLost& e) const {
    j["term"] = e.term;
    j["effective_mono_ns"] = elector::to_ns(e.effective);
    j["reason"] = to_string(e.reason);
  }
  void operator()(const elector::ElectionStarted& e) const {
    j["election"] = e.election;
    j["reason"] = to_string(e.reason);
    j["initiator"] = e.initiator;
  }
  void operator()(const elector::ElectionFinished& e) const {
    j["election"] = e.election;
    j["leader"] = optional_name(e.leader);
    j["term"] = e.term;
    j["took_ms"] = elector::to_ms(e.took);
    j["initiator"] = e.initiator;
  }
  void operator()(const elector::MemberUp& e) const { j["member"] = e.member; }
  void operator()(const elector::MemberDown& e) const {
    j["member"] = e.member;
    j["reason"] = to_string(e.reason);
  }
  void operator()(const elector::SettingsMismatch& e) const {
    j["member"] = e.member;
    Json differs = Json::object();
    for (const auto s : e.differs) {
      differs[setting_name(s)] = {{"member", setting_value(e.member_settings, s)},
                                  {"this_node", setting_value(e.own_settings, s)}};
    }
    j["differs"] = std::move(differs);
  }
  void operator()(const elector::AvailabilityMode& e) const {
    j["quorum"] = e.quorum;
    j["cluster_size"] = e.cluster_size;
  }
};

}  // namespace

Json event_json(elector::Time at, std::string_view node, const elector::Event& e) {
  Json j;
  j["t_mono_ns"] = elector::to_ns(at);
  j["node"] = node;
  j["event"] = elector::event_name(e);
  std::visit(Fields{j}, e);
  return j;
}

std::string event_line(elector::Time at, std::string_view node, const elector::Event& e) {
  // Replace invalid UTF-8 (names come from the network) instead of throwing.
  return event_json(at, node, e).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string event_text(const elector::Event& e) {
  struct Text {
    std::string operator()(const elector::LeaderChanged& e) const {
      return e.leader ? "leader is now " + *e.leader + " (term " + std::to_string(e.term) + ")"
                      : "no leader (term " + std::to_string(e.term) + ")";
    }
    std::string operator()(const elector::LeadershipAcquired& e) const {
      return "this node is the leader (term " + std::to_string(e.term) + ")";
    }
    std::string operator()(const elector::LeadershipLost& e) const {
      return "this node is no longer the leader (term " + std::to_string(e.term) + ", " +
             to_string(e.reason) + ")";
    }
    std::string operator()(const elector::ElectionStarted& e) const {
      return "election " + std::to_string(e.election) + " started (" + to_string(e.reason) +
             (e.initiator ? ", run by this node)" : ")");
    }
    std::string operator()(const elector::ElectionFinished& e) const {
      return "election " + std::to_string(e.election) + " finished in " +
             std::to_string(elector::to_ms(e.took)) + " ms" +
             (e.initiator ? " (run by this node)" : "") + ": " +
             (e.leader ? "leader " + *e.leader + " (term " + std::to_string(e.term) + ")"
                       : std::string("no leader"));
    }
    std::string operator()(const elector::MemberUp& e) const {
      return "member " + e.member + " up";
    }
    std::string operator()(const elector::MemberDown& e) const {
      return "member " + e.member + " down (" + to_string(e.reason) + ")";
    }
    std::string operator()(const elector::SettingsMismatch& e) const {
      // "member box4 runs quorum_size=3 (this node 0): ..."
      std::string what;
      for (const auto s : e.differs) {
        what += std::string(what.empty() ? "" : ", ") + setting_name(s) + "=" +
                setting_text(e.member_settings, s) + " (this node " +
                setting_text(e.own_settings, s) + ")";
      }
      return "member " + e.member + " runs " +
             (what.empty() ? std::string("with other election settings") : what) +
             ": it is not voted for until every node has the same strategy, quorum_size, "
             "election_delay, heartbeat_interval, hooks_execution and automatic_elections";
    }
    std::string operator()(const elector::AvailabilityMode& e) const {
      return "AVAILABILITY MODE: quorum_size " + std::to_string(e.quorum) + " of " +
             std::to_string(e.cluster_size) +
             " known members is half the cluster or less; a partition can elect two leaders "
             "(leave quorum_size unset for a majority)";
    }
  };
  return std::visit(Text{}, e);
}

}  // namespace elector::daemon
