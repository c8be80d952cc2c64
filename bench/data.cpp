// The runner's helper for the database side of each run, outside any timing:
//   bench_data setup  --workload W --db D --target T --rows N --table-rows M
//       makes the tables from scratch and fills them, so that every run starts from the same state;
//   bench_data verify (same options)
//       checks what a write workload left behind (W1, W2: exactly rows 1..N; W6: every row updated).
// It talks to the databases through their C libraries, independently of the implementations it checks.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <memory>
#include <thread>

#include "common.hpp"
#ifndef BENCH_NO_MARIADB
#include "mariadb.hpp"
#endif

using namespace bench;

namespace {

// The few operations setup and verify need, for each database.
class Db {
public:
    virtual ~Db() = default;
    virtual void exec(const std::string& sql) = 0;
    // The first row of a query whose columns are all integers.
    virtual std::vector<std::int64_t> ints(const std::string& sql) = 0;
    // Fills a table from rows of text fields (integers written in decimal).
    virtual void load(const std::string& table, const std::vector<std::string>& columns, long n,
                      const std::function<std::vector<std::string>(long)>& row) = 0;
    // Settles the database after loading (statistics, checkpoint) so that the timed run does not pay for it.
    virtual void settle() {}
    virtual std::string serial_pk() const = 0;
};

class SqliteDb final : public Db {
public:
    explicit SqliteDb(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) fail("open " + path);
    }
    ~SqliteDb() override { sqlite3_close_v2(db_); }
    void exec(const std::string& sql) override {
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
    }
    std::vector<std::int64_t> ints(const std::string& sql) override {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) fail(sql);
        std::vector<std::int64_t> out;
        if (sqlite3_step(s) == SQLITE_ROW)
            for (int i = 0; i < sqlite3_column_count(s); ++i) out.push_back(sqlite3_column_int64(s, i));
        sqlite3_finalize(s);
        return out;
    }
    void load(const std::string& table, const std::vector<std::string>& columns, long n,
              const std::function<std::vector<std::string>(long)>& row) override {
        std::string sql = "INSERT INTO " + table + " (", marks;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            sql += (i ? ", " : "") + columns[i];
            marks += i ? ", ?" : "?";
        }
        sql += ") VALUES (" + marks + ")";
        exec("BEGIN");
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) fail(sql);
        for (long i = 1; i <= n; ++i) {
            const auto fields = row(i);
            // Integers go in as integers, so that the column affinity is the same as an application's.
            for (std::size_t j = 0; j < fields.size(); ++j) {
                std::int64_t v = 0;
                const auto& f = fields[j];
                auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
                if (ec == std::errc() && p == f.data() + f.size())
                    sqlite3_bind_int64(s, static_cast<int>(j) + 1, v);
                else
                    sqlite3_bind_text(s, static_cast<int>(j) + 1, f.data(), static_cast<int>(f.size()), SQLITE_TRANSIENT);
            }
            if (sqlite3_step(s) != SQLITE_DONE) fail(sql);
            sqlite3_reset(s);
        }
        sqlite3_finalize(s);
        exec("COMMIT");
    }
    std::string serial_pk() const override { return "INTEGER PRIMARY KEY"; }

private:
    [[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + sqlite3_errmsg(db_)); }
    sqlite3* db_ = nullptr;
};

