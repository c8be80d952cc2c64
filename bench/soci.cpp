// SOCI 4.0 (Debian's libsoci-dev), a peer of Retort among C++ database libraries, used the way its documentation
// recommends for each job: statements prepared once with use() and into() bound to variables and re-executed,
// std::vector use and into elements for bulk writes and reads (1,000 rows per batch), soci::transaction around
// the writes. The SQL is the raw programs', with SOCI's :name placeholders (SOCI rewrites them to $1, ... for
// PostgreSQL). One program for SQLite and PostgreSQL; --variant tx-each is W3 with a transaction per lookup.
#include <soci/soci-config.h>
// Debian's soci-config.h turns on SOCI's Boost.Fusion support, which makes soci/bind-values.h include Boost
// headers, but libsoci-dev does not depend on Boost. Nothing here uses Fusion sequences as use/into elements;
// without the macro those templates are simply left out.
#undef SOCI_HAVE_BOOST
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <memory>

#include "common.hpp"

using namespace bench;

namespace {

constexpr std::size_t kBatchRows = 1000;  // rows per bulk execution and per bulk fetch
// The N+1 query of W5-lazy returns an owner's 10 pets: one fetch of up to 16 rows takes them all, without
// making and clearing a 1,000-row buffer per owner.
constexpr std::size_t kPetBatchRows = 16;

// SOCI's SQLite backend reads "key=value" pairs when the string has an '=', else takes it all as the file name;
// db="..." works for any path without a double quote.
std::string sqlite_connect_string(const std::string& path) {
    if (path.find('"') != std::string::npos)
        throw std::invalid_argument("SOCI cannot open an SQLite path with a double quote: " + path);
    return "db=\"" + path + "\"";
}

// SOCI's PostgreSQL backend splits its connect string into "key=value" pairs itself (to take out its own
// "singlerows" option) before libpq sees it, so it takes no libpq URI: the runner's URI
// ("postgresql://user@/db?host=/socket/dir&port=N") becomes "user=... dbname=... host=... port=...".
std::string pg_connect_string(const std::string& target) {
    char* err = nullptr;
    std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> opts(PQconninfoParse(target.c_str(), &err),
                                                                        PQconninfoFree);
    if (!opts) {
        const std::string why = err ? err : "out of memory";
        PQfreemem(err);
        throw std::invalid_argument("bad PostgreSQL target " + target + ": " + why);
    }
    std::string out;
    for (const PQconninfoOption* o = opts.get(); o->keyword; ++o) {
        if (!o->val || !*o->val) continue;
        const std::string_view v = o->val;
        // SOCI passes the pairs on unquoted: a value with a space or a quote would not survive.
        if (v.find_first_of(" \t\r\n\"'\\") != std::string_view::npos)
            throw std::invalid_argument(std::string("SOCI cannot pass the PostgreSQL ") + o->keyword + " '" +
                                        std::string(v) + "'");
        if (!out.empty()) out += ' ';
        out += o->keyword;
        out += '=';
        out += v;
    }
    return out;
}

// Connecting is not timed.
void connect(soci::session& sql, const Args& a) {
    if (a.db == "sqlite") sql.open(soci::sqlite3, sqlite_connect_string(a.target));
    else sql.open(soci::postgresql, pg_connect_string(a.target));
}

void expect_changed(long long got, long want, std::string_view what) {
    if (got != want)
        throw std::runtime_error(std::string(what) + " changed " + std::to_string(got) + " rows, expected " +
                                 std::to_string(want));
}

// Executes st, prepared once, over the rows of equally long vectors, one use element each. The vectors are
// bound afresh for every batch: SOCI 4.0's PostgreSQL backend converts a vector use element's values to text at
// its first execution and sends those first values again at every later one (and takes the vector's length at
// binding), so a bulk statement re-executed with new values would write the first batch again. Binding anew
// costs a few small allocations per batch; the statement is still prepared once.
template <class... Vectors>
long long execute_bulk(soci::statement& st, Vectors&... columns) {
    (st.exchange(soci::use(columns)), ...);
    st.define_and_bind();
    st.execute(true);
    const long long changed = st.get_affected_rows();
    st.bind_clean_up();
    return changed;
}

// Executes st, whose into elements are vectors sized to the batch, and calls take() for every batch it fetches
// (the vectors then hold that batch's rows).
template <class Take>
void fetch_batches(soci::statement& st, Take&& take) {
    if (!st.execute(true)) return;
    do take();
    while (st.fetch());
}

const char* const kInsert = "INSERT INTO customer (name, description) VALUES (:name, :description)";
const char* const kSelectCustomers = "SELECT id, name, description FROM customer";

// The columns of a customer batch, and what moving them into Customer objects takes.
struct CustomerBatch {
    std::vector<long long> id = std::vector<long long>(kBatchRows);
    std::vector<std::string> name = std::vector<std::string>(kBatchRows), description = std::vector<std::string>(kBatchRows);
    void move_into(std::vector<Customer>& rows) {
        for (std::size_t i = 0; i < id.size(); ++i)
            rows.push_back(Customer{id[i], std::move(name[i]), std::move(description[i])});
    }
};

// ---- W1: bulk insert in one transaction

Outcome bulk_insert(const Args& a, Timer& t) {
    soci::session sql;
    connect(sql, a);
    std::vector<std::string> names, descs;
    t.start();
    soci::transaction tr(sql);
    soci::statement ins = (sql.prepare << kInsert);
    long long changed = 0;
    for (long start = 1; start <= a.rows; start += static_cast<long>(kBatchRows)) {
        const auto n = static_cast<std::size_t>(std::min<long>(static_cast<long>(kBatchRows), a.rows - start + 1));
        names.resize(n);
        descs.resize(n);
        for (std::size_t r = 0; r < n; ++r) {
            names[r] = customer_name(start + static_cast<long>(r));
            descs[r] = customer_description(start + static_cast<long>(r));
        }
        changed += execute_bulk(ins, names, descs);
    }
    expect_changed(changed, a.rows, "INSERT");
    tr.commit();
    t.stop();
    return {a.rows, std::nullopt};
}

// ---- W2: one transaction per row

Outcome single_inserts(const Args& a, Timer& t) {
    soci::session sql;
    connect(sql, a);
    std::string name, desc;
    t.start();
    soci::statement ins = (sql.prepare << kInsert, soci::use(name), soci::use(desc));
    for (long i = 1; i <= a.rows; ++i) {
        // Outside a transaction, each INSERT is a transaction of its own.
        name = customer_name(i);
        desc = customer_description(i);
        ins.execute(true);
    }
    t.stop();
    return {a.rows, std::nullopt};
}

// ---- W3: primary-key lookups

Outcome short_selects(const Args& a, Timer& t) {
    soci::session sql;
    connect(sql, a);
    IdSequence ids(a.table_rows);
    std::int64_t sum = 0;
    long long key = 0;
    Customer c;
    long long id = 0;
    // Variant "tx-each": every lookup in a transaction of its own, as a fresh ORM session makes one; the default
    // runs them all in one transaction.
    const bool each = a.variant == "tx-each";
    t.start();
    std::optional<soci::transaction> all;
    if (!each) all.emplace(sql);
    soci::statement sel = (sql.prepare << "SELECT id, name, description FROM customer WHERE id = :id", soci::into(id),
                           soci::into(c.name), soci::into(c.description), soci::use(key));
    for (long n = 0; n < a.rows; ++n) {
        key = ids.next();
        if (each) sql.begin();
        if (!sel.execute(true)) throw std::runtime_error("no customer " + std::to_string(key));
        if (each) {
            // Read to the end of the result before COMMIT, so that SQLite's statement lets go of the database
            // (the raw program resets it) and the transaction really ends.
            if (sel.fetch()) throw std::runtime_error("two customers " + std::to_string(key));
            sql.commit();
        }
        c.id = id;
        sum += checksum(c);
    }
    if (all) all->commit();
    t.stop();
    return {a.rows, sum};
}

// ---- W4: a large result into structs

Outcome large_result(const Args& a, Timer& t) {
    soci::session sql;
    connect(sql, a);
    std::vector<Customer> rows;
    CustomerBatch b;
    t.start();
    soci::statement sel = (sql.prepare << kSelectCustomers, soci::into(b.id), soci::into(b.name), soci::into(b.description));
    fetch_batches(sel, [&] { b.move_into(rows); });
    t.stop();
    std::int64_t sum = 0;
    for (const auto& r : rows) sum += checksum(r);
    return {static_cast<long>(rows.size()), sum};
}

// ---- W5: owners and their pets

Outcome owners_eager(const Args& a, Timer& t) {
    soci::session sql;
    connect(sql, a);
    std::vector<Owner> owners;
    std::vector<long long> owner_ids(kBatchRows), pet_ids(kBatchRows);
    std::vector<std::string> owner_names(kBatchRows), pet_names(kBatchRows);
    std::vector<soci::indicator> pet_id_null(kBatchRows), pet_name_null(kBatchRows);
    t.start();
    // One join, ordered by owner so that each owner's pets arrive together (an owner without pets: NULLs).
    soci::statement sel =
        (sql.prepare << "SELECT owner.id, owner.name, pet.id, pet.name FROM owner LEFT OUTER JOIN pet ON "
                        "pet.owner_id = owner.id ORDER BY owner.id",
         soci::into(owner_ids), soci::into(owner_names), soci::into(pet_ids, pet_id_null),
         soci::into(pet_names, pet_name_null));
    fetch_batches(sel, [&] {
        for (std::size_t i = 0; i < owner_ids.size(); ++i) {
            if (owners.empty() || owners.back().id != owner_ids[i])
                owners.push_back(Owner{owner_ids[i], std::move(owner_names[i]), {}});
            if (pet_id_null[i] == soci::i_ok) owners.back().pets.push_back(Pet{pet_ids[i], std::move(pet_names[i])});
        }
    });
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

Outcome owners_lazy(const Args& a, Timer& t) {
    soci::session sql;
    connect(sql, a);
    std::vector<Owner> owners;
    std::vector<long long> owner_ids(kBatchRows), pet_ids(kPetBatchRows);
    std::vector<std::string> owner_names(kBatchRows), pet_names(kPetBatchRows);
    long long limit = a.rows, owner_id = 0;
    t.start();
    soci::transaction tr(sql);
    soci::statement sel_owners = (sql.prepare << "SELECT id, name FROM owner ORDER BY id LIMIT :limit",
                                  soci::into(owner_ids), soci::into(owner_names), soci::use(limit));
    fetch_batches(sel_owners, [&] {
        for (std::size_t i = 0; i < owner_ids.size(); ++i) owners.push_back(Owner{owner_ids[i], std::move(owner_names[i]), {}});
    });
    // N+1: one query per owner, as lazy loading does.
    soci::statement sel_pets = (sql.prepare << "SELECT id, name FROM pet WHERE owner_id = :owner_id",
                                soci::into(pet_ids), soci::into(pet_names), soci::use(owner_id));
    for (auto& o : owners) {
        owner_id = o.id;
        // A fetch leaves the vectors as long as the rows it read; an execution fetches as many as they are long.
        pet_ids.resize(kPetBatchRows);
        pet_names.resize(kPetBatchRows);
        fetch_batches(sel_pets, [&] {
            for (std::size_t i = 0; i < pet_ids.size(); ++i) o.pets.push_back(Pet{pet_ids[i], std::move(pet_names[i])});
        });
    }
    tr.commit();
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

// ---- W6: load, change one column of each row, write back

Outcome bulk_update(const Args& a, Timer& t) {
    soci::session sql;
    connect(sql, a);
    std::vector<Customer> rows;
    CustomerBatch b;
    std::vector<std::string> descs;
    std::vector<long long> keys;
    t.start();
    soci::transaction tr(sql);
    soci::statement sel = (sql.prepare << kSelectCustomers, soci::into(b.id), soci::into(b.name), soci::into(b.description));
    fetch_batches(sel, [&] { b.move_into(rows); });
    for (auto& c : rows) c.description = updated_description(c.description);
    soci::statement upd = (sql.prepare << "UPDATE customer SET description = :description WHERE id = :id");
    long long changed = 0;
    for (std::size_t start = 0; start < rows.size(); start += kBatchRows) {
        const std::size_t n = std::min(kBatchRows, rows.size() - start);
        descs.resize(n);
        keys.resize(n);
        for (std::size_t r = 0; r < n; ++r) {
            descs[r] = rows[start + r].description;
            keys[r] = rows[start + r].id;
        }
        changed += execute_bulk(upd, descs, keys);
    }
    const long n = static_cast<long>(rows.size());
    expect_changed(changed, n, "UPDATE");
    tr.commit();
    t.stop();
    return {n, std::nullopt};
}

}  // namespace

int main(int argc, char** argv) {
    return run(argc, argv, [](const Args& a) -> Workload {
        if (a.db != "sqlite" && a.db != "postgresql") return nullptr;
        if (a.variant == "tx-each") return a.workload == "W3" ? short_selects : nullptr;
        if (!a.variant.empty()) return nullptr;
        return pick(a, {bulk_insert, single_inserts, short_selects, large_result, owners_eager, owners_lazy,
                        bulk_update});
    });
}
