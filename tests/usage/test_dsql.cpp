// Aurora DSQL on the local server (ctest usage_dsql_live): the DSQL dialect in local emulation with its
// strict checker, TLS verify-full, the IAM token as a password, and retries of real conflicts. The server,
// its CA and the URLs come from scripts/test (RETORT_TEST_DSQL_URL, RETORT_TEST_PG_TLS_PORT,
// RETORT_TEST_PG_CA, RETORT_TEST_PG_WRONG_CA).
#include <atomic>
#include <chrono>
#include <thread>

#include <retort/dialects/auroradsql.hpp>
#include <retort/orm.hpp>
#include <retort/orm/session.hpp>

#include "usage/fixture.hpp"

using namespace retort;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// Skips without the server, fails when scripts/test said there must be one.
#define NEED_ENV(var)                                                                  \
    do {                                                                               \
        if (env(var).empty()) {                                                        \
            if (std::getenv("RETORT_REQUIRE_PG")) FAIL() << var << " is not set";      \
            GTEST_SKIP() << var << " is not set";                                      \
        }                                                                              \
    } while (0)

std::string tls_url(const std::string& host, const std::string& ca, const std::string& extra = "") {
    return "postgresql://retort@" + host + ":" + env("RETORT_TEST_PG_TLS_PORT") +
           "/retort_test?sslmode=verify-full&sslrootcert=" + ca + extra;
}

std::chrono::system_clock::time_point fixed_time() {
    return std::chrono::sys_days{std::chrono::year{2025} / 3 / 14} + std::chrono::hours(9) + std::chrono::minutes(26);
}

const aws::Credentials fixed_credentials{"AKIDRETORTTEST", "retort/test/secret/key/not/a/real/one", std::nullopt, "test"};

}  // namespace

TEST(DsqlLive, StrictEngineRefusesWhatDsqlRejects) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    (void)dsql::StrictChecker::take_violations();
    auto engine = create_engine(env("RETORT_TEST_DSQL_URL"));
    auto conn = engine.connect();
    EXPECT_THROW((void)conn.begin_nested(), InvalidRequestError);
    EXPECT_EQ(conn.exec_driver_sql("SHOW transaction_isolation").scalar_one<std::string>(), "repeatable read");
    conn.rollback();
    EXPECT_THROW(conn.exec_driver_sql("CREATE TEMPORARY TABLE dsql_tmp (a INT)"), dsql::StrictViolation);
    conn.rollback();
    EXPECT_THROW(conn.exec_driver_sql("TRUNCATE pg_class"), dsql::StrictViolation);
    conn.rollback();
    EXPECT_THROW(conn.exec_driver_sql("CREATE TABLE dsql_serial (id SERIAL PRIMARY KEY)"), dsql::StrictViolation);
    conn.rollback();
    {
        auto tx = conn.begin();
        conn.exec_driver_sql("CREATE TABLE dsql_one (a INT)");
        EXPECT_THROW(conn.exec_driver_sql("CREATE TABLE dsql_two (a INT)"), dsql::StrictViolation);
        tx.rollback();
    }
    {
        auto tx = conn.begin();
        conn.exec_driver_sql("SELECT 1");
        conn.exec_driver_sql("CREATE TABLE dsql_one (a INT)");
        EXPECT_THROW(conn.exec_driver_sql("INSERT INTO dsql_one VALUES (1)"), dsql::StrictViolation);
        tx.rollback();
    }
    EXPECT_THROW(conn.exec_driver_sql("CREATE INDEX ix_pg_class ON pg_class (relname)"), dsql::StrictViolation);
    conn.rollback();
    EXPECT_THROW(create_engine(env("RETORT_TEST_DSQL_URL"), EngineOptions{.isolation_level = "READ COMMITTED"}).connect(),
                 ArgumentError);
    EXPECT_EQ(dsql::StrictChecker::take_violations().size(), 6u);
}

