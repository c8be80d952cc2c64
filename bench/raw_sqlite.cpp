// The SQLite C API done well: statements prepared once and reset between rows, text bound without copies,
// writes in one transaction (except W2, whose point is a transaction per row).
#include <sqlite3.h>

#include "common.hpp"

using namespace bench;

namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

class Db {
public:
    // One thread uses the connection: no per-call mutex (SQLITE_OPEN_NOMUTEX), as Retort opens its connections.
    explicit Db(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
            fail(db_, "open " + path);
    }
    ~Db() { sqlite3_close_v2(db_); }
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    void exec(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, sql);
    }
    sqlite3* get() const { return db_; }

private:
    sqlite3* db_ = nullptr;
};

class Stmt {
public:
    Stmt(Db& db, const char* sql) : db_(db.get()) {
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK) fail(db_, sql);
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    // The text must stay alive until the statement is reset.
    void bind(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    }
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
    // True while there is a row.
    bool step() {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) fail(db_, sqlite3_sql(s_));
        return false;
    }
    void run() {
        step();
        sqlite3_reset(s_);
    }
    void reset() { sqlite3_reset(s_); }
    bool null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
    std::int64_t int64(int i) const { return sqlite3_column_int64(s_, i); }
    std::string text(int i) const {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
        return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i)));
    }

private:
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
};

Customer read_customer(const Stmt& s) { return Customer{s.int64(0), s.text(1), s.text(2)}; }

Outcome bulk_insert(const Args& a, Timer& t) {
    Db db(a.target);
    t.start();
    db.exec("BEGIN");
    Stmt ins(db, "INSERT INTO customer (name, description) VALUES (?, ?)");
    for (long i = 1; i <= a.rows; ++i) {
        const std::string name = customer_name(i), desc = customer_description(i);
        ins.bind(1, name);
        ins.bind(2, desc);
        ins.run();
    }
    db.exec("COMMIT");
    t.stop();
    return {a.rows, std::nullopt};
}

// Variant "multivalues": INSERTs of 1,000 rows each (2,000 bound values, well under SQLite's 32,766), the
// last one shorter; fewer statements to step than the single-row loop.
Outcome bulk_insert_multivalues(const Args& a, Timer& t) {
    constexpr long kBatch = 1000;
    Db db(a.target);
    auto sql_for = [](long n) {
        std::string sql = "INSERT INTO customer (name, description) VALUES ";
        for (long r = 0; r < n; ++r) sql += r ? ", (?, ?)" : "(?, ?)";
        return sql;
    };
    std::vector<std::string> names(kBatch), descs(kBatch);
    t.start();
    db.exec("BEGIN");
    Stmt full(db, sql_for(std::min(kBatch, a.rows)).c_str());
    for (long start = 1; start <= a.rows; start += kBatch) {
        const long n = std::min(kBatch, a.rows - start + 1);
        std::optional<Stmt> tail;
        if (n < kBatch && n != std::min(kBatch, a.rows)) tail.emplace(db, sql_for(n).c_str());
        Stmt& ins = tail ? *tail : full;
        for (long r = 0; r < n; ++r) {
            names[r] = customer_name(start + r);
            descs[r] = customer_description(start + r);
            ins.bind(static_cast<int>(2 * r + 1), names[r]);
            ins.bind(static_cast<int>(2 * r + 2), descs[r]);
        }
        ins.run();
    }
    db.exec("COMMIT");
    t.stop();
    return {a.rows, std::nullopt};
}

Outcome single_inserts(const Args& a, Timer& t) {
    Db db(a.target);
    t.start();
    Stmt ins(db, "INSERT INTO customer (name, description) VALUES (?, ?)");
    for (long i = 1; i <= a.rows; ++i) {
        // Outside BEGIN, each INSERT is a transaction of its own.
        const std::string name = customer_name(i), desc = customer_description(i);
        ins.bind(1, name);
        ins.bind(2, desc);
        ins.run();
    }
    t.stop();
    return {a.rows, std::nullopt};
}

