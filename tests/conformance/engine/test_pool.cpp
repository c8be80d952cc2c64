// Ports of test/engine/test_pool.py: QueuePool sizes, overflow, timeouts, waiters, recycling, invalidation, LIFO
// and FIFO; NullPool; StaticPool (SQLAlchemy's StaticPool and, for connections nested in one thread, its
// SingletonThreadPool); pool events; and the in-memory SQLite engine, whose Connections and Sessions of one
// thread share its one connection.
//
// SQLAlchemy's pool tests run on a mock driver; these run on the real databases, and tell driver connections apart
// by their server session id (PostgreSQL) or driver handle (SQLite).
#include <chrono>
#include <thread>
#include <atomic>
#include <mutex>

#include "conformance/engine/engine_kit.hpp"

using namespace retort;
using namespace retort::orm;
using testkit::connection_id;

namespace conf_engine_pool {

class PoolTest : public testkit::EngineConformance {
protected:
    Engine pool_engine(int size, int overflow, double timeout = 30.0, bool lifo = false) {
        EngineOptions o;
        o.pool_size = size;
        o.max_overflow = overflow;
        o.pool_timeout = std::chrono::duration<double>(timeout);
        o.pool_use_lifo = lifo;
        o.poolclass = PoolClass::Queue;
        return create_engine(testkit::test_url(), o);
    }
};

// (size, checked in, overflow, checked out), as SQLAlchemy's test reads them.
std::tuple<int, int, int, int> status(const Engine& e) {
    auto s = e.pool_status();
    return {s.size, s.checked_in, s.overflow, s.checked_out};
}

int one(Connection& c) { return c.execute(select(literal_column<int>("1"))).scalar_one<int>(); }

// A model for the in-memory engine's Session.
struct Note {
    std::int64_t id = 0;
    std::string text;
};
Registry& retort_registry(const Note*);

}  // namespace conf_engine_pool

using namespace conf_engine_pool;

template <>
void retort::orm::define(Mapping<Note>& m) {
    m.table("pool_notes");
    m.column(&Note::id, "id", {.primary_key = true});
    m.column(&Note::text, "text", {.type = types::String(50)});
}

namespace conf_engine_pool {
Registry& models() {
    static Registry r;
    return r;
}
Registry& retort_registry(const Note*) { return models(); }
Registry& mapped() {
    static Registry& r = (models().map<Note>(), models());
    return r;
}
}  // namespace conf_engine_pool

// ---------------------------------------------------------------- QueuePoolTest

TEST_F(PoolTest, QueuePoolStatus) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_queuepool_close
    // ports: test/engine/test_pool.py::QueuePoolTest::test_queuepool_del
    auto p = pool_engine(3, -1);
    std::vector<Connection> c;
    const std::tuple<int, int, int, int> grows[] = {{3, 0, -2, 1}, {3, 0, -1, 2}, {3, 0, 0, 3},
                                                    {3, 0, 1, 4},  {3, 0, 2, 5},  {3, 0, 3, 6}};
    for (const auto& expected : grows) {
        c.push_back(p.connect());
        EXPECT_EQ(status(p), expected);
    }
    c[3].close();
    c[2].close();
    c[1].close();
    EXPECT_EQ(status(p), std::make_tuple(3, 3, 3, 3));
    c[0].close();
    c[4].close();
    c[5].close();
    EXPECT_EQ(status(p), std::make_tuple(3, 3, 0, 0));
    {
        auto c1 = p.connect();
        {
            auto c2 = p.connect();
            EXPECT_EQ(status(p), std::make_tuple(3, 1, 0, 2));
        }  // destroyed: returned, as SQLAlchemy's garbage-collected fairy
        EXPECT_EQ(status(p), std::make_tuple(3, 2, 0, 1));
    }
}

TEST_F(PoolTest, Timeout) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_timeout
    // ports: test/engine/test_pool.py::QueuePoolTest::test_timeout_subsecond_precision
    auto p = pool_engine(3, 0, 0.5);
    auto c1 = p.connect(), c2 = p.connect(), c3 = p.connect();
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_THROW((void)p.connect(), TimeoutError);
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, std::chrono::milliseconds(490));
    EXPECT_LT(waited, std::chrono::milliseconds(3000));
}

