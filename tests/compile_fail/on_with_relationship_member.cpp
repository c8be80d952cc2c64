// on() given a relationship member must not compile: a join condition names columns.
// expect: on() names two column members
#include <retort/orm.hpp>

using retort::orm::on;
using retort::orm::Ref;

struct Owner {
    std::int64_t id = 0;
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
}
template <>
void retort::orm::define(Mapping<Pet>& m) {
    m.table("pets");
    m.column(&Pet::id, "id", {.primary_key = true});
    m.column(&Pet::owner_id, "owner_id");
    m.many_to_one(&Pet::owner, "owner", on(&Pet::owner, &Owner::id));
}

int main() { (void)retort::orm::mapped_metadata<Owner, Pet>(); }
