// Pool and engine behaviour against the live database: limits and timeouts, events, invalidation of
// connections the server killed, recovery after a server restart.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "usage/fixture.hpp"

using namespace retort;
using retort::testkit::Usage;

namespace {

class Pool : public Usage {};

TEST_F(Pool, ConnectionsAreMadeLazilyAndReused) {
    std::atomic<int> connects{0};
    engine.on_connect([&](DBAPIConnection&) { ++connects; });
    EXPECT_EQ(connects.load(), 0);
    for (int i = 0; i < 5; ++i) {
        auto c = engine.connect();
        EXPECT_EQ(c.exec_driver_sql("SELECT 1").scalar_one<int>(), 1);
    }
    EXPECT_EQ(connects.load(), 1);
    auto st = engine.pool_status();
    EXPECT_EQ(st.checked_in, 1);
    EXPECT_EQ(st.checked_out, 0);
}

TEST_F(Pool, ExhaustionTimesOutWithAClearError) {
    EngineOptions o;
    o.pool_size = 2;
    o.max_overflow = 1;
    o.pool_timeout = std::chrono::milliseconds(200);
    auto e = create_engine(testkit::test_url(), o);
    auto a = e.connect(), b = e.connect(), c = e.connect();
    EXPECT_EQ(e.pool_status().overflow, 1);
    auto t0 = std::chrono::steady_clock::now();
    try {
        (void)e.connect();
        FAIL() << "a fourth connection was handed out";
    } catch (const TimeoutError& err) {
        std::string msg = err.what();
        EXPECT_NE(msg.find("size 2 overflow 1"), std::string::npos) << msg;
        EXPECT_NE(msg.find("timeout 0.20"), std::string::npos) << msg;
    }
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(190));
    // A connection coming back wakes a waiter.
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        a.close();
    });
    EXPECT_NO_THROW((void)e.connect());
    t.join();
}

TEST_F(Pool, OverflowConnectionsAreClosedOnReturn) {
    EngineOptions o;
    o.pool_size = 1;
    o.max_overflow = 2;
    auto e = create_engine(testkit::test_url(), o);
    {
        auto a = e.connect(), b = e.connect(), c = e.connect();
        EXPECT_EQ(e.pool_status().checked_out, 3);
    }
    auto st = e.pool_status();
    EXPECT_EQ(st.checked_in, 1);
    EXPECT_EQ(st.overflow, 0);
}

TEST_F(Pool, ThreadsShareTheEngineSafely) {
    EngineOptions o;
    o.pool_size = 3;
    o.max_overflow = 0;
    auto e = create_engine(testkit::test_url(), o);
    std::atomic<int> ok{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 8; ++t)
        ts.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                auto c = e.connect();
                if (c.exec_driver_sql("SELECT 2").scalar_one<int>() == 2) ++ok;
            }
        });
    for (auto& t : ts) t.join();
    EXPECT_EQ(ok.load(), 160);
    EXPECT_LE(e.pool_status().checked_in, 3);
}

TEST_F(Pool, EventsFireInOrder) {
    std::vector<std::string> ev;
    engine.on_do_connect([&](ConnectParams&) { ev.push_back("do_connect"); });
    engine.on_connect([&](DBAPIConnection&) { ev.push_back("connect"); });
    engine.on_checkout([&](DBAPIConnection&) { ev.push_back("checkout"); });
    engine.on_checkin([&](DBAPIConnection&) { ev.push_back("checkin"); });
    engine.on_before_execute([&](const ExecuteEvent&) { ev.push_back("before"); });
    engine.on_after_execute([&](const ExecuteEvent&) { ev.push_back("after"); });
    engine.on_handle_error([&](ErrorEvent&) { ev.push_back("error"); });
    {
        auto c = engine.connect();
        (void)c.exec_driver_sql("SELECT 1");
        EXPECT_THROW(c.exec_driver_sql("SELECT * FROM missing_table_x"), DBAPIError);
    }
    // BEGIN goes to the driver directly, not through before/after_execute.
    std::vector<std::string> expect{"do_connect", "connect", "checkout", "before", "after", "before", "error", "checkin"};
    EXPECT_EQ(ev, expect);
}