TEST_F(PoolTest, NotifyWaiters) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_notify_waiters
    // ports: test/engine/test_pool.py::QueuePoolTest::test_waiters_handled
    auto p = pool_engine(1, 0, 60.0);
    std::atomic<int> connects{0};
    p.on_connect([&](DBAPIConnection&) { ++connects; });
    auto c1 = p.connect();
    std::atomic<int> served{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 5; ++i)
        waiters.emplace_back([&] {
            auto c = p.connect();
            ++served;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(served.load(), 0);
    EXPECT_EQ(connects.load(), 1);
    c1.invalidate();
    c1.close();  // an invalidated connection goes away; a waiter makes the next one
    for (auto& t : waiters) t.join();
    EXPECT_EQ(served.load(), 5);
    EXPECT_EQ(connects.load(), 2);
}

TEST_F(PoolTest, DisposeClosesPooled) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_dispose_closes_pooled
    auto p = pool_engine(2, 0);
    int connects = 0;
    p.on_connect([&](DBAPIConnection&) { ++connects; });
    auto c1 = p.connect();
    auto c2 = p.connect();
    const auto c2_id = connection_id(c2);
    c1.close();
    p.dispose();  // closes the idle one; the one in use stays until it comes back
    EXPECT_EQ(p.pool_status().checked_in, 0);
    EXPECT_EQ(one(c2), 1);
    c2.close();
    auto c3 = p.connect();
    EXPECT_EQ(connection_id(c3), c2_id);  // the one returned after dispose() is the one handed out next
    EXPECT_EQ(connects, 2);
}

TEST_F(PoolTest, NoOverflowAndMaxOverflow) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_no_overflow
    // ports: test/engine/test_pool.py::QueuePoolTest::test_max_overflow
    for (int overflow : {0, 2}) {
        auto p = pool_engine(3, overflow, 30.0);
        std::atomic<int> now{0}, peak{0};
        std::vector<std::thread> ts;
        for (int t = 0; t < 12; ++t)
            ts.emplace_back([&] {
                for (int i = 0; i < 5; ++i) {
                    auto c = p.connect();
                    int n = ++now;
                    int prev = peak.load();
                    while (n > prev && !peak.compare_exchange_weak(prev, n)) {
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(2));
                    --now;
                }
            });
        for (auto& t : ts) t.join();
        EXPECT_LE(peak.load(), 3 + overflow);
        EXPECT_LE(p.pool_status().checked_in, 3);
    }
}

TEST_F(PoolTest, Unlimited) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_unlimited
    for (int overflow : {42, 0, -5, 1}) {
        auto p = pool_engine(0, overflow, 0.2);
        EXPECT_EQ(p.pool_status().overflow, 0);
        std::vector<Connection> cs;
        for (int i = 0; i < 4; ++i) cs.push_back(p.connect());  // no limit, whatever max_overflow says
        EXPECT_EQ(p.pool_status().overflow, 0);
        EXPECT_EQ(p.pool_status().checked_out, 4);
    }
}

TEST_F(PoolTest, OverflowNoGc) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_overflow_no_gc
    auto p = pool_engine(2, 2);
    int connects = 0;
    p.on_connect([&](DBAPIConnection&) { ++connects; });
    for (int round = 0; round < 5; ++round) {
        std::vector<Connection> cs;
        for (int i = 0; i < 4; ++i) cs.push_back(p.connect());
    }
    // Each round reuses the two pooled connections and makes (then closes) two overflow ones.
    EXPECT_EQ(connects, 12);
    EXPECT_EQ(p.pool_status().checked_in, 2);
}

TEST_F(PoolTest, Recycle) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_recycle
    EngineOptions o;
    o.pool_size = 1;
    o.max_overflow = 0;
    o.pool_recycle = std::chrono::seconds(1);
    auto p = create_engine(testkit::test_url(), o);
    int connects = 0;
    p.on_connect([&](DBAPIConnection&) { ++connects; });
    std::uintptr_t first;
    {
        auto c1 = p.connect();
        first = connection_id(c1);
    }
    {
        auto c2 = p.connect();
        EXPECT_EQ(connection_id(c2), first);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    auto c3 = p.connect();
    EXPECT_EQ(one(c3), 1);
    EXPECT_EQ(connects, 2);
    if (testkit::is_postgresql()) EXPECT_NE(connection_id(c3), first);
}

TEST_F(PoolTest, InvalidateMakesANewConnection) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_invalidate
    // ports: test/engine/test_pool.py::QueuePoolTest::test_reconnect
    // ports: test/engine/test_pool.py::QueuePoolTest::test_recycle_on_invalidate
    // ports: test/engine/test_pool.py::QueuePoolTest::test_detach_via_invalidate
    auto p = pool_engine(1, 0);
    int connects = 0;
    p.on_connect([&](DBAPIConnection&) { ++connects; });
    std::uintptr_t id;
    {
        auto c1 = p.connect();
        id = connection_id(c1);
    }
    {
        auto c1 = p.connect();
        EXPECT_EQ(connection_id(c1), id);
        EXPECT_EQ(connects, 1);
        c1.invalidate();
    }
    auto c2 = p.connect();
    EXPECT_EQ(one(c2), 1);
    EXPECT_EQ(connects, 2);
    if (testkit::is_postgresql()) EXPECT_NE(connection_id(c2), id);
}

