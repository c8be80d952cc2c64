// Ports of test/orm/test_naturalpks.py: natural (program-given) primary keys that change, and the rows that
// refer to them (ON UPDATE CASCADE with passive_updates, or UPDATEs from the flush without).
#include "conformance/kit.hpp"

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

namespace conf_naturalpks {

Registry& mapped() {
    static Registry& r = (models().map<User, Address, User2, Address2>(), models());
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

}  // namespace conf_naturalpks
