// A column compared with a value Retort cannot bind (an enum without a type_adapter) must not compile.
// expect: a value of this C++ type cannot be a bound parameter
#include <retort/retort.hpp>

enum class Species { Cat, Dog };
enum class Colour { Red, Green };  // no type_adapter

template <>
struct retort::type_adapter<Species> {
    using stored = std::string;
    static std::string to_stored(Species s) { return s == Species::Cat ? "cat" : "dog"; }
    static Species from_stored(const std::string& s) { return s == "cat" ? Species::Cat : Species::Dog; }
};

struct Pets : retort::TableDef {
    using TableDef::TableDef;
    retort::Col<Species> species = col<Species>("species");
};

int main() {
    retort::MetaData md;
    Pets pets(md, "pets");
    // Two types of the program's own: the comparison is allowed, but Colour has no adapter to bind it through.
    auto e = pets.species == Colour::Red;
    (void)e;
}
