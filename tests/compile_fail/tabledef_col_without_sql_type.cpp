// A Core table definition's column of a C++ type Retort cannot store must not compile.
// expect: Col<T> needs a C++ type Retort can store
#include <retort/retort.hpp>

struct Point {
    double x = 0, y = 0;
};

struct Shapes : retort::TableDef {
    using TableDef::TableDef;
    retort::Col<Point> centre = col<Point>("centre");
};

int main() {
    retort::MetaData md;
    Shapes shapes(md, "shapes");
    (void)shapes;
}
