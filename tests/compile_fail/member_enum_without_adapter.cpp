// An enum member without a type_adapter must not compile, and the message says how to map it.
// expect: an enum member needs a retort::type_adapter<E>
#include <retort/orm.hpp>

enum class Colour { Red, Green };
struct Model {
    std::int64_t id = 0;
    Colour colour = Colour::Red;
};

template <>
void retort::orm::define(Mapping<Model>& m) {
    m.table("models");
    m.column(&Model::id, "id", {.primary_key = true});
    m.column(&Model::colour, "colour");
}

int main() { (void)retort::orm::mapped_metadata<Model>(); }