TEST(DsqlLive, CreateAllRunsEachDdlAloneWithAsyncIndexesAndIdentity) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    auto engine = create_engine(env("RETORT_TEST_DSQL_URL"));
    MetaData md;
    md.table("dsql_owner", {{"id", types::BigInteger(), {.primary_key = true}}, {"name", types::String(30), {.unique = true, .index = true}}});
    md.table("dsql_pet", {{"id", types::BigInteger(), {.primary_key = true}},
                          {"owner_id", types::BigInteger(), {.foreign_key = "dsql_owner.id"}},
                          {"name", types::String(30)}},
             {Index{.name = "ix_dsql_pet_owner", .columns = {"owner_id"}, .include = {"name"}}});
    std::vector<std::string> ddl;
    engine.on_before_execute([&](const ExecuteEvent& e) {
        std::string s(e.statement);
        if (s.rfind("CREATE", 0) == 0 || s.rfind("DROP", 0) == 0) ddl.push_back(s);
    });
    md.drop_all(engine);
    md.create_all(engine);
    ASSERT_EQ(ddl.size(), 4u);
    EXPECT_EQ(ddl[1], "CREATE UNIQUE INDEX ASYNC ix_dsql_owner_name ON dsql_owner (name)");
    EXPECT_EQ(ddl[3], "CREATE INDEX ASYNC ix_dsql_pet_owner ON dsql_pet (owner_id) INCLUDE (name)");
    auto conn = engine.connect();
    EXPECT_EQ(conn.exec_driver_sql("SELECT count(*) FROM pg_indexes WHERE indexname IN ('ix_dsql_owner_name', 'ix_dsql_pet_owner')")
                  .scalar_one<int>(), 2);
    EXPECT_EQ(conn.exec_driver_sql("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'dsql_pet'::regclass")
                  .scalar_one<int>(), 1);  // inline in CREATE TABLE
    EXPECT_EQ(conn.exec_driver_sql("SELECT seqcache FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('dsql_pet', 'id')::regclass")
                  .scalar_one<std::int64_t>(), 65536);
    // The Connection form refuses to commit a caller's open transaction midway.
    EXPECT_THROW(md.create_all(conn), InvalidRequestError);
    conn.rollback();
    conn.close();
    md.drop_all(engine);
    EXPECT_TRUE(dsql::StrictChecker::take_violations().empty());
}

TEST(DsqlLive, InsertInChunksStaysUnderTheRowLimit) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    auto engine = create_engine(env("RETORT_TEST_DSQL_URL"));
    MetaData md;
    auto& t = md.table("dsql_bulk", {{"id", types::BigInteger(), {.primary_key = true}}, {"n", types::Integer()}});
    md.drop_all(engine);
    md.create_all(engine);
    std::vector<Params> rows;
    for (int i = 0; i < 7000; ++i) rows.push_back({{"n", i}});
    EXPECT_EQ(dsql::insert_in_chunks(engine, insert(t), rows), 7000);
    auto [count, sum] = engine.connect().exec_driver_sql("SELECT count(*), sum(n) FROM dsql_bulk").one().tuple<std::int64_t, std::int64_t>();
    EXPECT_EQ(count, 7000);
    EXPECT_EQ(sum, 6999LL * 7000 / 2);
    EXPECT_TRUE(dsql::StrictChecker::take_violations().empty());
    // The same rows in one transaction are more than DSQL allows.
    std::vector<Params> too_many(rows.begin(), rows.begin() + 3001);
    EXPECT_THROW(engine.begin([&](Connection& c) { c.execute(insert(t), too_many); }), dsql::StrictViolation);
    EXPECT_EQ(dsql::StrictChecker::take_violations().size(), 1u);
    md.drop_all(engine);
}

TEST(DsqlLive, TlsVerifyFullAcceptsTheRightServerOnly) {
    NEED_ENV("RETORT_TEST_PG_TLS_PORT");
    const std::string ca = env("RETORT_TEST_PG_CA"), wrong = env("RETORT_TEST_PG_WRONG_CA");
    for (const std::string host : {"localhost", "127.0.0.1"}) {
        auto e = create_engine(tls_url(host, ca));
        EXPECT_TRUE(e.connect().exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar_one<bool>())
            << host;
    }
    EXPECT_THROW(create_engine(tls_url("localhost", wrong)).connect(), OperationalError);
    // The right server under a name its certificate does not carry.
    EXPECT_THROW(create_engine(tls_url("wrong.name.invalid", ca, "&hostaddr=127.0.0.1")).connect(), OperationalError);
    // Plain TCP is refused: the server only takes TLS on 127.0.0.1.
    EXPECT_THROW(create_engine(tls_url("localhost", ca, "&sslmode=disable")).connect(), OperationalError);
}

