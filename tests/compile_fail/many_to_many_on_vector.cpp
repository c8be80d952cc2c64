// many_to_many() on a std::vector member must not compile: the member must be a Collection<T>.
// expect: one_to_many() and many_to_many() need a Collection<T> member (T the related model)
#include <retort/orm.hpp>

struct Owner {
    std::int64_t id = 0;
};
struct Pet {
    std::int64_t id = 0;
    std::int64_t owner_id = 0;
    std::vector<retort::orm::Ptr<Owner>> owners;
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
    m.many_to_many(&Pet::owners, "owners", "pet_owners");
}

int main() { (void)retort::orm::mapped_metadata<Owner, Pet>(); }