TEST_F(PoolTest, Lifo) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_lifo
    auto p = pool_engine(5, 10, 30.0, /*lifo=*/true);
    std::uintptr_t c1, c2, c3;
    {
        auto pc1 = p.connect(), pc2 = p.connect(), pc3 = p.connect();
        c1 = connection_id(pc1);
        c2 = connection_id(pc2);
        c3 = connection_id(pc3);
        pc1.close();
        pc2.close();
        pc3.close();
    }
    for (int i = 0; i < 5; ++i) {
        auto pc1 = p.connect();
        EXPECT_EQ(connection_id(pc1), c3);
        pc1.close();
        pc1 = p.connect();
        EXPECT_EQ(connection_id(pc1), c3);
        auto pc2 = p.connect();
        EXPECT_EQ(connection_id(pc2), c2);
        pc2.close();
        auto pc3 = p.connect();
        EXPECT_EQ(connection_id(pc3), c2);
        pc2 = p.connect();
        EXPECT_EQ(connection_id(pc2), c1);
        pc2.close();
        pc3.close();
        pc1.close();
    }
}

TEST_F(PoolTest, Fifo) {
    // ports: test/engine/test_pool.py::QueuePoolTest::test_fifo
    auto p = pool_engine(5, 10);
    std::uintptr_t c1, c2, c3;
    {
        auto pc1 = p.connect(), pc2 = p.connect(), pc3 = p.connect();
        c1 = connection_id(pc1);
        c2 = connection_id(pc2);
        c3 = connection_id(pc3);
        pc1.close();
        pc2.close();
        pc3.close();
    }
    auto pc1 = p.connect();
    EXPECT_EQ(connection_id(pc1), c1);
    pc1.close();
    pc1 = p.connect();
    EXPECT_EQ(connection_id(pc1), c2);
    auto pc2 = p.connect();
    EXPECT_EQ(connection_id(pc2), c3);
    pc2.close();
    auto pc3 = p.connect();
    EXPECT_EQ(connection_id(pc3), c1);
    pc2 = p.connect();
    EXPECT_EQ(connection_id(pc2), c3);
}

// ---------------------------------------------------------------- ResetOnReturnTest

TEST_F(PoolTest, PlainRollbackOnReturn) {
    // ports: test/engine/test_pool.py::ResetOnReturnTest::test_plain_rollback
    // ports: test/engine/test_pool.py::ResetOnReturnTest::test_plain_rollback_via_engine
    {
        auto c = engine.connect();
        c.execute(insert_user(1, "returned"));
    }
    {
        auto c = engine.connect();
        (void)c.begin();  // an explicit transaction is rolled back on return the same way
        c.execute(insert_user(2, "returned"));
    }
    EXPECT_EQ(committed_users(), 0);
    auto c = engine.connect();
    EXPECT_FALSE(c.in_transaction());
    c.execute(insert_user(3, "after"));
    c.commit();
    EXPECT_EQ(committed_users(), 1);
}

// ---------------------------------------------------------------- NullPool, StaticPool

TEST_F(PoolTest, NullPoolReconnect) {
    // ports: test/engine/test_pool.py::NullPoolTest::test_reconnect
    EngineOptions o;
    o.poolclass = PoolClass::Null;
    auto p = create_engine(testkit::test_url(), o);
    int connects = 0;
    p.on_connect([&](DBAPIConnection&) { ++connects; });
    {
        auto c1 = p.connect();
        EXPECT_EQ(one(c1), 1);
    }
    EXPECT_EQ(p.pool_status().checked_in, 0);  // closed at checkin
    {
        auto c1 = p.connect();
        c1.invalidate();
    }
    auto c1 = p.connect();
    EXPECT_EQ(one(c1), 1);
    EXPECT_EQ(connects, 3);
}

TEST_F(PoolTest, StaticPoolConnect) {
    // ports: test/engine/test_pool.py::StaticPoolTest::test_connect
    EngineOptions o;
    o.poolclass = PoolClass::Static;
    auto p = create_engine(testkit::test_url(), o);
    int connects = 0;
    p.on_connect([&](DBAPIConnection&) { ++connects; });
    std::uintptr_t id;
    {
        auto c1 = p.connect();
        id = connection_id(c1);
    }
    auto c2 = p.connect();
    EXPECT_EQ(connection_id(c2), id);
    EXPECT_EQ(connects, 1);
}

