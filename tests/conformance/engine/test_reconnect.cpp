// Ports of test/engine/test_reconnect.py: what a Connection does when its database connection goes away (it is
// invalidated; outside a transaction the next statement reconnects; inside one, PendingRollbackError until it is
// rolled back), invalidation of the pool's older connections, pre-ping and recycle.
//
// SQLAlchemy shuts a mock driver down; here the connection is lost for real (testkit::kill_connection: the
// PostgreSQL server terminates the session; on SQLite the driver connection is closed under Retort).
#include "conformance/engine/engine_kit.hpp"
#include <chrono>
#include <thread>

using namespace retort;
using testkit::kill_connection;

namespace conf_engine_reconnect {

class ReconnectTest : public testkit::EngineConformance {
protected:
    int one(Connection& c) { return c.execute(select(literal_column<int>("1"))).scalar_one<int>(); }
    // The statement fails because the connection went away, and the Connection is invalidated.
    void expect_invalidated(Connection& c) {
        try {
            (void)c.execute(select(literal_column<int>("1"))).all();
            ADD_FAILURE() << "a lost connection answered";
        } catch (const DBAPIError& e) {
            EXPECT_TRUE(e.connection_invalidated()) << e.what();
        }
        EXPECT_FALSE(c.closed());
        EXPECT_TRUE(c.invalidated());
    }
};

}  // namespace conf_engine_reconnect

using namespace conf_engine_reconnect;

TEST_F(ReconnectTest, Reconnect) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_reconnect
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_conn_reusable
    auto conn = engine.connect();
    EXPECT_EQ(one(conn), 1);
    for (int round = 0; round < 2; ++round) {
        kill_connection(conn);
        expect_invalidated(conn);
        // The statement had begun a transaction: it has to be rolled back before anything else runs.
        EXPECT_THROW(one(conn), PendingRollbackError);
        conn.rollback();
        EXPECT_EQ(one(conn), 1);
        EXPECT_FALSE(conn.invalidated());
    }
}

TEST_F(ReconnectTest, MultipleInvalidate) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_multiple_invalidate
    auto c1 = engine.connect();
    auto c2 = engine.connect();
    EXPECT_EQ(one(c1), 1);
    EXPECT_EQ(one(c2), 1);
    kill_connection(c1);
    kill_connection(c2);
    expect_invalidated(c1);
    expect_invalidated(c2);
}

TEST_F(ReconnectTest, RollbackOnInvalidPlain) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_rollback_on_invalid_plain
    auto conn = engine.connect();
    auto tx = conn.begin();
    conn.invalidate();
    EXPECT_NO_THROW(tx.rollback());
    EXPECT_EQ(one(conn), 1);
}

TEST_F(ReconnectTest, RollbackOnInvalidSavepoint) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_rollback_on_invalid_savepoint
    if (!engine.dialect().caps().supports_savepoints) GTEST_SKIP() << "no SAVEPOINT on this dialect";
    auto conn = engine.connect();
    auto tx = conn.begin();
    auto sp = conn.begin_nested();
    conn.invalidate();
    EXPECT_NO_THROW(sp.rollback());  // passes silently: it is often part of error handling
    EXPECT_THROW((void)conn.begin_nested(), PendingRollbackError);  // still invalid
    tx.rollback();
}

TEST_F(ReconnectTest, NoBeginOnInvalid) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_no_begin_on_invalid
    auto conn = engine.connect();
    auto tx = conn.begin();
    conn.execute(insert_user(1, "name"));
    conn.invalidate();
    EXPECT_THROW(conn.commit(), PendingRollbackError);
    EXPECT_THROW((void)conn.begin(), PendingRollbackError);
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(ReconnectTest, InvalidateTwice) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_invalidate_twice
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_invalidate_dont_call_finalizer
    auto conn = engine.connect();
    conn.invalidate();
    EXPECT_TRUE(conn.invalidated());
    EXPECT_NO_THROW(conn.invalidate());
    EXPECT_EQ(one(conn), 1);  // outside a transaction: reconnects
    EXPECT_FALSE(conn.invalidated());
}

TEST_F(ReconnectTest, ExplodeInInitializer) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_explode_in_initializer
    // ports: test/engine/test_pool.py::QueuePoolTest::test_overflow_reset_on_failed_connect
    EngineOptions o;
    o.pool_size = 1;
    o.max_overflow = 0;
    o.pool_timeout = std::chrono::milliseconds(200);
    auto eng = create_engine(testkit::test_url(), o);
    bool broken = true;
    eng.on_connect([&](DBAPIConnection& d) {
        if (broken) (void)d.execute("select fake_stuff from _fake_table", {});
    });
    EXPECT_THROW((void)eng.connect(), DBAPIError);
    EXPECT_THROW((void)eng.connect(), DBAPIError);  // not a TimeoutError: the failed connect gave its place back
    broken = false;
    auto c = eng.connect();
    EXPECT_EQ(one(c), 1);
}