TEST(DsqlLive, TheTokenIsThePasswordThroughThePool) {
    NEED_ENV("RETORT_TEST_PG_TLS_PORT");
    NEED_ENV("RETORT_TEST_PG_URL");
    const std::string role = "dsql_token_user";
    const std::string token = aws::generate_dsql_auth_token(
        {.hostname = "localhost", .region = "us-east-1", .admin = false, .signing_time = fixed_time()}, fixed_credentials);
    auto admin = create_engine(env("RETORT_TEST_PG_URL"));
    admin.begin([&](Connection& c) {
        c.exec_driver_sql("DROP ROLE IF EXISTS " + role);
        // The token holds no quote; it is a literal here because CREATE ROLE takes no parameters.
        c.exec_driver_sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + token + "'");
    });
    dsql::DsqlEngineOptions o{.hostname = "localhost",
                              .port = std::stoi(env("RETORT_TEST_PG_TLS_PORT")),
                              .region = "us-east-1",
                              .user = role,
                              .database = "retort_test",
                              .credentials = fixed_credentials,
                              .sslrootcert = env("RETORT_TEST_PG_CA"),
                              .application_name = "retort-dsql-test",
                              .clock = fixed_time};
    int tokens = 0;
    {
        auto engine = dsql::create_dsql_engine(o);
        engine.on_do_connect([&](ConnectParams& p) {
            ++tokens;
            EXPECT_EQ(p["password"], token);
            EXPECT_EQ(p["sslmode"], "verify-full");
        });
        // Two connections at once: two new pooled connections, each with a token of its own making.
        auto c1 = engine.connect();
        auto c2 = engine.connect();
        EXPECT_EQ(c1.exec_driver_sql("SELECT current_user").scalar_one<std::string>(), role);
        EXPECT_EQ(c2.exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar_one<bool>(), true);
        EXPECT_EQ(c2.exec_driver_sql("SHOW application_name").scalar_one<std::string>(), "retort-dsql-test");
        c1.close();
        c2.close();
        EXPECT_EQ(engine.connect().exec_driver_sql("SELECT 1").scalar_one<int>(), 1);  // reused: no new token
        EXPECT_EQ(tokens, 2);
    }
    // A second later the token differs and the server refuses it; the message never shows it.
    o.clock = [] { return fixed_time() + std::chrono::seconds(1); };
    try {
        (void)dsql::create_dsql_engine(o).connect();
        ADD_FAILURE() << "connected with a token made at another time";
    } catch (const OperationalError& e) {
        EXPECT_EQ(std::string(e.what()).find("X-Amz-Signature"), std::string::npos);
    }
    admin.begin([&](Connection& c) { c.exec_driver_sql("DROP ROLE " + role); });
}

namespace {
struct CounterTable {
    Engine engine;
    MetaData md;
    explicit CounterTable(Engine e) : engine(std::move(e)) {
        md.table("dsql_counter", {{"id", types::Integer(), {.primary_key = true, .autoincrement = false}},
                                  {"n", types::BigInteger()}});
        md.drop_all(engine);
        md.create_all(engine);
        engine.begin([](Connection& c) { c.exec_driver_sql("INSERT INTO dsql_counter (id, n) VALUES (1, 0)"); });
    }
    ~CounterTable() {
        try {
            md.drop_all(engine);
        } catch (...) {
        }
    }
    std::int64_t value() { return engine.connect().exec_driver_sql("SELECT n FROM dsql_counter WHERE id = 1").scalar_one<std::int64_t>(); }
};
}  // namespace

