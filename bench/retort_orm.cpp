// Retort ORM, used as its documentation recommends: mapped structs, a Session, the unit of work for writes,
// get() for lookups, selectin or lazy loading for relationships. W4 also has an untracked variant
// (session.values(), plain copies for large read-only results).
#include <retort/orm.hpp>

#include "common.hpp"

using namespace retort;
using namespace retort::orm;

namespace models {

struct Pet;
struct Customer {
    std::int64_t id = 0;
    std::string name;
    std::string description;
};
struct Owner {
    std::int64_t id = 0;
    std::string name;
    Collection<Pet> pets;
};
struct Pet {
    std::int64_t id = 0;
    std::string name;
    std::int64_t owner_id = 0;
    Ref<Owner> owner;
};

}  // namespace models

template <>
void retort::orm::define(Mapping<models::Customer>& m) {
    m.table("customer");
    m.column(&models::Customer::id, "id", {.primary_key = true});
    m.column(&models::Customer::name, "name", {.type = types::String(255)});
    m.column(&models::Customer::description, "description", {.type = types::String(255)});
}
template <>
void retort::orm::define(Mapping<models::Owner>& m) {
    m.table("owner");
    m.column(&models::Owner::id, "id", {.primary_key = true});
    m.column(&models::Owner::name, "name", {.type = types::String(255)});
    m.one_to_many(&models::Owner::pets, "pets", {.back_populates = "owner", .order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<models::Pet>& m) {
    m.table("pet");
    m.column(&models::Pet::id, "id", {.primary_key = true});
    m.column(&models::Pet::name, "name", {.type = types::String(255)});
    m.column(&models::Pet::owner_id, "owner_id", {.foreign_key = "owner.id"});
    m.many_to_one(&models::Pet::owner, "owner", {.back_populates = "pets"});
}

namespace {

using bench::Args;
using bench::Outcome;
using bench::Timer;

Engine make_engine(const Args& a) {
    mapped_metadata<models::Customer, models::Owner, models::Pet>();
    Engine e = create_engine(a.db == "sqlite" ? "sqlite:///" + a.target : a.target);
    (void)e.connect();  // the pool's connection, made outside the timed part
    return e;
}

std::int64_t sum_customer(const models::Customer& c) { return bench::checksum(bench::Customer{c.id, c.name, c.description}); }

std::int64_t sum_owner(const Ptr<models::Owner>& o, long& loaded) {
    bench::Owner b{o->id, o->name, {}};
    for (auto p : o->pets) b.pets.push_back(bench::Pet{p->id, p->name});
    loaded += 1 + static_cast<long>(b.pets.size());
    return bench::checksum(b);
}

Outcome bulk_insert(const Args& a, Timer& t) {
    Engine engine = make_engine(a);
    t.start();
    Session s(engine);
    for (long i = 1; i <= a.rows; ++i)
        s.add(models::Customer{.name = bench::customer_name(i), .description = bench::customer_description(i)});
    s.commit();
    t.stop();
    return {a.rows, std::nullopt};
}

Outcome single_inserts(const Args& a, Timer& t) {
    Engine engine = make_engine(a);
    t.start();
    for (long i = 1; i <= a.rows; ++i) {
        Session s(engine);
        s.add(models::Customer{.name = bench::customer_name(i), .description = bench::customer_description(i)});
        s.commit();
    }
    t.stop();
    return {a.rows, std::nullopt};
}

// Variant "session": one long-lived Session for every lookup (as a request handler's session keeps them); each
// object is expunged once read, so that every get() runs its SELECT, as the raw loop does, instead of finding a
// repeated key in the identity map.
Outcome short_selects_one_session(const Args& a, Timer& t) {
    Engine engine = make_engine(a);
    bench::IdSequence ids(a.table_rows);
    std::int64_t sum = 0;
    t.start();
    Session s(engine);
    for (long n = 0; n < a.rows; ++n) {
        const long id = ids.next();
        auto c = s.get<models::Customer>(std::int64_t{id});
        if (!c) throw std::runtime_error("no customer " + std::to_string(id));
        sum += sum_customer(*c);
        s.expunge(c);
    }
    s.commit();
    t.stop();
    return {a.rows, sum};
}

Outcome short_selects(const Args& a, Timer& t) {
    Engine engine = make_engine(a);
    bench::IdSequence ids(a.table_rows);
    std::int64_t sum = 0;
    t.start();
    for (long n = 0; n < a.rows; ++n) {
        const long id = ids.next();
        Session s(engine);
        auto c = s.get<models::Customer>(std::int64_t{id});
        if (!c) throw std::runtime_error("no customer " + std::to_string(id));
        sum += sum_customer(*c);
    }
    t.stop();
    return {a.rows, sum};
}

Outcome large_result(const Args& a, Timer& t) {
    Engine engine = make_engine(a);
    Session s(engine);
    std::int64_t sum = 0;
    long n = 0;
    t.start();
    if (a.variant == "untracked") {
        auto rows = s.values(select<models::Customer>());
        t.stop();
        for (const auto& c : rows) sum += sum_customer(c);
        n = static_cast<long>(rows.size());
    } else {
        auto rows = s.scalars(select<models::Customer>()).all();
        t.stop();
        for (const auto& c : rows) sum += sum_customer(*c);
        n = static_cast<long>(rows.size());
    }
    return {n, sum};
}

Outcome owners_eager(const Args& a, Timer& t) {
    Engine engine = make_engine(a);
    Session s(engine);
    long loaded = 0;
    std::int64_t sum = 0;
    t.start();
    auto owners = s.scalars(select<models::Owner>().order_by(col(&models::Owner::id)).options(selectinload(&models::Owner::pets))).all();
    for (const auto& o : owners) sum += sum_owner(o, loaded);
    t.stop();
    return {loaded, sum};
}

Outcome owners_lazy(const Args& a, Timer& t) {
    Engine engine = make_engine(a);
    Session s(engine);
    long loaded = 0;
    std::int64_t sum = 0;
    t.start();
    auto owners = s.scalars(select<models::Owner>().order_by(col(&models::Owner::id)).limit(a.rows)).all();
    for (const auto& o : owners) sum += sum_owner(o, loaded);  // each o->pets is one lazy load
    s.commit();
    t.stop();
    return {loaded, sum};
}

Outcome bulk_update(const Args& a, Timer& t) {
    Engine engine = make_engine(a);
    t.start();
    Session s(engine);
    auto rows = s.scalars(select<models::Customer>()).all();
    for (const auto& c : rows) c->description = bench::updated_description(c->description);
    s.commit();
    t.stop();
    return {static_cast<long>(rows.size()), std::nullopt};
}

}  // namespace

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const Args& a) -> bench::Workload {
        if (a.variant == "session") return a.workload == "W3" ? short_selects_one_session : nullptr;
        if (!a.variant.empty() && !(a.variant == "untracked" && a.workload == "W4")) return nullptr;
        return bench::pick(a, {bulk_insert, single_inserts, short_selects, large_result, owners_eager, owners_lazy,
                               bulk_update});
    });
}
