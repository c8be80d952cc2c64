// A mapped member of a C++ type Retort cannot store must not compile, and the message says what to do.
// expect: Retort cannot store a member of this C++ type
#include <retort/orm.hpp>

struct Point {
    double x = 0, y = 0;
};
struct Shape {
    std::int64_t id = 0;
    Point centre;
};

template <>
void retort::orm::define(Mapping<Shape>& m) {
    m.table("shapes");
    m.column(&Shape::id, "id", {.primary_key = true});
    m.column(&Shape::centre, "centre");
}

int main() { (void)retort::orm::mapped_metadata<Shape>(); }
