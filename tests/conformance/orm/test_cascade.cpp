// Ports of test/orm/test_cascade.py: save-update, delete and delete-orphan cascades along one-to-many,
// many-to-one and many-to-many relationships, pending and persistent orphans, single_parent.
#include "conformance/kit.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_cascade {

struct Address;
struct Order;
struct User {
    std::int64_t id = 0;
    std::string name;
    Collection<Address> addresses;  // all, delete-orphan, back_populates user
    Collection<Order> orders;       // all, delete-orphan, order_by id
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string email_address;
    Ref<User> user;
};
struct Order {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;  // NOT NULL in the table
    std::optional<std::string> description;
};
struct Dingaling {
    std::int64_t id = 0;
    std::optional<std::int64_t> address_id;
    std::optional<std::string> data;
    Ref<Address> address;
};

// Many-to-one delete-orphan (M2OCascadeDeleteOrphanTestOne): a member's pref is deleted when no member has it.
struct Extra {
    std::int64_t id = 0;
    std::optional<std::int64_t> prefs_id;
};
struct Pref {
    std::int64_t id = 0;
    std::optional<std::string> data;
    Collection<Extra> extra;  // all, delete
};
struct Member {
    std::int64_t id = 0;
    std::optional<std::string> name;
    std::optional<std::int64_t> pref_id;
    Ref<Pref> pref;  // all, delete-orphan, single_parent
};