TEST(DsqlLive, ConcurrentIncrementsConflictAndRetriesMakeThemExact) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    CounterTable counter(create_engine(env("RETORT_TEST_DSQL_URL"), EngineOptions{.pool_size = 8}));
    constexpr int threads = 4, increments = 25;
    std::atomic<int> conflicts{0};
    dsql::RetryPolicy policy{.max_attempts = 100, .initial_backoff = std::chrono::milliseconds(1),
                             .max_backoff = std::chrono::milliseconds(20),
                             .on_retry = [&](int, const DBAPIError& e) {
                                 EXPECT_EQ(e.sqlstate(), "40001");
                                 ++conflicts;
                             }};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            for (int i = 0; i < increments; ++i)
                dsql::run_transaction(counter.engine, [](Connection& c) {
                    auto n = c.exec_driver_sql("SELECT n FROM dsql_counter WHERE id = 1").scalar_one<std::int64_t>();
                    std::this_thread::sleep_for(std::chrono::microseconds(300));  // widen the race
                    c.exec_driver_sql("UPDATE dsql_counter SET n = $1 WHERE id = 1", {Value(n + 1)});
                }, policy);
        });
    for (auto& th : pool) th.join();
    EXPECT_EQ(counter.value(), threads * increments);
    EXPECT_GT(conflicts.load(), 0) << "the transactions never conflicted";
    EXPECT_TRUE(dsql::StrictChecker::take_violations().empty());
}

TEST(DsqlLive, AConflictIsRetriedAndOtherErrorsAreNot) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    CounterTable counter(create_engine(env("RETORT_TEST_DSQL_URL")));
    int attempts = 0, retries = 0;
    dsql::RetryPolicy policy{.on_retry = [&](int attempt, const DBAPIError& e) {
        EXPECT_EQ(attempt, 1);
        EXPECT_TRUE(dsql::is_conflict(e));
        ++retries;
    }};
    auto result = dsql::run_transaction(counter.engine, [&](Connection& c) {
        ++attempts;
        auto n = c.exec_driver_sql("SELECT n FROM dsql_counter WHERE id = 1").scalar_one<std::int64_t>();
        if (attempts == 1)  // another transaction changes the row after this one's snapshot
            counter.engine.begin([](Connection& o) { o.exec_driver_sql("UPDATE dsql_counter SET n = n + 100 WHERE id = 1"); });
        c.exec_driver_sql("UPDATE dsql_counter SET n = $1 WHERE id = 1", {Value(n + 1)});
        return n + 1;
    }, policy);
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(retries, 1);
    EXPECT_EQ(result, 101);
    EXPECT_EQ(counter.value(), 101);

    attempts = 0;
    EXPECT_THROW(dsql::run_transaction(counter.engine, [&](Connection& c) {
        ++attempts;
        c.exec_driver_sql("INSERT INTO dsql_counter (id, n) VALUES (1, 0)");
    }), IntegrityError);
    EXPECT_EQ(attempts, 1);

    // Bounded: a conflict every time ends after max_attempts with the conflict itself.
    attempts = 0;
    EXPECT_THROW(dsql::run_transaction(counter.engine, [&](Connection&) {
        ++attempts;
        throw OperationalError("change conflicts with another transaction, please retry: (OC000)", "40001");
    }, dsql::RetryPolicy{.max_attempts = 3, .initial_backoff = std::chrono::milliseconds(1)}), OperationalError);
    EXPECT_EQ(attempts, 3);
}

TEST(DsqlLive, ACommitWhoseOutcomeIsUnknownIsNotRetried) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    CounterTable counter(create_engine(env("RETORT_TEST_DSQL_URL")));
    int attempts = 0;
    EXPECT_THROW(dsql::run_transaction(counter.engine, [&](Connection& c) {
        ++attempts;
        c.exec_driver_sql("UPDATE dsql_counter SET n = n + 1 WHERE id = 1");
        auto pid = c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one<std::int64_t>();
        // The connection is gone by the time COMMIT is sent.
        counter.engine.begin([&](Connection& o) { o.exec_driver_sql("SELECT pg_terminate_backend($1::int)", {Value(pid)}); });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }), dsql::CommitOutcomeUnknown);
    EXPECT_EQ(attempts, 1);
    EXPECT_EQ(counter.value(), 0);
}

