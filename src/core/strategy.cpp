#include "elector/strategy.hpp"

#include <functional>

namespace elector {

namespace {

/// A built-in strategy: a name and an ordering.
class Builtin final : public Strategy {
 public:
  using Better = bool (*)(const CandidateInfo&, const CandidateInfo&);
  Builtin(std::string_view name, Better order) : name_(name), better_(order) {}
  [[nodiscard]] std::string_view name() const override { return name_; }
  [[nodiscard]] bool better(const CandidateInfo& a, const CandidateInfo& b) const override {
    return better_(a, b);
  }

 private:
  std::string name_;  // owned: the caller's string may not outlive the strategy
  Better better_;
};

}  // namespace

std::shared_ptr<const Strategy> make_strategy(std::string_view name) {
  if (name == "uptime_high") {
    return std::make_shared<Builtin>(
        name, [](const CandidateInfo& a, const CandidateInfo& b) { return a.started < b.started; });
  }
  if (name == "uptime_low") {
    return std::make_shared<Builtin>(
        name, [](const CandidateInfo& a, const CandidateInfo& b) { return a.started > b.started; });
  }
  if (name == "runtime_high") {
    return std::make_shared<Builtin>(name, [](const CandidateInfo& a, const CandidateInfo& b) {
      return a.runtime_ms > b.runtime_ms;
    });
  }
  if (name == "runtime_low") {
    return std::make_shared<Builtin>(name, [](const CandidateInfo& a, const CandidateInfo& b) {
      return a.runtime_ms < b.runtime_ms;
    });
  }
  if (name == "priority") {
    return std::make_shared<Builtin>(name, [](const CandidateInfo& a, const CandidateInfo& b) {
      return a.priority < b.priority;
    });
  }
  return nullptr;
}

bool ranks_before(const Strategy& s, const CandidateInfo& a, const CandidateInfo& b) {
  if (s.better(a, b)) return true;
  if (s.better(b, a)) return false;
  return a.name < b.name;
}

}  // namespace elector
