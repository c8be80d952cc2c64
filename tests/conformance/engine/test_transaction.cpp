// Ports of test/engine/test_transaction.py: Connection transactions (commit as you go, begin(), SAVEPOINTs,
// engine.begin()), what an invalidated or failed transaction allows, isolation levels.
//
// SQLAlchemy's context managers (`with conn.begin():`) are Retort's Transaction objects, which roll back in their
// destructor, and engine.begin(fn). Its event listeners on "commit"/"rollback" are checked here by their effect on
// the data, which is what they stand for.
#include "conformance/engine/engine_kit.hpp"

using namespace retort;

namespace conf_engine_tx {

class TransactionTest : public testkit::EngineConformance {};

bool savepoints(const Engine& e) { return e.dialect().caps().supports_savepoints; }

// A table whose foreign key is checked at COMMIT: a COMMIT that fails for real.
void create_deferred_fk(Connection& c) {
    c.exec_driver_sql("CREATE TABLE tx_parent (id INTEGER PRIMARY KEY)");
    c.exec_driver_sql("CREATE TABLE tx_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES tx_parent (id) "
                      "DEFERRABLE INITIALLY DEFERRED)");
    c.commit();
}
void drop_deferred_fk(const Engine& e) {
    auto c = e.connect();
    c.exec_driver_sql("DROP TABLE IF EXISTS tx_child");
    c.exec_driver_sql("DROP TABLE IF EXISTS tx_parent");
    c.commit();
}

}  // namespace conf_engine_tx

using namespace conf_engine_tx;

TEST_F(TransactionTest, Commits) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_commits
    auto conn = engine.connect();
    auto t1 = conn.begin();
    conn.execute(insert_user(1, "user1"));
    t1.commit();
    auto t2 = conn.begin();
    conn.execute(insert_user(2, "user2"));
    conn.execute(insert_user(3, "user3"));
    t2.commit();
    auto t3 = conn.begin();
    EXPECT_EQ(conn.exec_driver_sql("select * from query_users").all().size(), 3u);
    t3.commit();
}

TEST_F(TransactionTest, Rollback) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_rollback
    auto conn = engine.connect();
    auto tx = conn.begin();
    for (int i = 1; i <= 3; ++i) conn.execute(insert_user(i, "user" + std::to_string(i)));
    tx.rollback();
    EXPECT_EQ(conn.exec_driver_sql("select * from query_users").all().size(), 0u);
}

TEST_F(TransactionTest, Raise) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_raise
    auto conn = engine.connect();
    auto tx = conn.begin();
    try {
        conn.execute(insert_user(1, "user1"));
        conn.execute(insert_user(2, "user2"));
        conn.execute(insert_user(1, "user3"));
        tx.commit();
        FAIL() << "a duplicate key went in";
    } catch (const IntegrityError&) {
        tx.rollback();
    }
    EXPECT_EQ(conn.exec_driver_sql("select * from query_users").all().size(), 0u);
}

TEST_F(TransactionTest, CtxManagerRollsBackSavepoint) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_ctxmanager_rolls_back_savepoint
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    for (bool roll_back_in_block : {true, false}) {
        auto conn = engine.connect();
        {
            auto tx = conn.begin();
            conn.execute(insert_user(1, "outer"));
            try {
                auto nested = conn.begin_nested();
                conn.execute(insert_user(2, "inner"));
                if (roll_back_in_block) nested.rollback();
                throw std::runtime_error("test");
            } catch (const std::runtime_error&) {
            }
            EXPECT_TRUE(tx.is_active());
            EXPECT_TRUE(conn.in_transaction());
            tx.commit();
        }
        EXPECT_EQ(committed_users(), 1);
        conn.execute(delete_(users));
        conn.commit();
    }
}

