// The seed's crud() flow (seeds 000/001; examples/pet_clinic) on PostgreSQL, with the statements the *server*
// received counted from its own log: each connection of the flow's engine turns on log_statement = 'all' for
// itself when it connects, and the test reads the server's log (pg_read_file) for those connections' lines.
// Every round trip crosses the network on Aurora DSQL, so the flow must stay small: at most 50 statements,
// BEGIN and COMMIT included (SQLAlchemy sends 82 for the same flow).
#include <chrono>
#include <cstdlib>
#include <set>
#include <sstream>
#include <thread>

#include <retort/orm.hpp>

#include "usage/fixture.hpp"

using namespace retort;
using namespace retort::orm;

namespace crud_flow {

struct Owner;
struct Pet {
    Uuid id;
    std::string name;
    Date birth_date;
    std::optional<Uuid> owner_id;
    Ref<Owner> owner;
};
struct Owner {
    Uuid id;
    std::string name;
    std::string city;
    std::optional<std::string> telephone;
};
struct Specialty {
    std::string id;
};
struct VetSpecialty {
    Uuid id;
    std::optional<Uuid> vet_id;
    std::optional<std::string> specialty_id;
};
struct Vet {
    Uuid id;
    std::string name;
    Collection<Specialty> specialties;
};

Registry& models() {
    static Registry r;
    return r;
}
Registry& retort_registry(const Pet*) { return models(); }
Registry& retort_registry(const Owner*) { return models(); }
Registry& retort_registry(const Specialty*) { return models(); }
Registry& retort_registry(const VetSpecialty*) { return models(); }
Registry& retort_registry(const Vet*) { return models(); }

}  // namespace crud_flow

using namespace crud_flow;

