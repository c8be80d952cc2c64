// one_to_one() on a plain struct member must not compile: the member must be a Ref<T>.
// expect: many_to_one() and one_to_one() need a Ref<T> member (T the related model)
#include <retort/orm.hpp>

struct Owner {
    std::int64_t id = 0;
};
struct Pet {
    std::int64_t id = 0;
    std::int64_t owner_id = 0;
    Owner owner;
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
    m.one_to_one(&Pet::owner, "owner");
}

int main() { (void)retort::orm::mapped_metadata<Owner, Pet>(); }
