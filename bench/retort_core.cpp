// Retort Core, used the way its documentation recommends for each job: statements built once with
// bindparam() and executed many times, executemany for batches, rows decoded from RowView into structs.
#include <retort/retort.hpp>

#include "common.hpp"

using namespace bench;
using namespace retort;

namespace {

struct CustomerTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(255)});
    Col<std::string> description = col<std::string>("description", {.type = types::String(255)});
};
struct OwnerTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(255)});
};
struct PetTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(255)});
    Col<std::int64_t> owner_id = col<std::int64_t>("owner_id", {.foreign_key = "owner.id"});
};

// The tables the runner's setup made (bench/data.cpp); nothing here creates them.
struct Schema {
    MetaData md;
    CustomerTable customer{md, "customer"};
    OwnerTable owner{md, "owner"};
    PetTable pet{md, "pet"};
};

Engine make_engine(const Args& a) {
    Engine e = create_engine(a.db == "sqlite" ? "sqlite:///" + a.target : a.target);
    // Make the pool's connection now, outside the timed part.
    (void)e.connect();
    return e;
}

Customer read_customer(const RowView& r) {
    return Customer{r.get<std::int64_t>(0), r.get<std::string>(1), r.get<std::string>(2)};
}

void expect_rowcount(std::int64_t got, long want, std::string_view what) {
    if (got != want)
        throw std::runtime_error(std::string(what) + " reported " + std::to_string(got) + " rows, expected " +
                                 std::to_string(want));
}

Outcome bulk_insert(const Args& a, Timer& t) {
    Schema s;
    Engine engine = make_engine(a);
    auto conn = engine.connect();
    const auto& c = s.customer;
    t.start();
    auto stmt = insert(c).value(c.name, bindparam<std::string>("name")).value(c.description, bindparam<std::string>("description"));
    // Rows made as they are sent (insert_rows), not held all at once.
    const auto n = conn.insert_rows(stmt, static_cast<std::size_t>(a.rows), [](std::size_t k, std::span<Value> row) {
        const long i = static_cast<long>(k) + 1;
        row[0] = customer_name(i);
        row[1] = customer_description(i);
    });
    expect_rowcount(n, a.rows, "INSERT");
    conn.commit();
    t.stop();
    return {a.rows, std::nullopt};
}

Outcome single_inserts(const Args& a, Timer& t) {
    Schema s;
    Engine engine = make_engine(a);
    const auto& c = s.customer;
    t.start();
    auto stmt = insert(c).value(c.name, bindparam<std::string>("name")).value(c.description, bindparam<std::string>("description"));
    for (long i = 1; i <= a.rows; ++i) {
        // A transaction of its own for each row, on a connection from the pool.
        engine.begin([&](Connection& conn) {
            conn.execute(stmt, {{"name", customer_name(i)}, {"description", customer_description(i)}});
        });
    }
    t.stop();
    return {a.rows, std::nullopt};
}

Outcome short_selects(const Args& a, Timer& t) {
    Schema s;
    Engine engine = make_engine(a);
    auto conn = engine.connect();
    const auto& c = s.customer;
    IdSequence ids(a.table_rows);
    std::int64_t sum = 0;
    t.start();
    auto stmt = select(c.id, c.name, c.description).where(c.id == bindparam<std::int64_t>("id"));
    // Variant "tx-each": every lookup in a transaction of its own (begun, then rolled back), as a fresh ORM session
    // makes one; the default runs them all in the connection's one transaction.
    const bool each = a.variant == "tx-each";
    for (long n = 0; n < a.rows; ++n) {
        const long id = ids.next();
        std::optional<Transaction> tx;
        if (each) tx.emplace(conn.begin());
        auto result = conn.execute(stmt, {{"id", id}});
        if (!result.next()) throw std::runtime_error("no customer " + std::to_string(id));
        sum += checksum(read_customer(result.current()));
        if (each) {
            result.close();
            tx->rollback();
        }
    }
    conn.commit();
    t.stop();
    return {a.rows, sum};
}

