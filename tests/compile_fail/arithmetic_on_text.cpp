// Arithmetic on a text column must not compile.
// expect: arithmetic needs numeric expressions on both sides
#include <retort/retort.hpp>

struct Users : retort::TableDef {
    using TableDef::TableDef;
    retort::Col<std::string> name = col<std::string>("name");
};

int main() {
    retort::MetaData md;
    Users users(md, "users");
    auto e = users.name + 1;
    (void)e;
}
