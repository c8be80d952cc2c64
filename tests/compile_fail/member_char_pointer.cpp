// A const char* member must not compile: it does not own its text.
// expect: a char pointer member does not own its text
#include <retort/orm.hpp>

struct Model {
    std::int64_t id = 0;
    const char* name = nullptr;
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::name, "name");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
