// One mapping block per model; compiled once, here.
#include "models.hpp"

using namespace retort;
using namespace retort::orm;

template <>
void retort::orm::define(Mapping<Owner>& m) {
    m.table("owner");
    m.name("Owner");
    m.column(&Owner::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
    m.column(&Owner::name, "name", {.type = types::String(30)});
    m.column(&Owner::city, "city", {.type = types::String(80)});
    m.column(&Owner::telephone, "telephone", {.type = types::String(20)});
}

template <>
void retort::orm::define(Mapping<Pet>& m) {
    m.table("pet");
    m.name("Pet");
    m.column(&Pet::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
    m.column(&Pet::name, "name", {.type = types::String(30)});
    m.column(&Pet::birth_date, "birth_date");
    m.column(&Pet::owner_id, "owner_id");
    // No foreign key: the join condition is given (Owner.id == Pet.owner_id).
    m.many_to_one(&Pet::owner, "owner", on(&Pet::owner_id, &Owner::id));
}

template <>
void retort::orm::define(Mapping<Specialty>& m) {
    m.table("specialty");
    m.name("Specialty");
    m.column(&Specialty::id, "name", {.type = types::String(80), .primary_key = true});
}

template <>
void retort::orm::define(Mapping<VetSpecialty>& m) {
    m.table("vetSpecialties");
    m.name("VetSpecialties");
    m.column(&VetSpecialty::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
    m.column(&VetSpecialty::vet_id, "vet_id");
    m.column(&VetSpecialty::specialty_id, "specialty_id", {.type = types::String(80)});
}

template <>
void retort::orm::define(Mapping<Vet>& m) {
    m.table("vet");
    m.name("Vet");
    m.column(&Vet::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
    m.column(&Vet::name, "name", {.type = types::String(30)});
    m.many_to_many(&Vet::specialties, "specialties", "vetSpecialties", on(&Vet::id, "vet_id"),
                   on(&Specialty::id, "specialty_id"), {.order_by = {"name"}});
}
