// Ports of test/orm/test_merge.py: merge() of transient and detached objects, with their relationships, and
// merge(load=false).
#include "conformance/kit.hpp"
#include <algorithm>

using namespace retort;
using namespace retort::orm;

namespace conf_merge {

struct Address;
struct Order;
struct Item;
struct User {
    std::int64_t id = 0;
    std::optional<std::string> name;
    Collection<Address> addresses;  // all, delete-orphan, back_populates user, order_by id
    Collection<Order> orders;       // default cascade (save-update, merge)
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> email_address;
    Ref<User> user;
};
struct Order {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> description;
    Collection<Item> items;  // many-to-many through order_items
};
struct Item {
    std::int64_t id = 0;
    std::optional<std::string> description;
};
// No merge cascade on its relationship.
struct Note {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> text;
    Ref<User> user;  // cascade "save-update" only
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_merge

using namespace conf_merge;

template <>
void retort::orm::define(Mapping<User>& m) {
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(30)});
    m.one_to_many(&User::addresses, "addresses", on(&User::id, &Address::user_id),
                  {.back_populates = "user", .cascade = "all, delete-orphan", .order_by = {"id"}});
    m.one_to_many(&User::orders, "orders", on(&User::id, &Order::user_id), {.order_by = {"id"}});
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
void retort::orm::define(Mapping<Order>& m) {
    m.table("orders");
    m.name("Order");
    m.column(&Order::id, "id", {.primary_key = true});
    m.column(&Order::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&Order::description, "description", {.type = types::String(30)});
    m.many_to_many(&Order::items, "items", "order_items", on(&Order::id, "order_id"), on(&Item::id, "item_id"),
                   {.order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<Item>& m) {
    m.table("items");
    m.name("Item");
    m.column(&Item::id, "id", {.primary_key = true});
    m.column(&Item::description, "description", {.type = types::String(30)});
}
template <>
void retort::orm::define(Mapping<Note>& m) {
    m.table("notes");
    m.name("Note");
    m.column(&Note::id, "id", {.primary_key = true});
    m.column(&Note::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&Note::text, "text", {.type = types::String(30)});
    m.many_to_one(&Note::user, "user", on(&Note::user_id, &User::id), {.cascade = "save-update"});
}

namespace conf_merge {

Registry& mapped() {
    static Registry& r = [] () -> Registry& {
        models().metadata().table("order_items", {{"order_id", types::BigInteger(), {.primary_key = true, .foreign_key = "orders.id"}},
                                                  {"item_id", types::BigInteger(), {.primary_key = true, .foreign_key = "items.id"}}});
        models().map<User, Address, Order, Item, Note>();
        return models();
    }();
    return r;
}

class Merge : public testkit::OrmConformance {
protected:
    Merge() : OrmConformance(mapped()) {}
    static std::vector<std::string> emails(const Ptr<User>& u) {
        std::vector<std::string> out;
        for (const auto& a : u->addresses) out.push_back(a->email_address.value_or(""));
        std::sort(out.begin(), out.end());
        return out;
    }
    using V = std::vector<std::string>;
};

// ports: test/orm/test_merge.py::MergeTest::test_transient_to_pending
TEST_F(Merge, TransientToPending) {
    Session sess(engine);
    User u{.id = 7, .name = "fred"};
    record();
    auto u2 = sess.merge(u);
    EXPECT_EQ(starting(take(), "SELECT").size(), 1u);  // looked for the row
    EXPECT_TRUE(sess.contains(u2));
    EXPECT_EQ(u2.state()->status, ObjectState::Pending);
    EXPECT_EQ(u2->name, "fred");
    sess.flush();
    sess.expunge_all();
    auto got = sess.scalars(select<User>()).first();
    EXPECT_EQ(got->id, 7);
    EXPECT_EQ(got->name, "fred");
}

// ports: test/orm/test_merge.py::MergeTest::test_transient_to_pending_no_pk
TEST_F(Merge, TransientWithoutKeyLoadsNothing) {
    Session sess(engine);
    record();
    auto u2 = sess.merge(User{.name = "fred"});
    EXPECT_TRUE(dml(take()).empty());
    EXPECT_EQ(u2.state()->status, ObjectState::Pending);
}

// ports: test/orm/test_merge.py::MergeTest::test_warn_transient_already_pending_nopk
TEST_F(Merge, MergingAnObjectOfThisSessionReturnsIt) {
    Session sess(engine, {.autoflush = false});
    auto u = sess.add(User{.name = "fred"});
    EXPECT_TRUE(sess.merge(u) == u);
}

// ports: test/orm/test_merge.py::MergeTest::test_transient_to_pending_collection
TEST_F(Merge, TransientToPendingCollection) {
    User u{.id = 7, .name = "fred",
           .addresses = {make<Address>(Address{.id = 1, .email_address = "fred1"}), make<Address>(Address{.id = 2, .email_address = "fred2"})}};
    Session sess(engine);
    auto merged = sess.merge(u);
    EXPECT_EQ(merged->addresses.size(), 2u);
    sess.flush();
    sess.expunge_all();
    auto got = sess.scalars(select<User>()).one();
    EXPECT_EQ(got->id, 7);
    EXPECT_EQ(emails(got), (V{"fred1", "fred2"}));
}

// ports: test/orm/test_merge.py::MergeTest::test_transient_non_mutated_collection
TEST_F(Merge, UntouchedCollectionIsNotEmptied) {
    Session s(engine);
    s.add(User{.id = 7, .name = "fred", .addresses = {make<Address>(Address{.id = 1, .email_address = "jack@bean.com"})}});
    s.commit();
    s.close();
    User u{.id = 7, .name = "fred"};
    EXPECT_TRUE(u.addresses.empty());
    auto u2 = s.merge(u);
    EXPECT_EQ(emails(u2), V{"jack@bean.com"});
}

// ports: test/orm/test_merge.py::MergeTest::test_transient_to_pending_collection_pk_none
TEST_F(Merge, TransientCollectionWithoutKeys) {
    auto u = make<User>(User{.name = "fred", .addresses = {make<Address>(Address{.email_address = "fred1"}),
                                                           make<Address>(Address{.email_address = "fred2"})}});
    Session sess(engine);
    auto merged = sess.merge(u);
    EXPECT_FALSE(merged == u);
    EXPECT_EQ(sess.new_objects().size(), 3u);
    sess.flush();
    sess.expunge_all();
    auto got = sess.scalars(select<User>()).one();
    EXPECT_EQ(got->name, "fred");
    EXPECT_EQ(emails(got), (V{"fred1", "fred2"}));
}

// ports: test/orm/test_merge.py::MergeTest::test_transient_to_persistent
TEST_F(Merge, TransientToPersistent) {
    Session sess(engine);
    sess.add(User{.id = 7, .name = "fred"});
    sess.flush();
    sess.expunge_all();
    User given{.id = 7, .name = "fred jones"};
    auto u2 = sess.merge(given);
    EXPECT_EQ(u2.state()->status, ObjectState::Persistent);
    EXPECT_EQ(given.name, "fred jones");  // the given object is left as it is
    sess.flush();
    sess.expunge_all();
    EXPECT_EQ(sess.scalars(select<User>()).first()->name, "fred jones");
}

// ports: test/orm/test_merge.py::MergeTest::test_transient_to_persistent_collection
TEST_F(Merge, TransientToPersistentCollectionReplacesIt) {
    Session sess(engine);
    sess.add(User{.id = 7, .name = "fred", .addresses = {make<Address>(Address{.id = 1, .email_address = "fred1"}),
                                                          make<Address>(Address{.id = 2, .email_address = "fred2"})}});
    sess.flush();
    sess.expunge_all();
    auto u = sess.merge(User{.id = 7, .name = "fred", .addresses = {make<Address>(Address{.id = 3, .email_address = "fred3"}),
                                                                     make<Address>(Address{.id = 4, .email_address = "fred4"})}});
    EXPECT_EQ(emails(u), (V{"fred3", "fred4"}));
    sess.flush();
    sess.expunge_all();
    EXPECT_EQ(emails(sess.scalars(select<User>()).one()), (V{"fred3", "fred4"}));
    sess.commit();
    EXPECT_EQ(count_rows("addresses"), 2);  // 1 and 2 were orphans: deleted
}

// ports: test/orm/test_merge.py::MergeTest::test_detached_to_persistent_collection
// (the data-loss case: a collection edited on a detached parent keeps its removal through merge())
TEST_F(Merge, DetachedToPersistentCollection) {
    auto a = make<Address>(Address{.id = 1, .email_address = "fred1"});
    Session sess(engine, {.expire_on_commit = false});
    auto u = sess.add(User{.id = 7, .name = "fred", .addresses = {a, make<Address>(Address{.id = 2, .email_address = "fred2"})}});
    sess.flush();
    sess.expunge_all();
    u->name = "fred jones";
    u->addresses.push_back(make<Address>(Address{.id = 3, .email_address = "fred3"}));
    u->addresses.remove(a);
    auto merged = sess.merge(u);
    EXPECT_FALSE(merged == u);
    sess.flush();
    sess.expunge_all();
    auto got = sess.scalars(select<User>()).first();
    EXPECT_EQ(got->name, "fred jones");
    EXPECT_EQ(emails(got), (V{"fred2", "fred3"}));
}

// ports: test/orm/test_merge.py::MergeTest::test_unsaved_cascade
TEST_F(Merge, UnsavedCascade) {
    Session sess(engine);
    auto u = make<User>(User{.id = 7, .name = "fred"});
    u->addresses.push_back(make<Address>(Address{.email_address = "foo@bar.com"}));
    u->addresses.push_back(make<Address>(Address{.email_address = "hoho@bar.com"}));
    auto u2 = sess.merge(u);
    EXPECT_EQ(emails(u), (V{"foo@bar.com", "hoho@bar.com"}));
    EXPECT_EQ(emails(u2), (V{"foo@bar.com", "hoho@bar.com"}));
    EXPECT_EQ(u->addresses.size(), 2u);  // the source keeps its own objects
    sess.flush();
    sess.expunge_all();
    EXPECT_EQ(emails(sess.get<User>(std::int64_t{7})), (V{"foo@bar.com", "hoho@bar.com"}));
}

// ports: test/orm/test_merge.py::MergeTest::test_one_to_many_cascade
TEST_F(Merge, OneToManyCascadeWithoutDeleteOrphan) {
    Session sess(engine, {.expire_on_commit = false});
    auto o1 = make<Order>(Order{.id = 1, .description = "o1"});
    auto u = sess.add(User{.id = 7, .name = "fred", .orders = {o1}});
    sess.commit();
    sess.close();
    o1->description = "o1 changed";
    u->orders.push_back(make<Order>(Order{.id = 2, .description = "o2"}));
    Session s2(engine);
    auto m = s2.merge(u);
    EXPECT_EQ(m->orders.size(), 2u);
    EXPECT_EQ(m->orders[0]->description, "o1 changed");
    s2.commit();
    EXPECT_EQ(count_rows("orders", "user_id = 7"), 2);
    EXPECT_EQ(count_rows("orders", "description = 'o1 changed'"), 1);
}

// ports: test/orm/test_merge.py::MergeTest::test_many_to_one_cascade
TEST_F(Merge, ManyToOneCascade) {
    Session sess(engine, {.expire_on_commit = false});
    auto u = make<User>(User{.id = 7, .name = "fred"});
    auto a = sess.add(Address{.id = 1, .email_address = "a", .user = u});
    sess.commit();
    sess.close();
    u->name = "fred2";
    Session s2(engine);
    auto m = s2.merge(a);
    EXPECT_EQ(m->user->name, "fred2");
    s2.commit();
    EXPECT_EQ(count_rows("users", "name = 'fred2'"), 1);
}

// ports: test/orm/test_merge.py::MergeTest::test_many_to_many_cascade
TEST_F(Merge, ManyToManyCascade) {
    Session sess(engine, {.expire_on_commit = false});
    auto i1 = make<Item>(Item{.id = 1, .description = "i1"});
    auto o = sess.add(Order{.id = 1, .description = "o", .items = {i1}});
    sess.commit();
    sess.close();
    o->items.push_back(make<Item>(Item{.id = 2, .description = "i2"}));
    i1->description = "i1 changed";
    Session s2(engine);
    auto m = s2.merge(o);
    EXPECT_EQ(m->items.size(), 2u);
    s2.commit();
    EXPECT_EQ(count_rows("order_items"), 2);
    EXPECT_EQ(count_rows("items", "description = 'i1 changed'"), 1);
}

// ports: test/orm/test_merge.py::MergeTest::test_no_relationship_cascade
TEST_F(Merge, NoMergeCascadeLeavesTheRelationshipAlone) {
    Session sess(engine, {.expire_on_commit = false});
    auto u = make<User>(User{.id = 7, .name = "fred"});
    auto n = sess.add(Note{.id = 1, .text = "n", .user = u});
    sess.commit();
    sess.close();
    u->name = "changed";
    Session s2(engine);
    auto m = s2.merge(n);
    EXPECT_EQ(m->text, "n");
    EXPECT_EQ(m->user->name, "fred");  // loaded from the database, not merged
    s2.commit();
    EXPECT_EQ(count_rows("users", "name = 'fred'"), 1);
}

// ports: test/orm/test_merge.py::MergeTest::test_value_to_none
TEST_F(Merge, ValueToNone) {
    Session sess(engine);
    sess.add(User{.id = 7, .name = "fred"});
    sess.add(Address{.id = 1, .user_id = 7, .email_address = "foo@bar.com"});
    sess.commit();
    sess.close();
    auto u3 = sess.merge(User{.id = 7, .name = std::nullopt});
    EXPECT_FALSE(u3->name.has_value());
    sess.close();
    Address a1{.id = 1, .email_address = "foo@bar.com"};
    a1.user = nullptr;  // set explicitly
    auto a2 = sess.merge(a1);
    EXPECT_FALSE(a2->user);
}

// ports: test/orm/test_merge.py::MergeTest::test_transient_no_load
TEST_F(Merge, NoLoadNeedsAKey) {
    Session sess(engine);
    try {
        (void)sess.merge(User{}, false);
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("load=false"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_merge.py::MergeTest::test_no_load_disallows_dirty
TEST_F(Merge, NoLoadRefusesChangedObjectsAndSendsNoSql) {
    Session sess(engine, {.expire_on_commit = false});
    auto u = sess.add(User{.id = 7, .name = "fred"});
    sess.commit();
    sess.close();
    u->name = "ed";
    Session sess2(engine);
    EXPECT_THROW((void)sess2.merge(u, false), InvalidRequestError);
    auto u2 = sess2.get<User>(std::int64_t{7});
    Session sess3(engine);
    record();
    auto u3 = sess3.merge(u2, false);
    EXPECT_TRUE(sess3.dirty_objects().empty());
    sess3.flush();
    EXPECT_TRUE(dml(take()).empty());
    EXPECT_EQ(u3->name, "fred");
    EXPECT_EQ(u3.state()->status, ObjectState::Persistent);
}

// ports: test/orm/test_merge.py::MergeTest::test_no_load_with_backrefs
TEST_F(Merge, NoLoadPopulatesRelationshipsWithoutSql) {
    Session sess(engine, {.expire_on_commit = false});
    auto u = sess.add(User{.id = 7, .name = "fred", .addresses = {make<Address>(Address{.id = 1, .email_address = "a1"}),
                                                                   make<Address>(Address{.id = 2, .email_address = "a2"})}});
    sess.commit();
    sess.close();
    Session s2(engine);
    record();
    auto m = s2.merge(u, false);
    EXPECT_EQ(emails(m), (V{"a1", "a2"}));
    EXPECT_TRUE(dml(take()).empty());
}

// ports: test/orm/test_merge.py::MergeTest::test_merge_all
TEST_F(Merge, MergeManyKeepsIdentity) {
    Session sess(engine);
    sess.add(User{.id = 7, .name = "fred"});
    sess.commit();
    auto a = sess.merge(User{.id = 7, .name = "fred2"});
    auto b = sess.merge(User{.id = 7, .name = "fred3"});
    EXPECT_TRUE(a == b);
    EXPECT_EQ(a->name, "fred3");
}

// ports: test/orm/test_merge.py::MergeTest::test_dont_expire_pending
TEST_F(Merge, MergedPendingIsNotExpired) {
    Session sess(engine);
    auto u = sess.merge(User{.id = 7, .name = "fred"});
    EXPECT_EQ(u.state()->status, ObjectState::Pending);
    EXPECT_FALSE(u.state()->expired);
    EXPECT_EQ(u->name, "fred");
}

}  // namespace conf_merge
