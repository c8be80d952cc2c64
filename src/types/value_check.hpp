// Values a database cannot store and give back the same are refused before they are sent (DataError), so
// nothing is committed that a later read could not turn back into the value written. Each driver checks the
// parameters it binds against its database's limits (a ValueLimits of its own).
#pragma once

#include <string>

#include "retort/export.hpp"
#include "retort/types/value.hpp"

namespace retort::detail {

struct ValueLimits {
    int min_date_year, max_date_year;            // Date
    int min_timestamp_year, max_timestamp_year;  // DateTime
    int max_offset_minutes;                      // |utc_offset_minutes| of a DateTime
    bool nan = true;                             // a NaN double can be stored
    bool interval_fields_32bit = false;          // Interval months and days are 32-bit integers
};

// Why v cannot be stored and read back as it is under these limits (into why, with an SQLSTATE), or false
// when it can. Dates must be real calendar days, times within 00:00:00 to 23:59:59.999999 (a TIME may also
// be 24:00:00), years within the limits. Exported (RETORT_API) for the backend libraries' drivers.
RETORT_API bool unstorable(const Value& v, const ValueLimits& limits, std::string& why, const char*& sqlstate);

// The kinds unstorable() looks at; a value of any other kind is stored as it is given (drivers skip the call).
constexpr bool may_be_unstorable(Value::Kind k) noexcept {
    return k == Value::Kind::Double || k == Value::Kind::Date || k == Value::Kind::Time ||
           k == Value::Kind::DateTime || k == Value::Kind::Interval;
}

}  // namespace retort::detail
