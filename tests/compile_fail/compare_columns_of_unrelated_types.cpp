// Two columns of unrelated types (a date and a UUID) must not be compared.
// expect: these two types cannot be compared in SQL
#include <retort/retort.hpp>

struct Things : retort::TableDef {
    using TableDef::TableDef;
    retort::Col<retort::Date> born = col<retort::Date>("born");
    retort::Col<retort::Uuid> id = col<retort::Uuid>("id");
};

int main() {
    retort::MetaData md;
    Things t(md, "things");
    auto e = t.born < t.id;
    (void)e;
}
