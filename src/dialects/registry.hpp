// How Retort's own backend libraries (src/dialects/<name>/register.cpp) enter the dialect registry.
#pragma once

#include <string>

#include "retort/dialects/dialect.hpp"

namespace retort::detail {

// Registers a backend's dialect for a URL scheme unless the scheme already has one (a program that
// registered its own dialect for the scheme before the backend did keeps it). Exported (RETORT_API) for the
// backend libraries, which call it from their own shared libraries.
RETORT_API void register_backend_dialect(std::string scheme, DialectFactory factory);

}  // namespace retort::detail
