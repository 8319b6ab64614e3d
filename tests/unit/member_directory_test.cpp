// The directory of member identities shared by views, and the compact view built on it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/member_directory.hpp"
#include "core/member_list.hpp"

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
