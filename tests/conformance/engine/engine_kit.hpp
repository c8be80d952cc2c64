// Helpers of the engine conformance ports: losing a connection for real (SQLAlchemy's tests shut a mock driver
// down; here the server ends the session), a users table, and counting rows.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <thread>

#include "conformance/kit.hpp"

namespace retort::testkit {

// The connection under `c` goes away as if the database had dropped it: on PostgreSQL the server terminates the
// session (pg_terminate_backend from another connection); SQLite, which has no server, closes the driver
// connection under Retort. Retort finds out at the next statement, as it would in production.
inline void kill_connection(Connection& c) {
    auto& d = c.dbapi_connection();
    if (!is_postgresql()) {
        d.close();
        return;
    }
    const int pid = PQbackendPID(static_cast<PGconn*>(d.native_handle()));
    Engine admin = create_engine(test_url(), [] {
        EngineOptions o;
        o.poolclass = PoolClass::Null;
        return o;
    }());
    auto a = admin.connect();
    a.set_isolation_level("AUTOCOMMIT");
    (void)a.exec_driver_sql("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
    for (int i = 0; i < 200; ++i) {
        auto n = a.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid))
                     .scalar_one<std::int64_t>();
        if (n == 0) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// The server's session id of a Connection (PostgreSQL), or the driver connection's address (SQLite): tells
// whether two checkouts got the same driver connection.
inline std::uintptr_t connection_id(Connection& c) {
    auto& d = c.dbapi_connection();
    if (is_postgresql()) return static_cast<std::uintptr_t>(PQbackendPID(static_cast<PGconn*>(d.native_handle())));
    return reinterpret_cast<std::uintptr_t>(d.native_handle());
}

// SQLAlchemy's TransactionTest users table: user_id INT primary key, user_name VARCHAR(20).
struct TxUsers : TableDef {
    using TableDef::TableDef;
    Col<std::int32_t> user_id = col<std::int32_t>("user_id", {.primary_key = true, .autoincrement = false});
    Col<std::optional<std::string>> user_name = col<std::optional<std::string>>("user_name", {.type = types::String(20)});
};

class EngineConformance : public Conformance {
protected:
    TxUsers users{md, "query_users"};

    void SetUp() override {
        Conformance::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
    }
    Insert insert_user(int id, const std::string& name) const {
        return insert(users).values({{"user_id", id}, {"user_name", name}});
    }
    // Rows of the users table as a fresh connection sees them (what is committed).
    std::int64_t committed_users() { return count_rows("query_users"); }
    // Rows as `c` sees them.
    std::int64_t users_seen_by(Connection& c) {
        return c.execute(select(func::count()).select_from(users)).scalar_one<std::int64_t>();
    }
};

}  // namespace retort::testkit
