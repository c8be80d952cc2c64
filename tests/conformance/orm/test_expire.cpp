// Ports of test/orm/test_expire.py: expire(), refresh(), expire_all(), what reloads and when.
#include "conformance/kit.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_expire {

struct Address;
struct User {
    std::int64_t id = 0;
    std::optional<std::string> name;
    Collection<Address> addresses;  // all, refresh-expire; back_populates user
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> email_address;
    Ref<User> user;
};
struct Order {
    std::int64_t id = 0;
    std::optional<std::string> description;
    std::optional<std::int64_t> isopen;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_expire

using namespace conf_expire;

template <>
void retort::orm::define(Mapping<User>& m) {
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(30)});
    m.one_to_many(&User::addresses, "addresses", on(&User::id, &Address::user_id),
                  {.back_populates = "user", .cascade = "all, refresh-expire", .order_by = {"id"}});
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
    m.column(&Order::description, "description", {.type = types::String(30)});
    m.column(&Order::isopen, "isopen");
}

namespace conf_expire {

Registry& mapped() {
    static Registry& r = (models().map<User, Address, Order>(), models());
    return r;
}

class Expire : public testkit::OrmConformance {
protected:
    Expire() : OrmConformance(mapped()) {}
    // Users 7 (jack, one address) and 8 (ed, three addresses), 10 (chuck); order 3 (open).
    void SetUp() override {
        OrmConformance::SetUp();
        Session s(engine);
        // (the addresses' keys come from the database, so that new ones do not collide on PostgreSQL)
        s.add(User{.id = 7, .name = "jack", .addresses = {make<Address>(Address{.email_address = "jack@bean.com"})}});
        s.add(User{.id = 8, .name = "ed", .addresses = {make<Address>(Address{.email_address = "ed@wood.com"}),
                                                        make<Address>(Address{.email_address = "ed@bettyboop.com"}),
                                                        make<Address>(Address{.email_address = "ed@lala.com"})}});
        s.add(User{.id = 10, .name = "chuck"});
        s.add(Order{.id = 3, .description = "order 3", .isopen = 1});
        s.commit();
    }
    // Statements sent while fn runs (dml only).
    template <class F>
    std::size_t statements(F&& fn) {
        record();
        fn();
        return dml(take()).size();
    }
};

// ports: test/orm/test_expire.py::ExpireTest::test_expire
TEST_F(Expire, ExpireReloadsOnNextUse) {
    Session sess(engine, {.autoflush = false});
    auto u = sess.get<User>(std::int64_t{7});
    EXPECT_EQ(u->addresses.size(), 1u);
    u->name = "foo";
    u->addresses.remove(u->addresses[0]);
    sess.expire(u);
    EXPECT_TRUE(u.state()->expired);
    EXPECT_EQ(statements([&] { EXPECT_EQ(u->name, "jack"); }), 1u);
    EXPECT_FALSE(u.state()->expired);
    // The relationship change was dropped with the expire.
    EXPECT_EQ(u->addresses.size(), 1u);
    u->name = "foo";
    sess.flush();
    // The row changes behind the object; the next query reads it in.
    sess.connection().exec_driver_sql("UPDATE users SET name = 'jack' WHERE id = 7");
    sess.expire(u);
    EXPECT_EQ(u.get()->name, "foo");  // (no reload through get())
    (void)sess.scalars(select<User>()).all();
    EXPECT_FALSE(u.state()->expired);
    EXPECT_EQ(statements([&] { EXPECT_EQ(u->name, "jack"); }), 0u);
}

// ports: test/orm/test_expire.py::ExpireTest::test_expire_autoflush
TEST_F(Expire, ExpireOfAColumnAfterARelationshipChange) {
    Session s(engine);
    auto a1 = s.scalars(select<Address>().where(col(&Address::email_address) == std::optional<std::string>("ed@wood.com"))).one();
    auto u1 = s.get<User>(std::int64_t{7});
    a1->user = u1;
    s.expire(a1, &Address::user_id);
    // The reload autoflushes the relationship change first... in Retort the change is kept in memory and written
    // by the next flush; the reloaded foreign key is then the flushed one.
    s.flush();
    EXPECT_EQ(a1->user_id, 7);
}

// ports: test/orm/test_expire.py::ExpireTest::test_persistence_check
TEST_F(Expire, ExpireOfAnObjectNotInTheSession) {
    Session s(engine);
    auto u = s.get<User>(std::int64_t{7});
    s.expunge_all();
    try {
        s.expire(u);
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("is not persistent within this Session"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_expire.py::ExpireTest::test_get_refreshes
TEST_F(Expire, GetRefreshes) {
    Session s(engine);
    auto u = s.get<User>(std::int64_t{10});
    s.expire_all();
    EXPECT_EQ(statements([&] { (void)s.get<User>(std::int64_t{10}); }), 1u);
    EXPECT_EQ(statements([&] { EXPECT_EQ(u->name, "chuck"); }), 0u);
    EXPECT_EQ(statements([&] { (void)s.get<User>(std::int64_t{10}); }), 0u);
}

// ports: test/orm/test_expire.py::ExpireTest::test_get_on_deleted_expunges
// ports: test/orm/test_expire.py::ExpireTest::test_rollback_undoes_expunge_from_deleted
TEST_F(Expire, GetOfAnExpiredObjectWhoseRowIsGone) {
    Session s(engine);
    auto u = s.get<User>(std::int64_t{10});
    s.expire_all();
    s.connection().exec_driver_sql("DELETE FROM users WHERE id = 10");
    EXPECT_TRUE(s.contains(u));
    EXPECT_FALSE(s.get<User>(std::int64_t{10}));
    EXPECT_FALSE(s.contains(u));
    s.rollback();
    EXPECT_TRUE(s.contains(u));
    EXPECT_EQ(u->name, "chuck");
}

// ports: test/orm/test_expire.py::ExpireTest::test_refresh_on_deleted_raises
TEST_F(Expire, UseOfAnExpiredObjectWhoseRowIsGone) {
    Session s(engine);
    auto u = s.get<User>(std::int64_t{10});
    s.expire_all();
    s.connection().exec_driver_sql("DELETE FROM users WHERE id = 10");
    try {
        (void)u->name;
        FAIL() << "no error";
    } catch (const ObjectDeletedError& e) {
        EXPECT_NE(std::string(e.what()).find("has been deleted, or its row is otherwise not present"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_expire.py::ExpireTest::test_refresh_cancels_expire
TEST_F(Expire, RefreshCancelsExpire) {
    Session s(engine);
    auto u = s.get<User>(std::int64_t{7});
    s.expire(u);
    s.refresh(u);
    EXPECT_EQ(statements([&] { EXPECT_EQ(s.get<User>(std::int64_t{7})->name, "jack"); }), 0u);
}

// ports: test/orm/test_expire.py::ExpireTest::test_expire_doesntload_on_set
// (Retort reads the expired column before the write goes through the object; the write is kept)
TEST_F(Expire, WriteAfterPartialExpireIsKept) {
    Session sess(engine, {.autoflush = false});
    auto u = sess.get<User>(std::int64_t{7});
    sess.expire(u, &User::name);
    u->name = "somenewname";
    sess.flush();
    sess.expunge_all();
    EXPECT_EQ(sess.get<User>(std::int64_t{7})->name, "somenewname");
}

// ports: test/orm/test_expire.py::ExpireTest::test_no_session
TEST_F(Expire, ExpiredDetachedObjectCannotLoad) {
    Session sess(engine);
    auto u = sess.get<User>(std::int64_t{7});
    sess.expire(u, &User::name);
    sess.expunge(u);
    EXPECT_THROW((void)u->name, DetachedInstanceError);
}

// ports: test/orm/test_expire.py::ExpireTest::test_pending_raises
TEST_F(Expire, ExpireOfAPendingObjectRaises) {
    Session sess(engine);
    auto u = sess.add(User{.id = 15});
    EXPECT_THROW(sess.expire(u, &User::name), InvalidRequestError);
}

// ports: test/orm/test_expire.py::ExpireTest::test_expire_preserves_changes
TEST_F(Expire, ExpirePreservesChangesMadeAfterIt) {
    Session sess(engine, {.autoflush = false});
    auto o = sess.get<Order>(std::int64_t{3});
    sess.expire(o);
    o->description = "order 3 modified";
    EXPECT_EQ(o->isopen, 1);
    EXPECT_EQ(o->description, "order 3 modified");
    sess.expire(o, &Order::isopen);
    (void)sess.scalars(select<Order>()).all();
    EXPECT_EQ(o->isopen, 1);
    EXPECT_EQ(o->description, "order 3 modified");
    sess.flush();
    EXPECT_EQ(count_rows("orders", "description = 'order 3 modified'"), 0);  // (not committed yet)
    sess.commit();
    EXPECT_EQ(count_rows("orders", "description = 'order 3 modified'"), 1);
}

// ports: test/orm/test_expire.py::ExpireTest::test_expire_committed
TEST_F(Expire, ExpiredObjectReadsTheLatestRow) {
    Session sess(engine, {.autoflush = false});
    auto o = sess.get<Order>(std::int64_t{3});
    sess.expire(o);
    sess.connection().exec_driver_sql("UPDATE orders SET description = 'order 3 modified'");
    EXPECT_EQ(o->isopen, 1);
    EXPECT_EQ(o->description, "order 3 modified");
    EXPECT_EQ(statements([&] { sess.flush(); }), 0u);
}

// ports: test/orm/test_expire.py::ExpireTest::test_expire_cascade
TEST_F(Expire, ExpireCascades) {
    Session s(engine, {.autoflush = false});
    auto u = s.get<User>(std::int64_t{8});
    EXPECT_EQ(u->addresses[0]->email_address, "ed@wood.com");
    u->addresses[0]->email_address = "someotheraddress";
    s.expire(u);
    EXPECT_EQ(u->addresses[0]->email_address, "ed@wood.com");
}

// ports: test/orm/test_expire.py::ExpireTest::test_refresh_cascade
TEST_F(Expire, RefreshCascades) {
    Session s(engine, {.autoflush = false});
    auto u = s.get<User>(std::int64_t{8});
    EXPECT_EQ(u->addresses[0]->email_address, "ed@wood.com");
    u->addresses[0]->email_address = "someotheraddress";
    s.refresh(u);
    EXPECT_EQ(u->addresses[0]->email_address, "ed@wood.com");
}

// ports: test/orm/test_expire.py::ExpireTest::test_expire_cascade_pending
// (User.addresses cascades refresh-expire without delete-orphan: the pending child is not reached)
TEST_F(Expire, ExpireCascadeLeavesAPendingChildPending) {
    Session s(engine, {.autoflush = false});
    auto u = s.get<User>(std::int64_t{8});
    auto a = make<Address>(Address{.email_address = "foobar"});
    u->addresses.push_back(a);
    EXPECT_TRUE(s.contains(a));
    s.expire(u);
    EXPECT_TRUE(s.contains(a));
    EXPECT_EQ(a.state()->status, ObjectState::Pending);
    EXPECT_EQ(u->addresses.size(), 3u);
    EXPECT_FALSE(u->addresses.contains(a));
    s.flush();
    EXPECT_EQ(a.state()->status, ObjectState::Persistent);
    EXPECT_EQ(s.connection().exec_driver_sql("SELECT COUNT(*) FROM addresses WHERE email_address = 'foobar'")
                  .scalar_one<std::int64_t>(), 1);
}

// ports: test/orm/test_expire.py::ExpireTest::test_refresh_cascade_pending
TEST_F(Expire, RefreshCascadeLeavesAPendingChildPending) {
    Session s(engine, {.autoflush = false});
    auto u = s.get<User>(std::int64_t{8});
    auto a = make<Address>(Address{.email_address = "foobar"});
    u->addresses.push_back(a);
    s.refresh(u);
    EXPECT_TRUE(s.contains(a));
    EXPECT_EQ(a.state()->status, ObjectState::Pending);
    EXPECT_EQ(u->addresses.size(), 3u);
    EXPECT_FALSE(u->addresses.contains(a));
    s.flush();
    EXPECT_EQ(a.state()->status, ObjectState::Persistent);
}

// ports: test/orm/test_expire.py::ExpireTest::test_partial_expire
TEST_F(Expire, PartialExpire) {
    Session sess(engine, {.autoflush = false});
    auto o = sess.get<Order>(std::int64_t{3});
    sess.expire(o, &Order::description, &Order::isopen);
    EXPECT_TRUE(o.state()->expired);
    sess.connection().exec_driver_sql("UPDATE orders SET description = 'changed', isopen = 0");
    EXPECT_EQ(statements([&] { EXPECT_EQ(o->description, "changed"); }), 1u);
    EXPECT_EQ(o->isopen, 0);
    // A partial expire keeps the changes to the other columns.
    o->description = "mine";
    sess.expire(o, &Order::isopen);
    EXPECT_EQ(o->description, "mine");
    sess.flush();
    sess.commit();
    EXPECT_EQ(count_rows("orders", "description = 'mine'"), 1);
    // A change made before a partial expire of another column stays a change, flushed without the object being
    // read first.
    o->isopen = 5;
    sess.expire(o, &Order::description);
    EXPECT_TRUE(sess.is_modified(o));
    EXPECT_TRUE(testkit::among(sess.dirty_objects(), o));
    sess.commit();
    EXPECT_EQ(count_rows("orders", "isopen = 5"), 1);
}

// ports: test/orm/test_expire.py::ExpireTest::test_partial_expire_lazy
TEST_F(Expire, PartialExpireOfARelationship) {
    Session sess(engine, {.autoflush = false});
    auto u = sess.get<User>(std::int64_t{8});
    EXPECT_EQ(u->addresses.size(), 3u);
    sess.connection().exec_driver_sql("DELETE FROM addresses WHERE email_address = 'ed@lala.com'");
    sess.expire(u, &User::addresses);
    EXPECT_FALSE(u.state()->expired);  // the columns stay
    EXPECT_EQ(u->addresses.size(), 2u);
}

// ports: test/orm/test_expire.py::ExpireTest::test_expire_all
TEST_F(Expire, ExpireAll) {
    Session sess(engine, {.autoflush = false});
    auto users = sess.scalars(select<User>().order_by(col(&User::id))).all();
    ASSERT_EQ(users.size(), 3u);
    sess.expire_all();
    for (const auto& u : users) EXPECT_TRUE(u.state()->expired);
    EXPECT_EQ(users[0]->name, "jack");
    EXPECT_FALSE(users[0].state()->expired);
    EXPECT_TRUE(users[1].state()->expired);
}

// ports: test/orm/test_expire.py::RefreshTest::test_refresh
// ports: test/orm/test_expire.py::RefreshTest::test_refresh_expired
TEST_F(Expire, Refresh) {
    Session s(engine);
    auto u = s.get<User>(std::int64_t{7});
    u->name = "foo";
    s.refresh(u);
    EXPECT_EQ(u->name, "jack");  // changes are dropped
    s.expire(u);
    s.refresh(u);
    EXPECT_FALSE(u.state()->expired);
    EXPECT_EQ(u->name, "jack");
}

// ports: test/orm/test_expire.py::RefreshTest::test_refresh_autoflush
TEST_F(Expire, RefreshOfAColumnAutoflushesARelationshipChange) {
    Session s(engine);
    auto a1 = s.scalars(select<Address>().where(col(&Address::email_address) == std::optional<std::string>("ed@wood.com"))).one();
    auto u1 = s.get<User>(std::int64_t{7});
    a1->user = u1;
    s.refresh(a1, &Address::user_id);
    EXPECT_EQ(a1->user_id, 7);
    EXPECT_TRUE(a1->user.get() == u1);
}

// ports: test/orm/test_expire.py::RefreshTest::test_refresh2
TEST_F(Expire, ExpireAndRefreshOfAnObjectWithANewChild) {
    Session s(engine);
    auto u = s.add(User{.name = "Justin", .addresses = {make<Address>(Address{.email_address = "lala"})}});
    s.flush();
    s.expunge_all();
    u = s.scalars(select<User>().where(col(&User::name) == std::optional<std::string>("Justin"))).one();
    s.expire(u);
    EXPECT_EQ(u->name, "Justin");
    s.refresh(u);
    EXPECT_EQ(u->name, "Justin");
    ASSERT_EQ(u->addresses.size(), 1u);
    EXPECT_EQ(u->addresses[0]->email_address, "lala");
}

// ports: test/orm/test_expire.py::RefreshTest::test_persistence_check
TEST_F(Expire, RefreshOfAnObjectNotInTheSession) {
    Session s(engine);
    auto u = s.get<User>(std::int64_t{7});
    s.expunge_all();
    try {
        s.refresh(u);
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("is not persistent within this Session"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_expire.py::RefreshTest::test_refresh_with_lazy
TEST_F(Expire, RefreshUnloadsRelationships) {
    Session s(engine);
    auto u = s.get<User>(std::int64_t{8});
    EXPECT_EQ(u->addresses.size(), 3u);
    s.connection().exec_driver_sql("DELETE FROM addresses WHERE email_address = 'ed@lala.com'");
    s.refresh(u);
    EXPECT_FALSE(u->addresses.is_loaded());
    EXPECT_EQ(u->addresses.size(), 2u);
}

// ports: test/orm/test_expire.py::ExpireTest::test_lazyload_autoflushes
// (Retort: a lazy load autoflushes only after adds, deletes and relationship changes, see the README; a column change
// waits for the next query or flush. What matters here holds: the reloaded collection does not overwrite it.)
TEST_F(Expire, ReloadOfAnExpiredCollectionKeepsAChangeToAChild) {
    Session s(engine, {.autoflush = true});
    auto u = s.get<User>(std::int64_t{8});
    ASSERT_EQ(u->addresses.size(), 3u);
    auto a1 = u->addresses[2];
    a1->email_address = "aaaaa";
    s.expire(u, &User::addresses);
    EXPECT_FALSE(u.get()->addresses.is_loaded());
    ASSERT_EQ(u->addresses.size(), 3u);
    EXPECT_TRUE(u->addresses[2] == a1);
    EXPECT_EQ(a1->email_address, "aaaaa");
    EXPECT_TRUE(s.is_modified(a1));
    s.flush();
    EXPECT_EQ(s.connection().exec_driver_sql("SELECT COUNT(*) FROM addresses WHERE email_address = 'aaaaa'")
                  .scalar_one<std::int64_t>(), 1);
}

// ports: test/orm/test_expire.py::ExpireTest::test_expired_lazy
TEST_F(Expire, ExpiredObjectLoadsColumnsAndRelationshipSeparately) {
    Session sess(engine);
    auto u = sess.get<User>(std::int64_t{7});
    sess.expire(u);
    EXPECT_TRUE(u.state()->expired);
    EXPECT_FALSE(u.get()->addresses.is_loaded());  // (get() reads the object without loading)
    // Two loads: the columns, then the collection.
    EXPECT_EQ(statements([&] {
                  EXPECT_EQ(u->addresses[0]->email_address, "jack@bean.com");
                  EXPECT_EQ(u->name, "jack");
              }),
              2u);
    EXPECT_FALSE(u.state()->expired);
    EXPECT_TRUE(u->addresses.is_loaded());
}

// ports: test/orm/test_expire.py::ExpireTest::test_relationship_changes_preserved
TEST_F(Expire, ReloadOfExpiredColumnsKeepsCollectionChanges) {
    Session sess(engine, {.autoflush = false});
    auto u = sess.get<User>(std::int64_t{8});
    sess.expire(u, &User::name, &User::addresses);
    EXPECT_EQ(u->addresses.size(), 3u);
    u->addresses.remove(u->addresses[1]);
    EXPECT_EQ(u->name, "ed");
    EXPECT_FALSE(u.state()->expired);
    EXPECT_EQ(u->addresses.size(), 2u);
}

// ports: test/orm/test_expire.py::ExpireTest::test_relationships_load_on_query
TEST_F(Expire, QueryLoadsExpiredColumnsAndRelationship) {
    Session sess(engine, {.autoflush = false});
    auto u = sess.get<User>(std::int64_t{8});
    EXPECT_EQ(u->addresses.size(), 3u);
    sess.expire(u, &User::name, &User::addresses);
    EXPECT_TRUE(u.state()->expired);
    EXPECT_FALSE(u.get()->addresses.is_loaded());
    auto found = sess.scalars(select<User>().options(joinedload(&User::addresses)).where(col(&User::id) == std::int64_t{8})).all();
    ASSERT_EQ(found.size(), 1u);
    EXPECT_TRUE(found[0] == u);
    EXPECT_FALSE(u.state()->expired);
    EXPECT_TRUE(u->addresses.is_loaded());
    EXPECT_EQ(statements([&] {
                  EXPECT_EQ(u->name, "ed");
                  EXPECT_EQ(u->addresses.size(), 3u);
              }),
              0u);
}

// ports: test/orm/test_expire.py::ExpireTest::test_no_pending_pks_on_refresh
// (autoflush on: the changed key is flushed before the refresh, the refreshed column's change is dropped)
TEST_F(Expire, RefreshAfterAKeyChangeFlushesItFirst) {
    Session sess(engine, {.autoflush = true});
    auto u = sess.get<User>(std::int64_t{10});
    u->id = 25;
    u->name = "newname";
    sess.refresh(u, &User::name);
    EXPECT_EQ(u->id, 25);
    EXPECT_EQ(u->name, "chuck");
    EXPECT_FALSE(sess.is_modified(u));
    EXPECT_TRUE(sess.get<User>(std::int64_t{25}) == u);
    EXPECT_EQ(sess.connection().exec_driver_sql("SELECT COUNT(*) FROM users WHERE id = 25").scalar_one<std::int64_t>(), 1);
}

// ports: test/orm/test_expire.py::ExpiredPendingTest::test_expired_pending
TEST_F(Expire, PendingChildOfAnExpiredParent) {
    Session sess(engine, {.autoflush = false});
    auto u = sess.get<User>(std::int64_t{7});
    auto a = make<Address>(Address{.email_address = "pending"});
    u->addresses.push_back(a);
    sess.expire(u, &User::name);  // partial: the relationship change stays
    EXPECT_EQ(u->name, "jack");
    sess.flush();
    EXPECT_EQ(u->addresses.size(), 2u);
    sess.commit();
    EXPECT_EQ(count_rows("addresses", "user_id = 7"), 2);
}

// ports: test/orm/test_expire.py::LifecycleTest::test_attr_not_inserted
TEST_F(Expire, ColumnNotInsertedReadsWithoutALoad) {
    Session sess(engine);
    auto o = sess.add(Order{});
    sess.flush();
    EXPECT_EQ(statements([&] { EXPECT_EQ(o->description, std::nullopt); }), 0u);
}

// ports: test/orm/test_expire.py::LifecycleTest::test_attr_not_inserted_expired
TEST_F(Expire, ColumnNotInsertedReadsFromTheRowOnceExpired) {
    Session sess(engine, {.autoflush = false});
    auto o = sess.add(Order{});
    sess.flush();
    sess.expire(o);
    EXPECT_EQ(statements([&] { EXPECT_EQ(o->description, std::nullopt); }), 1u);
}

}  // namespace conf_expire

// A mapping whose User.addresses also cascades delete-orphan: then expire() and refresh() reach a pending child
// too, and take it out of the session (it would be an orphan once the collection is reloaded).
namespace conf_expire_orphan {

struct Address;
struct User {
    std::int64_t id = 0;
    std::optional<std::string> name;
    Collection<Address> addresses;
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> email_address;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_expire_orphan

template <>
void retort::orm::define(Mapping<conf_expire_orphan::User>& m) {
    using conf_expire_orphan::Address;
    using conf_expire_orphan::User;
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(30)});
    m.one_to_many(&User::addresses, "addresses", on(&User::id, &Address::user_id),
                  {.cascade = "save-update, refresh-expire, delete, delete-orphan", .order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<conf_expire_orphan::Address>& m) {
    using conf_expire_orphan::Address;
    using conf_expire_orphan::User;
    m.table("addresses");
    m.name("Address");
    m.column(&Address::id, "id", {.primary_key = true});
    m.column(&Address::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&Address::email_address, "email_address", {.type = types::String(50)});
}

namespace conf_expire_orphan {

Registry& mapped() {
    static Registry& r = (models().map<User, Address>(), models());
    return r;
}

class ExpireOrphan : public testkit::OrmConformance {
protected:
    ExpireOrphan() : OrmConformance(mapped()) {}
    void SetUp() override {
        OrmConformance::SetUp();
        Session s(engine);
        s.add(User{.id = 8, .name = "ed", .addresses = {make<Address>(Address{.email_address = "ed@wood.com"}),
                                                        make<Address>(Address{.email_address = "ed@bettyboop.com"}),
                                                        make<Address>(Address{.email_address = "ed@lala.com"})}});
        s.commit();
    }
    void cascade_to_pending(bool expire) {
        Session s(engine, {.autoflush = false});
        auto u = s.get<User>(std::int64_t{8});
        auto a = make<Address>(Address{.email_address = "foobar"});
        u->addresses.push_back(a);
        EXPECT_TRUE(s.contains(a));
        if (expire)
            s.expire(u);
        else
            s.refresh(u);
        EXPECT_FALSE(s.contains(a));
        EXPECT_EQ(a.state()->status, ObjectState::Transient);
        EXPECT_FALSE(u->addresses.contains(a));
        EXPECT_EQ(u->addresses.size(), 3u);
        s.flush();
        EXPECT_EQ(s.connection().exec_driver_sql("SELECT COUNT(*) FROM addresses").scalar_one<std::int64_t>(), 3);
    }
};

// ports: test/orm/test_expire.py::ExpireTest::test_expire_cascade_pending_orphan
TEST_F(ExpireOrphan, ExpireCascadeExpungesAPendingChild) { cascade_to_pending(true); }

// ports: test/orm/test_expire.py::ExpireTest::test_refresh_cascade_pending_orphan
TEST_F(ExpireOrphan, RefreshCascadeExpungesAPendingChild) { cascade_to_pending(false); }

}  // namespace conf_expire_orphan
