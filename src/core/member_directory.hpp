// What members are, stored once: names and per-boot identities (name, address, boot, metadata)
// shared by every membership view that refers to them.
//
// A view of N members would otherwise hold N copies of strings that are the same in every view:
// in the simulator, where N nodes each hold a view of N members, those copies are most of the
// memory (issue 2). Views keep a pointer to an interned MemberInfo and only what is their own
// (status, incarnation, timestamps).
//
// Entries are immutable once inserted and never removed: a pointer or reference obtained from the
// directory stays valid for its lifetime. It grows with every distinct name and every distinct
// (address, boot, metadata) of a name it has seen: a restarted peer adds one entry of ~200 bytes.
// Ids are handed out in the order names are first seen, so iterating by id is deterministic for a
// given sequence of inputs.
//
// Not thread-safe: one thread uses a directory, and every core that shares it (the simulator's
// nodes) runs on that thread. A real node owns its directory (NodeCore creates one).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/messages.hpp"

namespace elector::core {

/// One boot of one member as others see it: changes only with a new boot (or a new address or
/// metadata announced with a higher incarnation).
struct MemberInfo {
  std::uint32_t id = 0;  // the name's id in the directory
  const std::string* name = nullptr;
  std::string addr;
  std::uint64_t boot = 0;
  MemberMeta meta;
};

class MemberDirectory {
 public:
  MemberDirectory() = default;
  MemberDirectory(const MemberDirectory&) = delete;
  MemberDirectory& operator=(const MemberDirectory&) = delete;

  /// The id of `name`, added if new.
  std::uint32_t id(std::string_view name);
  [[nodiscard]] std::optional<std::uint32_t> find(std::string_view name) const;
  [[nodiscard]] const std::string& name(std::uint32_t id) const { return *names_[id]; }
  [[nodiscard]] std::size_t size() const { return names_.size(); }

  /// The shared identity of `u` (its name, address, boot and metadata); equal identities give the
  /// same pointer.
  const MemberInfo* intern(const MemberUpdate& u);

 private:
  std::vector<std::unique_ptr<const std::string>> names_;    // by id; the strings never move
  std::unordered_map<std::string_view, std::uint32_t> ids_;  // keys view into names_
  std::vector<std::vector<std::unique_ptr<const MemberInfo>>> infos_;  // by id, oldest first
};

}  // namespace elector::core
