// Retort's version, as the library that the program runs with reports it.
#pragma once

#include "retort/export.hpp"

namespace retort {

// "MAJOR.MINOR.PATCH" of the linked library (which, with shared libraries, may be newer than the headers).
[[nodiscard]] RETORT_API const char* version() noexcept;

}  // namespace retort