TEST(DsqlLive, SessionTransactionsAreRetriedToo) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    CounterTable counter(create_engine(env("RETORT_TEST_DSQL_URL")));
    orm::Session session(counter.engine);
    int attempts = 0;
    auto n = dsql::run_transaction(session, [&](orm::Session& s) {
        ++attempts;
        auto& c = s.connection();
        auto v = c.exec_driver_sql("SELECT n FROM dsql_counter WHERE id = 1").scalar_one<std::int64_t>();
        if (attempts == 1)
            counter.engine.begin([](Connection& o) { o.exec_driver_sql("UPDATE dsql_counter SET n = 10 WHERE id = 1"); });
        c.exec_driver_sql("UPDATE dsql_counter SET n = $1 WHERE id = 1", {Value(v + 1)});
        return v + 1;
    }, dsql::RetryPolicy{.initial_backoff = std::chrono::milliseconds(1)});
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(n, 11);
    EXPECT_EQ(counter.value(), 11);
}

// ------------------------------------------------------------------------------------------------ limits, XX000

namespace dsql_limits {
struct Note {
    std::int64_t id = 0;
    std::string body;
};
inline orm::Registry& models() {
    static orm::Registry r;
    return r;
}
template <class T>
orm::Registry& retort_registry(const T*) {
    return models();
}
}  // namespace dsql_limits

template <>
void retort::orm::define(orm::Mapping<dsql_limits::Note>& m) {
    m.table("dsql_notes");
    m.column(&dsql_limits::Note::id, "id", {.primary_key = true});
    m.column(&dsql_limits::Note::body, "body", {.type = types::Text()});
}

TEST(DsqlLive, AFlushOverTheTransactionLimitsStopsBeforeSendingAnything) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    auto engine = create_engine(env("RETORT_TEST_DSQL_URL"));
    static const bool mapped = (dsql_limits::models().map<dsql_limits::Note>(), true);
    ASSERT_TRUE(mapped);
    auto& md = dsql_limits::models().metadata();
    md.drop_all(engine);
    md.create_all(engine);
    std::vector<std::string> sent;
    engine.on_before_execute([&](const ExecuteEvent& e) {
        if (std::string_view(e.statement).starts_with("INSERT")) sent.emplace_back(e.statement);
    });
    auto count = [&] { return engine.connect().exec_driver_sql("SELECT count(*) FROM dsql_notes").scalar_one<std::int64_t>(); };
    {
        // 3,001 rows in one transaction: more than DSQL allows.
        orm::Session s(engine);
        for (int i = 0; i < 3001; ++i) s.add(dsql_limits::Note{.body = "n"});
        EXPECT_THROW(s.flush(), TransactionLimitError);
        s.rollback();
    }
    {
        // 11 MiB of values in one transaction: more than DSQL's 10 MiB.
        orm::Session s(engine);
        for (int i = 0; i < 11; ++i) s.add(dsql_limits::Note{.body = std::string(1024 * 1024, 'x')});
        try {
            s.commit();
            ADD_FAILURE() << "the flush went through";
        } catch (const TransactionLimitError& e) {
            EXPECT_NE(std::string(e.what()).find("10485760"), std::string::npos) << e.what();
        }
        s.rollback();
    }
    EXPECT_TRUE(sent.empty()) << sent.size() << " INSERTs were sent";
    EXPECT_EQ(count(), 0);
    {
        // Within the limits, over several commits, it all goes in.
        orm::Session s(engine);
        for (int part = 0; part < 2; ++part) {
            for (int i = 0; i < 2000; ++i) s.add(dsql_limits::Note{.body = "n"});
            s.commit();
        }
    }
    EXPECT_EQ(count(), 4000);
    EXPECT_TRUE(dsql::StrictChecker::take_violations().empty());
    md.drop_all(engine);
}

