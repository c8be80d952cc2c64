// on() of an association column given a relationship member must not compile.
// expect: on() names a column member
#include <retort/orm.hpp>

using retort::orm::on;

struct Owner {
    std::int64_t id = 0;
};
struct Vet {
    std::int64_t id = 0;
    retort::orm::Collection<Owner> clients;
};

template <>
void retort::orm::define(Mapping<Owner>& m) {
    m.table("owners");
    m.column(&Owner::id, "id", {.primary_key = true});
}
template <>
void retort::orm::define(Mapping<Vet>& m) {
    m.table("vets");
    m.column(&Vet::id, "id", {.primary_key = true});
    m.many_to_many(&Vet::clients, "clients", "vet_clients", on(&Vet::clients, "vet_id"), on(&Owner::id, "owner_id"));
}

int main() { (void)retort::orm::mapped_metadata<Owner, Vet>(); }
