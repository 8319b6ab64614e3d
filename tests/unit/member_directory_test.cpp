// The directory of member identities shared by views, and the compact view built on it.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/member_directory.hpp"
#include "core/member_list.hpp"
#include "core/quorum.hpp"
#include "core/rng.hpp"

namespace elector {
namespace {

core::MemberUpdate who(const std::string& name, std::uint64_t boot = 1, std::string addr = "") {
  core::MemberUpdate u;
  u.name = name;
  u.addr = addr.empty() ? name + ":1" : addr;
  u.boot = boot;
  return u;
}

TEST(MemberDirectory, IdsFollowTheOrderNamesAreFirstSeen) {
  core::MemberDirectory d;
  EXPECT_EQ(d.id("zeta"), 0u);
  EXPECT_EQ(d.id("alpha"), 1u);
  EXPECT_EQ(d.id("zeta"), 0u);
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d.name(1), "alpha");
  EXPECT_EQ(d.find("alpha"), 1u);
  EXPECT_FALSE(d.find("beta").has_value());
  EXPECT_EQ(d.size(), 2u);  // find() adds nothing
}

TEST(MemberDirectory, EqualIdentitiesAreStoredOnce) {
  core::MemberDirectory d;
  const core::MemberInfo* a = d.intern(who("a"));
  core::MemberUpdate later = who("a");
  later.incarnation = 7;  // not part of the identity
  later.status = core::MemberStatus::suspect;
  later.age_ms = 99;
  EXPECT_EQ(d.intern(later), a);
  EXPECT_EQ(*a->name, "a");
  EXPECT_EQ(a->addr, "a:1");
  EXPECT_EQ(a->id, d.id("a"));
}

TEST(MemberDirectory, ANewBootAddressOrMetadataIsANewIdentity) {
  core::MemberDirectory d;
  const core::MemberInfo* a1 = d.intern(who("a", 1));
  const core::MemberInfo* a2 = d.intern(who("a", 2));
  const core::MemberInfo* moved = d.intern(who("a", 2, "elsewhere:1"));
  core::MemberUpdate prio = who("a", 2);
  prio.meta.priority = 5;
  const core::MemberInfo* p = d.intern(prio);
  EXPECT_NE(a1, a2);
  EXPECT_NE(a2, moved);
  EXPECT_NE(a2, p);
  // The older ones stay valid and are found again.
  EXPECT_EQ(a1->boot, 1u);
  EXPECT_EQ(d.intern(who("a", 1)), a1);
  EXPECT_EQ(d.intern(who("a", 2)), a2);
  EXPECT_EQ(a1->id, p->id);
}

TEST(MemberDirectory, StoredNamesDoNotMoveAsTheDirectoryGrows) {
  core::MemberDirectory d;
  const core::MemberInfo* first = d.intern(who("first"));
  const std::string* name = first->name;
  for (int i = 0; i < 10000; ++i) {
    std::string n = "n";
    n += std::to_string(i);
    (void)d.intern(who(n));
  }
  EXPECT_EQ(first->name, name);
  EXPECT_EQ(*first->name, "first");
  EXPECT_EQ(&d.name(first->id), name);
}

TEST(MemberList, IteratesInDirectoryIdOrderWhateverTheInsertionOrder) {
  core::MemberDirectory d;
  for (const char* n : {"c", "a", "b"}) d.id(n);  // ids: c=0, a=1, b=2
  core::MemberList list;
  for (const char* n : {"b", "c", "a"}) {
    core::Member m;
    m.info = d.intern(who(n));
    list.insert(m);
  }
  std::vector<std::string> order;
  for (const auto& [name, m] : list) {
    EXPECT_EQ(&name, &m.name());
    order.push_back(name);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"c", "a", "b"}));
  ASSERT_NE(list.find(d.id("a")), nullptr);
  EXPECT_EQ(list.find(d.id("a"))->name(), "a");
  list.erase(d.id("a"));
  EXPECT_EQ(list.find(d.id("a")), nullptr);
  EXPECT_EQ(list.size(), 2u);
  list.erase(d.id("a"));  // absent: nothing happens
  EXPECT_EQ(list.size(), 2u);
}

TEST(MemberList, AMemberIsSmall) {
  // The point of the compact view: 10,000 views of 10,000 members fit in a few GB.
  EXPECT_LE(sizeof(core::Member), 32u);
}

