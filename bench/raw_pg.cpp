// libpq done well, in the variants an expert picks from, each reported as its own implementation:
//   prepared     statements prepared once, one round trip per execution, writes in one transaction
//   multivalues  writes batched: 1,000-row INSERT ... VALUES, 250-row UPDATE ... FROM (VALUES ...)
//   pipeline     pipeline mode: executions sent without waiting for each other's results
//   copy         COPY FROM STDIN (for W6 into a temporary table, then one UPDATE ... FROM)
//   singlerow    W4 read in single-row mode, so the whole result is never held by libpq at once
#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <initializer_list>
#include <memory>

#include "common.hpp"

using namespace bench;

namespace {

struct PQclearer {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Res = std::unique_ptr<PGresult, PQclearer>;

constexpr int kBatchRows = 1000;  // rows per multi-row INSERT, as Retort and SQLAlchemy batch them
// Rows per UPDATE ... FROM (VALUES ...): with much longer lists the planner hash-joins a sequential scan of
// the whole table for every batch instead of looking the rows up by primary key (measured: 250 rows beat
// 500 and 1,000 by 2-4x on 100,000 rows).
constexpr int kUpdateBatchRows = 250;

class Pg {
public:
    explicit Pg(const std::string& uri) : c_(PQconnectdb(uri.c_str())) {
        if (PQstatus(c_) != CONNECTION_OK) fail("connect");
    }
    ~Pg() { PQfinish(c_); }
    Pg(const Pg&) = delete;
    Pg& operator=(const Pg&) = delete;
    PGconn* get() const { return c_; }
    [[noreturn]] void fail(std::string_view what) const {
        throw std::runtime_error(std::string(what) + ": " + PQerrorMessage(c_));
    }
    Res check(PGresult* r, ExecStatusType want, std::string_view what) const {
        Res res(r);
        if (!res || PQresultStatus(res.get()) != want)
            throw std::runtime_error(std::string(what) + ": " +
                                     (res ? PQresultErrorMessage(res.get()) : PQerrorMessage(c_)));
        return res;
    }
    void exec(const char* sql) { check(PQexec(c_, sql), PGRES_COMMAND_OK, sql); }
    void prepare(const char* name, const std::string& sql, int nparams) {
        check(PQprepare(c_, name, sql.c_str(), nparams, nullptr), PGRES_COMMAND_OK, sql);
    }
    // Text parameters (NUL-terminated); want is PGRES_COMMAND_OK or PGRES_TUPLES_OK.
    Res run(const char* name, const char* const* params, int n, ExecStatusType want) {
        return check(PQexecPrepared(c_, name, n, params, nullptr, nullptr, 0), want, name);
    }
    Res run(const char* name, std::initializer_list<const char*> params, ExecStatusType want) {
        return run(name, params.begin(), static_cast<int>(params.size()), want);
    }
    Res run(const char* name, const std::vector<const char*>& params, ExecStatusType want) {
        return run(name, params.data(), static_cast<int>(params.size()), want);
    }

private:
    PGconn* c_;
};

std::int64_t int_at(const PGresult* r, int row, int col) {
    const char* p = PQgetvalue(r, row, col);
    std::int64_t v = 0;
    std::from_chars(p, p + PQgetlength(r, row, col), v);
    return v;
}
std::string text_at(const PGresult* r, int row, int col) {
    return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}
Customer customer_at(const PGresult* r, int row) { return Customer{int_at(r, row, 0), text_at(r, row, 1), text_at(r, row, 2)}; }

// A decimal integer as a NUL-terminated text parameter.
struct IntText {
    explicit IntText(std::int64_t v) { *std::to_chars(buf, buf + sizeof buf - 1, v).ptr = '\0'; }
    char buf[24];
};

// Pipeline mode without deadlock: the connection is non-blocking, and whenever sending would block, or
// results have arrived, they are read, so neither side waits on a full socket buffer.
class Pipeline {
public:
    explicit Pipeline(Pg& pg) : pg_(pg), c_(pg.get()) {
        if (PQsetnonblocking(c_, 1) != 0 || PQenterPipelineMode(c_) != 1) pg_.fail("enter pipeline mode");
    }
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;
    ~Pipeline() {
        if (PQpipelineStatus(c_) != PQ_PIPELINE_OFF) PQexitPipelineMode(c_);
        PQsetnonblocking(c_, 0);
    }
    void prepare(const char* name, const std::string& sql, int nparams) {
        queued(PQsendPrepare(c_, name, sql.c_str(), nparams, nullptr), "send prepare");
    }
    void query(const char* sql) {
        queued(PQsendQueryParams(c_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0), sql);
    }
    void run(const char* name, std::initializer_list<const char*> params) {
        queued(PQsendQueryPrepared(c_, name, static_cast<int>(params.size()), params.begin(), nullptr, nullptr, 0),
               name);
    }
    // Sends a sync, waits for every result and leaves pipeline mode; returns the rows the commands changed.
    std::int64_t finish() {
        if (PQpipelineSync(c_) != 1) pg_.fail("pipeline sync");
        ++pending_;
        pump(true);
        if (PQexitPipelineMode(c_) != 1) pg_.fail("exit pipeline mode");
        return changed_;
    }

private:
    void queued(int sent, std::string_view what) {
        if (sent != 1) pg_.fail(what);
        ++pending_;
        // Sending and reading every few hundred commands rather than after each saves system calls.
        if (++since_pump_ == 256) {
            since_pump_ = 0;
            pump(false);
        }
    }
    // Sends what the socket takes and reads the results that have arrived; with wait, until none is pending.
    void pump(bool wait) {
        for (;;) {
            const int unsent = PQflush(c_);
            if (unsent < 0) pg_.fail("flush");
            read_ready();
            if (pending_ == 0 || (!wait && unsent == 0)) return;
            pollfd p{PQsocket(c_), static_cast<short>(POLLIN | (unsent ? POLLOUT : 0)), 0};
            if (poll(&p, 1, -1) < 0) throw std::runtime_error("poll failed");
        }
    }
    void read_ready() {
        if (!PQconsumeInput(c_)) pg_.fail("read");
        while (pending_ > 0 && !PQisBusy(c_)) {
            Res r(PQgetResult(c_));
            if (!r) {
                // The end of one command's results; a second in a row means nothing more has arrived.
                if (!after_result_) return;
                after_result_ = false;
                continue;
            }
            const ExecStatusType st = PQresultStatus(r.get());
            if (st == PGRES_PIPELINE_SYNC) {
                --pending_;
                continue;
            }
            if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                throw std::runtime_error(std::string("pipelined command failed: ") + PQresultErrorMessage(r.get()));
            changed_ += std::atoll(PQcmdTuples(r.get()));
            after_result_ = true;
            --pending_;
        }
    }
    Pg& pg_;
    PGconn* c_;
    long pending_ = 0;  // commands and syncs whose results have not been read
    int since_pump_ = 0;
    bool after_result_ = false;
    std::int64_t changed_ = 0;
};

// COPY ... FROM STDIN in text format, sent in 64 KiB chunks.
class CopyIn {
public:
    CopyIn(Pg& pg, const char* sql) : pg_(pg) { pg_.check(PQexec(pg.get(), sql), PGRES_COPY_IN, sql); }
    void field(std::string_view v, char end) {
        for (char ch : v) {
            switch (ch) {
                case '\\': buf_ += "\\\\"; break;
                case '\t': buf_ += "\\t"; break;
                case '\n': buf_ += "\\n"; break;
                case '\r': buf_ += "\\r"; break;
                default: buf_ += ch;
            }
        }
        buf_ += end;
        if (end == '\n' && buf_.size() >= 65536) flush();
    }
    void field(std::int64_t v, char end) { field(std::string_view(IntText(v).buf), end); }
    std::int64_t finish() {
        flush();
        if (PQputCopyEnd(pg_.get(), nullptr) != 1) pg_.fail("copy end");
        Res r = pg_.check(PQgetResult(pg_.get()), PGRES_COMMAND_OK, "COPY");
        const std::int64_t n = std::atoll(PQcmdTuples(r.get()));
        while (Res rest{PQgetResult(pg_.get())}) {
        }
        return n;
    }

private:
    void flush() {
        if (!buf_.empty() && PQputCopyData(pg_.get(), buf_.data(), static_cast<int>(buf_.size())) != 1)
            pg_.fail("copy data");
        buf_.clear();
    }
    Pg& pg_;
    std::string buf_;
};

const char* const kInsert = "INSERT INTO customer (name, description) VALUES ($1, $2)";

void expect_changed(std::int64_t got, long want, std::string_view what) {
    if (got != want)
        throw std::runtime_error(std::string(what) + " changed " + std::to_string(got) + " rows, expected " +
                                 std::to_string(want));
}

// "INSERT ... VALUES ($1, $2), ($3, $4), ..." or "UPDATE ... FROM (VALUES ...)" for n rows.
std::string values_list(int n, const char* first_cast, const char* second_cast) {
    std::string s;
    for (int r = 0; r < n; ++r) {
        s += r ? ", ($" : "($";
        s += std::to_string(2 * r + 1) + first_cast + ", $" + std::to_string(2 * r + 2) + second_cast + ")";
    }
    return s;
}

// Executes a two-parameter-per-row statement over rows in batches of batch_rows; sql(n) makes it for n rows.
template <class Sql, class Fill>
std::int64_t batched(Pg& pg, long rows, int batch_rows, Sql&& sql, Fill&& fill) {
    std::int64_t changed = 0;
    bool full_prepared = false, tail_prepared = false;
    std::vector<std::string> storage;
    std::vector<const char*> params;
    for (long start = 0; start < rows; start += batch_rows) {
        const int n = static_cast<int>(std::min<long>(batch_rows, rows - start));
        const bool full = n == batch_rows;
        const char* name = full ? "batch_full" : "batch_tail";
        bool& prepared = full ? full_prepared : tail_prepared;
        if (!prepared) {
            pg.prepare(name, sql(n), 2 * n);
            prepared = true;
        }
        storage.clear();
        for (long i = start; i < start + n; ++i) fill(i, storage);
        params.clear();
        for (const auto& s : storage) params.push_back(s.c_str());
        changed += std::atoll(PQcmdTuples(pg.run(name, params, PGRES_COMMAND_OK).get()));
    }
    return changed;
}

// ---- W1: bulk insert in one transaction

Outcome bulk_insert(const Args& a, Timer& t) {
    Pg pg(a.target);
    t.start();
    if (a.variant == "copy") {
        pg.exec("BEGIN");
        CopyIn copy(pg, "COPY customer (name, description) FROM STDIN");
        for (long i = 1; i <= a.rows; ++i) {
            copy.field(customer_name(i), '\t');
            copy.field(customer_description(i), '\n');
        }
        expect_changed(copy.finish(), a.rows, "COPY");
        pg.exec("COMMIT");
    } else if (a.variant == "pipeline") {
        Pipeline p(pg);
        p.query("BEGIN");
        p.prepare("ins", kInsert, 2);
        for (long i = 1; i <= a.rows; ++i) {
            const std::string name = customer_name(i), desc = customer_description(i);
            p.run("ins", {name.c_str(), desc.c_str()});
        }
        p.query("COMMIT");
        expect_changed(p.finish(), a.rows, "pipelined INSERTs");
    } else if (a.variant == "multivalues") {
        pg.exec("BEGIN");
        auto n = batched(
            pg, a.rows, kBatchRows,
            [](int rows) { return "INSERT INTO customer (name, description) VALUES " + values_list(rows, "", ""); },
            [](long i, std::vector<std::string>& out) {
                out.push_back(customer_name(i + 1));
                out.push_back(customer_description(i + 1));
            });
        expect_changed(n, a.rows, "INSERTs");
        pg.exec("COMMIT");
    } else {
        pg.exec("BEGIN");
        pg.prepare("ins", kInsert, 2);
        for (long i = 1; i <= a.rows; ++i) {
            const std::string name = customer_name(i), desc = customer_description(i);
            pg.run("ins", {name.c_str(), desc.c_str()}, PGRES_COMMAND_OK);
        }
        pg.exec("COMMIT");
    }
    t.stop();
    return {a.rows, std::nullopt};
}

// ---- W2: one transaction per row

Outcome single_inserts(const Args& a, Timer& t) {
    Pg pg(a.target);
    t.start();
    pg.prepare("ins", kInsert, 2);
    for (long i = 1; i <= a.rows; ++i) {
        // Outside BEGIN, each INSERT is a transaction of its own: one round trip, one commit.
        const std::string name = customer_name(i), desc = customer_description(i);
        pg.run("ins", {name.c_str(), desc.c_str()}, PGRES_COMMAND_OK);
    }
    t.stop();
    return {a.rows, std::nullopt};
}

// ---- W3: primary-key lookups

Outcome short_selects(const Args& a, Timer& t) {
    Pg pg(a.target);
    IdSequence ids(a.table_rows);
    std::int64_t sum = 0;
    t.start();
    pg.prepare("sel", "SELECT id, name, description FROM customer WHERE id = $1", 1);
    // Variant "tx-each": BEGIN, the lookup and COMMIT, one round trip each, as a fresh ORM session per lookup
    // would send them without pipelining; "prepared" sends the lookups alone (each its own transaction).
    const bool each = a.variant == "tx-each";
    for (long n = 0; n < a.rows; ++n) {
        const long id = ids.next();
        IntText key(id);
        if (each) pg.exec("BEGIN");
        Res r = pg.run("sel", {key.buf}, PGRES_TUPLES_OK);
        if (PQntuples(r.get()) != 1) throw std::runtime_error("no customer " + std::to_string(id));
        if (each) pg.exec("COMMIT");
        sum += checksum(customer_at(r.get(), 0));
    }
    t.stop();
    return {a.rows, sum};
}

// ---- W4: a large result into structs

Outcome large_result(const Args& a, Timer& t) {
    Pg pg(a.target);
    std::vector<Customer> rows;
    t.start();
    const char* sql = "SELECT id, name, description FROM customer";
    pg.prepare("sel", sql, 0);
    if (a.variant == "singlerow") {
        if (PQsendQueryPrepared(pg.get(), "sel", 0, nullptr, nullptr, nullptr, 0) != 1 || PQsetSingleRowMode(pg.get()) != 1)
            pg.fail(sql);
        for (;;) {
            Res r(PQgetResult(pg.get()));
            if (!r) break;
            const ExecStatusType st = PQresultStatus(r.get());
            if (st == PGRES_SINGLE_TUPLE) rows.push_back(customer_at(r.get(), 0));
            else if (st != PGRES_TUPLES_OK) throw std::runtime_error(std::string(sql) + ": " + PQresultErrorMessage(r.get()));
        }
    } else {
        Res r = pg.run("sel", {}, PGRES_TUPLES_OK);
        const int n = PQntuples(r.get());
        rows.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) rows.push_back(customer_at(r.get(), i));
    }
    t.stop();
    std::int64_t sum = 0;
    for (const auto& c : rows) sum += checksum(c);
    return {static_cast<long>(rows.size()), sum};
}

// ---- W5: owners and their pets

Outcome owners_eager(const Args& a, Timer& t) {
    Pg pg(a.target);
    std::vector<Owner> owners;
    t.start();
    pg.prepare("sel",
               "SELECT owner.id, owner.name, pet.id, pet.name FROM owner LEFT OUTER JOIN pet ON pet.owner_id = owner.id "
               "ORDER BY owner.id",
               0);
    Res r = pg.run("sel", {}, PGRES_TUPLES_OK);
    const int n = PQntuples(r.get());
    for (int i = 0; i < n; ++i) {
        const std::int64_t oid = int_at(r.get(), i, 0);
        if (owners.empty() || owners.back().id != oid) owners.push_back(Owner{oid, text_at(r.get(), i, 1), {}});
        if (!PQgetisnull(r.get(), i, 2)) owners.back().pets.push_back(Pet{int_at(r.get(), i, 2), text_at(r.get(), i, 3)});
    }
    r.reset();
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

Outcome owners_lazy(const Args& a, Timer& t) {
    Pg pg(a.target);
    std::vector<Owner> owners;
    t.start();
    pg.prepare("owners", "SELECT id, name FROM owner ORDER BY id LIMIT $1", 1);
    pg.prepare("pets", "SELECT id, name FROM pet WHERE owner_id = $1", 1);
    IntText limit(a.rows);
    Res r = pg.run("owners", {limit.buf}, PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples(r.get()); ++i) owners.push_back(Owner{int_at(r.get(), i, 0), text_at(r.get(), i, 1), {}});
    // N+1: one query per owner, as lazy loading does.
    for (auto& o : owners) {
        IntText key(o.id);
        Res p = pg.run("pets", {key.buf}, PGRES_TUPLES_OK);
        for (int i = 0; i < PQntuples(p.get()); ++i) o.pets.push_back(Pet{int_at(p.get(), i, 0), text_at(p.get(), i, 1)});
    }
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

// ---- W6: load, change one column of each row, write back

Outcome bulk_update(const Args& a, Timer& t) {
    Pg pg(a.target);
    std::vector<Customer> rows;
    t.start();
    pg.exec("BEGIN");
    {
        pg.prepare("sel", "SELECT id, name, description FROM customer", 0);
        Res r = pg.run("sel", {}, PGRES_TUPLES_OK);
        const int n = PQntuples(r.get());
        rows.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) rows.push_back(customer_at(r.get(), i));
    }
    for (auto& c : rows) c.description = updated_description(c.description);
    const long n = static_cast<long>(rows.size());
    const std::string upd = "UPDATE customer SET description = $1 WHERE id = $2";
    if (a.variant == "copy") {
        pg.exec("CREATE TEMPORARY TABLE customer_update (id integer, description varchar(255)) ON COMMIT DROP");
        CopyIn copy(pg, "COPY customer_update (id, description) FROM STDIN");
        for (const auto& c : rows) {
            copy.field(c.id, '\t');
            copy.field(c.description, '\n');
        }
        expect_changed(copy.finish(), n, "COPY");
        Res r = pg.check(PQexec(pg.get(), "UPDATE customer SET description = u.description FROM customer_update u "
                                          "WHERE customer.id = u.id"),
                         PGRES_COMMAND_OK, "UPDATE FROM");
        expect_changed(std::atoll(PQcmdTuples(r.get())), n, "UPDATE");
        pg.exec("COMMIT");
    } else if (a.variant == "pipeline") {
        Pipeline p(pg);
        p.prepare("upd", upd, 2);
        for (const auto& c : rows) {
            IntText id(c.id);
            p.run("upd", {c.description.c_str(), id.buf});
        }
        p.query("COMMIT");
        expect_changed(p.finish(), n, "pipelined UPDATEs");
    } else if (a.variant == "multivalues") {
        auto changed = batched(
            pg, n, kUpdateBatchRows,
            [](int k) {
                return "UPDATE customer SET description = v.description FROM (VALUES " +
                       values_list(k, "::integer", "::varchar") + ") AS v (id, description) WHERE customer.id = v.id";
            },
            [&](long i, std::vector<std::string>& out) {
                const auto& c = rows[static_cast<std::size_t>(i)];
                out.push_back(std::to_string(c.id));
                out.push_back(c.description);
            });
        expect_changed(changed, n, "UPDATEs");
        pg.exec("COMMIT");
    } else {
        pg.prepare("upd", upd, 2);
        for (const auto& c : rows) {
            IntText id(c.id);
            pg.run("upd", {c.description.c_str(), id.buf}, PGRES_COMMAND_OK);
        }
        pg.exec("COMMIT");
    }
    t.stop();
    return {n, std::nullopt};
}

}  // namespace

int main(int argc, char** argv) {
    return run(argc, argv, [](const Args& a) -> Workload {
        if (a.db != "postgresql") return nullptr;
        const std::string& v = a.variant;
        const bool prepared = v == "prepared";
        if (a.workload == "W1" && (prepared || v == "multivalues" || v == "pipeline" || v == "copy")) return bulk_insert;
        if (a.workload == "W2" && prepared) return single_inserts;
        if (a.workload == "W3" && (prepared || v == "tx-each")) return short_selects;
        if (a.workload == "W4" && (prepared || v == "singlerow")) return large_result;
        if (a.workload == "W5-eager" && prepared) return owners_eager;
        if (a.workload == "W5-lazy" && prepared) return owners_lazy;
        if (a.workload == "W6" && (prepared || v == "multivalues" || v == "pipeline" || v == "copy")) return bulk_update;
        return nullptr;
    });
}