class PgDb final : public Db {
public:
    explicit PgDb(const std::string& uri) : c_(PQconnectdb(uri.c_str())) {
        if (PQstatus(c_) != CONNECTION_OK) fail("connect");
        exec("SET client_min_messages = warning");
    }
    ~PgDb() override { PQfinish(c_); }
    void exec(const std::string& sql) override { check(PQexec(c_, sql.c_str()), PGRES_COMMAND_OK, sql); }
    std::vector<std::int64_t> ints(const std::string& sql) override {
        PGresult* r = check(PQexec(c_, sql.c_str()), PGRES_TUPLES_OK, sql);
        std::vector<std::int64_t> out;
        if (PQntuples(r) > 0)
            for (int i = 0; i < PQnfields(r); ++i) out.push_back(PQgetisnull(r, 0, i) ? 0 : std::atoll(PQgetvalue(r, 0, i)));
        PQclear(r);
        return out;
    }
    void load(const std::string& table, const std::vector<std::string>& columns, long n,
              const std::function<std::vector<std::string>(long)>& row) override {
        std::string sql = "COPY " + table + " (";
        for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + columns[i];
        sql += ") FROM STDIN";
        PQclear(check(PQexec(c_, sql.c_str()), PGRES_COPY_IN, sql));
        std::string buf;
        for (long i = 1; i <= n; ++i) {
            const auto fields = row(i);
            for (std::size_t j = 0; j < fields.size(); ++j) buf += fields[j] + (j + 1 < fields.size() ? '\t' : '\n');
            if (buf.size() > 65536 || i == n) {
                if (PQputCopyData(c_, buf.data(), static_cast<int>(buf.size())) != 1) fail("copy");
                buf.clear();
            }
        }
        if (PQputCopyEnd(c_, nullptr) != 1) fail("copy end");
        PQclear(check(PQgetResult(c_), PGRES_COMMAND_OK, sql));
        while (PGresult* r = PQgetResult(c_)) PQclear(r);
        // Ids were given explicitly: move the sequence past them, as if the rows had been inserted normally.
        if (n > 0)
            PQclear(check(PQexec(c_, ("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), " + std::to_string(n) + ")").c_str()),
                          PGRES_TUPLES_OK, "setval"));
    }
    void settle() override {
        // Hint bits, visibility map and statistics set now, and dirty pages written, so that no run pays
        // for the previous one's writes.
        exec("VACUUM ANALYZE");
        exec("CHECKPOINT");
    }
    std::string serial_pk() const override { return "SERIAL PRIMARY KEY"; }

private:
    [[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + PQerrorMessage(c_)); }
    PGresult* check(PGresult* r, ExecStatusType want, const std::string& what) {
        if (!r || PQresultStatus(r) != want) {
            std::string msg = what + ": " + (r ? PQresultErrorMessage(r) : PQerrorMessage(c_));
            PQclear(r);
            throw std::runtime_error(msg);
        }
        return r;
    }
    PGconn* c_;
};

