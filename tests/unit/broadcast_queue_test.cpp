// The queue of membership updates waiting to be piggybacked.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/broadcast_queue.hpp"
#include "core/rng.hpp"

namespace elector {
namespace {

core::MemberUpdate upd(const std::string& name, std::uint32_t incarnation = 0,
                       core::MemberStatus status = core::MemberStatus::alive) {
  core::MemberUpdate u;
  u.name = name;
  u.addr = name + ":1";
  u.boot = 1;
  u.incarnation = incarnation;
  u.status = status;
  return u;
}

/// "m<i>" (built by appending: GCC 12's -Wrestrict misfires on "m" + std::to_string(i) at -O3).
std::string numbered(int i) {
  std::string s = "m";
  s += std::to_string(i);
  return s;
}

std::vector<std::string> names(const std::vector<core::MemberUpdate>& v) {
  std::vector<std::string> out;
  for (const auto& u : v) out.push_back(u.name);
  return out;
}

TEST(BroadcastQueue, StartsEmpty) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.take(8, 4).empty());
}

TEST(BroadcastQueue, PushThenTakeReturnsTheUpdate) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  q.push(upd("a", 3, core::MemberStatus::suspect));
  EXPECT_FALSE(q.empty());
  EXPECT_EQ(q.size(), 1u);
  const auto got = q.take(8, 4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "a");
  EXPECT_EQ(got[0].addr, "a:1");
  EXPECT_EQ(got[0].incarnation, 3u);
  EXPECT_EQ(got[0].status, core::MemberStatus::suspect);
}

TEST(BroadcastQueue, NewerPushReplacesOlderForSameName) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  q.push(upd("a", 1, core::MemberStatus::alive));
  q.push(upd("a", 2, core::MemberStatus::dead));
  EXPECT_EQ(q.size(), 1u);
  const auto got = q.take(8, 4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].incarnation, 2u);
  EXPECT_EQ(got[0].status, core::MemberStatus::dead);
}

TEST(BroadcastQueue, ReplacementResetsTheTransmitCount) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  q.push(upd("a", 1));
  ASSERT_EQ(q.take(8, 3).size(), 1u);
  ASSERT_EQ(q.take(8, 3).size(), 1u);
  q.push(upd("a", 2));  // fresh news: sent `limit` times again
  for (int i = 0; i < 3; ++i) {
    const auto got = q.take(8, 3);
    ASSERT_EQ(got.size(), 1u) << i;
    EXPECT_EQ(got[0].incarnation, 2u);
  }
  EXPECT_TRUE(q.take(8, 3).empty());
}

TEST(BroadcastQueue, TakenAtMostLimitTimesThenGone) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  q.push(upd("a"));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(q.take(8, 4).size(), 1u) << "take " << i;
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.take(8, 4).empty());
}

TEST(BroadcastQueue, LimitOneSendsOnce) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  q.push(upd("a"));
  q.push(upd("b"));
  EXPECT_EQ(q.take(8, 1).size(), 2u);
  EXPECT_TRUE(q.empty());
}

TEST(BroadcastQueue, LeastTransmittedFirst) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  q.push(upd("a"));
  q.push(upd("b"));
  // Both sent once.
  ASSERT_EQ(q.take(8, 10).size(), 2u);
  // "a" sent a second time (the newest among equally sent goes first: "b").
  auto first = q.take(1, 10);
  ASSERT_EQ(first.size(), 1u);
  const std::string twice = first[0].name;
  const std::string once = twice == "a" ? "b" : "a";
  q.push(upd("c"));  // never sent
  // c (0 sends), then the one sent once, then the one sent twice.
  EXPECT_EQ(names(q.take(3, 10)), (std::vector<std::string>{"c", once, twice}));
}

TEST(BroadcastQueue, NewestFirstAmongEquallySent) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  q.push(upd("a"));
  q.push(upd("b"));
  q.push(upd("c"));
  EXPECT_EQ(names(q.take(3, 10)), (std::vector<std::string>{"c", "b", "a"}));
}

TEST(BroadcastQueue, EveryUpdateGetsItsTurn) {
  // With a small `max`, repeated takes spread the transmissions evenly.
  core::MemberDirectory dir;
  core::BroadcastQueue q(64, dir);
  for (int i = 0; i < 10; ++i) q.push(upd(numbered(i)));
  std::map<std::string, int> sent;
  for (int round = 0; round < 10; ++round) {
    for (const auto& u : q.take(3, 3)) ++sent[u.name];
  }
  ASSERT_EQ(sent.size(), 10u);
  for (const auto& [n, k] : sent) EXPECT_EQ(k, 3) << n;
  EXPECT_TRUE(q.empty());
}

TEST(BroadcastQueue, TakeReturnsAtMostMax) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(64, dir);
  for (int i = 0; i < 20; ++i) q.push(upd(numbered(i)));
  const auto got = q.take(8, 4);
  EXPECT_EQ(got.size(), 8u);
  const auto got_names = names(got);
  const std::set<std::string> distinct(got_names.begin(), got_names.end());
  EXPECT_EQ(distinct.size(), 8u);
  EXPECT_EQ(q.size(), 20u);
  EXPECT_TRUE(q.take(0, 4).empty());
  EXPECT_EQ(q.size(), 20u);
}

TEST(BroadcastQueue, CapEvictsOldestUnsentFirst) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(3, dir);
  q.push(upd("a"));
  q.push(upd("b"));
  q.push(upd("c"));
  q.push(upd("d"));
  EXPECT_EQ(q.size(), 3u);
  const auto got = names(q.take(10, 4));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), (std::set<std::string>{"b", "c", "d"}));
}

