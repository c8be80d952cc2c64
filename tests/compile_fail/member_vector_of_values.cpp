// A std::vector of values given to column() must not compile: a list is a relationship or a Json column.
// expect: a list of values is not a column
#include <vector>
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    std::vector<std::string> tags;
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::tags, "tags");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