TEST_F(Pool, DoConnectCanChangeParameters) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "PostgreSQL: application_name is a libpq parameter";
    engine.on_do_connect([](ConnectParams& p) { p["application_name"] = "retort-fresh"; });
    auto c = engine.connect();
    EXPECT_EQ(c.exec_driver_sql("SELECT current_setting('application_name')").scalar_one<std::string>(), "retort-fresh");
}

TEST_F(Pool, ConnectHandlerRunsOnEachNewConnection) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "search_path is PostgreSQL's";
    {
        auto c = engine.connect();
        c.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS retort_sp");
        c.commit();
    }
    engine.dispose();
    engine.on_connect([](DBAPIConnection& d) { d.exec_script("SET search_path TO retort_sp, public"); });
    auto c = engine.connect();
    EXPECT_EQ(c.exec_driver_sql("SHOW search_path").scalar_one<std::string>(), "retort_sp, public");
    c.exec_driver_sql("DROP SCHEMA retort_sp");
    c.commit();
}

TEST_F(Pool, CreatorCallbackMakesConnections) {
    int made = 0;
    EngineOptions o;
    auto url = URL::parse(testkit::test_url());
    auto dialect = make_dialect(url);
    auto params = dialect->create_connect_params(url);
    o.creator = [&, dialect, params] {
        ++made;
        return dialect->connect(params);
    };
    auto e = create_engine(url, o);
    auto c = e.connect();
    EXPECT_EQ(c.exec_driver_sql("SELECT 3").scalar_one<int>(), 3);
    EXPECT_EQ(made, 1);
}

TEST_F(Pool, RecycleReplacesOldConnections) {
    EngineOptions o;
    o.pool_recycle = std::chrono::seconds(0);
    auto e = create_engine(testkit::test_url(), o);
    int connects = 0;
    e.on_connect([&](DBAPIConnection&) { ++connects; });
    { auto c = e.connect(); }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    { auto c = e.connect(); }
    EXPECT_EQ(connects, 2);
}

// ---- PostgreSQL: the server kills connections

std::int64_t backend_pid(Connection& c) { return c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one<std::int64_t>(); }

void terminate(const Engine& admin, std::int64_t pid) {
    auto c = admin.connect();
    c.exec_driver_sql("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
    c.commit();
    // Wait until the server has let go of it.
    for (int i = 0; i < 100; ++i) {
        auto n = c.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid))
                     .scalar_one<std::int64_t>();
        c.rollback();
        if (n == 0) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

TEST_F(Pool, KilledConnectionIsInvalidatedAndReplaced) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "needs a server to kill connections";
    auto admin = create_engine(testkit::test_url());
    std::int64_t pid;
    {
        auto c = engine.connect();
        pid = backend_pid(c);
        c.exec_driver_sql("CREATE TABLE IF NOT EXISTS kept_rows (id int)");
        c.exec_driver_sql("INSERT INTO kept_rows VALUES (1)");
        c.commit();
    }
    terminate(admin, pid);
    {
        auto c = engine.connect();  // the pooled connection is dead; no pre-ping
        try {
            (void)c.exec_driver_sql("SELECT 1");
            FAIL() << "a dead connection answered";
        } catch (const DBAPIError& e) {
            EXPECT_TRUE(e.connection_invalidated());
            EXPECT_TRUE(dynamic_cast<const OperationalError*>(&e) != nullptr);
        }
        EXPECT_TRUE(c.invalidated());
        c.rollback();  // carries on with a fresh connection
        EXPECT_EQ(c.exec_driver_sql("SELECT count(*) FROM kept_rows").scalar_one<std::int64_t>(), 1);
        EXPECT_NE(backend_pid(c), pid);
        c.exec_driver_sql("DROP TABLE kept_rows");
        c.commit();
    }
}

TEST_F(Pool, PrePingReplacesDeadConnectionsOnCheckout) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "needs a server to kill connections";
    EngineOptions o;
    o.pool_pre_ping = true;
    auto e = create_engine(testkit::test_url(), o);
    auto admin = create_engine(testkit::test_url());
    std::int64_t pid;
    {
        auto c = e.connect();
        pid = backend_pid(c);
    }
    terminate(admin, pid);
    auto c = e.connect();
    EXPECT_EQ(c.exec_driver_sql("SELECT 1").scalar_one<int>(), 1);  // no error reaches the user
    EXPECT_NE(backend_pid(c), pid);
}