Outcome short_selects(const Args& a, Timer& t) {
    Db db(a.target);
    IdSequence ids(a.table_rows);
    std::int64_t sum = 0;
    // Variant "tx-each": every lookup in a transaction of its own, as a fresh ORM session makes one; the
    // default runs them all in one transaction.
    const bool each = a.variant == "tx-each";
    t.start();
    if (!each) db.exec("BEGIN");
    Stmt sel(db, "SELECT id, name, description FROM customer WHERE id = ?");
    for (long n = 0; n < a.rows; ++n) {
        const long id = ids.next();
        if (each) db.exec("BEGIN");
        sel.bind(1, static_cast<std::int64_t>(id));
        if (!sel.step()) throw std::runtime_error("no customer " + std::to_string(id));
        const Customer c = read_customer(sel);
        sel.reset();
        if (each) db.exec("COMMIT");
        sum += checksum(c);
    }
    if (!each) db.exec("COMMIT");
    t.stop();
    return {a.rows, sum};
}

Outcome large_result(const Args& a, Timer& t) {
    Db db(a.target);
    std::vector<Customer> rows;
    t.start();
    Stmt sel(db, "SELECT id, name, description FROM customer");
    while (sel.step()) rows.push_back(read_customer(sel));
    t.stop();
    std::int64_t sum = 0;
    for (const auto& c : rows) sum += checksum(c);
    return {static_cast<long>(rows.size()), sum};
}

Outcome owners_eager(const Args& a, Timer& t) {
    Db db(a.target);
    std::vector<Owner> owners;
    t.start();
    // One join, ordered by owner so that each owner's pets arrive together.
    Stmt sel(db,
             "SELECT owner.id, owner.name, pet.id, pet.name FROM owner LEFT OUTER JOIN pet ON pet.owner_id = owner.id "
             "ORDER BY owner.id");
    while (sel.step()) {
        const std::int64_t oid = sel.int64(0);
        if (owners.empty() || owners.back().id != oid) owners.push_back(Owner{oid, sel.text(1), {}});
        if (!sel.null(2)) owners.back().pets.push_back(Pet{sel.int64(2), sel.text(3)});
    }
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

Outcome owners_lazy(const Args& a, Timer& t) {
    Db db(a.target);
    std::vector<Owner> owners;
    t.start();
    db.exec("BEGIN");
    Stmt sel_owners(db, "SELECT id, name FROM owner ORDER BY id LIMIT ?");
    sel_owners.bind(1, static_cast<std::int64_t>(a.rows));
    while (sel_owners.step()) owners.push_back(Owner{sel_owners.int64(0), sel_owners.text(1), {}});
    // N+1: one query per owner, as lazy loading does.
    Stmt sel_pets(db, "SELECT id, name FROM pet WHERE owner_id = ?");
    for (auto& o : owners) {
        sel_pets.bind(1, o.id);
        while (sel_pets.step()) o.pets.push_back(Pet{sel_pets.int64(0), sel_pets.text(1)});
        sel_pets.reset();
    }
    db.exec("COMMIT");
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

Outcome bulk_update(const Args& a, Timer& t) {
    Db db(a.target);
    std::vector<Customer> rows;
    t.start();
    db.exec("BEGIN");
    Stmt sel(db, "SELECT id, name, description FROM customer");
    while (sel.step()) rows.push_back(read_customer(sel));
    sel.reset();
    for (auto& c : rows) c.description = updated_description(c.description);
    Stmt upd(db, "UPDATE customer SET description = ? WHERE id = ?");
    for (const auto& c : rows) {
        upd.bind(1, c.description);
        upd.bind(2, c.id);
        upd.run();
    }
    db.exec("COMMIT");
    t.stop();
    return {static_cast<long>(rows.size()), std::nullopt};
}

}  // namespace

int main(int argc, char** argv) {
    return run(argc, argv, [](const Args& a) -> Workload {
        if (a.db != "sqlite") return nullptr;
        if (a.variant == "nomemstatus") {
            // SQLite's memory statistics off (SQLITE_CONFIG_MEMSTATUS, before SQLite initializes), as Retort sets
            // it: the programs of the default variant with that setting.
            if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) return nullptr;
            return pick(a, {bulk_insert, nullptr, short_selects, large_result, owners_eager, owners_lazy, bulk_update});
        }
        if (a.variant == "tx-each") return a.workload == "W3" ? short_selects : nullptr;
        if (a.variant == "multivalues") return a.workload == "W1" ? bulk_insert_multivalues : nullptr;
        if (!a.variant.empty()) return nullptr;
        return pick(a, {bulk_insert, single_inserts, short_selects, large_result, owners_eager, owners_lazy,
                        bulk_update});
    });
}
