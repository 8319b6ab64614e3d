#include "core/quorum.hpp"

#include <algorithm>

namespace elector::core {

std::size_t quorum_for(const Config& c, std::size_t known) {
  if (c.quorum_size > 0) return static_cast<std::size_t>(c.quorum_size);
  return majority_of(std::max<std::size_t>(known, 1));
}

void KnownSize::use_directory(std::shared_ptr<MemberDirectory> dir) {
  if (!dir || dir == dir_) return;
  std::vector<bool> known;
  for (std::size_t i = 0; i < known_.size(); ++i) {
    if (!known_[i]) continue;
    const std::uint32_t id = dir->id(dir_->name(static_cast<std::uint32_t>(i)));
    if (known.size() <= id) known.resize(id + 1, false);
    known[id] = true;
  }
  known_ = std::move(known);
  dir_ = std::move(dir);
}

void KnownSize::add(const std::string& name) {
  const std::uint32_t id = dir_->id(name);
  if (known_.size() <= id) known_.resize(std::max<std::size_t>(id + 1, dir_->size()), false);
  if (known_[id]) return;
  known_[id] = true;
  ++count_;
  high_ = std::max(high_, count_ + 1);
}

void KnownSize::left(const std::string& name) {
  const auto id = dir_->find(name);
  if (!id || *id >= known_.size() || !known_[*id]) return;
  known_[*id] = false;
  --count_;
}

}  // namespace elector::core
