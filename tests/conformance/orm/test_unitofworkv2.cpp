// Ports of test/orm/test_unitofworkv2.py: the statements a flush sends, in order.
#include "conformance/kit.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_uowv2 {

// SQLAlchemy's _fixtures users / addresses.
struct Address;
struct User {
    std::int64_t id = 0;
    std::string name;
    Collection<Address> addresses;
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string email_address;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_uowv2

using namespace conf_uowv2;

template <>
void retort::orm::define(Mapping<User>& m) {
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(30)});
    m.one_to_many(&User::addresses, "addresses", on(&User::id, &Address::user_id));
}
template <>
void retort::orm::define(Mapping<Address>& m) {
    m.table("addresses");
    m.name("Address");
    m.column(&Address::id, "id", {.primary_key = true});
    m.column(&Address::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&Address::email_address, "email_address", {.type = types::String(50)});
}

namespace conf_uowv2 {
Registry& mapped() {
    static Registry& r = (models().map<User, Address>(), models());
    return r;
}

class UowV2 : public testkit::OrmConformance {
protected:
    UowV2() : OrmConformance(mapped()) {}
};

// ports: test/orm/test_unitofworkv2.py::RudimentaryFlushTest::test_one_to_many_save
TEST_F(UowV2, OneToManySave) {
    Session sess(engine);
    auto a1 = make<Address>(Address{.email_address = "a1"});
    auto a2 = make<Address>(Address{.email_address = "a2"});
    auto u1 = sess.add(User{.name = "u1", .addresses = {a1, a2}});
    record();
    sess.flush();
    auto stmts = dml(take());
    if (engine.dialect().caps().supports_returning) {
        ASSERT_EQ(stmts.size(), 2u) << ::testing::PrintToString(stmts);
        EXPECT_TRUE(stmts[0].starts_with("INSERT INTO users (name) VALUES (?)")) << stmts[0];
        EXPECT_TRUE(stmts[1].starts_with("INSERT INTO addresses (user_id, email_address) VALUES (?, ?), (?, ?)")) << stmts[1];
    } else if (engine.dialect().caps().prefetch_key_sequences) {
        // Without RETURNING, keys from the key's sequence first (one query per table), then the rows batched.
        ASSERT_EQ(stmts.size(), 4u) << ::testing::PrintToString(stmts);
        EXPECT_TRUE(stmts[0].starts_with("SELECT")) << stmts[0];
        EXPECT_EQ(stmts[1], "INSERT INTO users (name, id) VALUES (?, ?)");
        EXPECT_TRUE(stmts[2].starts_with("SELECT")) << stmts[2];
        EXPECT_EQ(stmts[3], "INSERT INTO addresses (user_id, email_address, id) VALUES (?, ?, ?), (?, ?, ?)");
    } else {
        // Without RETURNING (SQLAlchemy's Conditional on insert_executemany_returning): one INSERT per address.
        ASSERT_EQ(stmts.size(), 3u) << ::testing::PrintToString(stmts);
        EXPECT_EQ(stmts[0], "INSERT INTO users (name) VALUES (?)");
        EXPECT_EQ(stmts[1], "INSERT INTO addresses (user_id, email_address) VALUES (?, ?)");
        EXPECT_EQ(stmts[2], "INSERT INTO addresses (user_id, email_address) VALUES (?, ?)");
    }
    EXPECT_EQ(a1->user_id, u1->id);
    EXPECT_EQ(a2->user_id, u1->id);
}

// ports: test/orm/test_unitofworkv2.py::RudimentaryFlushTest::test_one_to_many_delete_all
TEST_F(UowV2, OneToManyDeleteAll) {
    Session sess(engine);
    auto a1 = make<Address>(Address{.email_address = "a1"});
    auto a2 = make<Address>(Address{.email_address = "a2"});
    auto u1 = sess.add(User{.name = "u1", .addresses = {a1, a2}});
    sess.flush();
    sess.delete_(u1);
    sess.delete_(a1);
    sess.delete_(a2);
    record();
    sess.flush();
    auto stmts = dml(take());
    // The addresses go first (they refer to the user), with no UPDATE of their foreign key beforehand.
    ASSERT_EQ(starting(stmts, "UPDATE").size(), 0u) << ::testing::PrintToString(stmts);
    ASSERT_GE(stmts.size(), 2u);
    EXPECT_TRUE(stmts.front().starts_with("DELETE FROM addresses WHERE addresses.id = ?")) << stmts.front();
    EXPECT_TRUE(stmts.back().starts_with("DELETE FROM users WHERE users.id = ?")) << stmts.back();
    sess.commit();
    EXPECT_EQ(count_rows("addresses"), 0);
    EXPECT_EQ(count_rows("users"), 0);
}

// ports: test/orm/test_unitofworkv2.py::RudimentaryFlushTest::test_one_to_many_delete_parent
TEST_F(UowV2, OneToManyDeleteParent) {
    Session sess(engine);
    auto a1 = make<Address>(Address{.email_address = "a1"});
    auto a2 = make<Address>(Address{.email_address = "a2"});
    auto u1 = sess.add(User{.name = "u1", .addresses = {a1, a2}});
    sess.flush();
    sess.delete_(u1);
    record();
    sess.flush();
    auto stmts = dml(take());
    // The children lose their reference (no delete cascade), then the parent goes.
    ASSERT_FALSE(stmts.empty());
    EXPECT_TRUE(stmts.front().starts_with("UPDATE addresses SET user_id")) << ::testing::PrintToString(stmts);
    EXPECT_TRUE(stmts.back().starts_with("DELETE FROM users WHERE users.id = ?")) << stmts.back();
    sess.commit();
    EXPECT_EQ(count_rows("addresses", "user_id IS NULL"), 2);
}

}  // namespace conf_uowv2