TEST_F(TransactionTest, DeactivatedRollbackTwice) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_deactivated_warning_straight
    // ports: test/engine/test_transaction.py::TransactionTest::test_deactivated_savepoint_warning_straight
    // SQLAlchemy warns on the second rollback; Retort lets it pass silently.
    auto conn = engine.connect();
    auto tx = conn.begin();
    tx.rollback();
    EXPECT_NO_THROW(tx.rollback());
    if (savepoints(engine)) {
        auto outer = conn.begin();
        auto sp = conn.begin_nested();
        sp.rollback();
        EXPECT_NO_THROW(sp.rollback());
        outer.commit();
    }
}

TEST_F(TransactionTest, CommitFailsFlat) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_commit_fails_flat
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_commit_fails_trans
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_commit_fails_contextmanager
    // SQLAlchemy makes COMMIT fail with a mock; here a deferred foreign key fails it for real.
    if (testkit::is_dsql()) GTEST_SKIP() << "Aurora DSQL has no deferred constraints";
    if (testkit::is_mysql()) GTEST_SKIP() << "MySQL and MariaDB check foreign keys at once: no COMMIT fails on one";
    auto conn = engine.connect();
    create_deferred_fk(conn);
    auto t1 = conn.begin();
    conn.exec_driver_sql("INSERT INTO tx_child (id, parent_id) VALUES (1, 99)");
    EXPECT_THROW(t1.commit(), IntegrityError);
    EXPECT_FALSE(t1.is_active());
    EXPECT_FALSE(conn.invalidated());
    // Until it is rolled back, nothing runs and nothing commits.
    EXPECT_THROW(conn.execute(select(literal_column<int>("1"))), PendingRollbackError);
    EXPECT_THROW(t1.commit(), PendingRollbackError);
    EXPECT_THROW(conn.commit(), PendingRollbackError);
    EXPECT_THROW(conn.execute(select(literal_column<int>("1"))), PendingRollbackError);
    EXPECT_NO_THROW(t1.rollback());
    EXPECT_FALSE(t1.is_active());
    EXPECT_EQ(conn.execute(select(literal_column<int>("1"))).scalar_one<int>(), 1);
    EXPECT_EQ(count_rows("tx_child"), 0);
    conn.rollback();
    // engine.begin() whose COMMIT fails raises, and leaves no transaction behind.
    try {
        engine.begin([](Connection& c) { c.exec_driver_sql("INSERT INTO tx_child (id, parent_id) VALUES (2, 98)"); });
        ADD_FAILURE() << "the COMMIT went through";
    } catch (const IntegrityError&) {
    }
    EXPECT_EQ(count_rows("tx_child"), 0);
    conn.close();
    drop_deferred_fk(engine);
}

TEST_F(TransactionTest, CtxManagerInterface) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_ctxmanager_interface
    // ports: test/engine/test_transaction.py::TransactionTest::test_begin_block
    engine.begin([&](Connection& c) {
        c.execute(insert_user(1, "user1"));
        c.execute(insert_user(2, "user2"));
        EXPECT_TRUE(c.in_transaction());
    });
    EXPECT_EQ(committed_users(), 2);
}

TEST_F(TransactionTest, Close) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_close
    auto conn = engine.connect();
    auto tx = conn.begin();
    for (int i = 1; i <= 3; ++i) conn.execute(insert_user(i, "u"));
    EXPECT_TRUE(conn.in_transaction());
    tx.commit();
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(conn.exec_driver_sql("select * from query_users").all().size(), 3u);
}

TEST_F(TransactionTest, Close2) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_close2
    auto conn = engine.connect();
    {
        auto tx = conn.begin();
        for (int i = 1; i <= 3; ++i) conn.execute(insert_user(i, "u"));
        EXPECT_TRUE(conn.in_transaction());
    }  // the Transaction goes out of scope uncommitted: rolled back (SQLAlchemy's close())
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(conn.exec_driver_sql("select * from query_users").all().size(), 0u);
}

TEST_F(TransactionTest, NestedSubtransactionRollback) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_nested_subtransaction_rollback
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    auto conn = engine.connect();
    auto tx = conn.begin();
    conn.execute(insert_user(1, "user1"));
    auto t2 = conn.begin_nested();
    conn.execute(insert_user(2, "user2"));
    t2.rollback();
    conn.execute(insert_user(3, "user3"));
    tx.commit();
    EXPECT_EQ(conn.execute(select(users.user_id).order_by(users.user_id)).scalars<int>(), (std::vector<int>{1, 3}));
}

