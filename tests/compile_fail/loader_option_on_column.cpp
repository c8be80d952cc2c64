// A loader option on a column member must not compile: options name relationships.
// expect: a loader option (selectinload(), joinedload(), raiseload(), ...) names a relationship member
#include "owner_pet.hpp"

void eager(retort::orm::Session& s) {
    auto owners = s.scalars(retort::select<Owner>().options(retort::orm::selectinload(&Owner::pets)
                                                                 .joinedload(&Pet::owner_id)))
                      .all();
    (void)owners;
}

int main() {}
