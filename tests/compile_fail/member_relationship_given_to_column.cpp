// A relationship member (Collection<T>) given to column() must not compile.
// expect: this member is a relationship, not a column
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    retort::orm::Collection<Model> children;
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::children, "children");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