// Many-to-many delete-orphan (M2MCascadeTest).
struct C {
    std::int64_t id = 0;
    std::optional<std::string> data;
    std::optional<std::int64_t> bid;
};
struct B {
    std::int64_t id = 0;
    std::optional<std::string> data;
    Collection<C> cs;  // all, delete-orphan
};
struct A {
    std::int64_t id = 0;
    std::optional<std::string> data;
    Collection<B> bs;  // through atob: all, delete-orphan, single_parent
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_cascade

using namespace conf_cascade;

template <>
void retort::orm::define(Mapping<User>& m) {
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(30), .nullable = false});
    m.one_to_many(&User::addresses, "addresses", on(&User::id, &Address::user_id),
                  {.back_populates = "user", .cascade = "all, delete-orphan", .order_by = {"id"}});
    m.one_to_many(&User::orders, "orders", on(&User::id, &Order::user_id), {.cascade = "all, delete-orphan", .order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<Address>& m) {
    m.table("addresses");
    m.name("Address");
    m.column(&Address::id, "id", {.primary_key = true});
    m.column(&Address::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&Address::email_address, "email_address", {.type = types::String(50), .nullable = false});
    m.many_to_one(&Address::user, "user", on(&Address::user_id, &User::id), {.back_populates = "addresses"});
}
template <>
void retort::orm::define(Mapping<Order>& m) {
    m.table("orders");
    m.name("Order");
    m.column(&Order::id, "id", {.primary_key = true});
    m.column(&Order::user_id, "user_id", {.nullable = false, .foreign_key = "users.id"});
    m.column(&Order::description, "description", {.type = types::String(30)});
}
template <>
void retort::orm::define(Mapping<Dingaling>& m) {
    m.table("dingalings");
    m.name("Dingaling");
    m.column(&Dingaling::id, "id", {.primary_key = true});
    m.column(&Dingaling::address_id, "address_id", {.foreign_key = "addresses.id"});
    m.column(&Dingaling::data, "data", {.type = types::String(30)});
    m.many_to_one(&Dingaling::address, "address", on(&Dingaling::address_id, &Address::id));
}
template <>
void retort::orm::define(Mapping<Extra>& m) {
    m.table("extra");
    m.name("Extra");
    m.column(&Extra::id, "id", {.primary_key = true});
    m.column(&Extra::prefs_id, "prefs_id", {.foreign_key = "prefs.id"});
}
template <>
void retort::orm::define(Mapping<Pref>& m) {
    m.table("prefs");
    m.name("Pref");
    m.column(&Pref::id, "id", {.primary_key = true});
    m.column(&Pref::data, "data", {.type = types::String(40)});
    m.one_to_many(&Pref::extra, "extra", on(&Pref::id, &Extra::prefs_id), {.cascade = "all, delete"});
}
template <>
void retort::orm::define(Mapping<Member>& m) {
    m.table("members");
    m.name("Member");
    m.column(&Member::id, "id", {.primary_key = true});
    m.column(&Member::name, "name", {.type = types::String(40)});
    m.column(&Member::pref_id, "pref_id", {.foreign_key = "prefs.id"});
    m.many_to_one(&Member::pref, "pref", on(&Member::pref_id, &Pref::id),
                  {.lazy = Lazy::Joined, .cascade = "all, delete-orphan", .single_parent = true});
}
template <>
void retort::orm::define(Mapping<C>& m) {
    m.table("c");
    m.name("C");
    m.column(&C::id, "id", {.primary_key = true});
    m.column(&C::data, "data", {.type = types::String(30)});
    m.column(&C::bid, "bid", {.foreign_key = "b.id"});
}
template <>
void retort::orm::define(Mapping<B>& m) {
    m.table("b");
    m.name("B");
    m.column(&B::id, "id", {.primary_key = true});
    m.column(&B::data, "data", {.type = types::String(30)});
    m.one_to_many(&B::cs, "cs", on(&B::id, &C::bid), {.cascade = "all, delete-orphan"});
}
template <>
void retort::orm::define(Mapping<A>& m) {
    m.table("a");
    m.name("A");
    m.column(&A::id, "id", {.primary_key = true});
    m.column(&A::data, "data", {.type = types::String(30)});
    m.many_to_many(&A::bs, "bs", "atob", on(&A::id, "aid"), on(&B::id, "bid"),
                   {.cascade = "all, delete-orphan", .single_parent = true});
}

namespace conf_cascade {

Registry& mapped() {
    static Registry& r = [] () -> Registry& {
        auto& md = models().metadata();
        md.table("atob", {{"aid", types::BigInteger(), {.foreign_key = "a.id"}},
                          {"bid", types::BigInteger(), {.foreign_key = "b.id"}}});
        models().map<User, Address, Order, Dingaling, Extra, Pref, Member, C, B, A>();
        return models();
    }();
    return r;
}

class Cascade : public testkit::OrmConformance {
protected:
    Cascade() : OrmConformance(mapped()) {}
    std::vector<std::string> order_descriptions(Session& s) {
        std::vector<std::string> out;
        for (const auto& o : s.scalars(select<Order>().order_by(col(&Order::id)))) out.push_back(o->description.value_or("-"));
        return out;
    }
    // Three members with a pref each, each pref with one extra (M2OCascadeDeleteOrphanTestOne's data).
    void insert_members() {
        Session s(engine);
        for (const char* n : {"ed", "jack", "foo"})
            s.add(Member{.name = n, .pref = make<Pref>(Pref{.data = std::string("pref of ") + n, .extra = {make<Extra>()}})});
        s.commit();
    }
};

// ---------------------------------------------------------------- one-to-many, delete-orphan

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_list_assignment_new
TEST_F(Cascade, ListAssignmentNew) {
    Session s(engine);
    auto u = s.add(User{.name = "jack", .orders = {make<Order>(Order{.description = "order 1"}), make<Order>(Order{.description = "order 2"})}});
    s.commit();
    ASSERT_EQ(u->orders.size(), 2u);
    EXPECT_EQ(u->orders[0]->description, "order 1");
    EXPECT_EQ(u->orders[1]->description, "order 2");
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_list_assignment_replace
TEST_F(Cascade, ListAssignmentReplace) {
    Session s(engine);
    auto u = s.add(User{.name = "jack", .orders = {make<Order>(Order{.description = "someorder"}),
                                                   make<Order>(Order{.description = "someotherorder"})}});
    u->orders = {make<Order>(Order{.description = "order 3"}), make<Order>(Order{.description = "order 4"})};
    s.commit();
    ASSERT_EQ(u->orders.size(), 2u);
    EXPECT_EQ(u->orders[0]->description, "order 3");
    // The replaced (pending) orders were never inserted.
    EXPECT_EQ(order_descriptions(s), (std::vector<std::string>{"order 3", "order 4"}));
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_standalone_orphan
TEST_F(Cascade, StandaloneOrphanFailsOnNotNull) {
    Session s(engine);
    s.add(Order{.description = "order 5"});
    EXPECT_THROW(s.flush(), DBAPIError);
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_save_update_sends_pending
TEST_F(Cascade, SaveUpdateSendsPendingOfDetachedParent) {
    Session s(engine, {.expire_on_commit = false});
    auto o1 = make<Order>(Order{.description = "o1"});
    auto o2 = make<Order>(Order{.description = "o2"});
    auto o3 = make<Order>(Order{.description = "o3"});
    auto u = s.add(User{.name = "jack", .orders = {o1, o2}});
    s.commit();
    s.close();
    // Edited while detached: one appended, one removed.
    u->orders.push_back(o3);
    u->orders.remove(o1);
    s.add(u);
    EXPECT_TRUE(s.contains(o1));
    EXPECT_TRUE(s.contains(o2));
    EXPECT_TRUE(s.contains(o3));
    s.commit();
    // The removed order is an orphan: deleted; the appended one inserted.
    EXPECT_EQ(count_rows("orders"), 2);
    EXPECT_EQ(order_descriptions(s), (std::vector<std::string>{"o2", "o3"}));
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_remove_pending_from_collection
TEST_F(Cascade, RemovePendingFromCollectionExpungesIt) {
    Session s(engine);
    auto u = s.add(User{.name = "jack"});
    s.commit();
    auto o1 = make<Order>();
    u->orders.push_back(o1);
    EXPECT_TRUE(s.contains(o1));
    u->orders.remove(o1);
    EXPECT_FALSE(s.contains(o1));
    s.commit();
    EXPECT_EQ(count_rows("orders"), 0);
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_remove_pending_from_pending_parent
TEST_F(Cascade, RemovePendingFromParentOutsideSession) {
    Session s(engine);
    auto u = make<User>(User{.name = "jack"});
    auto o1 = s.add(Order{});
    // The order becomes an orphan while its parent is not in the session.
    u->orders.push_back(o1);
    u->orders.remove(o1);
    s.add(u);
    EXPECT_TRUE(s.contains(o1));
    s.flush();
    EXPECT_FALSE(s.contains(o1));
    EXPECT_EQ(count_rows("orders"), 0);
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_delete
TEST_F(Cascade, DeleteCascadesToCollection) {
    Session s(engine);
    auto u = s.add(User{.name = "jack", .orders = {make<Order>(Order{.description = "someorder"}),
                                                   make<Order>(Order{.description = "someotherorder"})}});
    s.flush();
    s.delete_(u);
    s.flush();
    s.commit();
    EXPECT_EQ(count_rows("users"), 0);
    EXPECT_EQ(count_rows("orders"), 0);
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_delete_unloaded_collections
TEST_F(Cascade, DeleteCascadesToUnloadedCollection) {
    Session s(engine);
    auto u = s.add(User{.name = "jack", .addresses = {make<Address>(Address{.email_address = "address1"}),
                                                      make<Address>(Address{.email_address = "address2"})}});
    s.flush();
    const auto id = u->id;
    s.expunge_all();
    auto u2 = s.get<User>(id);
    ASSERT_TRUE(u2);
    EXPECT_FALSE(u2->addresses.is_loaded());
    s.delete_(u2);
    s.flush();
    s.commit();
    EXPECT_EQ(count_rows("addresses"), 0);
    EXPECT_EQ(count_rows("users"), 0);
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_cascades_onlycollection
TEST_F(Cascade, DeleteCascadeReachesOnlyItemsStillInTheCollection) {
    Session s(engine, {.autoflush = false});
    auto u = s.add(User{.name = "jack", .orders = {make<Order>(Order{.description = "someorder"}),
                                                   make<Order>(Order{.description = "someotherorder"})}});
    s.flush();
    auto o = u->orders[0];
    u->orders.remove(o);
    s.delete_(u);
    EXPECT_TRUE(testkit::among(s.deleted_objects(), u));
    EXPECT_FALSE(testkit::among(s.deleted_objects(), o));
    EXPECT_TRUE(s.contains(o));
    // Moved to a new parent: it must survive (not deleted as the old parent's orphan).
    auto u2 = s.add(User{.name = "newuser", .orders = {o}});
    s.flush();
    s.commit();
    EXPECT_EQ(count_rows("users"), 1);
    EXPECT_EQ(count_rows("orders"), 1);
    s.expunge_all();
    auto users = s.scalars(select<User>()).all();
    ASSERT_EQ(users.size(), 1u);
    EXPECT_EQ(users[0]->name, "newuser");
    ASSERT_EQ(users[0]->orders.size(), 1u);
    EXPECT_EQ(users[0]->orders[0]->description, "someorder");
}

// ports: test/orm/test_cascade.py::O2MConflictTest::test_o2m_delete_old
// (a child moved from one parent's delete-orphan collection to another's, with and without deleting the old
// parent: it must survive with its new parent)
TEST_F(Cascade, ChildMovedBetweenDeleteOrphanCollectionsSurvives) {
    for (bool delete_old : {true, false}) {
        SCOPED_TRACE(delete_old ? "old parent deleted" : "old parent kept");
        Session s(engine, {.autoflush = false});
        auto c1 = make<Order>(Order{.description = "moving"});
        auto p1 = s.add(User{.name = "p1", .orders = {c1}});
        auto p2 = make<User>(User{.name = "p2"});
        s.flush();
        if (delete_old) s.delete_(p1);
        p2->orders.push_back(c1);
        s.add(p2);
        s.flush();
        auto found = s.scalars(select<Order>().where(col(&Order::user_id) == p2->id)).all();
        ASSERT_EQ(found.size(), 1u);
        EXPECT_TRUE(found[0] == c1);
        s.commit();
        s.execute(orm::delete_<Order>());
        s.execute(orm::delete_<User>());
        s.commit();
    }
}

// ports: test/orm/test_cascade.py::O2MConflictTest::test_o2m_backref_delorphan_delete_old
// (the same with both collections loaded and autoflush on, removal first or append first)
TEST_F(Cascade, ChildMovedBetweenLoadedCollectionsSurvives) {
    Session s(engine);
    auto o = make<Order>(Order{.description = "moving"});
    auto u1 = s.add(User{.name = "u1", .orders = {o}});
    auto u2 = s.add(User{.name = "u2"});
    s.commit();
    ASSERT_EQ(u1->orders.size(), 1u);
    ASSERT_EQ(u2->orders.size(), 0u);
    u1->orders.remove(o);
    u2->orders.push_back(o);
    s.commit();
    EXPECT_EQ(count_rows("orders"), 1);
    EXPECT_EQ(count_rows("orders", "user_id = " + std::to_string(u2->id)), 1);
    ASSERT_EQ(u1->orders.size(), 0u);
    ASSERT_EQ(u2->orders.size(), 1u);
    u1->orders.push_back(o);
    u2->orders.remove(o);
    s.commit();
    EXPECT_EQ(count_rows("orders"), 1);
    EXPECT_EQ(count_rows("orders", "user_id = " + std::to_string(u1->id)), 1);
}

// ports: test/orm/test_backref_mutations.py::O2MCollectionTest::test_collection_move_preloaded
// (with delete-orphan: moving an address by its many-to-one takes it out of the old user's loaded collection,
// and it survives the flush)
TEST_F(Cascade, BackrefMoveUnderDeleteOrphanSurvives) {
    Session s(engine);
    auto a = make<Address>(Address{.email_address = "a"});
    auto u1 = s.add(User{.name = "u1", .addresses = {a}});
    auto u2 = s.add(User{.name = "u2"});
    s.commit();
    ASSERT_EQ(u1->addresses.size(), 1u);
    ASSERT_EQ(u2->addresses.size(), 0u);
    u2->addresses.push_back(a);
    EXPECT_FALSE(u1->addresses.contains(a));
    EXPECT_TRUE(a->user == u2);
    s.commit();
    EXPECT_EQ(count_rows("addresses", "user_id = " + std::to_string(u2->id)), 1);
    a->user = u1;
    EXPECT_FALSE(u2->addresses.contains(a));
    EXPECT_TRUE(u1->addresses.contains(a));
    s.commit();
    EXPECT_EQ(count_rows("addresses", "user_id = " + std::to_string(u1->id)), 1);
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_cascade_nosideeffects
TEST_F(Cascade, CascadeLeavesUnloadedAttributesAlone) {
    Session s(engine);
    auto u = s.add(User{.name = "jack"});
    s.flush();
    auto a = s.add(Address{.email_address = "foo@bar.com"});
    a->user = u;
    s.flush();
    auto d = s.add(Dingaling{.data = "d1"});
    d->address_id = a->id;
    s.flush();
    EXPECT_TRUE(d->address == a);
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_cascade_delete_plusorphans
TEST_F(Cascade, DeleteCascadePlusOrphans) {
    Session s(engine);
    auto u = s.add(User{.name = "jack", .orders = {make<Order>(Order{.description = "someorder"}),
                                                   make<Order>(Order{.description = "someotherorder"})}});
    s.flush();
    u->orders.remove(u->orders[0]);
    s.delete_(u);
    s.flush();
    s.commit();
    EXPECT_EQ(count_rows("users"), 0);
    EXPECT_EQ(count_rows("orders"), 0);
}

// ports: test/orm/test_cascade.py::O2MCascadeDeleteOrphanTest::test_collection_orphans
TEST_F(Cascade, ClearedCollectionDeletesOrphans) {
    Session s(engine);
    auto u = s.add(User{.name = "jack", .orders = {make<Order>(Order{.description = "someorder"}),
                                                   make<Order>(Order{.description = "someotherorder"})}});
    s.flush();
    u->orders.clear();
    s.flush();
    s.commit();
    EXPECT_EQ(count_rows("users"), 1);
    EXPECT_EQ(count_rows("orders"), 0);
}

// ---------------------------------------------------------------- pending orphans

// ports: test/orm/test_cascade.py::PendingOrphanTestSingleLevel::test_pending_standalone_orphan
TEST_F(Cascade, PendingStandaloneOrphanIsInsertedWhenItCanBe) {
    Session s(engine);
    // The standalone address goes in: its foreign key allows NULL.
    s.add(Address{.email_address = "standalone"});
    s.commit();
    EXPECT_EQ(count_rows("addresses"), 1);
    // The standalone order does not.
    s.add(Order{});
    EXPECT_THROW(s.commit(), DBAPIError);
    s.rollback();
    // Given its foreign key by value, it does.
    auto u = s.add(User{.name = "u"});
    s.flush();
    auto o = s.add(Order{.user_id = u->id});
    s.commit();
    EXPECT_TRUE(s.contains(o));
    EXPECT_FALSE(testkit::among(s.new_objects(), o));
    EXPECT_EQ(count_rows("orders"), 1);
}

// ports: test/orm/test_cascade.py::PendingOrphanTestSingleLevel::test_pending_collection_expunge
TEST_F(Cascade, PendingCollectionItemRemovedIsNeverInserted) {
    Session s(engine);
    auto u = s.add(User{.name = "u"});
    s.flush();
    auto a = make<Address>(Address{.email_address = "a"});
    u->addresses.push_back(a);
    EXPECT_TRUE(s.contains(a));
    u->addresses.remove(a);
    EXPECT_FALSE(s.contains(a));
    s.delete_(u);
    s.flush();
    EXPECT_EQ(a->id, 0) << "the address must not be persistent";
    s.commit();
    EXPECT_EQ(count_rows("addresses"), 0);
}

// ports: test/orm/test_cascade.py::PendingOrphanTestSingleLevel::test_nonorphans_ok
// (with "all, delete-orphan" the removed pending address is expunged instead; here the order collection of a
// pending parent keeps a removed child in the session only without delete-orphan: see Dingaling below)
TEST_F(Cascade, RemovedPendingChildOfPendingParentIsExpunged) {
    Session s(engine);
    auto u = s.add(User{.name = "u1", .addresses = {make<Address>(Address{.email_address = "ad1"})}});
    auto a1 = u->addresses[0];
    EXPECT_TRUE(s.contains(a1));
    u->addresses.remove(a1);
    EXPECT_FALSE(s.contains(a1));
    s.commit();
    EXPECT_EQ(count_rows("addresses"), 0);
    EXPECT_EQ(count_rows("users"), 1);
}

// ---------------------------------------------------------------- many-to-one, delete-orphan

// ports: test/orm/test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_orphan
TEST_F(Cascade, ManyToOneOrphanIsDeletedWithItsCascade) {
    insert_members();
    Session s(engine);
    EXPECT_EQ(count_rows("prefs"), 3);
    EXPECT_EQ(count_rows("extra"), 3);
    auto jack = s.scalars(select<Member>().where(col(&Member::name) == std::string("jack"))).one();
    jack->pref = nullptr;
    s.commit();
    EXPECT_EQ(count_rows("prefs"), 2);
    EXPECT_EQ(count_rows("extra"), 2);
}

// ports: test/orm/test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_save_update_sends_pending
TEST_F(Cascade, ManyToOneSaveUpdateSendsPendingOfDetachedParent) {
    Session s(engine, {.expire_on_commit = false});
    auto p1 = make<Pref>(Pref{.data = "p1"});
    auto p2 = make<Pref>(Pref{.data = "p2"});
    auto u = s.add(Member{.name = "jack", .pref = p1});
    s.commit();
    s.close();
    u->pref = p2;
    s.add(u);
    EXPECT_TRUE(s.contains(p1));
    EXPECT_TRUE(s.contains(p2));
    s.commit();
    // p1 lost its only parent: deleted.
    EXPECT_EQ(count_rows("prefs"), 1);
    EXPECT_EQ(count_rows("prefs", "data = 'p2'"), 1);
}

// ports: test/orm/test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_orphan_on_update
TEST_F(Cascade, ManyToOneOrphanMadeWhileDetached) {
    insert_members();
    Session s(engine);
    auto jack = s.scalars(select<Member>().where(col(&Member::name) == std::string("jack"))).one();
    auto p = jack->pref.get();
    auto e = p->extra[0];
    s.expunge_all();
    jack->pref = nullptr;
    s.add(jack);
    s.add(p);
    s.add(e);
    EXPECT_TRUE(s.contains(p));
    EXPECT_TRUE(s.contains(e));
    s.commit();
    EXPECT_EQ(count_rows("prefs"), 2);
    EXPECT_EQ(count_rows("extra"), 2);
}

// ports: test/orm/test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_pending_expunge
TEST_F(Cascade, ManyToOneReplacedPendingIsExpunged) {
    Session s(engine);
    auto someuser = s.add(Member{.name = "someuser"});
    s.flush();
    auto p1 = make<Pref>(Pref{.data = "somepref"});
    someuser->pref = p1;
    EXPECT_TRUE(s.contains(p1));
    someuser->pref = make<Pref>(Pref{.data = "someotherpref"});
    EXPECT_FALSE(s.contains(p1));
    s.commit();
    EXPECT_EQ(count_rows("prefs"), 1);
    EXPECT_EQ(someuser->pref->data, "someotherpref");
}

// ports: test/orm/test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_double_assignment
TEST_F(Cascade, ManyToOneDoubleAssignmentKeepsParentFlag) {
    insert_members();
    Session s(engine);
    auto jack = s.scalars(select<Member>().where(col(&Member::name) == std::string("jack"))).one();
    auto newpref = make<Pref>(Pref{.data = "newpref"});
    jack->pref = newpref;
    jack->pref = newpref;
    s.commit();
    std::vector<std::string> datas;
    for (const auto& p : s.scalars(select<Pref>().order_by(col(&Pref::id)))) datas.push_back(p->data.value_or(""));
    EXPECT_EQ(datas, (std::vector<std::string>{"pref of ed", "pref of foo", "newpref"}));
}

// ports: test/orm/test_cascade.py::M2OCascadeDeleteOrphanTestOne::test_cascade_on_deleted
TEST_F(Cascade, ManyToOneSetToNoneThenReadded) {
    Session s(engine);
    auto u1 = s.add(Member{.name = "jack", .pref = make<Pref>(Pref{.data = "f1"})});
    s.commit();
    u1->pref = nullptr;
    s.add(u1);
    EXPECT_TRUE(s.contains(u1));
    s.commit();
    EXPECT_EQ(count_rows("members", "pref_id IS NULL"), 1);
}

// ---------------------------------------------------------------- many-to-many, delete-orphan

// ports: test/orm/test_cascade.py::M2MCascadeTest::test_delete_orphan
TEST_F(Cascade, ManyToManyOrphanDeletedAfterItsAssociationRow) {
    Session s(engine);
    auto b1 = make<B>(B{.data = "b1"});
    auto a1 = s.add(A{.data = "a1", .bs = {b1}});
    s.flush();
    a1->bs.remove(b1);
    s.flush();
    s.commit();
    EXPECT_EQ(count_rows("atob"), 0);
    EXPECT_EQ(count_rows("b"), 0);
    EXPECT_EQ(count_rows("a"), 1);
}

// ports: test/orm/test_cascade.py::M2MCascadeTest::test_delete_orphan_cascades
TEST_F(Cascade, ManyToManyOrphanCascadesFurther) {
    Session s(engine);
    auto b1 = make<B>(B{.data = "b1", .cs = {make<C>(C{.data = "c1"})}});
    auto a1 = s.add(A{.data = "a1", .bs = {b1}});
    s.flush();
    a1->bs.remove(b1);
    s.flush();
    s.commit();
    EXPECT_EQ(count_rows("atob"), 0);
    EXPECT_EQ(count_rows("b"), 0);
    EXPECT_EQ(count_rows("a"), 1);
    EXPECT_EQ(count_rows("c"), 0);
}

// ports: test/orm/test_cascade.py::M2MCascadeTest::test_cascade_delete
TEST_F(Cascade, ManyToManyDeleteCascade) {
    Session s(engine);
    auto a1 = s.add(A{.data = "a1", .bs = {make<B>(B{.data = "b1"})}});
    s.flush();
    s.delete_(a1);
    s.flush();
    s.commit();
    EXPECT_EQ(count_rows("atob"), 0);
    EXPECT_EQ(count_rows("b"), 0);
    EXPECT_EQ(count_rows("a"), 0);
}

// ports: test/orm/test_cascade.py::M2MCascadeTest::test_single_parent_raise
TEST_F(Cascade, SingleParentRaisesOnSecondParent) {
    auto b1 = make<B>(B{.data = "b1"});
    auto a1 = make<A>(A{.data = "a1", .bs = {b1}});
    EXPECT_THROW(make<A>(A{.data = "a2", .bs = {b1}}), InvalidRequestError);
    // Appending to a second parent is refused too, and leaves both collections as they were.
    auto a3 = make<A>(A{.data = "a3"});
    EXPECT_THROW(a3->bs.push_back(b1), InvalidRequestError);
    EXPECT_EQ(a3->bs.size(), 0u);
    EXPECT_EQ(a1->bs.size(), 1u);
    // Once removed from its parent, it may join another.
    a1->bs.remove(b1);
    a3->bs.push_back(b1);
    EXPECT_EQ(a3->bs.size(), 1u);
}

// ports: test/orm/test_cascade.py::O2OSingleParentTest::test_single_parent_raise
TEST_F(Cascade, ManyToOneSingleParentRaises) {
    auto p = make<Pref>(Pref{.data = "p"});
    auto m1 = make<Member>(Member{.name = "m1", .pref = p});
    auto m2 = make<Member>(Member{.name = "m2"});
    EXPECT_THROW(m2->pref = p, InvalidRequestError);
    EXPECT_FALSE(m2->pref);
    EXPECT_TRUE(m1->pref == p);
}

// ---------------------------------------------------------------- configuration

// ports: test/orm/test_cascade.py::CascadeArgTest::test_bad_cascade
TEST_F(Cascade, BadCascadeNamesAreArgumentErrors) {
    try {
        (void)retort::orm::Cascade::parse("fake, all, delete-orphan, fake2");
        FAIL() << "no error";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("'fake', 'fake2'"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_cascade.py::CascadeArgTest::test_delete_orphan_without_delete
// (SQLAlchemy warns and adds "delete"; Retort refuses the configuration with ArgumentError: see the README)
TEST_F(Cascade, DeleteOrphanWithoutDeleteIsRefused) {
    EXPECT_THROW((void)retort::orm::Cascade::parse("save-update, delete-orphan"), ArgumentError);
}

// ports: test/orm/test_cascade.py::CascadeArgTest::test_cascade_repr
TEST_F(Cascade, AllMeansEveryCascadeButDeleteOrphan) {
    auto c = retort::orm::Cascade::parse("all");
    EXPECT_TRUE(c.save_update);
    EXPECT_TRUE(c.merge);
    EXPECT_TRUE(c.delete_);
    EXPECT_TRUE(c.refresh_expire);
    EXPECT_TRUE(c.expunge);
    EXPECT_FALSE(c.delete_orphan);
    auto d = retort::orm::Cascade::parse("save-update, merge");
    EXPECT_FALSE(d.refresh_expire);
    EXPECT_FALSE(d.expunge);
}

}  // namespace conf_cascade
