// A std::string_view member must not compile: it would dangle once the row is gone.
// expect: a std::string_view member would point into memory Retort does not keep
#include <string_view>
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    std::string_view name;
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::name, "name");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
