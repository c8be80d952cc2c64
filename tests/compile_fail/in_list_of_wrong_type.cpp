// in_() with values of another type must not compile.
// expect: in_() values must be of a type comparable with the expression
#include <retort/retort.hpp>

struct Users : retort::TableDef {
    using TableDef::TableDef;
    retort::Col<int> age = col<int>("age");
};

int main() {
    retort::MetaData md;
    Users users(md, "users");
    auto e = users.age.in_(std::vector<std::string>{"a"});
    (void)e;
}
