// The pet clinic: the seed's whole crud() flow on Retort's ORM. Every assert of the seed is a check that
// fails the program. Run: build/bin/pet_clinic [--url URL] [--echo]   (default sqlite:///pet_clinic.db, or
// $DATABASE_URL, or Aurora DSQL from $CLUSTER_ENDPOINT, $CLUSTER_USER and $REGION)
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "models.hpp"
#include "tutorial.hpp"

using namespace retort;
using namespace retort::orm;

namespace {

int checks = 0;

void check(bool ok, const std::string& what) {
    if (!ok) {
        std::fprintf(stderr, "CHECK FAILED: %s\n", what.c_str());
        std::exit(1);
    }
    ++checks;
    std::printf("    ok  %s\n", what.c_str());
}

void step(const char* what) { std::printf("\n%s\n", what); }

}  // namespace

int main(int argc, char** argv) {
    std::string url = "sqlite:///pet_clinic.db";
    if (const char* env = std::getenv("DATABASE_URL"); env && *env) {
        url = env;
    } else if (const char* endpoint = std::getenv("CLUSTER_ENDPOINT"); endpoint && *endpoint) {
        // Aurora DSQL as in the seed: admin works in public, any other role in myschema.
        const char* user_env = std::getenv("CLUSTER_USER");
        const std::string user = user_env && *user_env ? user_env : "admin";
        url = "auroradsql://" + user + "@" + endpoint + "/postgres";
        std::string sep = "?";
        if (const char* region = std::getenv("REGION"); region && *region) {
            url += sep + "region=" + region;
            sep = "&";
        }
        if (user != "admin") url += sep + "schema=myschema";
    }
    bool echo = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--url") && i + 1 < argc) url = argv[++i];
        else if (!std::strcmp(argv[i], "--echo")) echo = true;
        else {
            std::fprintf(stderr, "usage: pet_clinic [--url URL] [--echo]\n");
            return 2;
        }
    }
    try {
        MetaData& metadata = mapped_metadata<Owner, Pet, Specialty, VetSpecialty, Vet>();
        EngineOptions opts;
        opts.echo = echo;
        opts.pool_size = 10;  // seed 004's pool settings
        opts.max_overflow = 20;
        Engine engine = create_engine(url, opts);
        std::printf("Pet clinic on %s\n", engine.url().str().c_str());

        step("Create the tables (checkfirst)");
        for (Table* t : metadata.sorted_tables()) {
            t->create(engine, true);
            std::printf("    table %s\n", t->name().c_str());
        }

        Session session(engine);

        step("Insert owners, a pet, specialties and vets");
        auto joe = session.add(Owner{.name = "Joe", .city = "Seattle"});
        auto mary = session.add(Owner{.name = "Mary", .city = "New York", .telephone = "93209753297"});
        auto dennis = session.add(Owner{.name = "Dennis", .city = "Chicago"});
        auto tom = session.add(Pet{.name = "Tom", .birth_date = {2006, 10, 25}, .owner = joe});
        auto exotic = session.add(Specialty{.id = "Exotic"});
        auto dogs = session.add(Specialty{.id = "Dogs"});
        auto cats = session.add(Specialty{.id = "Cats"});
        auto jake = session.add(Vet{.name = "Jake", .specialties = {exotic}});
        auto alice = session.add(Vet{.name = "Alice", .specialties = {dogs, cats}});
        auto vince = session.add(Vet{.name = "Vince"});
        session.commit();
        std::printf("    committed 3 owners, 1 pet, 3 specialties, 3 vets\n");

        step("One-to-many: read the pet back, then its owner");
        tom = session.scalars(select<Pet>().where(col(&Pet::name) == "Tom")).one();
        joe = session.scalars(select<Owner>().where(col(&Owner::id) == *tom->owner_id)).one();
        check(tom->name == "Tom", "the pet is Tom");
        check(tom->birth_date.iso() == "2006-10-25", "Tom was born on 2006-10-25");
        check(joe->name == "Joe", "Tom's owner is Joe");
        check(joe->city == "Seattle", "Joe lives in Seattle");
        check(tom->owner->name == "Joe", "the relationship pet.owner leads to Joe too");

        step("Update the pet: Mary is the owner now");
        session.execute(orm::update<Pet>().value(col(&Pet::owner_id), mary->id).where(col(&Pet::id) == tom->id));
        tom = session.scalars(select<Pet>().where(col(&Pet::name) == "Tom")).one();
        check(tom->owner_id == mary->id, "Tom's owner_id is Mary's id");

        step("Delete the owner Dennis");
        session.execute(orm::delete_<Owner>().where(col(&Owner::name) == "Dennis"));
        check(session.scalars(select<Owner>().where(col(&Owner::name) == "Dennis")).empty(), "Dennis is gone");

        step("Many-to-many: the vets and their specialties");
        jake = session.scalars(select<Vet>().where(col(&Vet::name) == "Jake")).one();
        alice = session.scalars(select<Vet>().where(col(&Vet::name) == "Alice")).one();
        vince = session.scalars(select<Vet>().where(col(&Vet::name) == "Vince")).one();
        exotic = session.scalars(select<Specialty>().where(col(&Specialty::id) == jake->specialties[0]->id)).one();
        // Specialties are ordered by name, so cats come before dogs.
        cats = session.scalars(select<Specialty>().where(col(&Specialty::id) == alice->specialties[0]->id)).one();
        dogs = session.scalars(select<Specialty>().where(col(&Specialty::id) == alice->specialties[1]->id)).one();
        check(jake->name == "Jake", "Jake is a vet");
        check(exotic->id == "Exotic", "Jake's specialty is Exotic");
        check(alice->name == "Alice", "Alice is a vet");
        check(dogs->id == "Dogs", "Alice's second specialty is Dogs");
        check(cats->id == "Cats", "Alice's first specialty is Cats");
        check(vince->name == "Vince", "Vince is a vet");
        check(vince->specialties.empty(), "Vince has no specialty");

        step("Give Vince the specialty Dogs");
        vince->specialties.push_back(dogs);
        session.commit();
        dogs = session.scalars(select<Specialty>().where(col(&Specialty::id) == vince->specialties[0]->id)).one();
        check(dogs->id == "Dogs", "Vince's specialty is Dogs");

        step("Take Dogs away from Vince again");
        vince->specialties.remove(dogs);
        session.commit();
        vince = session.scalars(select<Vet>().where(col(&Vet::name) == "Vince")).one();
        check(vince->specialties.empty(), "Vince has no specialty again");

        session.close();
        step("Drop the tables");
        auto tables = metadata.sorted_tables();
        for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
            (*it)->drop(engine, true);
            std::printf("    table %s\n", (*it)->name().c_str());
        }
        // The other seeds' flows, each on its own models and registry.
        tutorial::run(engine, [](bool ok, const std::string& what) { check(ok, what); });
        relations::run(engine, [](bool ok, const std::string& what) { check(ok, what); });

        std::printf("\nAll %d checks passed.\n", checks);
        return 0;
    } catch (const retort::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
