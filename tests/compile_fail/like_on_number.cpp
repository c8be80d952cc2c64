// LIKE on a numeric column must not compile.
// expect: LIKE applies to text expressions only
#include <retort/retort.hpp>

struct Users : retort::TableDef {
    using TableDef::TableDef;
    retort::Col<int> age = col<int>("age");
};

int main() {
    retort::MetaData md;
    Users users(md, "users");
    auto e = users.age.like("4%");
    (void)e;
}
