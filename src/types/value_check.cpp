#include "types/value_check.hpp"

#include <cmath>
#include <cstdint>

namespace retort::detail {

namespace {

constexpr const char* kDatetimeOverflow = "22008";  // datetime_field_overflow
constexpr const char* kIntervalOverflow = "22015";  // interval_field_overflow
constexpr const char* kDataException = "22000";

bool bad_time(const Time& t, bool allow_24) {
    if (allow_24 && t.hour == 24) return t.minute != 0 || t.second != 0 || t.microsecond != 0;
    return t.hour > 23 || t.minute > 59 || t.second > 59 || t.microsecond > 999'999;
}

// Days from 1970-01-01 of a valid proleptic Gregorian date (H. Hinnant's days_from_civil), in 64 bits.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<std::int64_t>(y - era * 400);
    const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

std::int64_t year_of_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    return yoe + era * 400 + (m <= 2);
}

std::string show_year(int y) { return std::to_string(y); }

}  // namespace

bool unstorable(const Value& v, const ValueLimits& l, std::string& why, const char*& sqlstate) {
    const auto& st = v.storage();
    switch (v.kind()) {
        case Value::Kind::Double: {
            const double d = *std::get_if<double>(&st);
            if (std::isnan(d) && !l.nan) {
                why = "a NaN double cannot be stored (this database keeps it as NULL)";
                sqlstate = kDataException;
                return true;
            }
            return false;
        }
        case Value::Kind::Date: {
            const Date& d = *std::get_if<Date>(&st);
            if (!d.valid()) {
                why = "the date has no such day (month " + std::to_string(d.month) + ", day " + std::to_string(d.day) + ")";
                sqlstate = kDatetimeOverflow;
                return true;
            }
            if (d.year < l.min_date_year || d.year > l.max_date_year) {
                why = "the date's year " + show_year(d.year) + " is outside the years this database stores dates for (" +
                      show_year(l.min_date_year) + " to " + show_year(l.max_date_year) + ")";
                sqlstate = kDatetimeOverflow;
                return true;
            }
            return false;
        }
        case Value::Kind::Time: {
            if (bad_time(*std::get_if<Time>(&st), true)) {
                why = "the time is not a time of day (hours 0-23, minutes and seconds 0-59, microseconds below 1,000,000)";
                sqlstate = kDatetimeOverflow;
                return true;
            }
            return false;
        }
        case Value::Kind::DateTime: {
            const DateTime& dt = *std::get_if<DateTime>(&st);
            if (!dt.date.valid() || bad_time(dt.time, false)) {
                why = "the timestamp is not a real day and time of day";
                sqlstate = kDatetimeOverflow;
                return true;
            }
            if (dt.utc_offset_minutes &&
                (*dt.utc_offset_minutes > l.max_offset_minutes || *dt.utc_offset_minutes < -l.max_offset_minutes)) {
                why = "the timestamp's UTC offset of " + std::to_string(*dt.utc_offset_minutes) +
                      " minutes is beyond the +/-" + std::to_string(l.max_offset_minutes) + " this database takes";
                sqlstate = kDatetimeOverflow;
                return true;
            }
            std::int64_t year = dt.date.year;
            if (dt.utc_offset_minutes && year >= l.min_timestamp_year - 1 && year <= l.max_timestamp_year + 1) {
                // Stored as the UTC instant: its year is what must fit.
                const std::int64_t minutes = days_from_civil(year, dt.date.month, dt.date.day) * 1440 +
                                             dt.time.hour * 60 + dt.time.minute - *dt.utc_offset_minutes;
                const std::int64_t days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
                year = year_of_days(days);
            }
            if (year < l.min_timestamp_year || year > l.max_timestamp_year) {
                why = "the timestamp's year " + show_year(dt.date.year) +
                      " is outside the years this database stores timestamps for (" + show_year(l.min_timestamp_year) +
                      " to " + show_year(l.max_timestamp_year) + ")";
                sqlstate = kDatetimeOverflow;
                return true;
            }
            return false;
        }
        case Value::Kind::Interval: {
            const Interval& iv = *std::get_if<Interval>(&st);
            if (l.interval_fields_32bit && (iv.months > INT32_MAX || iv.months < INT32_MIN || iv.days > INT32_MAX ||
                                            iv.days < INT32_MIN)) {
                why = "the interval's months or days do not fit the 32 bits this database keeps them in";
                sqlstate = kIntervalOverflow;
                return true;
            }
            return false;
        }
        default: return false;
    }
}

}  // namespace retort::detail
