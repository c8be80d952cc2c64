// A char array member must not compile: text is a std::string.
// expect: a char array member cannot be a column
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    char name[32] = {};
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::name, "name");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
