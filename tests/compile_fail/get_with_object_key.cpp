// session.get<T>() given a handle instead of a key's value must not compile.
// expect: get<T>() takes the primary key's value
#include "owner_pet.hpp"

void find(retort::orm::Session& s, retort::orm::Ptr<Owner> owner) {
    auto pet = s.get<Pet>(owner);
    (void)pet;
}

int main() {}
