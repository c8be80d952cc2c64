// select<T>().join() along a column member must not compile: it joins along relationships.
// expect: join() along a relationship takes a Ref<T> or Collection<T> member
#include "owner_pet.hpp"

void joined(retort::orm::Session& s) {
    auto pets = s.scalars(retort::select<Pet>().join(&Pet::owner_id)).all();
    (void)pets;
}

int main() {}
