// A single char member must not compile: text is a std::string, a small number a short or int.
// expect: a char member cannot be a column
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    char grade = 'A';
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::grade, "grade");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