TEST_F(PoolTest, NoRollbackFromNestedConnections) {
    // ports: test/engine/test_pool.py::SingletonThreadPoolTest::test_no_rollback_from_nested_connections
    // Retort's StaticPool hands the thread that holds its connection the same one again; closing the inner
    // Connection leaves the outer one's transaction alone, closing the outer one rolls it back.
    EngineOptions o;
    o.poolclass = PoolClass::Static;
    auto p = create_engine(testkit::test_url(), o);
    auto c1 = p.connect();
    c1.execute(insert_user(1, "outer"));
    {
        auto c2 = p.connect();
        EXPECT_EQ(connection_id(c2), connection_id(c1));
        EXPECT_EQ(users_seen_by(c2), 1);  // the same transaction
    }
    EXPECT_TRUE(c1.in_transaction());
    EXPECT_EQ(users_seen_by(c1), 1);
    c1.close();
    EXPECT_EQ(committed_users(), 0);
}

TEST_F(PoolTest, StaticPoolSharedTransaction) {
    // Connections sharing the static connection share its transaction: a commit by one commits the other's work
    // too; a rollback by one is a rollback of the other's work, which that one is told about.
    EngineOptions o;
    o.poolclass = PoolClass::Static;
    auto p = create_engine(testkit::test_url(), o);
    {
        auto a = p.connect();
        auto b = p.connect();
        a.execute(insert_user(1, "a"));
        b.execute(insert_user(2, "b"));
        b.commit();
        EXPECT_FALSE(a.in_transaction());
        EXPECT_NO_THROW(a.commit());
    }
    EXPECT_EQ(committed_users(), 2);
    {
        auto a = p.connect();
        auto b = p.connect();
        a.execute(insert_user(3, "a"));
        b.execute(insert_user(4, "b"));
        b.rollback();
        EXPECT_THROW(a.commit(), PendingRollbackError);  // a's row went with b's rollback: a is told
        a.rollback();
        EXPECT_EQ(users_seen_by(a), 2);
    }
    EXPECT_EQ(committed_users(), 2);
}

TEST_F(PoolTest, StaticPoolOtherThreadsWait) {
    EngineOptions o;
    o.poolclass = PoolClass::Static;
    o.pool_timeout = std::chrono::milliseconds(300);
    auto p = create_engine(testkit::test_url(), o);
    auto mine = p.connect();
    std::atomic<bool> timed_out{false};
    std::thread([&] {
        try {
            auto c = p.connect();
        } catch (const TimeoutError&) {
            timed_out = true;
        }
    }).join();
    EXPECT_TRUE(timed_out.load());
    mine.close();
    std::atomic<int> got{0};
    std::thread([&] {
        auto c = p.connect();
        got = one(c);
    }).join();
    EXPECT_EQ(got.load(), 1);
}

TEST_F(PoolTest, PoolClassesRollBackOnReturnAndCloseOnDispose) {
    // ports: test/engine/test_pool.py::PoolDialectTest::test_queue_pool
    // ports: test/engine/test_pool.py::PoolDialectTest::test_null_pool
    // ports: test/engine/test_pool.py::PoolDialectTest::test_static_pool
    // connect, close (rolled back), dispose (closed), connect again (a new connection), close.
    for (PoolClass pc : {PoolClass::Queue, PoolClass::Null, PoolClass::Static}) {
        EngineOptions o;
        o.poolclass = pc;
        auto p = create_engine(testkit::test_url(), o);
        int connects = 0;
        p.on_connect([&](DBAPIConnection&) { ++connects; });
        {
            auto c = p.connect();
            c.execute(insert_user(1, "rolled back"));
        }
        EXPECT_EQ(committed_users(), 0);
        p.dispose();
        EXPECT_EQ(p.pool_status().checked_in, 0);
        {
            auto c = p.connect();
            EXPECT_EQ(one(c), 1);
        }
        EXPECT_EQ(connects, 2);
        EXPECT_EQ(p.pool_status().checked_in, pc == PoolClass::Null ? 0 : 1);
    }
}

// ---------------------------------------------------------------- PoolEventsTest