Outcome large_result(const Args& a, Timer& t) {
    Schema s;
    Engine engine = make_engine(a);
    auto conn = engine.connect();
    const auto& c = s.customer;
    std::vector<Customer> rows;
    t.start();
    Result result = conn.execute(select(c.id, c.name, c.description));
    if (result.size_hint() > 0) rows.reserve(static_cast<std::size_t>(result.size_hint()));  // as the raw program does
    for (RowView r : result) rows.push_back(read_customer(r));
    t.stop();
    std::int64_t sum = 0;
    for (const auto& x : rows) sum += checksum(x);
    return {static_cast<long>(rows.size()), sum};
}

Outcome owners_eager(const Args& a, Timer& t) {
    Schema s;
    Engine engine = make_engine(a);
    auto conn = engine.connect();
    const auto& o = s.owner;
    const auto& p = s.pet;
    std::vector<Owner> owners;
    t.start();
    auto stmt = select(o.id, o.name, p.id, p.name).select_from(o).outerjoin(p, p.owner_id == o.id).order_by(o.id);
    for (RowView r : conn.execute(stmt)) {
        const auto oid = r.get<std::int64_t>(0);
        if (owners.empty() || owners.back().id != oid) owners.push_back(Owner{oid, r.get<std::string>(1), {}});
        if (!r.is_null(2)) owners.back().pets.push_back(Pet{r.get<std::int64_t>(2), r.get<std::string>(3)});
    }
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

Outcome owners_lazy(const Args& a, Timer& t) {
    Schema s;
    Engine engine = make_engine(a);
    auto conn = engine.connect();
    const auto& o = s.owner;
    const auto& p = s.pet;
    std::vector<Owner> owners;
    t.start();
    for (RowView r : conn.execute(select(o.id, o.name).order_by(o.id).limit(a.rows)))
        owners.push_back(Owner{r.get<std::int64_t>(0), r.get<std::string>(1), {}});
    // N+1: one query per owner, as lazy loading does.
    auto pets = select(p.id, p.name).where(p.owner_id == bindparam<std::int64_t>("owner_id"));
    for (auto& owner : owners)
        for (RowView r : conn.execute(pets, {{"owner_id", owner.id}}))
            owner.pets.push_back(Pet{r.get<std::int64_t>(0), r.get<std::string>(1)});
    conn.commit();
    t.stop();
    return {count_loaded(owners), sum_owners(owners)};
}

Outcome bulk_update(const Args& a, Timer& t) {
    Schema s;
    Engine engine = make_engine(a);
    auto conn = engine.connect();
    const auto& c = s.customer;
    std::vector<Customer> rows;
    t.start();
    {
        Result result = conn.execute(select(c.id, c.name, c.description));
        if (result.size_hint() > 0) rows.reserve(static_cast<std::size_t>(result.size_hint()));  // as the raw program does
        for (RowView r : result) rows.push_back(read_customer(r));
    }
    for (auto& x : rows) x.description = updated_description(x.description);
    auto stmt = update(c)
                    .value(c.description, bindparam<std::string>("new_description"))
                    .where(c.id == bindparam<std::int64_t>("customer_id"));
    // Positional rows made as they are sent (execute_many), not a Params per row.
    const long n = static_cast<long>(rows.size());
    expect_rowcount(conn.execute_many(stmt, rows.size(), [&](std::size_t i, std::span<Value> row) {
                        row[0] = rows[i].description;
                        row[1] = rows[i].id;
                    }),
                    n, "UPDATE");
    conn.commit();
    t.stop();
    return {n, std::nullopt};
}

}  // namespace

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const Args& a) -> Workload {
        if (a.variant == "tx-each") return a.workload == "W3" ? short_selects : nullptr;
        if (!a.variant.empty()) return nullptr;
        return bench::pick(a, {bulk_insert, single_inserts, short_selects, large_result, owners_eager, owners_lazy,
                               bulk_update});
    });
}
