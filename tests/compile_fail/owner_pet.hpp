// The owner and pet models of the compile-fail tests that misuse a well-formed mapping: each test includes this
// and adds the one call that must not compile.
#pragma once

#include <retort/orm.hpp>

using retort::orm::Collection;
using retort::orm::Ref;

struct Pet;
struct Owner {
    std::int64_t id = 0;
    std::string name;
    Collection<Pet> pets;
};
struct Pet {
    std::int64_t id = 0;
    std::int64_t owner_id = 0;
    Ref<Owner> owner;
};

template <>
void retort::orm::define(Mapping<Owner>& m) {
    m.table("owners");
    m.column(&Owner::id, "id", {.primary_key = true});
    m.column(&Owner::name, "name");
    m.one_to_many(&Owner::pets, "pets", {.back_populates = "owner"});
}
template <>
void retort::orm::define(Mapping<Pet>& m) {
    m.table("pets");
    m.column(&Pet::id, "id", {.primary_key = true});
    m.column(&Pet::owner_id, "owner_id", {.foreign_key = "owners.id"});
    m.many_to_one(&Pet::owner, "owner", {.back_populates = "pets"});
}
