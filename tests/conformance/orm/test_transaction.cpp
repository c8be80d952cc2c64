// Ports of test/orm/test_transaction.py: the Session's transaction, begin() and begin_nested() (SAVEPOINT) scopes,
// what rollback restores, a Session joined into a program's connection (join_transaction_mode), recovery after a
// failed flush.
#include "conformance/kit.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_transaction {

struct Address;
struct User {
    std::int64_t id = 0;
    std::optional<std::string> name;
    Collection<Address> addresses;  // all, delete-orphan, order_by id
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> email_address;
    Ref<User> user;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_transaction

using namespace conf_transaction;

template <>
void retort::orm::define(Mapping<User>& m) {
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(30)});
    m.one_to_many(&User::addresses, "addresses", on(&User::id, &Address::user_id),
                  {.back_populates = "user", .cascade = "all, delete-orphan", .order_by = {"id"}});
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

namespace conf_transaction {

// (a macro: GTEST_SKIP returns from the test body)
#define NEED_SAVEPOINTS() \
    if (!supports_savepoints()) GTEST_SKIP() << "the dialect has no SAVEPOINT"

Registry& mapped() {
    static Registry& r = (models().map<User, Address>(), models());
    return r;
}

class Tx : public testkit::OrmConformance {
protected:
    Tx() : OrmConformance(mapped()) {}
    // The users' names in key order, as the session reads them (autoflush).
    static std::vector<std::string> names(Session& s) {
        std::vector<std::string> out;
        for (const auto& u : s.scalars(select<User>().order_by(col(&User::id)))) out.push_back(u->name.value_or(""));
        return out;
    }
    // Each user's name and address emails, as the session reads them.
    static std::vector<std::string> users_and_addresses(Session& s) {
        std::vector<std::string> out;
        for (const auto& u : s.scalars(select<User>().order_by(col(&User::id)))) {
            std::string line = u->name.value_or("") + ":";
            for (const auto& a : u->addresses) line += " " + a->email_address.value_or("");
            out.push_back(line);
        }
        return out;
    }
    using V = std::vector<std::string>;
};

// ---------------------------------------------------------------- a Session on a program's connection

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_subtransaction_on_external_no_begin
TEST_F(Tx, SessionOnABegunConnectionCommitsNothing) {
    auto conn = engine.connect();
    auto trans = conn.begin();
    Session sess(conn);
    sess.add(User{.name = "ed"});
    sess.flush();
    sess.commit();     // commits nothing: the transaction is the program's
    trans.rollback();  // rolls it back
    EXPECT_EQ(sess.scalars(select<User>()).size(), 0u);
    sess.close();
    EXPECT_EQ(count_rows("users"), 0);
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_subtransaction_on_external_commit
TEST_F(Tx, SessionOnAnAutobegunConnectionLeavesTheCommitToIt) {
    auto conn = engine.connect();
    (void)conn.exec_driver_sql("SELECT 1");  // the connection's transaction has begun
    ASSERT_TRUE(conn.in_transaction());
    Session sess(conn);
    sess.add(User{.name = "ed"});
    sess.flush();
    sess.commit();    // commits nothing
    conn.rollback();  // rolls back
    EXPECT_EQ(sess.scalars(select<User>()).size(), 0u);
    sess.close();
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_subtransaction_on_external_rollback
TEST_F(Tx, SessionRollbackRollsBackTheConnectionsTransaction) {
    auto conn = engine.connect();
    (void)conn.exec_driver_sql("SELECT 1");
    Session sess(conn);
    sess.add(User{.name = "ed"});
    sess.flush();
    sess.rollback();  // rolls back the connection's transaction (rollback_only)
    conn.commit();    // nothing to commit
    EXPECT_EQ(sess.scalars(select<User>()).size(), 0u);
    sess.close();
    EXPECT_EQ(count_rows("users"), 0);
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_join_transaction_modes
// (the connection had no transaction: the session's own, committed or rolled back with it)
TEST_F(Tx, SessionOnAConnectionWithoutTransactionOwnsIt) {
    for (const char* op : {"commit", "close", "rollback"}) {
        SCOPED_TRACE(op);
        auto conn = engine.connect();
        {
            Session sess(conn);
            sess.add(User{.name = std::string("u-") + op});
            sess.flush();
            if (std::string(op) == "commit") sess.commit();
            else if (std::string(op) == "close") sess.close();
            else sess.rollback();
        }
        EXPECT_FALSE(conn.in_transaction());
        conn.close();
        EXPECT_EQ(count_rows("users", std::string("name = 'u-") + op + "'"), std::string(op) == "commit" ? 1 : 0);
    }
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_join_transaction_modes
// (a begun transaction under each mode: what the session's commit and rollback do to it)
TEST_F(Tx, JoinTransactionModes) {
    struct Case {
        JoinTransactionMode mode;
        const char* op;
        bool outer_active_after;
    };
    std::vector<Case> cases = {
        {JoinTransactionMode::ConservativeSavepoint, "commit", true},
        {JoinTransactionMode::ConservativeSavepoint, "rollback", false},
        {JoinTransactionMode::RollbackOnly, "commit", true},
        {JoinTransactionMode::RollbackOnly, "rollback", false},
        {JoinTransactionMode::ControlFully, "commit", false},
        {JoinTransactionMode::ControlFully, "rollback", false},
    };
    if (supports_savepoints()) {
        cases.push_back({JoinTransactionMode::CreateSavepoint, "commit", true});
        cases.push_back({JoinTransactionMode::CreateSavepoint, "rollback", true});
    }
    for (const auto& c : cases) {
        SCOPED_TRACE(std::to_string(static_cast<int>(c.mode)) + " " + c.op);
        auto conn = engine.connect();
        auto t1 = conn.begin();
        Session sess(conn, {.join_transaction_mode = c.mode});
        sess.add(User{.name = "x"});
        sess.flush();
        if (std::string(c.op) == "commit") sess.commit();
        else sess.rollback();
        EXPECT_EQ(t1.is_active(), c.outer_active_after);
        EXPECT_EQ(conn.in_transaction(), c.outer_active_after);
        if (t1.is_active()) t1.rollback();
        sess.close();
    }
    EXPECT_EQ(count_rows("users"), 1);  // only ControlFully's commit committed
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_join_transaction_modes
// (the connection inside a SAVEPOINT: the session works in a SAVEPOINT of its own and leaves the program's alone)
TEST_F(Tx, SessionOnAConnectionInsideASavepoint) {
    NEED_SAVEPOINTS();
    auto conn = engine.connect();
    auto t1 = conn.begin();
    auto s1 = conn.begin_nested();
    {
        Session sess(conn);
        sess.add(User{.name = "inner"});
        sess.flush();
        sess.rollback();  // to the session's own SAVEPOINT
        EXPECT_TRUE(s1.is_active());
        EXPECT_TRUE(t1.is_active());
        sess.add(User{.name = "kept"});
        sess.commit();  // releases the session's SAVEPOINT only
        EXPECT_TRUE(s1.is_active());
    }
    s1.commit();
    t1.commit();
    EXPECT_EQ(count_rows("users"), 1);
    EXPECT_EQ(count_rows("users", "name = 'kept'"), 1);
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_external_nested_transaction
// ports: test/orm/test_transaction.py::SessionTransactionTest::test_savepoint_on_external
TEST_F(Tx, SavepointOfASessionOnAConnection) {
    NEED_SAVEPOINTS();
    auto conn = engine.connect();
    auto trans = conn.begin();
    Session sess(conn);
    sess.add(User{.name = "u1"});
    sess.flush();
    auto savepoint = sess.begin_nested();
    sess.add(User{.name = "u2"});
    sess.flush();
    savepoint.rollback();
    trans.commit();
    EXPECT_EQ(sess.scalars(select<User>()).size(), 1u);
    sess.close();
    EXPECT_EQ(count_rows("users"), 1);
}

// ports: test/orm/test_transaction.py::JoinIntoAnExternalTransactionFixture::test_something
// (seed 003's test recipe: whatever the session commits, the program's rollback undoes)
TEST_F(Tx, JoinIntoAnExternalTransactionRecipe) {
    {
        Session s(engine);
        s.add(User{.name = "ben"});
        s.commit();
    }
    auto connection = engine.connect();
    auto transaction = connection.begin();
    {
        Session session(connection);
        auto users = session.scalars(select<User>()).all();
        ASSERT_EQ(users.size(), 1u);
        users[0]->name = "notben";
        session.commit();
        EXPECT_EQ(session.scalars(select<User>().where(col(&User::name) == std::optional<std::string>("notben"))).size(), 1u);
        session.close();
    }
    transaction.rollback();
    connection.close();
    EXPECT_EQ(count_rows("users", "name = 'ben'"), 1);
}

// ---------------------------------------------------------------- begin() and begin_nested()

// ports: test/orm/test_transaction.py::ContextManagerPlusFutureTest::test_explicit_begin
// ports: test/orm/test_transaction.py::ContextManagerPlusFutureTest::test_no_double_begin_explicit
TEST_F(Tx, ExplicitBeginOnce) {
    Session s(engine);
    auto tx = s.begin();
    EXPECT_TRUE(s.in_transaction());
    EXPECT_TRUE(tx.is_active());
    EXPECT_THROW((void)s.begin(), InvalidRequestError);
    tx.commit();
    EXPECT_FALSE(tx.is_active());
    EXPECT_FALSE(s.in_transaction());
}

// ports: test/orm/test_transaction.py::ContextManagerPlusFutureTest::test_begin_context_manager
// ports: test/orm/test_transaction.py::ContextManagerPlusFutureTest::test_contextmanager_rollback
TEST_F(Tx, BeginScopeCommitsOrRollsBack) {
    Session s(engine);
    s.begin([&] { s.add(User{.name = "u1"}); });
    EXPECT_EQ(count_rows("users"), 1);
    EXPECT_THROW(s.begin([&] {
        s.add(User{.name = "u2"});
        s.flush();
        throw std::runtime_error("stop");
    }),
                 std::runtime_error);
    EXPECT_FALSE(s.in_transaction());
    EXPECT_EQ(count_rows("users"), 1);
    // A scope left without commit rolls back.
    {
        auto tx = s.begin();
        s.add(User{.name = "u3"});
        s.flush();
    }
    EXPECT_EQ(count_rows("users"), 1);
    EXPECT_EQ(names(s), V{"u1"});
}

// ports: test/orm/test_transaction.py::ContextManagerPlusFutureTest::test_contextmanager_nested_rollback
TEST_F(Tx, NestedScopeRollsBackOnException) {
    NEED_SAVEPOINTS();
    Session sess(engine);
    auto outer = sess.begin();
    EXPECT_THROW(sess.begin_nested([&] {
        sess.add(User{.name = "u1"});
        sess.flush();
        throw std::runtime_error("stop");
    }),
                 std::runtime_error);
    EXPECT_TRUE(outer.is_active());
    EXPECT_EQ(sess.scalars(select<User>()).size(), 0u);
    sess.add(User{.name = "u2"});
    outer.commit();
    EXPECT_EQ(count_rows("users"), 1);
}

// ports: test/orm/test_transaction.py::ContextManagerPlusFutureTest::test_rollback_is_global
TEST_F(Tx, RollbackIsGlobal) {
    NEED_SAVEPOINTS();
    Session sess(engine);
    auto tx = sess.begin();
    sess.add(User{.name = "u1"});
    auto n1 = sess.begin_nested();
    sess.add(User{.name = "u2"});
    sess.flush();
    sess.rollback();  // everything, SAVEPOINTs included
    EXPECT_FALSE(n1.is_active());
    EXPECT_FALSE(tx.is_active());
    EXPECT_FALSE(sess.in_transaction());
    EXPECT_EQ(sess.scalars(select<User>()).size(), 0u);
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_nested_accounting_new_items_removed
TEST_F(Tx, NestedAccountingNewItemsRemoved) {
    NEED_SAVEPOINTS();
    Session session(engine);
    auto tx = session.begin();
    auto n1 = session.begin_nested();
    auto u1 = session.add(User{.name = "u1"});
    n1.commit();
    EXPECT_TRUE(session.contains(u1));
    session.rollback();
    EXPECT_FALSE(session.contains(u1));
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_nested_accounting_deleted_items_restored
TEST_F(Tx, NestedAccountingDeletedItemsRestored) {
    NEED_SAVEPOINTS();
    Session session(engine);
    {
        auto tx = session.begin();
        session.add(User{.name = "u1"});
        session.commit();
    }
    auto tx = session.begin();
    auto u1 = session.scalars(select<User>()).first();
    auto n1 = session.begin_nested();
    session.delete_(u1);
    n1.commit();
    EXPECT_FALSE(session.contains(u1));
    session.rollback();
    EXPECT_TRUE(session.contains(u1));
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_dirty_state_transferred_deep_nesting
TEST_F(Tx, DirtyStateTransferredDeepNesting) {
    NEED_SAVEPOINTS();
    Session s(engine);
    auto u1 = s.add(User{.name = "u1"});
    s.commit();
    auto nt1 = s.begin_nested();
    auto nt2 = s.begin_nested();
    u1->name = "u2";
    s.flush();
    nt2.commit();
    nt1.rollback();
    EXPECT_TRUE(u1.state()->expired);
    EXPECT_EQ(u1->name, "u1");
}

// ports: test/orm/test_transaction.py::SavepointTest::test_savepoint_rollback
TEST_F(Tx, SavepointRollback) {
    NEED_SAVEPOINTS();
    Session s(engine);
    auto u1 = s.add(User{.name = "ed"});
    auto u2 = s.add(User{.name = "jack"});
    auto nt1 = s.begin_nested();
    s.add(User{.name = "wendy"});
    s.add(User{.name = "foo"});
    u1->name = "edward";
    u2->name = "jackward";
    EXPECT_EQ(names(s), (V{"edward", "jackward", "wendy", "foo"}));
    nt1.rollback();
    EXPECT_EQ(u1->name, "ed");
    EXPECT_EQ(u2->name, "jack");
    EXPECT_EQ(names(s), (V{"ed", "jack"}));
    s.commit();
    EXPECT_EQ(u1->name, "ed");
    EXPECT_EQ(names(s), (V{"ed", "jack"}));
}

// ports: test/orm/test_transaction.py::SavepointTest::test_savepoint_delete
TEST_F(Tx, SavepointDelete) {
    NEED_SAVEPOINTS();
    Session s(engine);
    auto u1 = s.add(User{.name = "ed"});
    s.commit();
    auto nt = s.begin_nested();
    s.delete_(u1);
    s.commit();  // releases the SAVEPOINT with the whole transaction
    EXPECT_FALSE(nt.is_active());
    EXPECT_EQ(count_rows("users"), 0);
}

// ports: test/orm/test_transaction.py::SavepointTest::test_savepoint_commit
TEST_F(Tx, SavepointCommit) {
    NEED_SAVEPOINTS();
    Session s(engine);
    auto u1 = s.add(User{.name = "ed"});
    auto u2 = s.add(User{.name = "jack"});
    auto nt1 = s.begin_nested();
    s.add(User{.name = "wendy"});
    s.add(User{.name = "foo"});
    u1->name = "edward";
    u2->name = "jackward";
    EXPECT_EQ(names(s), (V{"edward", "jackward", "wendy", "foo"}));
    nt1.commit();
    // Nothing is reloaded after a SAVEPOINT is released: one statement, the query.
    record();
    EXPECT_EQ(u1->name, "edward");
    EXPECT_EQ(u2->name, "jackward");
    EXPECT_EQ(names(s), (V{"edward", "jackward", "wendy", "foo"}));
    EXPECT_EQ(dml(take()).size(), 1u);
    s.commit();
    EXPECT_EQ(names(s), (V{"edward", "jackward", "wendy", "foo"}));
}

// ports: test/orm/test_transaction.py::SavepointTest::test_savepoint_rollback_collections
TEST_F(Tx, SavepointRollbackCollections) {
    NEED_SAVEPOINTS();
    Session s(engine);
    auto u1 = s.add(User{.name = "ed", .addresses = {make<Address>(Address{.email_address = "foo"})}});
    s.commit();
    u1->name = "edward";
    u1->addresses.push_back(make<Address>(Address{.email_address = "bar"}));
    auto nt1 = s.begin_nested();
    s.add(User{.name = "jack", .addresses = {make<Address>(Address{.email_address = "bat"})}});
    EXPECT_EQ(users_and_addresses(s), (V{"edward: foo bar", "jack: bat"}));
    nt1.rollback();
    EXPECT_EQ(users_and_addresses(s), (V{"edward: foo bar"}));
    s.commit();
    EXPECT_EQ(users_and_addresses(s), (V{"edward: foo bar"}));
}

// ports: test/orm/test_transaction.py::SavepointTest::test_savepoint_commit_collections
TEST_F(Tx, SavepointCommitCollections) {
    NEED_SAVEPOINTS();
    Session s(engine);
    auto u1 = s.add(User{.name = "ed", .addresses = {make<Address>(Address{.email_address = "foo"})}});
    s.commit();
    u1->name = "edward";
    u1->addresses.push_back(make<Address>(Address{.email_address = "bar"}));
    auto nt = s.begin_nested();
    s.add(User{.name = "jack", .addresses = {make<Address>(Address{.email_address = "bat"})}});
    EXPECT_EQ(users_and_addresses(s), (V{"edward: foo bar", "jack: bat"}));
    s.commit();
    EXPECT_EQ(users_and_addresses(s), (V{"edward: foo bar", "jack: bat"}));
    s.commit();
    EXPECT_EQ(users_and_addresses(s), (V{"edward: foo bar", "jack: bat"}));
}

// ports: test/orm/test_transaction.py::SavepointTest::test_expunge_pending_on_rollback
// ports: test/orm/test_transaction.py::SavepointTest::test_update_deleted_on_rollback
TEST_F(Tx, SavepointThenGlobalRollback) {
    NEED_SAVEPOINTS();
    Session sess(engine);
    auto u1 = sess.add(User{.name = "ed"});
    sess.commit();
    auto nt = sess.begin_nested();
    auto u2 = sess.add(User{.name = "newuser"});
    EXPECT_TRUE(sess.contains(u2));
    sess.delete_(u1);
    EXPECT_TRUE(testkit::among(sess.deleted_objects(), u1));
    sess.rollback();
    EXPECT_FALSE(sess.contains(u2));
    EXPECT_TRUE(sess.contains(u1));
    EXPECT_FALSE(testkit::among(sess.deleted_objects(), u1));
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_transactions_isolated
TEST_F(Tx, TransactionsIsolated) {
    Session s1(engine), s2(engine);
    s1.add(User{.name = "u1"});
    s1.flush();
    if (!testkit::is_sqlite())  // (SQLite: s2 would wait for s1's write lock)
        EXPECT_EQ(s2.scalars(select<User>()).size(), 0u);
    s1.rollback();
}

// ---------------------------------------------------------------- what rollback restores

// ports: test/orm/test_transaction.py::AutoExpireTest::test_expunge_pending_on_rollback
// ports: test/orm/test_transaction.py::AutoExpireTest::test_trans_pending_cleared_on_commit
TEST_F(Tx, PendingExpungedOnRollback) {
    Session sess(engine);
    auto u2 = sess.add(User{.name = "newuser"});
    EXPECT_TRUE(sess.contains(u2));
    sess.commit();
    EXPECT_TRUE(sess.contains(u2));
    auto u3 = sess.add(User{.name = "anotheruser"});
    sess.rollback();
    EXPECT_FALSE(sess.contains(u3));
    EXPECT_TRUE(sess.contains(u2));
}

// ports: test/orm/test_transaction.py::AutoExpireTest::test_update_deleted_on_rollback
// ports: test/orm/test_transaction.py::AutoExpireTest::test_trans_deleted_cleared_on_rollback
TEST_F(Tx, DeletedRestoredOnRollbackAndGoneAfterCommit) {
    Session s(engine);
    auto u1 = s.add(User{.name = "ed"});
    s.commit();
    s.delete_(u1);
    EXPECT_TRUE(testkit::among(s.deleted_objects(), u1));
    s.rollback();
    EXPECT_TRUE(s.contains(u1));
    EXPECT_FALSE(testkit::among(s.deleted_objects(), u1));
    s.delete_(u1);
    s.commit();
    EXPECT_FALSE(s.contains(u1));
    s.rollback();
    EXPECT_FALSE(s.contains(u1));
}

// ports: test/orm/test_transaction.py::AutoExpireTest::test_update_deleted_on_rollback_cascade
TEST_F(Tx, CascadedDeleteRestoredOnRollback) {
    Session s(engine);
    auto u1 = s.add(User{.name = "ed", .addresses = {make<Address>(Address{.email_address = "foo"})}});
    s.commit();
    s.delete_(u1);
    auto a1 = u1->addresses[0];
    EXPECT_TRUE(testkit::among(s.deleted_objects(), u1));
    EXPECT_TRUE(testkit::among(s.deleted_objects(), a1));
    s.rollback();
    EXPECT_TRUE(s.contains(u1));
    EXPECT_FALSE(testkit::among(s.deleted_objects(), u1));
    EXPECT_FALSE(testkit::among(s.deleted_objects(), a1));
}

// ports: test/orm/test_transaction.py::AutoExpireTest::test_update_deleted_on_rollback_orphan
TEST_F(Tx, OrphanDeleteRestoredOnRollback) {
    Session s(engine);
    auto u1 = s.add(User{.name = "ed", .addresses = {make<Address>(Address{.email_address = "foo"})}});
    s.commit();
    auto a1 = u1->addresses[0];
    u1->addresses.remove(a1);
    s.flush();
    EXPECT_EQ(s.scalars(select<Address>().where(col(&Address::email_address) == std::optional<std::string>("foo"))).size(), 0u);
    s.rollback();
    EXPECT_FALSE(testkit::among(s.deleted_objects(), a1));
    ASSERT_EQ(u1->addresses.size(), 1u);
    EXPECT_TRUE(u1->addresses[0] == a1);
}

// ports: test/orm/test_transaction.py::AutoExpireTest::test_commit_pending
// ports: test/orm/test_transaction.py::AutoExpireTest::test_concurrent_commit_pending
TEST_F(Tx, CommitExpiresSoOtherCommitsAreSeen) {
    Session s1(engine);
    auto u1 = s1.add(User{.name = "edward"});
    s1.flush();
    s1.commit();
    EXPECT_EQ(u1->name, "edward");
    s1.commit();
    Session s2(engine);
    auto u2 = s2.scalars(select<User>().where(col(&User::name) == std::optional<std::string>("edward"))).one();
    u2->name = "will";
    s2.commit();
    EXPECT_EQ(u1->name, "will");
}

// ports: test/orm/test_transaction.py::AccountingFlagsTest::test_no_expire_on_commit
TEST_F(Tx, NoExpireOnCommit) {
    Session sess(engine, {.expire_on_commit = false});
    auto u1 = sess.add(User{.name = "ed"});
    sess.commit();
    auto conn = engine.connect();
    conn.exec_driver_sql("UPDATE users SET name = 'ed2' WHERE id = " + std::to_string(u1->id));
    conn.commit();
    EXPECT_EQ(u1->name, "ed");  // not reloaded
    sess.expire_all();
    EXPECT_EQ(u1->name, "ed2");
}

// ports: test/orm/test_transaction.py::RollbackRecoverTest::test_pk_violation
TEST_F(Tx, RecoverAfterAKeyViolation) {
    Session s(engine);
    auto a1 = make<Address>(Address{.email_address = "foo"});
    auto u1 = s.add(User{.id = 1, .name = "ed", .addresses = {a1}});
    s.commit();
    auto a2 = make<Address>(Address{.email_address = "bar"});
    auto u2 = make<User>(User{.id = 1, .name = "jack", .addresses = {a2}});
    u1->name = "edward";
    a1->email_address = "foober";
    s.add(u2);
    EXPECT_THROW(s.commit(), IntegrityError);
    EXPECT_THROW(s.commit(), PendingRollbackError);
    s.rollback();
    EXPECT_FALSE(s.contains(u2));
    EXPECT_FALSE(s.contains(a2));
    EXPECT_TRUE(s.contains(u1));
    EXPECT_TRUE(s.contains(a1));
    EXPECT_EQ(u1->name, "ed");
    EXPECT_EQ(a1->email_address, "foo");
    u1->name = "edward";
    a1->email_address = "foober";
    s.commit();
    EXPECT_EQ(users_and_addresses(s), V{"edward: foober"});
}

// ports: test/orm/test_transaction.py::RollbackRecoverTest::test_pk_violation_with_savepoint
TEST_F(Tx, RecoverAfterAKeyViolationInASavepoint) {
    NEED_SAVEPOINTS();
    Session s(engine);
    auto a1 = make<Address>(Address{.email_address = "foo"});
    auto u1 = s.add(User{.id = 1, .name = "ed", .addresses = {a1}});
    s.commit();
    auto a2 = make<Address>(Address{.email_address = "bar"});
    auto u2 = make<User>(User{.id = 1, .name = "jack", .addresses = {a2}});
    u1->name = "edward";
    a1->email_address = "foober";
    auto nt1 = s.begin_nested();
    s.add(u2);
    EXPECT_THROW(s.commit(), IntegrityError);
    EXPECT_THROW(s.commit(), PendingRollbackError);
    nt1.rollback();
    EXPECT_FALSE(s.contains(u2));
    EXPECT_FALSE(s.contains(a2));
    EXPECT_TRUE(s.contains(u1));
    EXPECT_TRUE(s.contains(a1));
    s.commit();
    EXPECT_EQ(users_and_addresses(s), V{"edward: foober"});
}

// ports: test/orm/test_transaction.py::SessionTransactionTest::test_preserve_flush_error
TEST_F(Tx, TheFlushErrorIsNamedUntilRollback) {
    Session s(engine);
    s.add(User{.id = 1, .name = "a"});
    s.commit();
    s.add(User{.id = 1, .name = "b"});
    EXPECT_THROW(s.flush(), IntegrityError);
    for (int i = 0; i < 2; ++i) {
        try {
            s.flush();
            FAIL() << "no error";
        } catch (const PendingRollbackError& e) {
            EXPECT_NE(std::string(e.what()).find("rollback()"), std::string::npos) << e.what();
        }
    }
    s.rollback();
    EXPECT_EQ(names(s), V{"a"});
}

}  // namespace conf_transaction
