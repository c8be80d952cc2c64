#include "commands.hpp"

namespace retort::cli {
namespace {

// A function-local static, so registrations from other translation units' static initialisers find it
// constructed whatever the initialisation order.
std::vector<Setup>& registry() {
    static std::vector<Setup> all;
    return all;
}

}  // namespace

const std::vector<Setup>& setups() {
    return registry();
}

Registration::Registration(Setup setup) {
    registry().push_back(setup);
}

}  // namespace retort::cli