#ifndef BENCH_NO_MARIADB
class MariaDb final : public Db {
public:
    explicit MariaDb(const std::string& url) : c_(url) {
        // || concatenates, as on the other databases, so that verify's SQL is the same for all.
        c_.exec("SET SESSION sql_mode = CONCAT(@@sql_mode, ',PIPES_AS_CONCAT')");
    }
    void exec(const std::string& sql) override { c_.exec(sql); }
    std::vector<std::int64_t> ints(const std::string& sql) override {
        if (mysql_real_query(c_.get(), sql.data(), static_cast<unsigned long>(sql.size())) != 0) c_.fail(sql);
        MYSQL_RES* r = mysql_store_result(c_.get());
        if (!r) c_.fail(sql);
        std::vector<std::int64_t> out;
        if (MYSQL_ROW row = mysql_fetch_row(r))
            for (unsigned i = 0; i < mysql_num_fields(r); ++i) out.push_back(row[i] ? std::atoll(row[i]) : 0);
        mysql_free_result(r);
        return out;
    }
    void load(const std::string& table, const std::vector<std::string>& columns, long n,
              const std::function<std::vector<std::string>(long)>& row) override {
        std::string sql = "LOAD DATA LOCAL INFILE 'rows' INTO TABLE " + table + " (";
        for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + columns[i];
        sql += ")";
        long i = 1;
        c_.exec("BEGIN");
        const auto loaded = c_.load_local(sql, [&](std::string& buf) {
            for (; i <= n && buf.size() < 65536; ++i) {
                const auto fields = row(i);
                for (std::size_t j = 0; j < fields.size(); ++j)
                    maria::put_field(buf, fields[j], j + 1 < fields.size() ? '\t' : '\n');
            }
            return i <= n;
        });
        c_.exec("COMMIT");
        if (loaded != static_cast<std::uint64_t>(n))
            throw std::runtime_error("LOAD DATA into " + table + " loaded " + std::to_string(loaded) + " rows, expected " +
                                     std::to_string(n));
    }
    void settle() override {
        for (const char* t : {"customer", "owner", "pet"}) {
            if (ints(std::string("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                                 "AND TABLE_NAME = '") + t + "'")[0] > 0)
                ints(std::string("ANALYZE TABLE ") + t);
        }
        // InnoDB's checkpoint: the page cleaner writes every dirty page now (as PostgreSQL's CHECKPOINT does), so
        // that no run pays for the previous one's writes or the load's; then the server's setting comes back.
        const auto pct = ints("SELECT @@GLOBAL.innodb_max_dirty_pages_pct * 1000")[0];
        exec("SET GLOBAL innodb_max_dirty_pages_pct = 0");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (ints("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                    "WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")[0] > 0 &&
               std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        exec("SET GLOBAL innodb_max_dirty_pages_pct = " + std::to_string(pct / 1000.0));
    }
    std::string serial_pk() const override { return "INTEGER AUTO_INCREMENT PRIMARY KEY"; }

private:
    maria::Conn c_;
};
#endif

std::unique_ptr<Db> open(const Args& a, bool fresh) {
    if (a.db == "postgresql") return std::make_unique<PgDb>(a.target);
#ifndef BENCH_NO_MARIADB
    if (a.db == "mariadb") return std::make_unique<MariaDb>(a.target);
#endif
    if (fresh) {
        // A new file each run, so that free pages and file size are the same for everyone.
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((a.target + suffix).c_str());
    }
    return std::make_unique<SqliteDb>(a.target);
}

void setup(const Args& a) {
    auto db = open(a, true);
    const std::string pk = db->serial_pk();
    db->exec("DROP TABLE IF EXISTS pet");
    db->exec("DROP TABLE IF EXISTS owner");
    db->exec("DROP TABLE IF EXISTS customer");
    if (a.workload.rfind("W5", 0) == 0) {
        db->exec("CREATE TABLE owner (id " + pk + ", name VARCHAR(255))");
        db->exec("CREATE TABLE pet (id " + pk + ", name VARCHAR(255), owner_id INTEGER REFERENCES owner (id))");
        db->exec("CREATE INDEX ix_pet_owner_id ON pet (owner_id)");
        db->load("owner", {"id", "name"}, a.table_rows, [](long i) {
            return std::vector<std::string>{std::to_string(i), owner_name(i)};
        });
        db->load("pet", {"id", "name", "owner_id"}, a.table_rows * kPetsPerOwner, [](long k) {
            return std::vector<std::string>{std::to_string(k), pet_name(k), std::to_string(pet_owner(k))};
        });
    } else {
        db->exec("CREATE TABLE customer (id " + pk + ", name VARCHAR(255), description VARCHAR(255))");
        db->load("customer", {"id", "name", "description"}, a.table_rows, [](long i) {
            return std::vector<std::string>{std::to_string(i), customer_name(i), customer_description(i)};
        });
    }
    db->settle();
}

void expect(const std::vector<std::int64_t>& got, const std::vector<std::int64_t>& want, const std::string& what) {
    if (got == want) return;
    auto str = [](const std::vector<std::int64_t>& v) {
        std::string s;
        for (auto x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
        return "(" + s + ")";
    };
    throw std::runtime_error(what + ": found " + str(got) + ", expected " + str(want));
}

void verify(const Args& a) {
    auto db = open(a, false);
    if (a.workload == "W1" || a.workload == "W2") {
        // Exactly the customers 1..N, each with its own description.
        const long n = a.rows;
        std::int64_t lengths = 0;
        for (long i = 1; i <= n; ++i) lengths += 35 + 2 * digits(i);
        expect(db->ints("SELECT count(*), count(DISTINCT name), min(CAST(substr(name, 15) AS INTEGER)), "
                        "max(CAST(substr(name, 15) AS INTEGER)), sum(length(name) + length(description)) FROM customer"),
               {n, n, 1, n, lengths}, "customer rows (count, distinct names, first, last, total length)");
        expect(db->ints("SELECT count(*) FROM customer WHERE name <> 'customer name ' || substr(name, 15) "
                        "OR description <> 'customer description ' || substr(name, 15)"),
               {0}, "customers whose name or description is wrong");
    } else if (a.workload == "W6") {
        expect(db->ints("SELECT count(*), count(CASE WHEN description = 'updated customer description ' || id "
                        "AND name = 'customer name ' || id THEN 1 END) FROM customer"),
               {a.table_rows, a.table_rows}, "customers (all, updated as expected)");
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_data setup|verify --workload W --db D --target T --rows N --table-rows M\n";
        return 2;
    }
    const std::string cmd = argv[1];
    try {
        const Args a = parse_args(argc - 1, argv + 1);
        if (cmd == "setup") setup(a);
        else if (cmd == "verify") verify(a);
        else throw std::invalid_argument("unknown command " + cmd);
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_data " << cmd << " " << (argc > 3 ? argv[3] : "") << ": " << e.what() << std::endl;
        return 1;
    }
}