TEST_F(TransactionTest, NestedSubtransactionCommit) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_nested_subtransaction_commit
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    auto conn = engine.connect();
    auto tx = conn.begin();
    conn.execute(insert_user(1, "user1"));
    auto t2 = conn.begin_nested();
    conn.execute(insert_user(2, "user2"));
    t2.commit();
    conn.execute(insert_user(3, "user3"));
    tx.commit();
    EXPECT_EQ(conn.execute(select(users.user_id).order_by(users.user_id)).scalars<int>(), (std::vector<int>{1, 2, 3}));
}

TEST_F(TransactionTest, AutobeginRollback) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_autobegin_rollback
    auto conn = engine.connect();
    conn.execute(insert_user(1, "name"));
    conn.rollback();
    EXPECT_EQ(users_seen_by(conn), 0);
}

TEST_F(TransactionTest, AutocommitIsolationLevel) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_autocommit_isolation_level
    {
        auto conn = engine.connect();
        conn.set_isolation_level("AUTOCOMMIT");
        conn.execute(insert_user(1, "name"));
        conn.rollback();
    }
    EXPECT_EQ(committed_users(), 1);
}

TEST_F(TransactionTest, NoAutocommitWithBegin) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_no_autocommit_w_begin
    // ports: test/engine/test_transaction.py::TransactionTest::test_no_autocommit_w_autobegin
    auto conn = engine.connect();
    {
        auto tx = conn.begin();
        EXPECT_THROW(conn.set_isolation_level("AUTOCOMMIT"), InvalidRequestError);
    }
    (void)conn.execute(select(literal_column<int>("1"))).all();
    EXPECT_THROW(conn.set_isolation_level("AUTOCOMMIT"), InvalidRequestError);
    conn.rollback();
    EXPECT_NO_THROW(conn.set_isolation_level("AUTOCOMMIT"));
}

TEST_F(TransactionTest, AutobeginCommit) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_autobegin_commit
    auto conn = engine.connect();
    EXPECT_FALSE(conn.in_transaction());
    conn.execute(insert_user(1, "name"));
    EXPECT_TRUE(conn.in_transaction());
    conn.commit();
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(users_seen_by(conn), 1);
    conn.execute(insert_user(2, "name 2"));
    EXPECT_EQ(users_seen_by(conn), 2);
    EXPECT_TRUE(conn.in_transaction());
    conn.rollback();
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_EQ(users_seen_by(conn), 1);
}

TEST_F(TransactionTest, RollbackOnClose) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_rollback_on_close
    // ports: test/engine/test_transaction.py::TransactionTest::test_no_autocommit
    // ports: test/engine/test_transaction.py::TransactionTest::test_rollback_on_exception
    try {
        auto conn = engine.connect();
        conn.execute(insert_user(1, "name"));
        EXPECT_TRUE(conn.in_transaction());
        throw std::runtime_error("some error");
    } catch (const std::runtime_error&) {
    }
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(TransactionTest, CommitAndRollbackWithoutBegin) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_commit_no_begin
    // ports: test/engine/test_transaction.py::TransactionTest::test_rollback_no_begin
    // ports: test/engine/test_transaction.py::TransactionTest::test_no_on_close_no_transaction
    auto conn = engine.connect();
    EXPECT_FALSE(conn.in_transaction());
    EXPECT_NO_THROW(conn.commit());
    EXPECT_NO_THROW(conn.rollback());
    EXPECT_FALSE(conn.in_transaction());
}

TEST_F(TransactionTest, CommitInactive) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_commit_inactive
    auto conn = engine.connect();
    auto tx = conn.begin();
    conn.execute(insert_user(1, "name"));
    conn.invalidate();
    EXPECT_THROW(conn.commit(), PendingRollbackError);
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(TransactionTest, RollbackInactive) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_rollback_inactive
    auto conn = engine.connect();
    conn.execute(insert_user(1, "name"));
    conn.commit();
    conn.execute(insert_user(2, "name2"));
    conn.invalidate();
    EXPECT_THROW(conn.execute(select(literal_column<int>("1"))), PendingRollbackError);
    conn.rollback();
    EXPECT_EQ(users_seen_by(conn), 1);
}