TEST(DsqlLive, InsertInChunksStaysUnderTheByteLimit) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    auto engine = create_engine(env("RETORT_TEST_DSQL_URL"));
    MetaData md;
    auto& t = md.table("dsql_blobs", {{"id", types::BigInteger(), {.primary_key = true}}, {"body", types::Text()}});
    md.drop_all(engine);
    md.create_all(engine);
    // 12 rows of 1 MiB: two transactions (10 MiB, then 2 MiB), though far fewer than 3,000 rows.
    std::vector<Params> rows(12, Params{{"body", std::string(1024 * 1024, 'y')}});
    EXPECT_EQ(dsql::insert_in_chunks(engine, insert(t), rows), 12);
    auto conn = engine.connect();
    EXPECT_EQ(conn.exec_driver_sql("SELECT count(*) FROM dsql_blobs").scalar_one<std::int64_t>(), 12);
    // Each committing transaction stamps its rows with its own xmin.
    EXPECT_EQ(conn.exec_driver_sql("SELECT count(DISTINCT xmin::text) FROM dsql_blobs").scalar_one<std::int64_t>(), 2);
    conn.close();
    // A single row over the limit: an error before anything is sent.
    std::vector<Params> huge{Params{{"body", std::string(11 * 1024 * 1024, 'z')}}};
    EXPECT_THROW(dsql::insert_in_chunks(engine, insert(t), huge), TransactionLimitError);
    EXPECT_EQ(engine.connect().exec_driver_sql("SELECT count(*) FROM dsql_blobs").scalar_one<std::int64_t>(), 12);
    EXPECT_TRUE(dsql::StrictChecker::take_violations().empty());
    md.drop_all(engine);
}

// DSQL's transient "XX000 server unavailable", raised for real by the PostgreSQL server (a function, and a
// deferred constraint trigger for COMMIT), on a plain PostgreSQL engine: run_transaction works on any engine.
TEST(DsqlLive, ServerUnavailableIsRetriedExceptAtCommit) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    // The DSQL runs' own database (they take turns on it), as plain PostgreSQL: plpgsql is not DSQL's.
    std::string url = env("RETORT_TEST_DSQL_URL");
    url.replace(0, url.find("://"), "postgresql");
    for (const char* flag : {"&dsql_local=1", "dsql_local=1&", "?dsql_local=1"})
        if (auto at = url.find(flag); at != std::string::npos) url.erase(at, std::string_view(flag).size());
    auto engine = create_engine(url);
    auto setup = [&](const std::string& sql) {
        auto c = engine.connect();
        c.set_isolation_level("AUTOCOMMIT");
        c.exec_driver_sql(sql);
    };
    setup("DROP TABLE IF EXISTS dsql_xx000");
    setup("CREATE TABLE dsql_xx000 (id int PRIMARY KEY, fail_commit boolean NOT NULL DEFAULT false)");
    setup("CREATE OR REPLACE FUNCTION dsql_xx000_raise(msg text) RETURNS int LANGUAGE plpgsql AS "
          "$$ BEGIN RAISE EXCEPTION '%', msg USING ERRCODE = 'XX000'; END $$");
    setup("CREATE OR REPLACE FUNCTION dsql_xx000_at_commit() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN IF NEW.fail_commit THEN RAISE EXCEPTION 'server unavailable' USING ERRCODE = 'XX000'; END IF; "
          "RETURN NULL; END $$");
    setup("CREATE CONSTRAINT TRIGGER dsql_xx000_commit AFTER INSERT ON dsql_xx000 DEFERRABLE INITIALLY DEFERRED "
          "FOR EACH ROW EXECUTE FUNCTION dsql_xx000_at_commit()");
    int attempts = 0, retries = 0;
    const dsql::RetryPolicy policy{.initial_backoff = std::chrono::milliseconds(1),
                                   .on_retry = [&](int, const DBAPIError& e) {
                                       EXPECT_EQ(e.sqlstate(), "XX000");
                                       EXPECT_TRUE(dsql::is_unavailable(e));
                                       EXPECT_FALSE(dsql::is_conflict(e));
                                       ++retries;
                                   }};
    // A statement failing with "server unavailable": the whole transaction runs again.
    dsql::run_transaction(engine, [&](Connection& c) {
        ++attempts;
        c.exec_driver_sql("INSERT INTO dsql_xx000 (id) VALUES (1)");
        if (attempts == 1) c.exec_driver_sql("SELECT dsql_xx000_raise('server unavailable')");
    }, policy);
    EXPECT_EQ(attempts, 2);
    EXPECT_EQ(retries, 1);
    // Not when the policy says so, and never another XX000 (an internal error).
    attempts = 0;
    auto no_unavailable = policy;
    no_unavailable.retry_unavailable = false;
    EXPECT_THROW(dsql::run_transaction(engine, [&](Connection& c) {
        ++attempts;
        c.exec_driver_sql("SELECT dsql_xx000_raise('server unavailable')");
    }, no_unavailable), DBAPIError);
    EXPECT_EQ(attempts, 1);
    attempts = 0;
    EXPECT_THROW(dsql::run_transaction(engine, [&](Connection& c) {
        ++attempts;
        c.exec_driver_sql("SELECT dsql_xx000_raise('internal error: unexpected state')");
    }, policy), DBAPIError);
    EXPECT_EQ(attempts, 1);
    // "Server unavailable" as the answer to COMMIT: the outcome is unknown, so it is not run again.
    attempts = 0;
    EXPECT_THROW(dsql::run_transaction(engine, [&](Connection& c) {
        ++attempts;
        c.exec_driver_sql("INSERT INTO dsql_xx000 (id, fail_commit) VALUES (2, true)");
    }, policy), dsql::CommitOutcomeUnknown);
    EXPECT_EQ(attempts, 1);
    EXPECT_EQ(retries, 1);
    auto conn = engine.connect();
    EXPECT_EQ(conn.exec_driver_sql("SELECT count(*) FROM dsql_xx000").scalar_one<std::int64_t>(), 1);
    conn.close();
    setup("DROP TABLE dsql_xx000");
    setup("DROP FUNCTION dsql_xx000_at_commit()");
    setup("DROP FUNCTION dsql_xx000_raise(text)");
}

