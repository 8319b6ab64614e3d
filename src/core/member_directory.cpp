#include "core/member_directory.hpp"

namespace elector::core {

std::uint32_t MemberDirectory::id(std::string_view name) {
  if (auto it = ids_.find(name); it != ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(names_.size());
  names_.push_back(std::make_unique<const std::string>(name));
  infos_.emplace_back();
  ids_.emplace(*names_.back(), id);
  return id;
}

std::optional<std::uint32_t> MemberDirectory::find(std::string_view name) const {
  auto it = ids_.find(name);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const MemberInfo* MemberDirectory::intern(const MemberUpdate& u) {
  const std::uint32_t i = id(u.name);
  auto& infos = infos_[i];
  // Newest first: the current boot is almost always the one asked for.
  for (auto it = infos.rbegin(); it != infos.rend(); ++it) {
    const MemberInfo& m = **it;
    if (m.boot == u.boot && m.addr == u.addr && m.meta == u.meta) return &m;
  }
  infos.push_back(
      std::make_unique<const MemberInfo>(MemberInfo{i, names_[i].get(), u.addr, u.boot, u.meta}));
  return infos.back().get();
}

}  // namespace elector::core
