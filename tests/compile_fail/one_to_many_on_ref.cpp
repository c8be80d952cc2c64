// one_to_many() on a Ref<T> member must not compile: a one-to-many holds a collection.
// expect: one_to_many() and many_to_many() need a Collection<T> member (the related objects)
#include <retort/orm.hpp>

struct Owner {
    std::int64_t id = 0;
};
struct Pet {
    std::int64_t id = 0;
    std::int64_t owner_id = 0;
    retort::orm::Ref<Owner> owner;
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
    m.one_to_many(&Pet::owner, "owner");
}

int main() { (void)retort::orm::mapped_metadata<Owner, Pet>(); }