TEST_F(ReconnectTest, NullPool) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_null_pool
    EngineOptions o;
    o.poolclass = PoolClass::Null;
    auto eng = create_engine(testkit::test_url(), o);
    auto conn = eng.connect();
    EXPECT_EQ(one(conn), 1);
    kill_connection(conn);
    expect_invalidated(conn);
    conn.rollback();
    EXPECT_EQ(one(conn), 1);
    EXPECT_FALSE(conn.invalidated());
}

TEST_F(ReconnectTest, Close) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_close
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_invalidated_close
    {
        auto conn = engine.connect();
        EXPECT_EQ(one(conn), 1);
        kill_connection(conn);
        expect_invalidated(conn);
        conn.close();
        EXPECT_TRUE(conn.closed());
        EXPECT_THROW(one(conn), ResourceClosedError);
    }
    auto conn = engine.connect();
    EXPECT_EQ(one(conn), 1);
}

TEST_F(ReconnectTest, WithTransaction) {
    // ports: test/engine/test_reconnect.py::RealReconnectTest::test_with_transaction
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_invalidate_on_execute_trans
    auto conn = engine.connect();
    auto tx = conn.begin();
    conn.execute(insert_user(1, "lost"));
    EXPECT_EQ(one(conn), 1);
    kill_connection(conn);
    expect_invalidated(conn);
    EXPECT_TRUE(tx.is_active());
    EXPECT_THROW(one(conn), PendingRollbackError);
    EXPECT_TRUE(tx.is_active());
    // commit() cannot commit what is gone: it says so, and the transaction is no longer active ...
    EXPECT_THROW(tx.commit(), PendingRollbackError);
    EXPECT_FALSE(tx.is_active());
    // ... but still has to be rolled back: the same error, however often asked.
    EXPECT_THROW(one(conn), PendingRollbackError);
    EXPECT_THROW(tx.commit(), PendingRollbackError);
    EXPECT_THROW(conn.commit(), PendingRollbackError);
    EXPECT_THROW(one(conn), PendingRollbackError);
    tx.rollback();
    EXPECT_FALSE(tx.is_active());
    EXPECT_TRUE(conn.invalidated());  // reconnects at the next statement
    EXPECT_EQ(one(conn), 1);
    EXPECT_FALSE(conn.invalidated());
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(ReconnectTest, InvalidateOnCommitTrans) {
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_invalidate_on_commit_trans
    auto conn = engine.connect();
    auto tx = conn.begin();
    conn.execute(insert_user(1, "lost"));
    kill_connection(conn);
    EXPECT_THROW(tx.commit(), DBAPIError);
    EXPECT_FALSE(conn.closed());
    EXPECT_TRUE(conn.invalidated());
    EXPECT_FALSE(tx.is_active());
    EXPECT_THROW(one(conn), PendingRollbackError);
    EXPECT_THROW(tx.commit(), PendingRollbackError);
    EXPECT_THROW(one(conn), PendingRollbackError);
    tx.rollback();
    EXPECT_EQ(one(conn), 1);
    EXPECT_FALSE(conn.invalidated());
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(ReconnectTest, CommitAfterTheServerDroppedTheConnection) {
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_reconnect
    // The case that lost data silently: work done, the connection lost before the COMMIT is sent.
    auto conn = engine.connect();
    conn.execute(insert_user(1, "gone"));
    kill_connection(conn);
    EXPECT_THROW(conn.commit(), DBAPIError);
    EXPECT_TRUE(conn.invalidated());
    EXPECT_THROW(conn.commit(), PendingRollbackError);
    conn.rollback();
    EXPECT_EQ(committed_users(), 0);
    conn.execute(insert_user(2, "kept"));
    conn.commit();
    EXPECT_EQ(committed_users(), 1);
}

TEST_F(ReconnectTest, DisconnectInvalidatesThePoolsOlderConnections) {
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_reconnect
    // A disconnect means the others the pool keeps are probably gone too: they are replaced at their next checkout.
    EngineOptions o;
    o.pool_size = 5;
    auto eng = create_engine(testkit::test_url(), o);
    int connects = 0;
    eng.on_connect([&](DBAPIConnection&) { ++connects; });
    auto conn = eng.connect();
    EXPECT_EQ(one(conn), 1);
    std::uintptr_t second_id;
    {
        auto conn2 = eng.connect();
        second_id = testkit::connection_id(conn2);
    }  // idle in the pool
    EXPECT_EQ(connects, 2);
    kill_connection(conn);
    expect_invalidated(conn);
    conn.close();
    auto conn3 = eng.connect();
    EXPECT_EQ(one(conn3), 1);
    EXPECT_EQ(connects, 3);  // a new connection, not the idle one made before the disconnect
    if (testkit::is_postgresql()) EXPECT_NE(testkit::connection_id(conn3), second_id);
}

TEST_F(ReconnectTest, NoReconnectExecute) {
    // ports: test/engine/test_reconnect.py::MockReconnectTest::test_noreconnect_execute
    // ports: test/engine/test_reconnect.py::RealPrePingEventHandlerTest::test_control
    // An error that does not mean a lost connection leaves the Connection valid.
    auto conn = engine.connect();
    try {
        (void)conn.exec_driver_sql("select fake_stuff from _fake_table");
        FAIL();
    } catch (const DBAPIError& e) {
        EXPECT_FALSE(e.connection_invalidated());
    }
    EXPECT_FALSE(conn.closed());
    EXPECT_FALSE(conn.invalidated());
    conn.rollback();
    EXPECT_EQ(one(conn), 1);
}

TEST_F(ReconnectTest, EventHandlerCanUpgradeDisconnect) {
    // ports: test/engine/test_reconnect.py::RealPrePingEventHandlerTest::test_event_handler_can_upgrade_disconnect
    // ports: test/engine/test_reconnect.py::RealPrePingEventHandlerTest::test_event_handler_didnt_upgrade_disconnect
    engine.on_handle_error([](ErrorEvent& ev) {
        if (ev.error.orig_message().find("fake_upgrade") != std::string::npos) ev.is_disconnect = true;
    });
    auto conn = engine.connect();
    EXPECT_THROW((void)conn.exec_driver_sql("select fake_stuff from _fake_table"), DBAPIError);
    EXPECT_FALSE(conn.invalidated());
    conn.rollback();
    try {
        (void)conn.exec_driver_sql("select 1 from fake_upgrade");
        FAIL();
    } catch (const DBAPIError& e) {
        EXPECT_TRUE(e.connection_invalidated());
    }
    EXPECT_TRUE(conn.invalidated());
    conn.rollback();
    EXPECT_EQ(one(conn), 1);
}

TEST_F(ReconnectTest, EventHandlerCanDowngradeDisconnect) {
    // ports: test/engine/test_reconnect.py::RealPrePingEventHandlerTest::test_event_handler_can_downgrade_disconnect
    // ports: test/engine/test_reconnect.py::RealPrePingEventHandlerTest::test_event_handler_didnt_downgrade_disconnect
    bool downgrade = true;
    engine.on_handle_error([&](ErrorEvent& ev) {
        if (downgrade) ev.is_disconnect = false;
    });
    auto conn = engine.connect();
    EXPECT_EQ(one(conn), 1);
    conn.commit();
    kill_connection(conn);
    try {
        (void)conn.execute(select(literal_column<int>("1"))).all();
        FAIL();
    } catch (const DBAPIError& e) {
        EXPECT_FALSE(e.connection_invalidated());
    }
    EXPECT_FALSE(conn.invalidated());
    conn.invalidate();  // the application knows better, and says so
    conn.rollback();
    downgrade = false;
    EXPECT_EQ(one(conn), 1);
}

TEST_F(ReconnectTest, RecycleReplacesAConnectionTheServerDropped) {
    // ports: test/engine/test_reconnect.py::RecycleTest::test_basic
    EngineOptions o;
    o.pool_recycle = std::chrono::seconds(1);
    auto eng = create_engine(testkit::test_url(), o);
    {
        auto conn = eng.connect();
        EXPECT_EQ(one(conn), 1);
        conn.commit();
        kill_connection(conn);
        if (!testkit::is_postgresql()) conn.invalidate();  // SQLite: the closed handle cannot go back to the pool
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    auto conn = eng.connect();
    EXPECT_EQ(one(conn), 1);  // no error: the old one was recycled
}

TEST_F(ReconnectTest, PrePingReplacesADroppedConnection) {
    // ports: test/engine/test_reconnect.py::PrePingRealTest::test_pre_ping_db_is_restarted
    if (!testkit::is_postgresql()) GTEST_SKIP() << "needs a server that drops connections";
    EngineOptions o;
    o.pool_pre_ping = true;
    auto eng = create_engine(testkit::test_url(), o);
    std::uintptr_t stale;
    {
        auto conn = eng.connect();
        EXPECT_EQ(one(conn), 1);
        stale = testkit::connection_id(conn);
        conn.commit();
        kill_connection(conn);
    }
    auto conn = eng.connect();
    EXPECT_EQ(one(conn), 1);
    EXPECT_NE(testkit::connection_id(conn), stale);
}
