// bench/compile's peer: the pet clinic's five tables and six of its queries written with sqlite_orm (a header-only
// C++ ORM for SQLite), to compare what one translation unit costs to compile. Built only when SQLITE_ORM_INCLUDE
// names the folder that holds sqlite_orm/sqlite_orm.h; never linked into Retort.
#include <sqlite_orm/sqlite_orm.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace peer {
// UUIDs as text: sqlite_orm stores the C++ types SQLite has.
struct Owner {
    std::string id;
    std::string name;
    std::string city;
    std::optional<std::string> telephone;
};
struct Pet {
    std::string id;
    std::string name;
    std::string birth_date;
    std::optional<std::string> owner_id;
};
struct Specialty {
    std::string name;
};
struct VetSpecialty {
    std::string id;
    std::optional<std::string> vet_id;
    std::optional<std::string> specialty_id;
};
struct Vet {
    std::string id;
    std::string name;
};

inline auto make_clinic(const std::string& path) {
    using namespace sqlite_orm;
    return make_storage(
        path,
        make_table("owner", make_column("id", &Owner::id, primary_key()), make_column("name", &Owner::name),
                   make_column("city", &Owner::city), make_column("telephone", &Owner::telephone)),
        make_table("pet", make_column("id", &Pet::id, primary_key()), make_column("name", &Pet::name),
                   make_column("birth_date", &Pet::birth_date), make_column("owner_id", &Pet::owner_id),
                   foreign_key(&Pet::owner_id).references(&Owner::id)),
        make_table("specialty", make_column("name", &Specialty::name, primary_key())),
        make_table("vet", make_column("id", &Vet::id, primary_key()), make_column("name", &Vet::name)),
        make_table("vetSpecialties", make_column("id", &VetSpecialty::id, primary_key()),
                   make_column("vet_id", &VetSpecialty::vet_id), make_column("specialty_id", &VetSpecialty::specialty_id),
                   foreign_key(&VetSpecialty::vet_id).references(&Vet::id),
                   foreign_key(&VetSpecialty::specialty_id).references(&Specialty::name)));
}
}  // namespace peer

int main() {
    using namespace sqlite_orm;
    using namespace peer;
    auto storage = make_clinic(":memory:");
    storage.sync_schema();
    storage.replace(Owner{"o1", "Joe", "Leipzig", std::nullopt});
    storage.replace(Pet{"p1", "Tom", "2020-01-02", "o1"});
    storage.replace(Specialty{"surgery"});
    storage.replace(Vet{"v1", "Dr. Who"});
    storage.replace(VetSpecialty{"vs1", "v1", "surgery"});

    // 1. A pet by name.
    auto toms = storage.get_all<Pet>(where(c(&Pet::name) == "Tom"));
    // 2. The pets of an owner, by name.
    auto joes = storage.get_all<Pet>(
        where(c(&Pet::owner_id) == "o1"), order_by(&Pet::name));
    // 3. Owners of a city.
    auto leipzig = storage.get_all<Owner>(where(c(&Owner::city) == "Leipzig"));
    // 4. A vet's specialties through the association table.
    auto specialties = storage.select(
        &Specialty::name,
        inner_join<VetSpecialty>(on(c(&VetSpecialty::specialty_id) == &Specialty::name)),
        where(c(&VetSpecialty::vet_id) == "v1"));
    // 5. Pets with their owners' names.
    auto pets_owners = storage.select(columns(&Pet::name, &Owner::name),
                                      inner_join<Owner>(on(c(&Pet::owner_id) == &Owner::id)));
    // 6. Rename an owner, then count the owners.
    auto joe = storage.get<Owner>("o1");
    joe.name = "Joseph";
    storage.update(joe);
    auto owners = storage.count<Owner>();
    std::printf("%zu %zu %zu %zu %zu %d\n", toms.size(), joes.size(), leipzig.size(), specialties.size(),
                pets_owners.size(), owners);
}
