// Ports of test/orm/test_lockmode.py and of test/orm/test_session.py's get / refresh with_for_update: SELECT ...
// FOR UPDATE from a query, get() and refresh(), where the dialect has it (PostgreSQL and Aurora DSQL; SQLite has
// no row locks, and the clause is left out there, as SQLAlchemy does).
#include "conformance/orm/fixtures.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_lock {
struct Stock : conf_fx::Defaults {};
}  // namespace conf_lock

CONF_FX_DEFINE(conf_lock::Stock)

namespace conf_lock {

class ForUpdateTest : public conf_fx::FixtureTest<Stock> {
protected:
    bool locks() const { return engine.dialect().caps().supports_for_update; }
    void expect_for_update(const std::string& stmt) const {
        if (locks()) EXPECT_TRUE(stmt.ends_with(" FOR UPDATE")) << stmt;
        else EXPECT_EQ(stmt.find("FOR UPDATE"), std::string::npos) << stmt;
    }
};

// ports: test/orm/test_lockmode.py::BackendTest::test_plain
// ports: test/orm/test_lockmode.py::CompileTest::test_default_update
// ports: test/orm/test_lockmode.py::CompileTest::test_not_supported_by_dialect_should_just_use_update
TEST_F(ForUpdateTest, Plain) {
    Session sess(engine);
    record();
    auto users = sess.query<UserT>().with_for_update().order_by(col(&UserT::id)).all();
    auto stmts = dml(take());
    EXPECT_EQ(users.size(), 4u);
    ASSERT_EQ(stmts.size(), 1u);
    expect_for_update(stmts[0]);
    sess.commit();
}

// ports: test/orm/test_lockmode.py::BackendTest::test_outer_joinedload_wo_limit
// ports: test/orm/test_lockmode.py::BackendTest::test_outer_joinedload_w_limit
TEST_F(ForUpdateTest, JoinedLoadUnderForUpdate) {
    // PostgreSQL refuses FOR UPDATE on the nullable side of an outer join: the joined collection loads with a
    // second query there, and the users' rows are locked.
    Session sess(engine);
    auto users = sess.query<UserT>().options(joinedload(&UserT::addresses)).with_for_update().order_by(col(&UserT::id)).all();
    EXPECT_EQ(conf_fx::user_addresses(users), conf_fx::user_address_result);
    auto one = sess.query<UserT>().options(joinedload(&UserT::addresses)).with_for_update().limit(1).all();
    EXPECT_EQ(one.size(), 1u);
    sess.commit();
}

// ports: test/orm/test_session.py::SessionUtilTest::test_get_with_for_update_use
TEST_F(ForUpdateTest, GetWithForUpdate) {
    Session sess(engine);
    auto u = sess.get<UserT>(7);
    // In the identity map: get() sends nothing, unless with_for_update, which reads (and locks) the row again.
    EXPECT_EQ(sql_count([&] { EXPECT_TRUE(sess.get<UserT>(7) == u); }), 0u);
    EXPECT_EQ(sql_count([&] { EXPECT_TRUE(sess.get<UserT>(7, {.with_for_update = false}) == u); }), 0u);
    record();
    EXPECT_TRUE(sess.get<UserT>(7, {.with_for_update = true}) == u);
    auto stmts = dml(take());
    ASSERT_EQ(stmts.size(), 1u);
    expect_for_update(stmts[0]);
    // Not in the identity map: one SELECT ... FOR UPDATE.
    record();
    auto u8 = sess.get<UserT>(8, {.with_for_update = true});
    stmts = dml(take());
    EXPECT_EQ(u8->name, "ed");
    ASSERT_EQ(stmts.size(), 1u);
    expect_for_update(stmts[0]);
    sess.commit();
}

// ports: test/orm/test_session.py::SessionInterface::test_refresh_arg_signature
TEST_F(ForUpdateTest, RefreshWithForUpdate) {
    Session sess(engine);
    auto u = sess.get<UserT>(7);
    u->name = "changed";
    record();
    sess.refresh(u, {.with_for_update = true});
    auto stmts = dml(take());
    ASSERT_EQ(stmts.size(), 1u);
    expect_for_update(stmts[0]);
    EXPECT_EQ(u->name, "jack");
    EXPECT_FALSE(sess.is_modified(u));
    record();
    sess.refresh(u);
    stmts = dml(take());
    ASSERT_EQ(stmts.size(), 1u);
    EXPECT_EQ(stmts[0].find("FOR UPDATE"), std::string::npos);
    sess.commit();
}

// populate_existing and get_one on get(), with loader options.
TEST_F(ForUpdateTest, GetOptions) {
    Session sess(engine, {.autoflush = false});
    auto u = sess.get<UserT>(7);
    u->name = "changed";
    EXPECT_TRUE(sess.get<UserT>(7) == u);
    EXPECT_EQ(u->name, "changed");
    EXPECT_TRUE(sess.get<UserT>(7, {.populate_existing = true}) == u);
    EXPECT_EQ(u->name, "jack");
    auto u8 = sess.get_one<UserT>(8, {.options = {selectinload(&UserT::addresses)}});
    EXPECT_TRUE(u8->addresses.is_loaded());
    EXPECT_THROW((void)sess.get_one<UserT>(99, {.with_for_update = true}), NoResultFound);
    sess.commit();
}

}  // namespace conf_lock
