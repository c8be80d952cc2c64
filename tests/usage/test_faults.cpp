// Fault injection on PostgreSQL: several threads commit rows through one pool while every backend is
// terminated twice and the server is restarted. No committed row may be lost, none duplicated, every
// error must be one of Retort's, a COMMIT whose outcome is unknown must say so (and is not retried), and
// the pool must recover. Restarting the server breaks whatever runs beside it: ctest runs this alone
// (usage_postgresql_restart takes the tests named *ServerRestart*).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "usage/fixture.hpp"

using namespace retort;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// What one attempt to commit a row came to.
enum class Outcome { Committed, NotCommitted, Unknown };

void terminate_backends(const Engine& control) {
    auto c = control.connect();
    c.exec_driver_sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
    c.commit();
}

TEST(Faults, NoCommitLostOrDuplicatedAcrossKilledBackendsAndServerRestart) {
    if (!testkit::is_postgresql() || testkit::is_dsql()) GTEST_SKIP() << "needs a PostgreSQL server to disrupt";
    const char* restart = std::getenv("RETORT_TEST_PG_RESTART");
    if (!restart) GTEST_SKIP() << "RETORT_TEST_PG_RESTART (a command that restarts the test server) is not set";

    EngineOptions o;
    o.pool_size = 8;
    o.max_overflow = 0;
    o.pool_pre_ping = true;
    o.pool_timeout = std::chrono::seconds(30);
    auto engine = create_engine(testkit::test_url(), o);
    {
        auto c = engine.connect();
        c.exec_driver_sql("DROP TABLE IF EXISTS fault_rows");
        // No unique key on `tag`: a commit that happened twice would show as two rows.
        c.exec_driver_sql("CREATE TABLE fault_rows (id bigserial PRIMARY KEY, tag text NOT NULL, payload text)");
        c.commit();
    }

    constexpr int kThreads = 8;
    std::atomic<bool> stop{false};
    std::atomic<int> untyped{0};
    std::mutex mu;
    std::map<std::string, Outcome> outcomes;  // tag -> what its final attempt came to
    std::map<std::string, int> error_kinds;
    std::vector<Clock::time_point> successes;

    auto worker = [&](int t) {
        for (int seq = 0; !stop.load(); ++seq) {
            const std::string tag = "t" + std::to_string(t) + "-" + std::to_string(seq);
            Outcome outcome = Outcome::NotCommitted;
            // A row whose transaction failed before COMMIT was not committed: it is tried again, under the
            // same tag, until it commits or its COMMIT's outcome is unknown.
            for (int attempt = 0; attempt < 200 && !stop.load(); ++attempt) {
                try {
                    dsql::run_transaction(engine, [&](Connection& c) {
                        c.exec_driver_sql("INSERT INTO fault_rows (tag, payload) VALUES ($1, $2)",
                                          {Value(tag), Value(std::string(100, 'x'))});
                    });
                    outcome = Outcome::Committed;
                    std::lock_guard lock(mu);
                    successes.push_back(Clock::now());
                    break;
                } catch (const dsql::CommitOutcomeUnknown&) {
                    outcome = Outcome::Unknown;
                    std::lock_guard lock(mu);
                    ++error_kinds["CommitOutcomeUnknown"];
                    break;
                } catch (const DBAPIError& e) {
                    std::lock_guard lock(mu);
                    ++error_kinds[e.connection_invalidated() ? "DBAPIError (connection lost)" : "DBAPIError"];
                } catch (const TimeoutError&) {
                    std::lock_guard lock(mu);
                    ++error_kinds["TimeoutError"];
                } catch (const Error&) {
                    std::lock_guard lock(mu);
                    ++error_kinds["retort::Error"];
                } catch (const std::exception& e) {
                    ++untyped;
                    ADD_FAILURE() << "an error outside retort::Error: " << e.what();
                } catch (...) {
                    ++untyped;
                    ADD_FAILURE() << "a thrown value that is no exception";
                }
                std::this_thread::sleep_for(5ms);
            }
            std::lock_guard lock(mu);
            outcomes[tag] = outcome;
        }
    };

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);

    {
        EngineOptions co;
        co.pool_size = 1;
        auto control = create_engine(testkit::test_url(), co);
        std::this_thread::sleep_for(400ms);
        terminate_backends(control);
        std::this_thread::sleep_for(400ms);
        terminate_backends(control);
        std::this_thread::sleep_for(400ms);
        control.dispose();
    }
    ASSERT_EQ(std::system(restart), 0) << "restarting the server failed";
    const auto restarted = Clock::now();
    std::this_thread::sleep_for(1500ms);
    stop = true;
    for (auto& th : threads) th.join();

    // What the server holds.
    auto c = engine.connect();
    std::map<std::string, std::int64_t> stored;
    for (RowView row : c.exec_driver_sql("SELECT tag, count(*) FROM fault_rows GROUP BY tag"))
        stored[row.get<std::string>(0)] = row.get<std::int64_t>(1);
    c.rollback();

    int committed = 0, unknown = 0, lost = 0, duplicated = 0, phantom = 0;
    for (const auto& [tag, n] : stored)
        if (n > 1) ++duplicated;
    for (const auto& [tag, outcome] : outcomes) {
        const auto it = stored.find(tag);
        const std::int64_t n = it == stored.end() ? 0 : it->second;
        if (outcome == Outcome::Committed) {
            ++committed;
            if (n == 0) ++lost;
        } else if (outcome == Outcome::NotCommitted) {
            if (n != 0) ++phantom;  // reported as failed, yet stored
        } else {
            ++unknown;
        }
    }
    for (const auto& [tag, n] : stored)
        if (!outcomes.count(tag)) ++phantom;

    std::string kinds;
    for (const auto& [k, n] : error_kinds) kinds += " " + k + ": " + std::to_string(n) + ";";
    std::printf("[ faults: %d rows committed, %d with an unknown COMMIT outcome, errors:%s ]\n", committed, unknown,
                kinds.c_str());
    EXPECT_EQ(lost, 0) << "committed rows missing";
    EXPECT_EQ(duplicated, 0) << "rows stored twice";
    EXPECT_EQ(phantom, 0) << "rows stored that were reported as not committed";
    EXPECT_EQ(untyped.load(), 0);
    EXPECT_GT(committed, kThreads * 10);
    EXPECT_FALSE(error_kinds.empty()) << "the faults did not reach the workers";
    // The pool recovered: rows committed after the restart, the first within a few seconds.
    Clock::time_point first_after{};
    for (auto tp : successes)
        if (tp > restarted && (first_after == Clock::time_point{} || tp < first_after)) first_after = tp;
    ASSERT_NE(first_after, Clock::time_point{}) << "nothing committed after the restart";
    EXPECT_LT(first_after - restarted, 5s);
    std::printf("[ first commit %lld ms after the restart ]\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(first_after - restarted).count()));

    c.exec_driver_sql("DROP TABLE fault_rows");
    c.commit();
}

}  // namespace
