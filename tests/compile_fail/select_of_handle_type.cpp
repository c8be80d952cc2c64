// select<Ptr<T>>() must not compile: the model itself is named.
// expect: name the mapped model itself here
#include "owner_pet.hpp"

void all(retort::orm::Session& s) {
    auto owners = s.scalars(retort::select<retort::orm::Ptr<Owner>>()).all();
    (void)owners;
}

int main() {}