// Reflection through the catalog queries the DSQL dialect runs (pg_class, pg_attribute, pg_attrdef,
// pg_constraint, pg_index, pg_sequence): identity options come back, and a reflected table creates again.
TEST(DsqlLive, ReflectionReadsIdentityOptions) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    auto engine = create_engine(env("RETORT_TEST_DSQL_URL"));
    MetaData md;
    md.table("dsql_reflect_owner", {{"id", types::Integer(), {.primary_key = true, .identity = Identity{.start = 100, .increment = 5, .cache = 1}}},
                                    {"name", types::String(40), {.nullable = false}}});
    md.table("dsql_reflect_pet", {{"id", types::BigInteger(), {.primary_key = true}},
                                  {"owner_id", types::Integer(), {.foreign_key = "dsql_reflect_owner.id"}}});
    md.drop_all(engine);
    md.create_all(engine);
    MetaData back;
    back.reflect(engine, {"dsql_reflect_owner", "dsql_reflect_pet"});
    const Table& owner = back.get_table("dsql_reflect_owner");
    ASSERT_TRUE(owner.c("id").options().identity);
    const Identity& id = *owner.c("id").options().identity;
    EXPECT_FALSE(id.always);
    EXPECT_EQ(id.start, std::optional<std::int64_t>(100));
    EXPECT_EQ(id.increment, std::optional<std::int64_t>(5));
    EXPECT_EQ(id.cache, std::optional<std::int64_t>(1));
    EXPECT_FALSE(owner.c("name").nullable());
    const Table& pet = back.get_table("dsql_reflect_pet");
    ASSERT_TRUE(pet.c("id").options().identity);
    EXPECT_EQ(pet.c("id").options().identity->cache, std::optional<std::int64_t>(65536));
    ASSERT_EQ(pet.foreign_keys().size(), 1u);
    EXPECT_EQ(pet.foreign_keys()[0].referred_table, "dsql_reflect_owner");
    // What was read back creates the same tables again, through the checker.
    md.drop_all(engine);
    back.create_all(engine);
    auto conn = engine.connect();
    EXPECT_EQ(conn.exec_driver_sql("INSERT INTO dsql_reflect_owner (name) VALUES ('a') RETURNING id").scalar_one<std::int64_t>(), 100);
    conn.commit();
    conn.close();
    back.drop_all(engine);
    EXPECT_TRUE(dsql::StrictChecker::take_violations().empty());
}