TEST(MemberList, FindsExactlyTheIdsItHoldsHoweverSparse) {
  // The lookup starts where an evenly spread id would be: lists dense, sparse, bunched at either
  // end, and small, against a set of the ids held.
  core::MemberDirectory d;
  std::vector<const core::MemberInfo*> infos;
  for (int i = 0; i < 400; ++i) infos.push_back(d.intern(who("n" + std::to_string(i))));
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    core::Rng rng(seed);
    const std::uint64_t keep = 1 + rng.below(100);  // percent of ids held
    const std::uint64_t bunch = rng.below(3);       // 0: spread, 1: low ids, 2: high ids
    core::MemberList list;
    std::set<std::uint32_t> held;
    for (std::uint32_t id = 0; id < infos.size(); ++id) {
      const bool near = bunch == 0 || (bunch == 1 ? id < 60 : id > 340);
      if (!near || rng.below(100) >= keep) continue;
      core::Member m;
      m.info = infos[id];
      list.insert(m, d.size());
      held.insert(id);
    }
    ASSERT_EQ(list.size(), held.size());
    for (std::uint32_t id = 0; id < infos.size() + 5; ++id) {
      const core::Member* m = list.find(id);
      ASSERT_EQ(m != nullptr, held.count(id) > 0) << "seed " << seed << " id " << id;
      if (m) {
        EXPECT_EQ(m->id(), id);
      }
    }
    // Erasing keeps the rest findable.
    for (std::uint32_t id = 0; id < infos.size(); id += 3) {
      list.erase(id);
      held.erase(id);
    }
    for (std::uint32_t id = 0; id < infos.size(); ++id) {
      ASSERT_EQ(list.find(id) != nullptr, held.count(id) > 0) << "seed " << seed << " id " << id;
    }
  }
}

TEST(MemberList, GrowsNoFurtherThanTheDirectoryWhenItHoldsEveryName) {
  core::MemberDirectory d;
  std::vector<const core::MemberInfo*> infos;
  for (int i = 0; i < 3000; ++i) infos.push_back(d.intern(who("n" + std::to_string(i))));
  std::vector<core::Member> v;
  for (const core::MemberInfo* info : infos) {
    core::grow_for_one_more(v, d.size());
    core::Member m;
    m.info = info;
    v.push_back(m);
  }
  EXPECT_EQ(v.capacity(), d.size());
}

TEST(KnownSize, CountsEachVoterOnceAndKeepsTheHighestCount) {
  core::KnownSize k(0, 0);
  EXPECT_EQ(k.size(), 1u);  // itself
  k.add("a");
  k.add("b");
  k.add("a");
  EXPECT_EQ(k.size(), 3u);
  k.left("a");
  EXPECT_EQ(k.size(), 3u);  // a leave does not shrink it
  k.add("c");
  EXPECT_EQ(k.size(), 3u);  // b and c: two voters, as many as before
  k.add("a");
  EXPECT_EQ(k.size(), 4u);
  k.left("nobody");
  EXPECT_EQ(core::KnownSize(5, 2).size(), 5u);
  EXPECT_EQ(core::KnownSize(2, 7).size(), 7u);
}

TEST(KnownSize, KeepsWhatItCountedWhenGivenAnotherDirectory) {
  core::KnownSize k(0, 0);
  k.add("x");
  k.add("y");
  auto shared = std::make_shared<core::MemberDirectory>();
  shared->id("other");  // ids differ from the ones its own directory gave
  shared->id("y");
  k.use_directory(shared);
  EXPECT_EQ(k.size(), 3u);
  k.add("y");  // already counted
  k.add("x");
  EXPECT_EQ(k.size(), 3u);
  k.left("x");
  k.left("y");
  k.add("z");
  EXPECT_EQ(k.size(), 3u);  // one voter now, the highest was two
  k.add("x");
  k.add("y");
  EXPECT_EQ(k.size(), 4u);
}

TEST(MaybeTime, BehavesAsAnOptionalTime) {
  core::MaybeTime none;
  EXPECT_FALSE(none.has_value());
  EXPECT_FALSE(static_cast<bool>(none));
  const Time t = Time(std::chrono::hours(3));
  EXPECT_EQ(none.value_or(t), t);
  core::MaybeTime some = t;
  EXPECT_TRUE(some.has_value());
  EXPECT_EQ(*some, t);
  EXPECT_EQ(some.value_or(Time{}), t);
  some = std::nullopt;
  EXPECT_FALSE(some.has_value());
}

}  // namespace
}  // namespace elector
