// session.get_one<T>() given an object instead of a key's value must not compile.
// expect: get_one<T>() takes the primary key's value
#include "owner_pet.hpp"

void find(retort::orm::Session& s, const Owner& owner) {
    auto o = s.get_one<Owner>(owner);
    (void)o;
}

int main() {}