TEST(BroadcastQueue, CapEvictsTheMostSent) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(3, dir);
  q.push(upd("old"));
  ASSERT_EQ(q.take(1, 10).size(), 1u);  // "old" sent once
  q.push(upd("x"));
  q.push(upd("y"));
  q.push(upd("z"));  // over the cap: the most-sent entry goes, even though newer ones are unsent
  EXPECT_EQ(q.size(), 3u);
  const auto got = names(q.take(10, 10));
  EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), (std::set<std::string>{"x", "y", "z"}));
}

TEST(BroadcastQueue, CapNeverExceeded) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(5, dir);
  for (int i = 0; i < 100; ++i) {
    q.push(upd(numbered(i)));
    EXPECT_LE(q.size(), 5u);
    if (i % 7 == 0) (void)q.take(2, 3);
  }
  EXPECT_EQ(q.size(), 5u);
  // The newest push is always kept.
  const auto got = names(q.take(10, 3));
  EXPECT_NE(std::find(got.begin(), got.end(), "m99"), got.end());
}

TEST(BroadcastQueue, FreshUntilEverySentEagerTimes) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  EXPECT_FALSE(q.fresh(2));
  q.push(upd("a"));
  q.push(upd("b"));
  EXPECT_TRUE(q.fresh(2));
  (void)q.take(1, 10);  // one of them sent once
  EXPECT_TRUE(q.fresh(2));
  (void)q.take(2, 10);  // one sent twice, the other once
  EXPECT_TRUE(q.fresh(2));
  (void)q.take(1, 10);  // both sent twice: only piggybacking is left for them
  EXPECT_FALSE(q.fresh(2));
  EXPECT_EQ(q.size(), 2u);
  q.push(upd("c"));  // news makes it fresh again
  EXPECT_TRUE(q.fresh(2));
}

TEST(BroadcastQueue, TakenUpdatesCarryTheAccuserAndAge) {
  core::MemberDirectory dir;
  core::BroadcastQueue q(16, dir);
  core::MemberUpdate u = upd("a", 4, core::MemberStatus::suspect);
  u.from = "c";
  u.age_ms = 1234;
  u.meta.priority = 9;
  q.push(u);
  const auto got = q.take(1, 4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "a");
  EXPECT_EQ(got[0].addr, "a:1");
  EXPECT_EQ(got[0].boot, 1u);
  EXPECT_EQ(got[0].incarnation, 4u);
  EXPECT_EQ(got[0].status, core::MemberStatus::suspect);
  EXPECT_EQ(got[0].from, "c");
  EXPECT_EQ(got[0].age_ms, 1234);
  EXPECT_EQ(got[0].meta.priority, 9);
}

}  // namespace
/// The queue's rules as plainly as they can be written (one entry per name, sent least-sent
/// first, then newest first; the most-sent evicted over the cap), to check the compact queue
/// against over many random pushes and takes.
class ModelQueue {
 public:
  explicit ModelQueue(std::size_t cap) : cap_(cap) {}
  void push(const std::string& name, int sent) {
    if (auto it = items_.find(name); it != items_.end()) {
      order_.erase({it->second.first, it->second.second, name});
    }
    const std::uint64_t id = ~std::uint64_t{0} - next_++;
    items_[name] = {sent, id};
    order_.insert({sent, id, name});
    while (items_.size() > cap_) {
      auto last = std::prev(order_.end());
      items_.erase(std::get<2>(*last));
      order_.erase(last);
    }
  }
  std::vector<std::string> take(std::size_t max, int limit) {
    std::vector<Key> picked;
    for (auto it = order_.begin(); it != order_.end() && picked.size() < max; ++it) {
      picked.push_back(*it);
    }
    std::vector<std::string> out;
    for (const auto& [sent, id, name] : picked) {
      order_.erase({sent, id, name});
      out.push_back(name);
      if (sent + 1 >= limit) {
        items_.erase(name);
      } else {
        items_[name].first = sent + 1;
        order_.insert({sent + 1, id, name});
      }
    }
    return out;
  }
  [[nodiscard]] bool fresh(int eager) const {
    return !order_.empty() && std::get<0>(*order_.begin()) < eager;
  }
  [[nodiscard]] std::size_t size() const { return items_.size(); }

 private:
  using Key = std::tuple<int, std::uint64_t, std::string>;
  std::size_t cap_;
  std::uint64_t next_ = 0;
  std::map<std::string, std::pair<int, std::uint64_t>> items_;
  std::set<Key> order_;
};

TEST(BroadcastQueue, SendsInTheOrderOfItsRulesOverManyRandomSteps) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    core::Rng rng(seed);
    const std::size_t cap = 1 + rng.below(40);
    core::MemberDirectory dir;
    core::BroadcastQueue q(cap, dir);
    ModelQueue model(cap);
    for (int step = 0; step < 2000; ++step) {
      if (rng.below(3) > 0) {
        const std::string name = numbered(static_cast<int>(rng.below(60)));
        const int sent = rng.below(4) == 0 ? static_cast<int>(rng.below(3)) : 0;
        q.push(upd(name), sent);
        model.push(name, sent);
      } else {
        const std::size_t max = rng.below(20);
        const int limit = 1 + static_cast<int>(rng.below(6));
        ASSERT_EQ(names(q.take(max, limit)), model.take(max, limit))
            << "seed " << seed << " step " << step;
      }
      ASSERT_EQ(q.size(), model.size()) << "seed " << seed << " step " << step;
      ASSERT_EQ(q.fresh(2), model.fresh(2)) << "seed " << seed << " step " << step;
    }
  }
}

}  // namespace elector
