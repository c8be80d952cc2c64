// The values SQLite stores and gives back as they were written (its driver refuses the others).
#pragma once

#include "types/value_check.hpp"

namespace retort::detail {

// SQLite keeps dates and times as ISO text, which sorts and compares chronologically (and which its date
// functions read) for years 0000 to 9999; NaN becomes NULL there.
inline constexpr ValueLimits sqlite_value_limits{0, 9999, 0, 9999, 23 * 60 + 59, false, false};

}  // namespace retort::detail
