// A mapped model that cannot be copied must not compile, with a sentence saying why.
// expect: a mapped model must be copyable
#include <retort/orm.hpp>

using retort::orm::on;

struct Owner {
    std::int64_t id = 0;
};
struct Pet {
    std::int64_t id = 0;
    std::unique_ptr<std::string> cache;  // not mapped, but it makes Pet move-only
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
}

int main() { (void)retort::orm::mapped_metadata<Owner, Pet>(); }
