// A raw pointer member must not compile as a column.
// expect: a pointer member cannot be a column
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    double* weight = nullptr;
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::weight, "weight");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
