// Values read from database text: dates, times, timestamps, intervals, UUIDs, decimals. Any text parses or
// is a retort::Error; a parsed value prints to text that parses back to the same value.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <retort/error.hpp>
#include <retort/types/value.hpp>

namespace {
template <class T, class Parse, class Print>
void round_trip(std::string_view text, Parse parse, Print print) {
    T v;
    try {
        v = parse(text);
    } catch (const retort::Error&) {
        return;
    }
    if (!(parse(print(v)) == v)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace retort;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    round_trip<Date>(text, &Date::parse, [](const Date& d) { return d.iso(); });
    round_trip<Time>(text, &Time::parse, [](const Time& t) { return t.iso(); });
    round_trip<DateTime>(text, &DateTime::parse, [](const DateTime& t) { return t.iso(); });
    round_trip<Interval>(text, &Interval::parse, [](const Interval& i) { return i.iso(); });
    round_trip<Uuid>(text, &Uuid::parse, [](const Uuid& u) { return u.str(); });
    round_trip<Numeric>(text, [](std::string_view s) { return Numeric(s); }, [](const Numeric& n) { return n.text; });
    return 0;
}
