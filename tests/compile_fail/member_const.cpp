// A const member must not compile as a column: loading a row assigns it.
// expect: a const member cannot be a column
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    const std::string kind = "x";
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::kind, "kind");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