TEST_F(PoolTest, ConnectEvents) {
    // ports: test/engine/test_pool.py::PoolEventsTest::test_connect_event
    // ports: test/engine/test_pool.py::PoolEventsTest::test_connect_event_fires_subsequent
    // ports: test/engine/test_pool.py::PoolEventsTest::test_first_connect_event_fires_once
    auto p = pool_engine(5, 10);
    std::vector<std::string> canary;
    p.on_connect([&](DBAPIConnection&) { canary.push_back("connect"); });
    auto c1 = p.connect();
    EXPECT_EQ(canary, std::vector<std::string>{"connect"});
    auto c2 = p.connect();
    EXPECT_EQ(canary, (std::vector<std::string>{"connect", "connect"}));
    c1.close();
    auto c3 = p.connect();  // an idle one: no new connect
    EXPECT_EQ(canary.size(), 2u);
}

TEST_F(PoolTest, CheckoutAndCheckinEvents) {
    // ports: test/engine/test_pool.py::PoolEventsTest::test_checkout_event
    // ports: test/engine/test_pool.py::PoolEventsTest::test_checkout_event_fires_subsequent
    // ports: test/engine/test_pool.py::PoolEventsTest::test_checkin_event
    auto p = pool_engine(5, 10);
    std::vector<std::string> canary;
    p.on_checkout([&](DBAPIConnection&) { canary.push_back("checkout"); });
    p.on_checkin([&](DBAPIConnection&) { canary.push_back("checkin"); });
    auto c1 = p.connect();
    EXPECT_EQ(canary, std::vector<std::string>{"checkout"});
    c1.close();
    EXPECT_EQ(canary, (std::vector<std::string>{"checkout", "checkin"}));
    auto c2 = p.connect();
    EXPECT_EQ(canary, (std::vector<std::string>{"checkout", "checkin", "checkout"}));
}

TEST_F(PoolTest, ConnectEventFailsInvalidates) {
    // ports: test/engine/test_pool.py::PoolEventsTest::test_connect_event_fails_invalidates
    auto p = pool_engine(1, 0, 5.0);
    bool fail = false;
    bool flag = false;
    p.on_connect([&](DBAPIConnection&) {
        if (fail) throw std::runtime_error("it failed");
    });
    p.on_connect([&](DBAPIConnection&) { flag = true; });
    {
        auto c = p.connect();
        EXPECT_TRUE(flag);
        c.invalidate();
    }
    fail = true;
    flag = false;
    EXPECT_THROW((void)p.connect(), std::runtime_error);  // and the failed connect does not block the pool
    fail = false;
    auto c = p.connect();
    EXPECT_TRUE(flag);
    EXPECT_EQ(one(c), 1);
}

// ---------------------------------------------------------------- in-memory SQLite

TEST(InMemorySQLite, ConnectionsOfOneThreadShareTheDatabase) {
    // As SQLAlchemy's SingletonThreadPool for :memory:, a nested checkout in one thread gets the same connection;
    // unlike it, other threads see the same database too (they take their turn).
    auto e = create_engine("sqlite://");
    auto a = e.connect();
    a.exec_driver_sql("CREATE TABLE mem (x INTEGER)");
    a.exec_driver_sql("INSERT INTO mem VALUES (1)");
    auto b = e.connect();  // used to wait for pool_timeout, then throw
    EXPECT_EQ(b.exec_driver_sql("SELECT count(*) FROM mem").scalar_one<std::int64_t>(), 1);
    b.close();
    a.commit();
    // Another thread sees the same database (it waits for the connection while this thread holds it).
    a.close();
    std::int64_t seen = -1;
    std::thread([&] {
        auto c = e.connect();
        seen = c.exec_driver_sql("SELECT count(*) FROM mem").scalar_one<std::int64_t>();
    }).join();
    EXPECT_EQ(seen, 1);
}

TEST(InMemorySQLite, SessionAndConnectionInOneThread) {
    auto e = create_engine("sqlite://");
    mapped().metadata().create_all(e);
    Session s(e);
    s.add(Note{.id = 1, .text = "first"});
    s.flush();  // the Session holds the connection, in a transaction
    {
        auto c = e.connect();  // no wait: the same connection, the same transaction
        EXPECT_EQ(c.exec_driver_sql("SELECT count(*) FROM pool_notes").scalar_one<std::int64_t>(), 1);
    }  // closing it leaves the Session's transaction alone
    s.commit();
    {
        auto c = e.connect();
        EXPECT_EQ(c.exec_driver_sql("SELECT text FROM pool_notes").scalar_one<std::string>(), "first");
        c.exec_driver_sql("INSERT INTO pool_notes (id, text) VALUES (2, 'second')");
        Session s2(e);  // and the other way round: a Session while a Connection is open
        EXPECT_EQ(s2.scalars(select<Note>()).all().size(), 2u);
        c.commit();
    }
    Session s3(e);
    EXPECT_EQ(s3.scalars(select<Note>()).all().size(), 2u);
}
