// Ports of test/orm/test_backref_mutations.py: moving objects between collections and references keeps both
// sides of a back_populates pair in step, in memory and in the database.
#include "conformance/kit.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_backref {

struct Address;
struct User {
    std::int64_t id = 0;
    std::optional<std::string> name;
    Collection<Address> addresses;  // back_populates user
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> email_address;
    Ref<User> user;
};
// One-to-one: a person's single passport, the passport's holder.
struct Passport;
struct Person {
    std::int64_t id = 0;
    std::optional<std::string> name;
    Ref<Passport> passport;
};
struct Passport {
    std::int64_t id = 0;
    std::optional<std::int64_t> person_id;
    std::optional<std::string> number;
    Ref<Person> holder;
};
// Many-to-many: items and keywords.
struct Keyword;
struct Item {
    std::int64_t id = 0;
    std::optional<std::string> description;
    Collection<Keyword> keywords;
};
struct Keyword {
    std::int64_t id = 0;
    std::optional<std::string> name;
    Collection<Item> items;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_backref

using namespace conf_backref;

template <>
void retort::orm::define(Mapping<User>& m) {
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(30)});
    m.one_to_many(&User::addresses, "addresses", on(&User::id, &Address::user_id), {.back_populates = "user", .order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<Address>& m) {
    m.table("addresses");
    m.name("Address");
    m.column(&Address::id, "id", {.primary_key = true});
    m.column(&Address::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&Address::email_address, "email_address", {.type = types::String(50)});
    m.many_to_one(&Address::user, "user", on(&Address::user_id, &User::id), {.back_populates = "addresses"});
}
template <>
void retort::orm::define(Mapping<Person>& m) {
    m.table("persons");
    m.name("Person");
    m.column(&Person::id, "id", {.primary_key = true});
    m.column(&Person::name, "name", {.type = types::String(30)});
    m.one_to_one(&Person::passport, "passport", on(&Person::id, &Passport::person_id), {.back_populates = "holder"});
}
template <>
void retort::orm::define(Mapping<Passport>& m) {
    m.table("passports");
    m.name("Passport");
    m.column(&Passport::id, "id", {.primary_key = true});
    m.column(&Passport::person_id, "person_id", {.foreign_key = "persons.id"});
    m.column(&Passport::number, "number", {.type = types::String(30)});
    m.many_to_one(&Passport::holder, "holder", on(&Passport::person_id, &Person::id), {.back_populates = "passport"});
}
template <>
void retort::orm::define(Mapping<Item>& m) {
    m.table("items");
    m.name("Item");
    m.column(&Item::id, "id", {.primary_key = true});
    m.column(&Item::description, "description", {.type = types::String(30)});
    m.many_to_many(&Item::keywords, "keywords", "item_keywords", on(&Item::id, "item_id"), on(&Keyword::id, "keyword_id"),
                   {.back_populates = "items", .order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<Keyword>& m) {
    m.table("keywords");
    m.name("Keyword");
    m.column(&Keyword::id, "id", {.primary_key = true});
    m.column(&Keyword::name, "name", {.type = types::String(30)});
    m.many_to_many(&Keyword::items, "items", "item_keywords", on(&Keyword::id, "keyword_id"), on(&Item::id, "item_id"),
                   {.back_populates = "keywords", .order_by = {"id"}});
}

namespace conf_backref {

Registry& mapped() {
    static Registry& r = [] () -> Registry& {
        models().metadata().table("item_keywords", {{"item_id", types::BigInteger(), {.primary_key = true, .foreign_key = "items.id"}},
                                                    {"keyword_id", types::BigInteger(), {.primary_key = true, .foreign_key = "keywords.id"}}});
        models().map<User, Address, Person, Passport, Item, Keyword>();
        return models();
    }();
    return r;
}

class Backref : public testkit::OrmConformance {
protected:
    Backref() : OrmConformance(mapped()) {}
};

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_collection_move_hitslazy
TEST_F(Backref, CollectionMoveLoadsNothingOfTheOldParent) {
    Session sess(engine);
    auto a1 = make<Address>(Address{.email_address = "address1"});
    auto a2 = make<Address>(Address{.email_address = "address2"});
    auto a3 = make<Address>(Address{.email_address = "address3"});
    auto u1 = sess.add(User{.name = "jack", .addresses = {a1, a2, a3}});
    auto u2 = sess.add(User{.name = "ed"});
    sess.commit();
    u2->addresses.push_back(a1);
    u2->addresses.push_back(a2);
    u2->addresses.push_back(a3);
    sess.commit();
    EXPECT_EQ(u1->addresses.size(), 0u);
    EXPECT_EQ(u2->addresses.size(), 3u);
    EXPECT_EQ(count_rows("addresses", "user_id = " + std::to_string(u2->id)), 3);
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_collection_move_preloaded
TEST_F(Backref, CollectionMovePreloaded) {
    Session sess(engine);
    auto a1 = make<Address>(Address{.email_address = "address1"});
    auto u1 = sess.add(User{.name = "jack", .addresses = {a1}});
    auto u2 = sess.add(User{.name = "ed"});
    sess.commit();
    EXPECT_EQ(u1->addresses.size(), 1u);  // loaded
    u2->addresses.push_back(a1);
    EXPECT_TRUE(a1->user == u2);
    EXPECT_FALSE(u1->addresses.contains(a1));
    EXPECT_TRUE(u2->addresses.contains(a1));
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_collection_move_notloaded
TEST_F(Backref, CollectionMoveNotLoaded) {
    Session sess(engine);
    auto a1 = make<Address>(Address{.email_address = "address1"});
    auto u1 = sess.add(User{.name = "jack", .addresses = {a1}});
    auto u2 = sess.add(User{.name = "ed"});
    sess.commit();
    u2->addresses.push_back(a1);
    EXPECT_TRUE(a1->user == u2);
    // u1's collection was not loaded: when it loads it is right.
    EXPECT_FALSE(u1->addresses.contains(a1));
    EXPECT_TRUE(u2->addresses.contains(a1));
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_collection_move_commitfirst
TEST_F(Backref, CollectionMoveCommitFirst) {
    Session sess(engine);
    auto a1 = make<Address>(Address{.email_address = "address1"});
    auto u1 = sess.add(User{.name = "jack", .addresses = {a1}});
    auto u2 = sess.add(User{.name = "ed"});
    sess.commit();
    EXPECT_EQ(u1->addresses.size(), 1u);
    u2->addresses.push_back(a1);
    EXPECT_TRUE(a1->user == u2);
    sess.commit();
    EXPECT_FALSE(u1->addresses.contains(a1));
    EXPECT_TRUE(u2->addresses.contains(a1));
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_scalar_move_preloaded
// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_scalar_move_notloaded
TEST_F(Backref, ScalarMove) {
    for (bool preload : {true, false}) {
        SCOPED_TRACE(preload ? "preloaded" : "not loaded");
        Session sess(engine);
        auto u1 = sess.add(User{.name = "jack"});
        auto u2 = sess.add(User{.name = "ed"});
        auto a1 = sess.add(Address{.email_address = "a1"});
        a1->user = u1;
        sess.commit();
        if (preload) EXPECT_EQ(u1->addresses.size(), 1u);
        a1->user = u2;
        EXPECT_FALSE(u1->addresses.contains(a1));
        EXPECT_TRUE(u2->addresses.contains(a1));
        sess.commit();
        EXPECT_EQ(count_rows("addresses", "user_id = " + std::to_string(u2->id)), 1);
        sess.execute(orm::delete_<Address>());
        sess.execute(orm::delete_<User>());
        sess.commit();
    }
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_scalar_move_commitfirst
TEST_F(Backref, ScalarMoveCommitFirst) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "jack"});
    auto u2 = sess.add(User{.name = "ed"});
    auto a1 = sess.add(Address{.email_address = "a1", .user = u1});
    sess.commit();
    EXPECT_EQ(u1->addresses.size(), 1u);
    a1->user = u2;
    sess.commit();
    EXPECT_FALSE(u1->addresses.contains(a1));
    EXPECT_TRUE(u2->addresses.contains(a1));
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_set_none
TEST_F(Backref, SetNone) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "jack"});
    auto a1 = sess.add(Address{.email_address = "a1", .user = u1});
    sess.commit();
    a1->user = nullptr;
    EXPECT_FALSE(u1->addresses.contains(a1));
    sess.commit();
    EXPECT_EQ(count_rows("addresses", "user_id IS NULL"), 1);
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_collection_assignment_mutates_previous_one
TEST_F(Backref, CollectionAssignmentMutatesPreviousOne) {
    auto u1 = make<User>(User{.name = "jack"});
    auto u2 = make<User>(User{.name = "ed"});
    auto a1 = make<Address>(Address{.email_address = "a1"});
    u1->addresses.push_back(a1);
    EXPECT_TRUE(a1->user == u1);
    u2->addresses = {a1};
    EXPECT_TRUE(u1->addresses.empty());
    EXPECT_TRUE(a1->user == u2);
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_collection_assignment_mutates_previous_two
// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_del_from_collection
TEST_F(Backref, EmptyingTheCollectionClearsTheReference) {
    auto u1 = make<User>(User{.name = "jack"});
    auto a1 = make<Address>(Address{.email_address = "a1"});
    u1->addresses.push_back(a1);
    EXPECT_TRUE(a1->user == u1);
    u1->addresses = {};
    EXPECT_FALSE(a1->user);
    u1->addresses.push_back(a1);
    u1->addresses.remove(u1->addresses[0]);
    EXPECT_FALSE(a1->user);
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_del_from_scalar
TEST_F(Backref, ClearingTheReferenceLeavesTheCollection) {
    auto u1 = make<User>(User{.name = "jack"});
    auto a1 = make<Address>(Address{.email_address = "a1"});
    u1->addresses.push_back(a1);
    EXPECT_TRUE(a1->user == u1);
    a1->user = nullptr;
    EXPECT_FALSE(u1->addresses.contains(a1));
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_straight_remove
// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_append_del
TEST_F(Backref, StraightRemove) {
    auto u1 = make<User>();
    auto a1 = make<Address>(Address{.email_address = "1"});
    auto a2 = make<Address>(Address{.email_address = "2"});
    auto a3 = make<Address>(Address{.email_address = "3"});
    u1->addresses.push_back(a1);
    u1->addresses.push_back(a2);
    u1->addresses.push_back(a3);
    u1->addresses.remove(a2);
    EXPECT_FALSE(a2->user);
    ASSERT_EQ(u1->addresses.size(), 2u);
    EXPECT_TRUE(u1->addresses[0] == a1);
    EXPECT_TRUE(u1->addresses[1] == a3);
    EXPECT_TRUE(a1->user == u1);
    EXPECT_TRUE(a3->user == u1);
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_bulk_replace
TEST_F(Backref, BulkReplace) {
    auto u1 = make<User>();
    auto a1 = make<Address>(Address{.email_address = "1"});
    auto a2 = make<Address>(Address{.email_address = "2"});
    auto a3 = make<Address>(Address{.email_address = "3"});
    u1->addresses = {a1, a2};
    u1->addresses = {a2, a3};
    EXPECT_FALSE(a1->user);
    EXPECT_TRUE(a2->user == u1);
    EXPECT_TRUE(a3->user == u1);
}

// ports: test/orm/test_backref_mutations.py::O2OScalarBackrefMoveTest::test_collection_move_preloaded
// (Retort also clears the old holder's reference; see the README's differences)
TEST_F(Backref, OneToOneMove) {
    Session sess(engine);
    auto p1 = make<Passport>(Passport{.number = "p1"});
    auto u1 = sess.add(Person{.name = "jack", .passport = p1});
    auto u2 = sess.add(Person{.name = "ed"});
    sess.commit();
    EXPECT_TRUE(u1->passport == p1);
    u2->passport = p1;
    EXPECT_TRUE(u2->passport == p1);
    EXPECT_TRUE(p1->holder == u2);
    EXPECT_FALSE(u1->passport);
    sess.commit();
    EXPECT_EQ(count_rows("passports", "person_id = " + std::to_string(u2->id)), 1);
}

// ports: test/orm/test_backref_mutations.py::O2OScalarBackrefMoveTest::test_scalar_move_preloaded
// (Retort: with the person's passport loaded, the passport that was replaced no longer names the holder)
TEST_F(Backref, OneToOneScalarMove) {
    Session sess(engine);
    auto a1 = make<Passport>(Passport{.number = "a1"});
    auto a2 = sess.add(Passport{.number = "a2"});
    auto u1 = sess.add(Person{.name = "jack", .passport = a1});
    sess.commit();
    EXPECT_TRUE(a1->holder == u1);
    EXPECT_TRUE(u1->passport == a1);
    a2->holder = u1;
    EXPECT_TRUE(u1->passport == a2);
    EXPECT_TRUE(a2->holder == u1);
    EXPECT_FALSE(a1->holder);
    sess.commit();
    EXPECT_EQ(count_rows("passports", "person_id = " + std::to_string(u1->id)), 1);
    EXPECT_EQ(count_rows("passports", "person_id IS NULL"), 1);
}

// ports: test/orm/test_backref_mutations.py::M2MCollectionMoveTest::test_add_remove_pending_backref
TEST_F(Backref, ManyToManyAddRemoveIsNoChange) {
    Session session(engine, {.autoflush = false});
    auto i1 = session.add(Item{.description = "i1"});
    session.commit();
    session.expire(i1, &Item::keywords);
    auto k1 = make<Keyword>(Keyword{.name = "k1"});
    k1->items.push_back(i1);
    k1->items.remove(i1);
    EXPECT_TRUE(i1->keywords.empty());
    session.commit();
    EXPECT_EQ(count_rows("item_keywords"), 0);
}

// ports: test/orm/test_backref_mutations.py::M2MCollectionMoveTest::test_remove_add_pending_backref
TEST_F(Backref, ManyToManyRemoveAddIsNoChange) {
    Session session(engine, {.autoflush = false});
    auto k1 = make<Keyword>(Keyword{.name = "k1"});
    auto i1 = session.add(Item{.description = "i1", .keywords = {k1}});
    session.commit();
    session.expire(i1, &Item::keywords);
    k1->items.remove(i1);
    k1->items.push_back(i1);
    ASSERT_EQ(i1->keywords.size(), 1u);
    EXPECT_TRUE(i1->keywords[0] == k1);
    session.commit();
    EXPECT_EQ(count_rows("item_keywords"), 1);
}

// ports: test/orm/test_backref_mutations.py::M2MCollectionMoveTest::test_pending_combines_with_flushed
TEST_F(Backref, ManyToManyPendingCombinesWithFlushed) {
    Session session(engine, {.autoflush = false});
    auto k1 = make<Keyword>(Keyword{.name = "k1"});
    auto k2 = session.add(Keyword{.name = "k2"});
    auto i1 = session.add(Item{.description = "i1", .keywords = {k1}});
    session.commit();
    k2->items.push_back(i1);
    // autoflush is off: the new link comes from memory, with the one read from the database.
    ASSERT_EQ(i1->keywords.size(), 2u);
    EXPECT_TRUE(i1->keywords.contains(k1));
    EXPECT_TRUE(i1->keywords.contains(k2));
    EXPECT_EQ(count_rows("item_keywords"), 1);
    session.commit();
    EXPECT_EQ(count_rows("item_keywords"), 2);
}

// ports: test/orm/test_backref_mutations.py::M2MCollectionMoveTest::test_duplicate_adds
// (Retort's collections hold an object once: appending it again changes nothing; see the README)
TEST_F(Backref, ManyToManyDuplicateAdds) {
    Session session(engine, {.autoflush = false});
    auto k1 = make<Keyword>(Keyword{.name = "k1"});
    auto i1 = session.add(Item{.description = "i1", .keywords = {k1}});
    session.commit();
    k1->items.push_back(i1);
    EXPECT_EQ(i1->keywords.size(), 1u);
    session.expire(i1, &Item::keywords);
    k1->items.push_back(i1);
    EXPECT_EQ(i1->keywords.size(), 1u);
    EXPECT_EQ(k1->items.size(), 1u);
    session.commit();
    EXPECT_EQ(k1->items.size(), 1u);
    EXPECT_EQ(count_rows("item_keywords"), 1);
}

// ports: test/orm/test_backref_mutations.py::M2MCollectionMoveTest::test_bulk_replace
TEST_F(Backref, ManyToManyBulkReplace) {
    auto k1 = make<Keyword>(Keyword{.name = "k1"});
    auto k2 = make<Keyword>(Keyword{.name = "k2"});
    auto k3 = make<Keyword>(Keyword{.name = "k3"});
    auto i1 = make<Item>(Item{.description = "i1", .keywords = {k1, k2}});
    auto i2 = make<Item>(Item{.description = "i2", .keywords = {k3}});
    i1->keywords = {k2, k3};
    EXPECT_TRUE(k3->items.contains(i1));
    EXPECT_TRUE(k3->items.contains(i2));
    EXPECT_FALSE(k1->items.contains(i1));
}

// ports: test/orm/test_backref_mutations.py::M2MScalarMoveTest::test_collection_move_commit
TEST_F(Backref, ManyToManyMoveCommitted) {
    Session sess(engine);
    auto k1 = make<Keyword>(Keyword{.name = "k1"});
    auto i1 = sess.add(Item{.description = "i1", .keywords = {k1}});
    auto i2 = sess.add(Item{.description = "i2"});
    sess.commit();
    i1->keywords.remove(k1);
    i2->keywords.push_back(k1);
    sess.commit();
    EXPECT_TRUE(i1->keywords.empty());
    ASSERT_EQ(i2->keywords.size(), 1u);
    EXPECT_TRUE(k1->items.contains(i2));
    EXPECT_FALSE(k1->items.contains(i1));
    EXPECT_EQ(count_rows("item_keywords", "item_id = " + std::to_string(i2->id)), 1);
}

}  // namespace conf_backref
