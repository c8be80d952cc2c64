// col() of a relationship member must not compile: a relationship has no column.
// expect: col() takes a column member; a relationship has no column of its own
#include "owner_pet.hpp"

void orphans(retort::orm::Session& s) {
    auto pets = s.scalars(retort::select<Pet>().where(retort::col(&Pet::owner).is_null())).all();
    (void)pets;
}

int main() {}