TEST_F(TransactionTest, RollbackEndsEngineBegin) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_rollback_end_ctx_manager
    // ports: test/engine/test_transaction.py::TransactionTest::test_rollback_end_ctx_manager_autobegin
    engine.begin([&](Connection& c) {
        c.execute(insert_user(1, "name"));
        EXPECT_TRUE(c.in_transaction());
        c.rollback();
        EXPECT_FALSE(c.in_transaction());
    });  // nothing left to commit, and no error
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(TransactionTest, CtxManagerRollsBack) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_ctxmanager_rolls_back
    for (bool roll_back_in_block : {true, false}) {
        auto conn = engine.connect();
        try {
            auto tx = conn.begin();
            conn.execute(insert_user(1, "name"));
            if (roll_back_in_block) tx.rollback();
            throw std::runtime_error("test");
        } catch (const std::runtime_error&) {
        }
        EXPECT_FALSE(conn.in_transaction());
        EXPECT_EQ(committed_users(), 0);
    }
}

TEST_F(TransactionTest, CtxManagerAutobeginsRealTransactionFromNested) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_ctxmanager_autobegins_real_trans_from_nested
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    auto conn = engine.connect();
    {
        auto nested = conn.begin_nested();
        EXPECT_TRUE(conn.in_transaction());
        EXPECT_TRUE(conn.in_nested_transaction());
        conn.execute(insert_user(1, "name"));
        nested.commit();
        EXPECT_FALSE(nested.is_active());
    }
    EXPECT_TRUE(conn.in_transaction());  // the real transaction begun for the SAVEPOINT goes on
    EXPECT_FALSE(conn.in_nested_transaction());
    conn.commit();
    EXPECT_EQ(committed_users(), 1);
}

TEST_F(TransactionTest, ExplicitBegin) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_explicit_begin
    auto conn = engine.connect();
    EXPECT_FALSE(conn.in_transaction());
    auto tx = conn.begin();
    EXPECT_TRUE(conn.in_transaction());
    conn.execute(insert_user(1, "name"));
    conn.commit();
    EXPECT_FALSE(tx.is_active());
    EXPECT_EQ(users_seen_by(conn), 1);
}

TEST_F(TransactionTest, NoDoubleBegin) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_no_double_begin
    auto conn = engine.connect();
    auto tx = conn.begin();
    EXPECT_THROW((void)conn.begin(), InvalidRequestError);
}

TEST_F(TransactionTest, SavepointOne) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_savepoint_one
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    engine.begin([&](Connection& c) {
        c.execute(insert_user(1, "name"));
        auto sp = c.begin_nested();
        c.execute(insert_user(2, "name2"));
        EXPECT_EQ(users_seen_by(c), 2);
        sp.rollback();
        EXPECT_EQ(users_seen_by(c), 1);
    });
    EXPECT_EQ(committed_users(), 1);
}

TEST_F(TransactionTest, SavepointTwo) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_savepoint_two
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    engine.begin([&](Connection& c) {
        c.execute(insert_user(1, "name"));
        auto sp = c.begin_nested();
        c.execute(insert_user(2, "name2"));
        sp.commit();
        EXPECT_EQ(users_seen_by(c), 2);
    });
    EXPECT_EQ(committed_users(), 2);
}

