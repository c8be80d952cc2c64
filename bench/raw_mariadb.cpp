// MariaDB Connector/C (libmariadb) done well, in the variants an expert picks from, each reported as its own
// implementation:
//   prepared     server-side prepared statements with binary binding, prepared once, one row per execution
//                (W4: the whole result stored on the client, then fetched), writes in one transaction
//   tx-each      W3: BEGIN, the lookup and COMMIT, one round trip each
//   multivalues  W1: 1,000-row INSERT ... VALUES; W6: 250-row UPDATE ... JOIN (SELECT ... UNION ALL ...)
//   bulk         W1, W6: MariaDB's bulk protocol (parameter arrays, STMT_ATTR_ARRAY_SIZE): one command
//                carries 1,000 rows' parameters
//   loaddata     W1: LOAD DATA LOCAL INFILE fed from memory; W6: into a temporary table, then one UPDATE ... JOIN
//   unbuffered   W4: rows fetched as they arrive (mysql_stmt_fetch without mysql_stmt_store_result)
//   text         W4, W5-eager: the text protocol (mysql_real_query, mysql_use_result), integers parsed
// The connection is made without CLIENT_FOUND_ROWS, so an UPDATE's row count is the rows it changed: W6
// changes every row, so the counts are the same.
#include <charconv>
#include <cstring>
#include <memory>

#include "common.hpp"
#include "mariadb.hpp"

using namespace bench;
using bench::maria::Conn;