template <>
void retort::orm::define(Mapping<Owner>& m) {
    m.table("owner");
    m.column(&Owner::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
    m.column(&Owner::name, "name", {.type = types::String(30)});
    m.column(&Owner::city, "city", {.type = types::String(80)});
    m.column(&Owner::telephone, "telephone", {.type = types::String(20)});
}
template <>
void retort::orm::define(Mapping<Pet>& m) {
    m.table("pet");
    m.column(&Pet::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
    m.column(&Pet::name, "name", {.type = types::String(30)});
    m.column(&Pet::birth_date, "birth_date");
    m.column(&Pet::owner_id, "owner_id");
    m.many_to_one(&Pet::owner, "owner", on(&Pet::owner_id, &Owner::id));
}
template <>
void retort::orm::define(Mapping<Specialty>& m) {
    m.table("specialty");
    m.column(&Specialty::id, "name", {.type = types::String(80), .primary_key = true});
}
template <>
void retort::orm::define(Mapping<VetSpecialty>& m) {
    m.table("vetSpecialties");
    m.column(&VetSpecialty::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
    m.column(&VetSpecialty::vet_id, "vet_id");
    m.column(&VetSpecialty::specialty_id, "specialty_id", {.type = types::String(80)});
}
template <>
void retort::orm::define(Mapping<Vet>& m) {
    m.table("vet");
    m.column(&Vet::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
    m.column(&Vet::name, "name", {.type = types::String(30)});
    m.many_to_many(&Vet::specialties, "specialties", "vetSpecialties", on(&Vet::id, "vet_id"),
                   on(&Specialty::id, "specialty_id"), {.order_by = {"name"}});
}

namespace {

// The server's log, read through the server (pg_read_file; the test's role is a superuser there).
class ServerLog {
public:
    explicit ServerLog(Engine admin) : admin_(std::move(admin)) {}
    // Finds the log file: RETORT_TEST_PG_LOG, the logging collector's file, or server.log beside the data
    // directory (where scripts/pg.sh has pg_ctl write it). Empty with the reason when there is none to read.
    std::string locate() {
        auto conn = admin_.connect();
        if (!conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar_one<bool>())
            return "the test role is not a superuser (log_statement and pg_read_file need one)";
        std::vector<std::string> candidates;
        if (const char* env = std::getenv("RETORT_TEST_PG_LOG"); env && *env) candidates.emplace_back(env);
        if (auto cur = conn.exec_driver_sql("SELECT pg_current_logfile()").scalar_one<std::optional<std::string>>())
            candidates.push_back(conn.exec_driver_sql("SELECT current_setting('data_directory')").scalar_one<std::string>() +
                                 "/" + *cur);
        std::string data = conn.exec_driver_sql("SELECT current_setting('data_directory')").scalar_one<std::string>();
        candidates.push_back(data.substr(0, data.rfind('/')) + "/server.log");
        for (const auto& c : candidates) {
            auto size = conn.exec_driver_sql("SELECT (pg_stat_file($1, true)).size", {Value(c)}).scalar_one<std::optional<std::int64_t>>();
            if (size) {
                path_ = c;
                start_ = *size;
                return "";
            }
        }
        return "no server log file found (set RETORT_TEST_PG_LOG)";
    }
    // The log written since locate().
    std::string since_start() {
        auto conn = admin_.connect();
        auto size = conn.exec_driver_sql("SELECT (pg_stat_file($1)).size", {Value(path_)}).scalar_one<std::int64_t>();
        if (size <= start_) return {};
        return conn.exec_driver_sql("SELECT pg_read_file($1, $2, $3)", {Value(path_), Value(start_), Value(size - start_)})
            .scalar_one<std::string>();
    }
    // Waits until these backends have ended, so that their last lines are written.
    void wait_gone(const std::set<std::int64_t>& pids) {
        auto conn = admin_.connect();
        for (int i = 0; i < 100; ++i) {
            std::int64_t alive = 0;
            for (auto pid : pids)
                alive += conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", {Value(pid)})
                             .scalar_one<std::int64_t>();
            if (!alive) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

private:
    Engine admin_;
    std::string path_;
    std::int64_t start_ = 0;
};

// The statements of these backends in the log: "LOG:  statement: ..." (simple protocol) and
// "LOG:  execute <name>: ..." (extended protocol), their text only.
std::vector<std::string> statements_of(const std::string& log, const std::set<std::int64_t>& pids) {
    std::vector<std::string> out;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        auto lb = line.find(" [");
        auto rb = line.find("] ", lb == std::string::npos ? 0 : lb);
        if (lb == std::string::npos || rb == std::string::npos) continue;
        std::int64_t pid = 0;
        try {
            pid = std::stoll(line.substr(lb + 2, rb - lb - 2));
        } catch (...) {
            continue;
        }
        if (!pids.count(pid)) continue;
        auto at = line.find("LOG:  statement: ");
        if (at != std::string::npos) {
            out.push_back(line.substr(at + 17));
            continue;
        }
        at = line.find("LOG:  execute ");
        if (at != std::string::npos) {
            auto colon = line.find(": ", at + 14);
            if (colon != std::string::npos) out.push_back(line.substr(colon + 2));
        }
    }
    return out;
}

std::string head(const std::string& s, std::size_t n = 48) { return s.substr(0, std::min(n, s.find('\n'))).substr(0, n); }

}  // namespace

TEST(CrudRoundTrips, SeedFlowOnPostgreSQL) {
    if (!testkit::is_postgresql() || testkit::is_dsql()) GTEST_SKIP() << "counts what a PostgreSQL server received";
    ServerLog log(create_engine(testkit::test_url()));
    if (auto why = log.locate(); !why.empty()) GTEST_SKIP() << why;

    MetaData& metadata = models().map<Owner, Pet, Specialty, VetSpecialty, Vet>();
    metadata.drop_all(create_engine(testkit::test_url()));

    // The flow's engine: each of its connections logs its statements, and says which backend it is.
    Engine engine = create_engine(testkit::test_url());
    std::set<std::int64_t> pids;
    engine.on_connect([&](DBAPIConnection& c) {
        auto cur = c.execute("SELECT pg_backend_pid()", {});
        if (cur->next()) pids.insert(cur->get_int(0));
        c.exec_script("SET log_statement = 'all'");
    });

    // ---- crud(), as seeds 000/001 and examples/pet_clinic run it
    for (Table* t : metadata.sorted_tables()) t->create(engine, true);
    {
        Session session(engine);
        auto joe = session.add(Owner{.name = "Joe", .city = "Seattle"});
        auto mary = session.add(Owner{.name = "Mary", .city = "New York", .telephone = "93209753297"});
        session.add(Owner{.name = "Dennis", .city = "Chicago"});
        auto tom = session.add(Pet{.name = "Tom", .birth_date = {2006, 10, 25}, .owner = joe});
        auto exotic = session.add(Specialty{.id = "Exotic"});
        auto dogs = session.add(Specialty{.id = "Dogs"});
        auto cats = session.add(Specialty{.id = "Cats"});
        auto jake = session.add(Vet{.name = "Jake", .specialties = {exotic}});
        auto alice = session.add(Vet{.name = "Alice", .specialties = {dogs, cats}});
        auto vince = session.add(Vet{.name = "Vince"});
        session.commit();

        tom = session.scalars(select<Pet>().where(col(&Pet::name) == "Tom")).one();
        joe = session.scalars(select<Owner>().where(col(&Owner::id) == *tom->owner_id)).one();
        EXPECT_EQ(tom->birth_date.iso(), "2006-10-25");
        EXPECT_EQ(joe->city, "Seattle");
        EXPECT_EQ(tom->owner->name, "Joe");

        session.execute(orm::update<Pet>().value(col(&Pet::owner_id), mary->id).where(col(&Pet::id) == tom->id));
        tom = session.scalars(select<Pet>().where(col(&Pet::name) == "Tom")).one();
        EXPECT_EQ(tom->owner_id, mary->id);

        session.execute(orm::delete_<Owner>().where(col(&Owner::name) == "Dennis"));
        EXPECT_TRUE(session.scalars(select<Owner>().where(col(&Owner::name) == "Dennis")).empty());

        jake = session.scalars(select<Vet>().where(col(&Vet::name) == "Jake")).one();
        alice = session.scalars(select<Vet>().where(col(&Vet::name) == "Alice")).one();
        vince = session.scalars(select<Vet>().where(col(&Vet::name) == "Vince")).one();
        exotic = session.scalars(select<Specialty>().where(col(&Specialty::id) == jake->specialties[0]->id)).one();
        cats = session.scalars(select<Specialty>().where(col(&Specialty::id) == alice->specialties[0]->id)).one();
        dogs = session.scalars(select<Specialty>().where(col(&Specialty::id) == alice->specialties[1]->id)).one();
        EXPECT_EQ(exotic->id, "Exotic");
        EXPECT_EQ(cats->id, "Cats");
        EXPECT_EQ(dogs->id, "Dogs");
        EXPECT_TRUE(vince->specialties.empty());

        vince->specialties.push_back(dogs);
        session.commit();
        dogs = session.scalars(select<Specialty>().where(col(&Specialty::id) == vince->specialties[0]->id)).one();
        EXPECT_EQ(dogs->id, "Dogs");

        vince->specialties.remove(dogs);
        session.commit();
        vince = session.scalars(select<Vet>().where(col(&Vet::name) == "Vince")).one();
        EXPECT_TRUE(vince->specialties.empty());
        session.close();
    }
    auto tables = metadata.sorted_tables();
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) (*it)->drop(engine, true);
    engine.dispose();

    log.wait_gone(pids);
    const auto stmts = statements_of(log.since_start(), pids);
    std::vector<std::string> heads;
    for (const auto& s : stmts) heads.push_back(head(s));

    // What each statement the server received is for.
    const std::vector<std::string> expect{
        // create the tables (checkfirst): one CREATE TABLE IF NOT EXISTS each, in autocommit
        "CREATE TABLE IF NOT EXISTS owner (", "CREATE TABLE IF NOT EXISTS pet (", "CREATE TABLE IF NOT EXISTS specialty (",
        "CREATE TABLE IF NOT EXISTS \"vetSpecialties\" (", "CREATE TABLE IF NOT EXISTS vet (",
        // session.add_all(...); commit(): one multi-row INSERT ... RETURNING per table, parents first
        "BEGIN", "INSERT INTO owner (name, city, telephone) VALUES", "INSERT INTO pet (name, birth_date, owner_id) VA",
        "INSERT INTO specialty (name) VALUES ($1), ($2), (", "INSERT INTO vet (name) VALUES ($1), ($2), ($3) RE",
        "INSERT INTO \"vetSpecialties\" (specialty_id, vet_id",  // the association rows
        "COMMIT",
        // the pet, then its owner by the pet's owner_id (pet.owner is then that owner, from the identity map)
        "BEGIN", "SELECT pet.id, pet.name, pet.birth_date, pet.own", "SELECT owner.id, owner.name, owner.city, owner.t",
        // mary.id: mary was expired by the commit (expire_on_commit): reloaded
        "SELECT owner.id, owner.name, owner.city, owner.t",
        // the UPDATE (RETURNING the keys it touched, to keep the identity map in step), and the pet read again
        "UPDATE pet SET owner_id = $1 WHERE pet.id = $2 RE", "SELECT pet.id, pet.name, pet.birth_date, pet.own",
        // the DELETE, and the check that Dennis is gone
        "DELETE FROM owner WHERE owner.name = $1 RETURNING", "SELECT owner.id, owner.name, owner.city, owner.t",
        // the three vets
        "SELECT vet.id, vet.name FROM vet WHERE vet.name =", "SELECT vet.id, vet.name FROM vet WHERE vet.name =",
        "SELECT vet.id, vet.name FROM vet WHERE vet.name =",
        // jake.specialties (lazy load), the query for its first; alice.specialties, the queries for both
        "SELECT specialty.name FROM specialty JOIN \"vetSpe", "SELECT specialty.name FROM specialty WHERE specia",
        "SELECT specialty.name FROM specialty JOIN \"vetSpe", "SELECT specialty.name FROM specialty WHERE specia",
        "SELECT specialty.name FROM specialty WHERE specia",
        // vince.specialties (empty); the new association row at commit
        "SELECT specialty.name FROM specialty JOIN \"vetSpe", "INSERT INTO \"vetSpecialties\" (specialty_id, vet_id",
        "COMMIT",
        // vince, expired by the commit, reloaded; his specialties loaded again, and the query for the first
        "BEGIN", "SELECT vet.id, vet.name FROM vet WHERE vet.id = $", "SELECT specialty.name FROM specialty JOIN \"vetSpe",
        "SELECT specialty.name FROM specialty WHERE specia",
        // the association row deleted at commit
        "DELETE FROM \"vetSpecialties\" WHERE \"vetSpecialties\"", "COMMIT",
        // vince read again, his specialties (empty); close() rolls the read-only transaction back
        "BEGIN", "SELECT vet.id, vet.name FROM vet WHERE vet.name =", "SELECT specialty.name FROM specialty JOIN \"vetSpe",
        "ROLLBACK",
        // drop the tables (checkfirst): one DROP TABLE IF EXISTS each, in autocommit
        "DROP TABLE IF EXISTS vet", "DROP TABLE IF EXISTS \"vetSpecialties\"", "DROP TABLE IF EXISTS specialty",
        "DROP TABLE IF EXISTS pet", "DROP TABLE IF EXISTS owner",
    };
    std::string diff;
    for (std::size_t i = 0; i < std::max(stmts.size(), expect.size()); ++i) {
        const std::string got = i < stmts.size() ? heads[i] : "(none)";
        const bool ok = i < stmts.size() && i < expect.size() && stmts[i].starts_with(expect[i]);
        diff += (ok ? "    " : " >> ") + std::to_string(i + 1) + " " + got +
                (ok || i >= expect.size() ? "" : "   (expected " + expect[i] + ")") + "\n";
    }
    EXPECT_TRUE(stmts.size() == expect.size() && diff.find(" >> ") == std::string::npos)
        << "the server received " << stmts.size() << " statements:\n" << diff;
    EXPECT_LE(stmts.size(), 50u);
}