TEST_F(TransactionTest, SavepointThree) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_savepoint_three
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    engine.begin([&](Connection& c) {
        c.execute(insert_user(1, "name"));
        auto sp = c.begin_nested();
        c.execute(insert_user(2, "name2"));
        c.rollback();
        EXPECT_FALSE(c.in_transaction());
        EXPECT_FALSE(sp.is_active());
    });
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(TransactionTest, SavepointFour) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_savepoint_four
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    auto conn = engine.connect();
    {
        auto tx = conn.begin();
        conn.execute(insert_user(1, "name"));
        auto sp1 = conn.begin_nested();
        conn.execute(insert_user(2, "name2"));
        auto sp2 = conn.begin_nested();
        conn.execute(insert_user(3, "name3"));
        sp2.rollback();
        EXPECT_FALSE(sp2.is_active());
        EXPECT_TRUE(sp1.is_active());
        EXPECT_TRUE(conn.in_transaction());
        tx.commit();
        EXPECT_FALSE(sp1.is_active());
    }
    EXPECT_EQ(committed_users(), 2);
}

TEST_F(TransactionTest, SavepointFive) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_savepoint_five
    // The outer commit commits the work of a SAVEPOINT never released. (A Retort Transaction that goes out of
    // scope first rolls its SAVEPOINT back, as SQLAlchemy's context manager does; here it is still alive.)
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    {
        auto conn = engine.connect();
        auto tx = conn.begin();
        conn.execute(insert_user(1, "name"));
        auto sp1 = conn.begin_nested();
        conn.execute(insert_user(2, "name2"));
        auto sp2 = conn.begin_nested();
        conn.execute(insert_user(3, "name3"));
        sp2.commit();
        EXPECT_TRUE(conn.in_transaction());
        tx.commit();
        EXPECT_FALSE(sp1.is_active());
    }
    EXPECT_EQ(committed_users(), 3);
}

TEST_F(TransactionTest, SavepointSix) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_savepoint_six
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    engine.begin([&](Connection& c) {
        c.execute(insert_user(1, "name"));
        auto sp1 = c.begin_nested();
        c.execute(insert_user(2, "name2"));
        auto sp2 = c.begin_nested();
        c.execute(insert_user(3, "name3"));
        sp2.commit();
        EXPECT_TRUE(sp1.is_active());
        EXPECT_TRUE(c.in_nested_transaction());
        sp1.rollback();
        EXPECT_FALSE(c.in_nested_transaction());
        EXPECT_TRUE(c.in_transaction());
    });
    EXPECT_EQ(committed_users(), 1);
}

