// many_to_one() on a Collection<T> member must not compile: a many-to-one holds one related object.
// expect: many_to_one() and one_to_one() need a Ref<T> member (one related object)
#include <retort/orm.hpp>

struct Owner {
    std::int64_t id = 0;
};
struct Pet {
    std::int64_t id = 0;
    std::int64_t owner_id = 0;
    retort::orm::Collection<Owner> owners;
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
    m.many_to_one(&Pet::owners, "owners", {.back_populates = "pets"});
}

int main() { (void)retort::orm::mapped_metadata<Owner, Pet>(); }
