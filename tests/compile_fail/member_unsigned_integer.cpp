// An unsigned integer member must not compile: SQL has no unsigned integer type Retort maps.
// expect: use std::int64_t or int for this member
#include <cstdint>
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    std::uint32_t visits = 0;
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::visits, "visits");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