TEST_F(TransactionTest, SavepointSeven) {
    // ports: test/engine/test_transaction.py::TransactionTest::test_savepoint_seven
    if (!savepoints(engine)) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    {
        auto conn = engine.connect();
        auto tx = conn.begin();
        conn.execute(insert_user(1, "name"));
        auto sp1 = conn.begin_nested();
        conn.execute(insert_user(2, "name2"));
        auto sp2 = conn.begin_nested();
        conn.execute(insert_user(3, "name3"));
        EXPECT_TRUE(conn.in_transaction());
        tx.rollback();  // SQLAlchemy's trans.close()
        EXPECT_FALSE(sp1.is_active());
        EXPECT_FALSE(sp2.is_active());
        EXPECT_FALSE(tx.is_active());
        EXPECT_FALSE(conn.in_transaction());
        EXPECT_FALSE(conn.in_nested_transaction());
    }
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(TransactionTest, RollbackDeadlock) {
    // ports: test/engine/test_transaction.py::AutoRollbackTest::test_rollback_deadlock
    // A connection returned to the pool is rolled back, so it holds no lock another connection waits for.
    MetaData md2;
    testkit::TxUsers deadlock_users(md2, "deadlock_users");
    auto conn1 = engine.connect();
    auto conn2 = engine.connect();
    md2.create_all(engine);
    (void)conn1.exec_driver_sql("select * from deadlock_users").all();
    conn1.close();
    if (testkit::is_postgresql()) conn2.exec_driver_sql("SET lock_timeout = '5s'");
    conn2.commit();
    EXPECT_NO_THROW(md2.drop_all(engine));
}

// ---------------------------------------------------------------- IsolationLevelTest

namespace {
std::string default_level() {
    // InnoDB's default is REPEATABLE READ, as Aurora DSQL's only level is.
    if (testkit::is_dsql() || testkit::is_mysql()) return "REPEATABLE READ";
    return testkit::is_postgresql() ? "READ COMMITTED" : "SERIALIZABLE";
}
std::string other_level() { return testkit::is_postgresql() ? "SERIALIZABLE" : "READ UNCOMMITTED"; }
}  // namespace

class IsolationLevelTest : public testkit::Conformance {
protected:
    void SetUp() override {
        Conformance::SetUp();
        if (testkit::is_dsql()) GTEST_SKIP() << "Aurora DSQL has one isolation level (REPEATABLE READ)";
    }
};

TEST_F(IsolationLevelTest, EngineParamStays) {
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_engine_param_stays
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_per_engine
    {
        auto c = engine.connect();
        EXPECT_NE(c.get_isolation_level(), other_level());
    }
    EngineOptions o;
    o.isolation_level = other_level();
    auto eng = create_engine(testkit::test_url(), o);
    for (int i = 0; i < 3; ++i) {
        auto c = eng.connect();
        EXPECT_EQ(c.get_isolation_level(), other_level());
    }
}

TEST_F(IsolationLevelTest, DefaultLevel) {
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_default_level
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_isolation_level_accessors_connection_default
    auto c = engine.connect();
    EXPECT_EQ(c.get_isolation_level(), default_level());
    EXPECT_EQ(engine.dialect().default_isolation_level(), default_level());
}

TEST_F(IsolationLevelTest, ResetLevel) {
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_reset_level
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_isolation_level_accessors_connection_option_modified
    {
        auto c = engine.connect();
        c.set_isolation_level(other_level());
        EXPECT_EQ(c.get_isolation_level(), other_level());
    }  // back to the pool: reset
    auto c = engine.connect();
    EXPECT_EQ(c.get_isolation_level(), default_level());
}

TEST_F(IsolationLevelTest, ResetLevelWithSetting) {
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_reset_level_with_setting
    EngineOptions o;
    o.isolation_level = other_level();
    o.pool_size = 1;
    auto eng = create_engine(testkit::test_url(), o);
    {
        auto c = eng.connect();
        c.set_isolation_level(default_level());
        EXPECT_EQ(c.get_isolation_level(), default_level());
    }
    auto c = eng.connect();
    EXPECT_EQ(c.get_isolation_level(), other_level());  // reset to the engine's level, not the dialect's default
}

TEST_F(IsolationLevelTest, InvalidLevelEngineParam) {
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_invalid_level_engine_param
    // Retort refuses it when the engine is made rather than at its first connect.
    EngineOptions o;
    o.isolation_level = "FOO";
    EXPECT_THROW((void)create_engine(testkit::test_url(), o), ArgumentError);
}

TEST_F(IsolationLevelTest, ConnectionInvalidated) {
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_connection_invalidated
    auto c = engine.connect();
    c.set_isolation_level(other_level());
    c.invalidate();
    EXPECT_EQ(c.get_isolation_level(), default_level());  // a fresh connection, at the default
    EXPECT_FALSE(c.invalidated());
}

TEST_F(IsolationLevelTest, PerConnection) {
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_per_connection
    EngineOptions o;
    o.pool_size = 2;
    o.max_overflow = 0;
    auto eng = create_engine(testkit::test_url(), o);
    {
        auto c1 = eng.connect();
        c1.set_isolation_level(other_level());
        auto c2 = eng.connect();
        EXPECT_EQ(c1.get_isolation_level(), other_level());
        EXPECT_EQ(c2.get_isolation_level(), default_level());
    }
    auto c3 = eng.connect();
    auto c4 = eng.connect();
    EXPECT_EQ(c3.get_isolation_level(), default_level());
    EXPECT_EQ(c4.get_isolation_level(), default_level());
}

TEST_F(IsolationLevelTest, ExceptionInTransaction) {
    // ports: test/engine/test_transaction.py::IsolationLevelTest::test_exception_in_transaction
    auto c = engine.connect();
    {
        auto tx = c.begin();
        EXPECT_THROW(c.set_isolation_level(other_level()), InvalidRequestError);
    }
    EXPECT_EQ(c.get_isolation_level(), default_level());
}
