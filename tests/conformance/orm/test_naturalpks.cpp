// Ports of test/orm/test_naturalpks.py: natural (program-given) primary keys that change, and the rows that
// refer to them (ON UPDATE CASCADE with passive_updates, or UPDATEs from the flush without).
#include "conformance/kit.hpp"
#include <algorithm>

using namespace retort;
using namespace retort::orm;

namespace conf_naturalpks {

struct Address;
struct User {
    std::string username;
    std::optional<std::string> fullname;
    Collection<Address> addresses;  // passive_updates (the database cascades)
};
struct Address {
    std::string email;
    std::optional<std::string> username;
    Ref<User> user;  // no back_populates: many-to-one on its own
};
// The same tables, mapped with passive_updates = false.
struct Address2;
struct User2 {
    std::string username;
    std::optional<std::string> fullname;
    Collection<Address2> addresses;
};
struct Address2 {
    std::string email;
    std::optional<std::string> username;
};
// Many-to-many between natural keys, through an association table the database does not cascade.
struct Item3;
struct User3 {
    std::string username;
    Collection<Item3> items;  // passive_updates = false
};
struct Item3 {
    std::string itemname;
    Collection<User3> users;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_naturalpks

using namespace conf_naturalpks;

template <>
void retort::orm::define(Mapping<User>& m) {
    m.table("users");
    m.name("User");
    m.column(&User::username, "username", {.type = types::String(50), .primary_key = true});
    m.column(&User::fullname, "fullname", {.type = types::String(100)});
    m.one_to_many(&User::addresses, "addresses", on(&User::username, &Address::username), {.order_by = {"email"}});
}
template <>
void retort::orm::define(Mapping<Address>& m) {
    m.table("addresses");
    m.name("Address");
    m.column(&Address::email, "email", {.type = types::String(50), .primary_key = true});
    m.column(&Address::username, "username", {.type = types::String(50), .foreign_key = "users.username", .onupdate = "CASCADE"});
    m.many_to_one(&Address::user, "user", on(&Address::username, &User::username));
}
template <>
void retort::orm::define(Mapping<User2>& m) {
    m.table("users2");
    m.name("User2");
    m.column(&User2::username, "username", {.type = types::String(50), .primary_key = true});
    m.column(&User2::fullname, "fullname", {.type = types::String(100)});
    m.one_to_many(&User2::addresses, "addresses", on(&User2::username, &Address2::username),
                  {.passive_updates = false, .order_by = {"email"}});
}
template <>
void retort::orm::define(Mapping<Address2>& m) {
    m.table("addresses2");
    m.name("Address2");
    m.column(&Address2::email, "email", {.type = types::String(50), .primary_key = true});
    m.column(&Address2::username, "username", {.type = types::String(50)});  // no foreign key: the flush keeps it
}

template <>
void retort::orm::define(Mapping<User3>& m) {
    m.table("users3");
    m.name("User3");
    m.column(&User3::username, "username", {.type = types::String(50), .primary_key = true});
    m.many_to_many(&User3::items, "items", "users_to_items3", on(&User3::username, "username"), on(&Item3::itemname, "itemname"),
                   {.back_populates = "users", .passive_updates = false, .order_by = {"itemname"}});
}
template <>
void retort::orm::define(Mapping<Item3>& m) {
    m.table("items3");
    m.name("Item3");
    m.column(&Item3::itemname, "itemname", {.type = types::String(50), .primary_key = true});
    m.many_to_many(&Item3::users, "users", "users_to_items3", on(&Item3::itemname, "itemname"), on(&User3::username, "username"),
                   {.back_populates = "items", .order_by = {"username"}});
}

namespace conf_naturalpks {

Registry& mapped() {
    static Registry& r = [] () -> Registry& {
        // No foreign keys: the flush itself moves the association rows to a changed key.
        models().metadata().table("users_to_items3", {{"username", types::String(50)}, {"itemname", types::String(50)}});
        models().map<User, Address, User2, Address2, User3, Item3>();
        return models();
    }();
    return r;
}

class NaturalPK : public testkit::OrmConformance {
protected:
    NaturalPK() : OrmConformance(mapped()) {}
};

// ON UPDATE CASCADE needs the foreign key in the database, which DSQL's DDL leaves out.
#define NEED_ON_UPDATE_CASCADE() \
    if (!engine.dialect().caps().supports_foreign_keys) GTEST_SKIP() << "no foreign keys in DDL: no ON UPDATE CASCADE"

// ports: test/orm/test_naturalpks.py::NaturalPKTest::test_entity
TEST_F(NaturalPK, ChangedKeyIsTheNewIdentity) {
    Session sess(engine);
    auto u1 = sess.add(User{.username = "jack", .fullname = "jack"});
    sess.flush();
    EXPECT_TRUE(sess.get<User>(std::string("jack")) == u1);
    u1->username = "ed";
    sess.flush();
    record();
    EXPECT_TRUE(sess.get<User>(std::string("ed")) == u1);
    EXPECT_TRUE(dml(take()).empty());
    EXPECT_FALSE(sess.get<User>(std::string("jack")));
    sess.expunge_all();
    auto again = sess.get<User>(std::string("ed"));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->fullname, "jack");
}

// ports: test/orm/test_naturalpks.py::NaturalPKTest::test_load_after_expire
TEST_F(NaturalPK, LoadAfterExpire) {
    Session sess(engine);
    auto u1 = sess.add(User{.username = "jack", .fullname = "jack"});
    sess.flush();
    EXPECT_TRUE(sess.get<User>(std::string("jack")) == u1);
    sess.connection().exec_driver_sql("UPDATE users SET username = 'ed'");
    sess.expire(u1);
    // The row under the old key is gone.
    EXPECT_THROW((void)u1->fullname, ObjectDeletedError);
    sess.expunge_all();
    EXPECT_TRUE(sess.get<User>(std::string("ed")));
}

// ports: test/orm/test_naturalpks.py::NaturalPKTest::test_flush_new_pk_after_expire
TEST_F(NaturalPK, NewKeyAfterExpire) {
    Session sess(engine);
    auto u1 = sess.add(User{.username = "jack", .fullname = "jack"});
    sess.commit();
    u1->username = "ed";  // reloads the expired object first, then changes its key
    sess.flush();
    EXPECT_TRUE(sess.get<User>(std::string("ed")) == u1);
    sess.commit();
    EXPECT_EQ(count_rows("users", "username = 'ed'"), 1);
}

// ports: test/orm/test_naturalpks.py::NaturalPKTest::test_onetomany_passive
TEST_F(NaturalPK, OneToManyPassive) {
    NEED_ON_UPDATE_CASCADE();
    Session sess(engine);
    auto u1 = sess.add(User{.username = "jack", .fullname = "jack"});
    u1->addresses.push_back(make<Address>(Address{.email = "jack1"}));
    u1->addresses.push_back(make<Address>(Address{.email = "jack2"}));
    sess.flush();
    EXPECT_TRUE(sess.get<Address>(std::string("jack1")) == u1->addresses[0]);
    u1->username = "ed";
    record();
    sess.flush();
    EXPECT_EQ(dml(take()).size(), 1u);  // the database cascades to the addresses
    EXPECT_EQ(u1->addresses[0]->username, "ed");
    EXPECT_TRUE(sess.dirty_objects().empty());
    sess.expunge_all();
    auto all = sess.scalars(select<Address>()).all();
    ASSERT_EQ(all.size(), 2u);
    for (const auto& a : all) EXPECT_EQ(a->username, "ed");
    // Emptying the collection and changing the key: the addresses are let go first.
    auto u = sess.get<User>(std::string("ed"));
    u->addresses = {};
    u->username = "fred";
    sess.flush();
    sess.expunge_all();
    EXPECT_FALSE(sess.get<Address>(std::string("jack1"))->username.has_value());
    EXPECT_EQ(sess.get<User>(std::string("fred"))->fullname, "jack");
}

// ports: test/orm/test_naturalpks.py::NaturalPKTest::test_onetomany_nonpassive
TEST_F(NaturalPK, OneToManyNonPassive) {
    Session sess(engine);
    auto u1 = sess.add(User2{.username = "jack", .fullname = "jack"});
    u1->addresses.push_back(make<Address2>(Address2{.email = "jack1"}));
    u1->addresses.push_back(make<Address2>(Address2{.email = "jack2"}));
    sess.flush();
    u1->username = "ed";
    record();
    sess.flush();
    auto stmts = dml(take());
    EXPECT_EQ(starting(stmts, "UPDATE users2").size(), 1u) << ::testing::PrintToString(stmts);
    EXPECT_GE(starting(stmts, "UPDATE addresses2").size(), 1u) << ::testing::PrintToString(stmts);
    EXPECT_EQ(u1->addresses[0]->username, "ed");
    sess.commit();
    EXPECT_EQ(count_rows("addresses2", "username = 'ed'"), 2);
}

// ports: test/orm/test_naturalpks.py::NaturalPKTest::test_manytoone_passive
TEST_F(NaturalPK, ManyToOnePassive) {
    NEED_ON_UPDATE_CASCADE();
    Session sess(engine);
    auto u1 = make<User>(User{.username = "jack", .fullname = "jack"});
    auto a1 = sess.add(Address{.email = "jack1", .user = u1});
    auto a2 = sess.add(Address{.email = "jack2", .user = u1});
    sess.add(Address{.email = "fred"});
    sess.flush();
    u1->username = "ed";
    record();
    sess.flush();
    EXPECT_EQ(dml(take()).size(), 1u);
    record();
    sess.flush();
    EXPECT_TRUE(dml(take()).empty());
    EXPECT_EQ(a1->username, "ed");
    EXPECT_EQ(a2->username, "ed");
    sess.commit();
    EXPECT_EQ(count_rows("addresses", "username = 'ed'"), 2);
    EXPECT_EQ(count_rows("addresses", "username IS NULL"), 1);
}

// ports: test/orm/test_naturalpks.py::NaturalPKTest::test_manytoone_nonpassive
// (passive: the database's ON UPDATE CASCADE moves the address row; where the DDL has no foreign keys (DSQL) the
// row keeps the old key, and so does the address once reloaded)
TEST_F(NaturalPK, ManyToOneFollowsItsTarget) {
    Session sess(engine);
    auto u1 = make<User>(User{.username = "jack", .fullname = "jack"});
    auto a1 = sess.add(Address{.email = "jack1", .user = u1});
    sess.flush();
    EXPECT_EQ(a1->user->username, "jack");
    u1->username = "ed";
    sess.commit();
    EXPECT_EQ(a1->username, engine.dialect().caps().supports_foreign_keys ? std::optional<std::string>("ed")
                                                                           : std::optional<std::string>("jack"));
}

// ports: test/orm/test_naturalpks.py::TransientExceptionTesst::test_transient_exception
TEST_F(NaturalPK, KeyOfAnotherObjectIsAnError) {
    Session sess(engine);
    sess.add(User{.username = "jack"});
    sess.flush();
    auto u2 = sess.add(User{.username = "ed"});
    sess.flush();
    u2->username = "jack";
    EXPECT_THROW(sess.flush(), Error);
    sess.rollback();
}

// ports: test/orm/test_naturalpks.py::NonPKCascadeTest::test_onetomany_passive
TEST_F(NaturalPK, KeyChangeInsideASavepointIsRolledBack) {
    if (!supports_savepoints()) GTEST_SKIP() << "the dialect has no SAVEPOINT";
    Session sess(engine);
    auto u1 = sess.add(User{.username = "jack", .fullname = "jack"});
    sess.commit();
    auto nt = sess.begin_nested();
    u1->username = "ed";
    sess.flush();
    nt.rollback();
    EXPECT_EQ(u1->username, "jack");
    sess.commit();
    EXPECT_EQ(count_rows("users", "username = 'jack'"), 1);
}

// ports: test/orm/test_naturalpks.py::ManyToManyTest::test_manytomany_nonpassive
TEST_F(NaturalPK, ManyToManyNonPassive) {
    Session sess(engine);
    auto u1 = make<User3>(User3{.username = "jack"});
    auto u2 = make<User3>(User3{.username = "fred"});
    auto i1 = make<Item3>(Item3{.itemname = "item1"});
    auto i2 = make<Item3>(Item3{.itemname = "item2"});
    u1->items.push_back(i1);
    u1->items.push_back(i2);
    i2->users.push_back(u2);
    sess.add(u1);
    sess.add(u2);
    sess.flush();
    auto names = [](const Ptr<Item3>& i) {
        std::vector<std::string> out;
        for (const auto& u : i->users) out.push_back(u->username);
        std::sort(out.begin(), out.end());
        return out;
    };
    auto r = sess.query<Item3>().order_by(col(&Item3::itemname)).all();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(names(r[0]), std::vector<std::string>{"jack"});
    EXPECT_EQ(names(r[1]), (std::vector<std::string>{"fred", "jack"}));

    u2->username = "ed";
    sess.flush();
    record();
    sess.flush();
    EXPECT_TRUE(take().empty());  // nothing left to write

    sess.expunge_all();
    r = sess.query<Item3>().order_by(col(&Item3::itemname)).all();
    EXPECT_EQ(names(r[0]), std::vector<std::string>{"jack"});
    EXPECT_EQ(names(r[1]), (std::vector<std::string>{"ed", "jack"}));

    // The collection need not be loaded: the association rows move all the same.
    sess.expunge_all();
    auto ed = sess.get<User3>(std::string("ed"));
    ASSERT_TRUE(ed);
    ed->username = "wendy";
    sess.flush();
    auto in_session = [&](const std::string& name) {
        return sess.connection()
            .execute(text("SELECT COUNT(*) FROM users_to_items3 WHERE username = :n"), {{"n", name}})
            .scalar_one<std::int64_t>();
    };
    EXPECT_EQ(in_session("wendy"), 1);
    EXPECT_EQ(in_session("ed"), 0);
    sess.commit();
    sess.expunge_all();
    auto wendy = sess.get<User3>(std::string("wendy"));
    ASSERT_TRUE(wendy);
    ASSERT_EQ(wendy->items.size(), 1u);
    EXPECT_EQ(wendy->items[0]->itemname, "item2");
}

}  // namespace conf_naturalpks