namespace {

constexpr int kBatchRows = 1000;        // rows per multi-row INSERT and per bulk command
constexpr int kUpdateBatchRows = 250;   // rows per UPDATE ... JOIN of a derived table
constexpr std::size_t kTextMax = 1024;  // bytes of a VARCHAR(255) in utf8mb4, at most

class Stmt {
public:
    Stmt(Conn& c, const std::string& sql) : c_(c), s_(mysql_stmt_init(c.get())), sql_(sql) {
        if (!s_) c.fail("mysql_stmt_init");
        if (mysql_stmt_prepare(s_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) fail("prepare");
    }
    ~Stmt() { mysql_stmt_close(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    MYSQL_STMT* get() const { return s_; }
    [[noreturn]] void fail(std::string_view what) const {
        throw std::runtime_error(std::string(what) + " " + sql_.substr(0, 80) + ": " + mysql_stmt_error(s_));
    }
    void bind_params(MYSQL_BIND* b) {
        if (mysql_stmt_bind_param(s_, b) != 0) fail("bind");
    }
    void bind_result(MYSQL_BIND* b) {
        if (mysql_stmt_bind_result(s_, b) != 0) fail("bind result");
    }
    void execute() {
        if (mysql_stmt_execute(s_) != 0) fail("execute");
    }
    void store() {
        if (mysql_stmt_store_result(s_) != 0) fail("store");
    }
    // False at the end of the rows.
    bool fetch() {
        const int rc = mysql_stmt_fetch(s_);
        if (rc == 0) return true;
        if (rc == MYSQL_NO_DATA) return false;
        if (rc == MYSQL_DATA_TRUNCATED) throw std::runtime_error("a value is longer than its buffer");
        fail("fetch");
    }
    std::uint64_t affected() const { return mysql_stmt_affected_rows(s_); }

private:
    Conn& c_;
    MYSQL_STMT* s_;
    std::string sql_;
};

// Parameter buffers: integers and texts, bound once; each execution sends what they hold then.
class Params {
public:
    explicit Params(std::size_t n) : p_(n), b_(n) {}
    void set_int(std::size_t i, std::int64_t v) {
        auto& b = b_[i];
        p_[i].v = v;
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &p_[i].v;
    }
    void set_text(std::size_t i, std::string_view s) {
        if (s.size() > kTextMax) throw std::runtime_error("text parameter too long");
        auto& b = b_[i];
        std::memcpy(p_[i].buf, s.data(), s.size());
        p_[i].len = static_cast<unsigned long>(s.size());
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = p_[i].buf;
        b.length = &p_[i].len;
    }
    MYSQL_BIND* binds() { return b_.data(); }

private:
    struct P {
        long long v = 0;
        unsigned long len = 0;
        char buf[kTextMax];
    };
    std::vector<P> p_;
    std::vector<MYSQL_BIND> b_;
};

// "customer name 123" written into a caller's buffer, without an allocation.
std::string_view put(char* out, std::string_view prefix, long i) {
    std::memcpy(out, prefix.data(), prefix.size());
    char* end = std::to_chars(out + prefix.size(), out + prefix.size() + 24, i).ptr;
    return {out, static_cast<std::size_t>(end - out)};
}
constexpr std::string_view kName = "customer name ", kDescription = "customer description ";

// Result buffers of a row of integer and text columns.
class Row {
public:
    explicit Row(std::initializer_list<bool> is_text) : c_(is_text.size()), b_(is_text.size()) {
        std::size_t i = 0;
        for (bool text : is_text) {
            auto& b = b_[i];
            auto& c = c_[i];
            b.is_null = &c.null;
            b.error = &c.error;
            b.length = &c.len;
            if (text) {
                b.buffer_type = MYSQL_TYPE_STRING;
                b.buffer = c.buf;
                b.buffer_length = kTextMax;
            } else {
                b.buffer_type = MYSQL_TYPE_LONGLONG;
                b.buffer = &c.v;
            }
            ++i;
        }
    }
    void bind(Stmt& s) { s.bind_result(b_.data()); }
    std::int64_t i(std::size_t k) const { return c_[k].v; }
    std::string s(std::size_t k) const { return std::string(c_[k].buf, c_[k].len); }
    bool null(std::size_t k) const { return c_[k].null; }

private:
    struct C {
        long long v = 0;
        unsigned long len = 0;
        my_bool null = 0, error = 0;
        char buf[kTextMax];
    };
    std::vector<C> c_;
    std::vector<MYSQL_BIND> b_;
};

Customer customer_of(const Row& r) { return Customer{r.i(0), r.s(1), r.s(2)}; }

void expect_changed(std::uint64_t got, long want, std::string_view what) {
    if (got != static_cast<std::uint64_t>(want))
        throw std::runtime_error(std::string(what) + " changed " + std::to_string(got) + " rows, expected " +
                                 std::to_string(want));
}

// The text protocol: a query's rows as they arrive.
class TextResult {
public:
    TextResult(Conn& c, std::string_view sql) : c_(c) {
        if (mysql_real_query(c.get(), sql.data(), static_cast<unsigned long>(sql.size())) != 0) c.fail(sql);
        r_ = mysql_use_result(c.get());
        if (!r_) c.fail(sql);
    }
    ~TextResult() { mysql_free_result(r_); }
    TextResult(const TextResult&) = delete;
    TextResult& operator=(const TextResult&) = delete;
    bool next() {
        row_ = mysql_fetch_row(r_);
        if (!row_) {
            if (mysql_errno(c_.get()) != 0) c_.fail("fetch");
            return false;
        }
        len_ = mysql_fetch_lengths(r_);
        return true;
    }
    bool null(int k) const { return row_[k] == nullptr; }
    std::int64_t i(int k) const {
        std::int64_t v = 0;
        std::from_chars(row_[k], row_[k] + len_[k], v);
        return v;
    }
    std::string s(int k) const { return std::string(row_[k], len_[k]); }

private:
    Conn& c_;
    MYSQL_RES* r_ = nullptr;
    MYSQL_ROW row_ = nullptr;
    unsigned long* len_ = nullptr;
};

// ---- W1: bulk insert in one transaction

const char* const kInsert = "INSERT INTO customer (name, description) VALUES (?, ?)";

std::string insert_values(int rows) {
    std::string s = "INSERT INTO customer (name, description) VALUES ";
    for (int r = 0; r < rows; ++r) s += r ? ", (?, ?)" : "(?, ?)";
    return s;
}

// Parameter arrays for the bulk protocol: column-wise, rows x cols values, texts in fixed slots.
class ParamArrays {
public:
    ParamArrays(std::size_t rows, std::initializer_list<bool> is_text) : rows_(rows), b_(is_text.size()) {
        for (bool text : is_text) cols_.push_back(Col{text, std::vector<long long>(text ? 0 : rows),
                                                      std::vector<char>(text ? rows * kSlot : 0),
                                                      std::vector<char*>(text ? rows : 0),
                                                      std::vector<unsigned long>(text ? rows : 0)});
        for (std::size_t k = 0; k < cols_.size(); ++k) {
            auto& c = cols_[k];
            auto& b = b_[k];
            if (c.text) {
                for (std::size_t r = 0; r < rows; ++r) c.ptrs[r] = c.chars.data() + r * kSlot;
                b.buffer_type = MYSQL_TYPE_STRING;
                b.buffer = c.ptrs.data();
                b.length = c.lens.data();
            } else {
                b.buffer_type = MYSQL_TYPE_LONGLONG;
                b.buffer = c.ints.data();
            }
        }
    }
    char* slot(std::size_t col, std::size_t row) { return cols_[col].ptrs[row]; }
    void set_len(std::size_t col, std::size_t row, std::size_t n) { cols_[col].lens[row] = static_cast<unsigned long>(n); }
    void set_text(std::size_t col, std::size_t row, std::string_view s) {
        if (s.size() > kSlot) throw std::runtime_error("text too long for its slot");
        std::memcpy(slot(col, row), s.data(), s.size());
        set_len(col, row, s.size());
    }
    void set_int(std::size_t col, std::size_t row, std::int64_t v) { cols_[col].ints[row] = v; }
    // Binds the first n rows and executes.
    std::uint64_t execute(Stmt& s, std::size_t n) {
        unsigned int size = static_cast<unsigned int>(n);
        if (mysql_stmt_attr_set(s.get(), STMT_ATTR_ARRAY_SIZE, &size) != 0) s.fail("array size");
        s.bind_params(b_.data());
        s.execute();
        return s.affected();
    }

private:
    static constexpr std::size_t kSlot = 256;
    struct Col {
        bool text;
        std::vector<long long> ints;
        std::vector<char> chars;
        std::vector<char*> ptrs;
        std::vector<unsigned long> lens;
    };
    std::size_t rows_;
    std::vector<Col> cols_;
    std::vector<MYSQL_BIND> b_;
};

Outcome bulk_insert(const Args& a, Timer& t) {
    Conn c(a.target);
    t.start();
    c.exec("BEGIN");
    if (a.variant == "loaddata") {
        long i = 1;
        char name[64], desc[64];
        const auto n = c.load_local("LOAD DATA LOCAL INFILE 'customers' INTO TABLE customer (name, description)",
                                    [&](std::string& buf) {
                                        // Fields need no escapes: the names hold no tab, newline or backslash.
                                        for (; i <= a.rows && buf.size() < 65536; ++i) {
                                            buf += put(name, kName, i);
                                            buf += '\t';
                                            buf += put(desc, kDescription, i);
                                            buf += '\n';
                                        }
                                        return i <= a.rows;
                                    });
        expect_changed(n, a.rows, "LOAD DATA");
    } else if (a.variant == "bulk") {
        Stmt s(c, kInsert);
        ParamArrays arr(kBatchRows, {true, true});
        std::uint64_t n = 0;
        for (long start = 1; start <= a.rows; start += kBatchRows) {
            const long k = std::min<long>(kBatchRows, a.rows - start + 1);
            for (long r = 0; r < k; ++r) {
                const auto i = static_cast<std::size_t>(r);
                arr.set_len(0, i, put(arr.slot(0, i), kName, start + r).size());
                arr.set_len(1, i, put(arr.slot(1, i), kDescription, start + r).size());
            }
            n += arr.execute(s, static_cast<std::size_t>(k));
        }
        expect_changed(n, a.rows, "bulk INSERTs");
    } else if (a.variant == "multivalues") {
        std::unique_ptr<Stmt> full, tail;
        Params p(2 * kBatchRows);
        std::uint64_t n = 0;
        char name[64], desc[64];
        for (long start = 1; start <= a.rows; start += kBatchRows) {
            const long k = std::min<long>(kBatchRows, a.rows - start + 1);
            for (long r = 0; r < k; ++r) {
                p.set_text(2 * static_cast<std::size_t>(r), put(name, kName, start + r));
                p.set_text(2 * static_cast<std::size_t>(r) + 1, put(desc, kDescription, start + r));
            }
            auto& s = k == kBatchRows ? full : tail;
            if (!s) s = std::make_unique<Stmt>(c, insert_values(static_cast<int>(k)));
            s->bind_params(p.binds());
            s->execute();
            n += s->affected();
        }
        expect_changed(n, a.rows, "INSERTs");
    } else {
        Stmt s(c, kInsert);
        Params p(2);
        char name[64], desc[64];
        p.set_text(0, "");
        p.set_text(1, "");
        for (long i = 1; i <= a.rows; ++i) {
            p.set_text(0, put(name, kName, i));
            p.set_text(1, put(desc, kDescription, i));
            if (i == 1) s.bind_params(p.binds());
            s.execute();
        }
    }
    c.exec("COMMIT");
    t.stop();
    return {a.rows, std::nullopt};
}

// ---- W2: one transaction per row (autocommit: each INSERT commits)

Outcome single_inserts(const Args& a, Timer& t) {
    Conn c(a.target);
    t.start();
    Stmt s(c, kInsert);
    Params p(2);
    char name[64], desc[64];
    for (long i = 1; i <= a.rows; ++i) {
        p.set_text(0, put(name, kName, i));
        p.set_text(1, put(desc, kDescription, i));
        if (i == 1) s.bind_params(p.binds());
        s.execute();
    }
    t.stop();
    return {a.rows, std::nullopt};
}

// ---- W3: primary-key lookups

Outcome short_selects(const Args& a, Timer& t) {
    Conn c(a.target);
    IdSequence ids(a.table_rows);
    std::int64_t sum = 0;
    t.start();
    Stmt s(c, "SELECT id, name, description FROM customer WHERE id = ?");
    Params p(1);
    p.set_int(0, 0);
    s.bind_params(p.binds());
    Row row({false, true, true});
    row.bind(s);
    // Variant "tx-each": BEGIN, the lookup and COMMIT, one round trip each, as a fresh ORM session per lookup
    // would send them; "prepared" sends the lookups alone (each its own transaction, autocommit).
    const bool each = a.variant == "tx-each";
    for (long n = 0; n < a.rows; ++n) {
        const long id = ids.next();
        p.set_int(0, id);
        if (each) c.exec("BEGIN");
        s.execute();
        if (!s.fetch()) throw std::runtime_error("no customer " + std::to_string(id));
        sum += checksum(customer_of(row));
        if (s.fetch()) throw std::runtime_error("two customers " + std::to_string(id));
        if (each) c.exec("COMMIT");
    }
    t.stop();
    return {a.rows, sum};
}

// ---- W4: a large result into structs

Outcome large_result(const Args& a, Timer& t) {
    Conn c(a.target);
    std::vector<Customer> rows;
    t.start();
    const char* sql = "SELECT id, name, description FROM customer";
    if (a.variant == "text") {
        TextResult r(c, sql);
        while (r.next()) rows.push_back(Customer{r.i(0), r.s(1), r.s(2)});
    } else {
        Stmt s(c, sql);
        Row row({false, true, true});
        s.execute();
        if (a.variant != "unbuffered") {
            s.store();
            rows.reserve(static_cast<std::size_t>(mysql_stmt_num_rows(s.get())));
        }
        row.bind(s);
        while (s.fetch()) rows.push_back(customer_of(row));
    }
    t.stop();
    std::int64_t sum = 0;
    for (const auto& x : rows) sum += checksum(x);
    return {static_cast<long>(rows.size()), sum};
}

// ---- W5: owners and their pets

Outcome owners_eager(const Args& a, Timer& t) {
    Conn c(a.target);
    std::vector<Owner> owners;
    t.start();
    const char* sql = "SELECT owner.id, owner.name, pet.id, pet.name FROM owner LEFT OUTER JOIN pet ON pet.owner_id = owner.id "
                      "ORDER BY owner.id";
    if (a.variant == "text") {
        TextResult r(c, sql);
        while (r.next()) {
            const std::int64_t oid = r.i(0);
            if (owners.empty() || owners.back().id != oid) owners.push_back(Owner{oid, r.s(1), {}});
            if (!r.null(2)) owners.back().pets.push_back(Pet{r.i(2), r.s(3)});
        }
    } else {
        Stmt s(c, sql);
        Row row({false, true, false, true});
        s.execute();
        s.store();
        row.bind(s);
        while (s.fetch()) {
            const std::int64_t oid = row.i(0);
            if (owners.empty() || owners.back().id != oid) owners.push_back(Owner{oid, row.s(1), {}});
            if (!row.null(2)) owners.back().pets.push_back(Pet{row.i(2), row.s(3)});
        }
    }
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

Outcome owners_lazy(const Args& a, Timer& t) {
    Conn c(a.target);
    std::vector<Owner> owners;
    t.start();
    {
        Stmt s(c, "SELECT id, name FROM owner ORDER BY id LIMIT ?");
        Params p(1);
        p.set_int(0, a.rows);
        s.bind_params(p.binds());
        Row row({false, true});
        s.execute();
        row.bind(s);
        while (s.fetch()) owners.push_back(Owner{row.i(0), row.s(1), {}});
    }
    // N+1: one query per owner, as lazy loading does.
    Stmt s(c, "SELECT id, name FROM pet WHERE owner_id = ?");
    Params p(1);
    p.set_int(0, 0);
    s.bind_params(p.binds());
    Row row({false, true});
    row.bind(s);
    for (auto& o : owners) {
        p.set_int(0, o.id);
        s.execute();
        while (s.fetch()) o.pets.push_back(Pet{row.i(0), row.s(1)});
    }
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

// ---- W6: load, change one column of each row, write back

std::string update_join(int rows) {
    std::string s = "UPDATE customer JOIN (";
    for (int r = 0; r < rows; ++r) s += r ? " UNION ALL SELECT ?, ?" : "SELECT ? AS id, ? AS description";
    return s + ") AS v ON customer.id = v.id SET customer.description = v.description";
}

Outcome bulk_update(const Args& a, Timer& t) {
    Conn c(a.target);
    std::vector<Customer> rows;
    t.start();
    c.exec("BEGIN");
    {
        Stmt s(c, "SELECT id, name, description FROM customer");
        Row row({false, true, true});
        s.execute();
        s.store();
        rows.reserve(static_cast<std::size_t>(mysql_stmt_num_rows(s.get())));
        row.bind(s);
        while (s.fetch()) rows.push_back(customer_of(row));
    }
    for (auto& x : rows) x.description = updated_description(x.description);
    const long n = static_cast<long>(rows.size());
    const char* upd = "UPDATE customer SET description = ? WHERE id = ?";
    if (a.variant == "loaddata") {
        c.exec("CREATE TEMPORARY TABLE customer_update (id INTEGER PRIMARY KEY, description VARCHAR(255))");
        std::size_t next = 0;
        const auto loaded = c.load_local("LOAD DATA LOCAL INFILE 'updates' INTO TABLE customer_update (id, description)",
                                         [&](std::string& buf) {
                                             char id[24];
                                             for (; next < rows.size() && buf.size() < 65536; ++next) {
                                                 const auto& x = rows[next];
                                                 buf.append(id, std::to_chars(id, id + sizeof id, x.id).ptr);
                                                 buf += '\t';
                                                 maria::put_field(buf, x.description, '\n');
                                             }
                                             return next < rows.size();
                                         });
        expect_changed(loaded, n, "LOAD DATA");
        expect_changed(c.exec("UPDATE customer JOIN customer_update u ON customer.id = u.id "
                              "SET customer.description = u.description"),
                       n, "UPDATE JOIN");
        c.exec("DROP TEMPORARY TABLE customer_update");
    } else if (a.variant == "bulk") {
        Stmt s(c, upd);
        ParamArrays arr(kBatchRows, {true, false});
        std::uint64_t changed = 0;
        for (long start = 0; start < n; start += kBatchRows) {
            const long k = std::min<long>(kBatchRows, n - start);
            for (long r = 0; r < k; ++r) {
                const auto& x = rows[static_cast<std::size_t>(start + r)];
                arr.set_text(0, static_cast<std::size_t>(r), x.description);
                arr.set_int(1, static_cast<std::size_t>(r), x.id);
            }
            changed += arr.execute(s, static_cast<std::size_t>(k));
        }
        expect_changed(changed, n, "bulk UPDATEs");
    } else if (a.variant == "multivalues") {
        std::unique_ptr<Stmt> full, tail;
        Params p(2 * kUpdateBatchRows);
        std::uint64_t changed = 0;
        for (long start = 0; start < n; start += kUpdateBatchRows) {
            const long k = std::min<long>(kUpdateBatchRows, n - start);
            for (long r = 0; r < k; ++r) {
                const auto& x = rows[static_cast<std::size_t>(start + r)];
                p.set_int(2 * static_cast<std::size_t>(r), x.id);
                p.set_text(2 * static_cast<std::size_t>(r) + 1, x.description);
            }
            auto& s = k == kUpdateBatchRows ? full : tail;
            if (!s) s = std::make_unique<Stmt>(c, update_join(static_cast<int>(k)));
            s->bind_params(p.binds());
            s->execute();
            changed += s->affected();
        }
        expect_changed(changed, n, "UPDATE JOINs");
    } else {
        Stmt s(c, upd);
        Params p(2);
        p.set_text(0, "");
        p.set_int(1, 0);
        s.bind_params(p.binds());
        for (const auto& x : rows) {
            p.set_text(0, x.description);
            p.set_int(1, x.id);
            s.execute();
            if (s.affected() != 1) throw std::runtime_error("UPDATE of customer " + std::to_string(x.id) + " changed no row");
        }
    }
    c.exec("COMMIT");
    t.stop();
    return {n, std::nullopt};
}

}  // namespace

int main(int argc, char** argv) {
    return run(argc, argv, [](const Args& a) -> Workload {
        if (a.db != "mariadb") return nullptr;
        const std::string& v = a.variant;
        const bool prepared = v == "prepared";
        const bool batched = v == "multivalues" || v == "bulk" || v == "loaddata";
        if (a.workload == "W1" && (prepared || batched)) return bulk_insert;
        if (a.workload == "W2" && prepared) return single_inserts;
        if (a.workload == "W3" && (prepared || v == "tx-each")) return short_selects;
        if (a.workload == "W4" && (prepared || v == "unbuffered" || v == "text")) return large_result;
        if (a.workload == "W5-eager" && (prepared || v == "text")) return owners_eager;
        if (a.workload == "W5-lazy" && prepared) return owners_lazy;
        if (a.workload == "W6" && (prepared || batched)) return bulk_update;
        return nullptr;
    });
}
