#include "ctl/api.hpp"

#include <nlohmann/json.hpp>

namespace elector::ctl {
namespace {

using nlohmann::json;

const json* field(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

[[noreturn]] void bad(const char* key, const char* expected) {
  throw MalformedAnswer(std::string("field '") + key + "' is not " + expected);
}

void read(const json& j, const char* key, std::string& out) {
  if (const auto* v = field(j, key)) {
    if (!v->is_string()) bad(key, "a string");
    out = v->get<std::string>();
  }
}

void read(const json& j, const char* key, std::optional<std::string>& out) {
  out.reset();
  if (const auto* v = field(j, key)) {
    if (!v->is_string()) bad(key, "a string");
    out = v->get<std::string>();
  }
}

void read(const json& j, const char* key, bool& out) {
  if (const auto* v = field(j, key)) {
    if (!v->is_boolean()) bad(key, "a boolean");
    out = v->get<bool>();
  }
}

void read(const json& j, const char* key, std::int64_t& out) {
  if (const auto* v = field(j, key)) {
    if (!v->is_number_integer()) bad(key, "an integer");
    out = v->get<std::int64_t>();
  }
}

void read(const json& j, const char* key, std::optional<std::int64_t>& out) {
  out.reset();
  if (const auto* v = field(j, key)) {
    if (!v->is_number_integer()) bad(key, "an integer");
    out = v->get<std::int64_t>();
  }
}

void read(const json& j, const char* key, std::uint64_t& out) {
  if (const auto* v = field(j, key)) {
    // Parsed text stores every non-negative integer as unsigned, but a json built in code may
    // hold a signed one.
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
      bad(key, "a non-negative integer");
    }
    out = v->get<std::uint64_t>();
  }
}

void read(const json& j, const char* key, std::vector<std::string>& out) {
  out.clear();
  if (const auto* v = field(j, key)) {
    if (!v->is_array()) bad(key, "an array");
    for (const auto& item : *v) {
      if (!item.is_string()) bad(key, "an array of strings");
      out.push_back(item.get<std::string>());
    }
  }
}

void require_object(const json& j, const char* what) {
  if (!j.is_object()) throw MalformedAnswer(std::string(what) + " answer is not a JSON object");
}

}  // namespace

LeaderInfo decode_leader(const json& j) {
  require_object(j, "leader");
  LeaderInfo info;
  read(j, "leader", info.leader);
  read(j, "term", info.term);
  read(j, "is_leader", info.is_leader);
  read(j, "lease_left_ms", info.lease_left_ms);
  return info;
}

StatusInfo decode_status(const json& j) {
  require_object(j, "status");
  StatusInfo s;
  read(j, "name", s.name);
  read(j, "listen", s.listen);
  read(j, "control", s.control);
  read(j, "leader", s.leader);
  read(j, "term", s.term);
  read(j, "is_leader", s.is_leader);
  read(j, "role", s.role);
  read(j, "lease_left_ms", s.lease_left_ms);
  read(j, "quorum_size", s.quorum_size);
  read(j, "quorum_met", s.quorum_met);
  read(j, "strategy", s.strategy);
  read(j, "priority", s.priority);
  read(j, "candidate", s.candidate);
  read(j, "settings_hash", s.settings_hash);
  read(j, "settings_mismatch", s.settings_mismatch);
  if (const auto* m = field(j, "members")) {
    if (!m->is_object()) bad("members", "an object");
    read(*m, "alive", s.members_alive);
    read(*m, "suspect", s.members_suspect);
    read(*m, "dead", s.members_dead);
    read(*m, "left", s.members_left);
  }
  read(j, "elections", s.elections);
  read(j, "uptime_ms", s.uptime_ms);
  read(j, "pid", s.pid);
  return s;
}

std::vector<MemberInfo> decode_members(const json& j) {
  require_object(j, "members");
  const auto* list = field(j, "members");
  if (list == nullptr || !list->is_array()) bad("members", "an array");
  std::vector<MemberInfo> out;
  for (const auto& item : *list) {
    if (!item.is_object()) bad("members", "an array of objects");
    MemberInfo m;
    read(item, "name", m.name);
    if (m.name.empty()) throw MalformedAnswer("a member has no name");
    read(item, "addr", m.addr);
    read(item, "control", m.control);
    read(item, "status", m.status);
    read(item, "priority", m.priority);
    read(item, "candidate", m.candidate);
    read(item, "settings_match", m.settings_match);
    read(item, "self", m.self);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace elector::ctl
