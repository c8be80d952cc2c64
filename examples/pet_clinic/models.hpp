// The pet clinic's models: owners and their pets (one-to-many without a foreign key), vets and their
// specialties (many-to-many through "vetSpecialties" with explicit join conditions), UUID keys made by the
// server (gen_random_uuid()).
#pragma once

#include <retort/orm.hpp>

struct Owner;

struct Pet {
    retort::Uuid id;
    std::string name;
    retort::Date birth_date;
    std::optional<retort::Uuid> owner_id;
    retort::orm::Ref<Owner> owner;  // many-to-one, lazy by default
};

struct Owner {
    retort::Uuid id;
    std::string name;
    std::string city;
    std::optional<std::string> telephone;
};

struct Specialty {
    std::string id;  // the column "name"
};

// The association table as a model of its own, as the seed declares it.
struct VetSpecialty {
    retort::Uuid id;
    std::optional<retort::Uuid> vet_id;
    std::optional<std::string> specialty_id;
};

struct Vet {
    retort::Uuid id;
    std::string name;
    retort::orm::Collection<Specialty> specialties;  // many-to-many through "vetSpecialties"
};
