#include "retort/version.hpp"

namespace retort {

const char* version() noexcept {
    return RETORT_VERSION;  // the project's version, from CMakeLists.txt
}

}  // namespace retort