// The model the DSQL work is measured by: an Integer key, a sequence, JSONB, a foreign key and an expression
// index, created through the strict checker and used.
TEST(DsqlLive, CreateAllOfKeysSequencesJsonForeignKeysAndExpressionIndexes) {
    NEED_ENV("RETORT_TEST_DSQL_URL");
    auto engine = create_engine(env("RETORT_TEST_DSQL_URL"));
    MetaData md;
    md.sequence("dsql_invoice_numbers", {.start = 1000});
    md.table("dsql_customer", {{"id", types::Integer(), {.primary_key = true}},
                               {"email", types::String(80), {.nullable = false}},
                               {"prefs", types::Jsonb(), {}}},
             {Index{.name = "ix_dsql_customer_email_lower", .unique = true, .expressions = {"lower(email)"}}});
    md.table("dsql_invoice", {{"id", types::Integer(), {.primary_key = true}},
                              {"number", types::Integer(), {.nullable = false, .sequence = "dsql_invoice_numbers"}},
                              {"customer_id", types::Integer(), {.foreign_key = "dsql_customer.id"}}});
    std::vector<std::string> ddl;
    engine.on_before_execute([&](const ExecuteEvent& e) {
        std::string s(e.statement);
        if (s.rfind("CREATE", 0) == 0) ddl.push_back(s);
    });
    md.drop_all(engine);
    md.create_all(engine);
    ASSERT_FALSE(ddl.empty());
    EXPECT_EQ(ddl[0], "CREATE SEQUENCE dsql_invoice_numbers START WITH 1000 CACHE 65536");
    const std::string all = [&] { std::string a; for (auto& s : ddl) a += s + "\n"; return a; }();
    EXPECT_NE(all.find("id BIGINT GENERATED BY DEFAULT AS IDENTITY (CACHE 65536)"), std::string::npos) << all;
    EXPECT_NE(all.find("number BIGINT DEFAULT nextval('dsql_invoice_numbers') NOT NULL"), std::string::npos) << all;
    EXPECT_NE(all.find("prefs JSON"), std::string::npos) << all;
    EXPECT_NE(all.find("REFERENCES dsql_customer (id)"), std::string::npos) << all;
    EXPECT_NE(all.find("CREATE UNIQUE INDEX ASYNC ix_dsql_customer_email_lower ON dsql_customer ((lower(email)))"), std::string::npos) << all;
    auto conn = engine.connect();
    auto cid = conn.exec_driver_sql("INSERT INTO dsql_customer (email, prefs) VALUES ('A@x.org', '{\"x\": 1}') RETURNING id")
                   .scalar_one<std::int64_t>();
    conn.commit();
    EXPECT_THROW(conn.exec_driver_sql("INSERT INTO dsql_customer (email) VALUES ('a@X.org')"), IntegrityError);  // lower() unique
    conn.rollback();
    auto number = conn.exec_driver_sql("INSERT INTO dsql_invoice (customer_id) VALUES ($1) RETURNING number", {Value(cid)})
                      .scalar_one<std::int64_t>();
    conn.commit();
    EXPECT_EQ(number, 1000);
    EXPECT_THROW(conn.exec_driver_sql("INSERT INTO dsql_invoice (customer_id) VALUES (424242)"), IntegrityError);  // FK
    conn.rollback();
    conn.close();
    md.drop_all(engine);
    auto check = engine.connect();
    EXPECT_FALSE(engine.dialect().has_sequence(check, "dsql_invoice_numbers", std::nullopt));
    check.close();
    EXPECT_TRUE(dsql::StrictChecker::take_violations().empty());
}
