// A text column compared with a number must not compile.
// expect: these two types cannot be compared in SQL
#include <retort/retort.hpp>

struct Users : retort::TableDef {
    using TableDef::TableDef;
    retort::Col<std::string> name = col<std::string>("name");
};

int main() {
    retort::MetaData md;
    Users users(md, "users");
    auto s = retort::select(users.name).where(users.name == 42);
    (void)s;
}