TEST_F(Pool, RecoversAfterServerRestartWithPrePing) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "needs a server to restart";
    const char* restart = std::getenv("RETORT_TEST_PG_RESTART");
    if (!restart) GTEST_SKIP() << "RETORT_TEST_PG_RESTART (a command that restarts the test server) is not set";
    EngineOptions o;
    o.pool_pre_ping = true;
    o.pool_size = 3;
    auto e = create_engine(testkit::test_url(), o);
    {
        auto a = e.connect(), b = e.connect(), c = e.connect();
        a.exec_driver_sql("CREATE TABLE restart_rows (id int)");
        a.exec_driver_sql("INSERT INTO restart_rows VALUES (1), (2)");
        a.commit();
    }
    ASSERT_EQ(std::system(restart), 0);
    for (int i = 0; i < 3; ++i) {
        auto c = e.connect();
        EXPECT_EQ(c.exec_driver_sql("SELECT count(*) FROM restart_rows").scalar_one<std::int64_t>(), 2);
    }
    auto c = e.connect();
    c.exec_driver_sql("DROP TABLE restart_rows");
    c.commit();
}

}  // namespace

namespace {

std::int64_t xid(Connection& c) { return c.exec_driver_sql("SELECT txid_current()").scalar_one<std::int64_t>(); }

TEST_F(Pool, TheFirstStatementRunsInsideTheTransactionBegunForIt) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "PostgreSQL sends BEGIN together with the first statement";
    auto c = engine.connect();
    // Both in one transaction: BEGIN went out before (with) the first statement.
    const auto first = xid(c);
    EXPECT_EQ(xid(c), first);
    c.commit();
    EXPECT_NE(xid(c), first);
    c.rollback();
    // A failing first statement leaves its transaction failed, as it would after a separate BEGIN.
    EXPECT_THROW(c.exec_driver_sql("SELECT 1 / 0"), DataError);
    try {
        c.exec_driver_sql("SELECT 1");
        ADD_FAILURE() << "a statement ran in a failed transaction";
    } catch (const DBAPIError& e) {
        EXPECT_EQ(e.sqlstate(), "25P02");
    }
    c.rollback();
    EXPECT_EQ(c.exec_driver_sql("SELECT 2").scalar_one<int>(), 2);
    // A transaction that ran nothing commits and rolls back quietly.
    c.commit();
    (void)c.begin();
    c.rollback();
    EXPECT_FALSE(c.in_transaction());
}

TEST_F(Pool, ARollbackOnReturnEndsTheTransactionBeforeTheNextCheckout) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "PostgreSQL reads the reply of that ROLLBACK later";
    {
        auto c = engine.connect();
        c.exec_driver_sql("DROP TABLE IF EXISTS retort_reset_on_return");
        c.exec_driver_sql("CREATE TABLE retort_reset_on_return (id integer)");
        c.commit();
        c.exec_driver_sql("INSERT INTO retort_reset_on_return VALUES (1)");
        c.exec_driver_sql("LOCK TABLE retort_reset_on_return IN ACCESS EXCLUSIVE MODE");
    }  // back to the pool: rolled back
    {
        // Another connection finds the lock gone and the row never there, without waiting.
        Engine other = create_engine(testkit::test_url());
        auto o = other.connect();
        o.exec_driver_sql("SET lock_timeout = '2s'");
        EXPECT_EQ(o.exec_driver_sql("SELECT count(*) FROM retort_reset_on_return").scalar_one<std::int64_t>(), 0);
    }
    // The returned connection itself is idle and usable.
    auto c = engine.connect();
    EXPECT_EQ(c.exec_driver_sql("SELECT count(*) FROM retort_reset_on_return").scalar_one<std::int64_t>(), 0);
    EXPECT_EQ(std::string_view(c.exec_driver_sql("SELECT current_setting('transaction_isolation')").scalar_one<std::string>()),
              "read committed");
    c.exec_driver_sql("DROP TABLE retort_reset_on_return");
    c.commit();
}

}  // namespace
