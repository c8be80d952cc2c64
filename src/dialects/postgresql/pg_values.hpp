// The values PostgreSQL stores and gives back as they were written (its driver refuses the others).
#pragma once

#include "types/value_check.hpp"

namespace retort::detail {

// Dates from 4714 BC (year -4713) to 5874897, timestamps to 294276, offsets within 15:59.
inline constexpr ValueLimits postgresql_value_limits{-4713, 5874897, -4713, 294276, 15 * 60 + 59, true, true};

}  // namespace retort::detail
