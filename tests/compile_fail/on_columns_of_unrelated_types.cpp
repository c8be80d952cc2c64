// A join condition between a text column and an integer one must not compile.
// expect: on() joins two columns whose types cannot be compared in SQL
#include <retort/orm.hpp>

using retort::orm::on;
using retort::orm::Ref;

struct Owner {
    std::int64_t id = 0;
};
struct Pet {
    std::int64_t id = 0;
    std::string owner_name;
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
    m.column(&Pet::owner_name, "owner_name");
    m.many_to_one(&Pet::owner, "owner", on(&Pet::owner_name, &Owner::id));
}

int main() { (void)retort::orm::mapped_metadata<Owner, Pet>(); }
