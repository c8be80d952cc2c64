#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "retort/error.hpp"
#include "retort/types/value.hpp"

using namespace retort;

namespace {

// Runs f, expecting exception E, and returns its message.
template <class E, class F>
std::string error_of(F f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no exception thrown";
    return {};
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

// Date --------------------------------------------------------------------------------------------------------

TEST(DateTest, ParsesAndPrintsIso) {
    auto d = Date::parse("2024-02-29");
    EXPECT_EQ(d.year, 2024);
    EXPECT_EQ(d.month, 2u);
    EXPECT_EQ(d.day, 29u);
    EXPECT_EQ(d.iso(), "2024-02-29");
    EXPECT_EQ(Date::parse("0001-01-01").iso(), "0001-01-01");
    EXPECT_EQ(Date::parse("9999-12-31").iso(), "9999-12-31");
}

TEST(DateTest, PrintsPaddedAndExpandedYears) {
    EXPECT_EQ((Date{5, 3, 7}).iso(), "0005-03-07");
    EXPECT_EQ((Date{12345, 1, 1}).iso(), "12345-01-01");
    EXPECT_EQ((Date{-44, 3, 15}).iso(), "-0044-03-15");
    EXPECT_EQ(Date::parse("-0044-03-15"), (Date{-44, 3, 15}));
    EXPECT_EQ(Date::parse("12345-01-01"), (Date{12345, 1, 1}));
}

TEST(DateTest, Valid) {
    EXPECT_TRUE((Date{2024, 2, 29}).valid());
    EXPECT_FALSE((Date{2023, 2, 29}).valid());
    EXPECT_TRUE((Date{2000, 2, 29}).valid());
    EXPECT_FALSE((Date{1900, 2, 29}).valid());
    EXPECT_FALSE((Date{2024, 4, 31}).valid());
    EXPECT_TRUE((Date{2024, 12, 31}).valid());
    EXPECT_FALSE((Date{2024, 13, 1}).valid());
    EXPECT_FALSE((Date{2024, 0, 1}).valid());
    EXPECT_FALSE((Date{2024, 1, 0}).valid());
    EXPECT_TRUE(Date{}.valid());
}

TEST(DateTest, RejectsMalformedText) {
    for (std::string_view bad : {"", "2024", "2024-1-01", "2024-01-1", "24-01-01", "2024/01/01", "2024-02-30",
                                 "2024-13-01", "2024-01-01 ", "2024-01-01x", "x2024-01-01", "2024-0a-01",
                                 "2024-01-01T00:00:00"}) {
        auto msg = error_of<ArgumentError>([&] { (void)Date::parse(bad); });
        EXPECT_TRUE(contains(msg, "date")) << msg;
    }
}

TEST(DateTest, ErrorQuotesAtMostFortyCharacters) {
    std::string input(100, 'z');
    auto msg = error_of<ArgumentError>([&] { (void)Date::parse(input); });
    EXPECT_TRUE(contains(msg, "'" + std::string(40, 'z') + "'...")) << msg;
    EXPECT_FALSE(contains(msg, std::string(41, 'z'))) << msg;
}

TEST(DateTest, ErrorMasksControlBytes) {
    std::string input("20\n4-\0-01", 9);
    auto msg = error_of<ArgumentError>([&] { (void)Date::parse(input); });
    EXPECT_FALSE(contains(msg, "\n")) << msg;
    EXPECT_EQ(msg.find('\0'), std::string::npos);
    EXPECT_TRUE(contains(msg, "'20?4-?-01'")) << msg;
}

TEST(DateTest, Ordering) {
    EXPECT_LT(Date::parse("2023-12-31"), Date::parse("2024-01-01"));
    EXPECT_LT(Date::parse("2024-01-31"), Date::parse("2024-02-01"));
}

// Time --------------------------------------------------------------------------------------------------------

TEST(TimeTest, ParsesWithAndWithoutFraction) {
    EXPECT_EQ(Time::parse("04:05:06"), (Time{4, 5, 6, 0}));
    EXPECT_EQ(Time::parse("23:59:59.999999"), (Time{23, 59, 59, 999999}));
    EXPECT_EQ(Time::parse("00:00:00.5"), (Time{0, 0, 0, 500000}));
    EXPECT_EQ(Time::parse("00:00:00.000001"), (Time{0, 0, 0, 1}));
    EXPECT_EQ(Time::parse("12:30"), (Time{12, 30, 0, 0}));
    EXPECT_EQ(Time::parse("24:00:00"), (Time{24, 0, 0, 0}));
}

TEST(TimeTest, IsoPrintsMicrosecondsOnlyWhenNonzero) {
    EXPECT_EQ((Time{4, 5, 6, 0}).iso(), "04:05:06");
    EXPECT_EQ((Time{4, 5, 6, 500000}).iso(), "04:05:06.500000");
    EXPECT_EQ((Time{0, 0, 0, 1}).iso(), "00:00:00.000001");
}

TEST(TimeTest, RoundTrips) {
    for (auto t : {Time{0, 0, 0, 0}, Time{23, 59, 59, 999999}, Time{12, 0, 1, 10}, Time{1, 2, 3, 400000}})
        EXPECT_EQ(Time::parse(t.iso()), t) << t.iso();
}

TEST(TimeTest, RejectsMalformedText) {
    for (std::string_view bad : {"", "4:05:06", "04:5:06", "24:00:01", "25:00:00", "12:60:00", "12:00:60",
                                 "12:00:00.", "12:00:00.1234567", "12:00:00Z", "12-00-00", "12:00:00 "}) {
        auto msg = error_of<ArgumentError>([&] { (void)Time::parse(bad); });
        EXPECT_TRUE(contains(msg, "time")) << bad << ": " << msg;
    }
}

// DateTime ----------------------------------------------------------------------------------------------------

TEST(DateTimeTest, ParsesSpaceAndTSeparators) {
    auto a = DateTime::parse("2024-03-10 14:15:16");
    EXPECT_EQ(a.date, (Date{2024, 3, 10}));
    EXPECT_EQ(a.time, (Time{14, 15, 16, 0}));
    EXPECT_FALSE(a.utc_offset_minutes);
    EXPECT_EQ(DateTime::parse("2024-03-10T14:15:16"), a);
    EXPECT_EQ(DateTime::parse("2024-03-10 14:15").time, (Time{14, 15, 0, 0}));
}

TEST(DateTimeTest, ParsesFractions) {
    EXPECT_EQ(DateTime::parse("2024-03-10 14:15:16.1").time.microsecond, 100000u);
    EXPECT_EQ(DateTime::parse("2024-03-10 14:15:16.123456").time.microsecond, 123456u);
    EXPECT_EQ(DateTime::parse("2024-03-10 14:15:16.000007").time.microsecond, 7u);
    EXPECT_THROW((void)DateTime::parse("2024-03-10 14:15:16.1234567"), ArgumentError);
}

TEST(DateTimeTest, ParsesOffsets) {
    EXPECT_EQ(DateTime::parse("2024-03-10T14:15:16Z").utc_offset_minutes, 0);
    EXPECT_EQ(DateTime::parse("2024-03-10T14:15:16z").utc_offset_minutes, 0);
    EXPECT_EQ(DateTime::parse("2024-03-10 14:15:16+02").utc_offset_minutes, 120);
    EXPECT_EQ(DateTime::parse("2024-03-10 14:15:16+05:30").utc_offset_minutes, 330);
    EXPECT_EQ(DateTime::parse("2024-03-10 14:15:16-0430").utc_offset_minutes, -270);
    EXPECT_EQ(DateTime::parse("2024-03-10 14:15:16-00").utc_offset_minutes, 0);
    auto pg = DateTime::parse("2024-03-10 14:15:16.25-08");
    EXPECT_EQ(pg.time.microsecond, 250000u);
    EXPECT_EQ(pg.utc_offset_minutes, -480);
}

TEST(DateTimeTest, IsoFormatting) {
    DateTime dt{{2024, 3, 10}, {14, 15, 16, 0}, std::nullopt};
    EXPECT_EQ(dt.iso(), "2024-03-10 14:15:16");
    EXPECT_EQ(dt.iso('T'), "2024-03-10T14:15:16");
    dt.time.microsecond = 42;
    EXPECT_EQ(dt.iso(), "2024-03-10 14:15:16.000042");
    dt.utc_offset_minutes = 0;
    EXPECT_EQ(dt.iso(), "2024-03-10 14:15:16.000042+00:00");
    dt.utc_offset_minutes = -270;
    EXPECT_EQ(dt.iso('T'), "2024-03-10T14:15:16.000042-04:30");
    dt.utc_offset_minutes = 330;
    EXPECT_EQ(dt.iso(), "2024-03-10 14:15:16.000042+05:30");
}

TEST(DateTimeTest, RoundTrips) {
    for (std::string_view text : {"2024-03-10 14:15:16", "1999-12-31 23:59:59.999999", "2000-01-01 00:00:00+00:00",
                                  "2024-06-01 08:00:00.5-07:00", "0001-01-01 00:00:00"}) {
        auto dt = DateTime::parse(text);
        EXPECT_EQ(DateTime::parse(dt.iso()), dt) << text;
        EXPECT_EQ(DateTime::parse(dt.iso('T')), dt) << text;
    }
    EXPECT_EQ(DateTime::parse("2024-06-01 08:00:00.500000-07:00").iso(), "2024-06-01 08:00:00.500000-07:00");
}

TEST(DateTimeTest, RejectsMalformedText) {
    for (std::string_view bad :
         {"", "2024-03-10", "2024-03-10 ", "2024-03-10X14:15:16", "2024-03-10 14:15:16+", "2024-03-10 14:15:16+2",
          "2024-03-10 14:15:16+02:3", "2024-03-10 14:15:16+24:00", "2024-03-10 14:15:16+02:60",
          "2024-03-10 14:15:16 +02", "2024-03-10 14:15:16Zjunk", "2024-02-30 00:00:00", "2024-03-10 24:00:00",
          "2024-03-10 14:15:16+0230x"}) {
        auto msg = error_of<ArgumentError>([&] { (void)DateTime::parse(bad); });
        EXPECT_TRUE(contains(msg, "timestamp")) << bad << ": " << msg;
    }
}

TEST(DateTimeTest, NowUtcIsValidAndUtc) {
    auto a = DateTime::now_utc();
    auto b = DateTime::now_utc();
    EXPECT_EQ(a.utc_offset_minutes, 0);
    EXPECT_TRUE(a.date.valid());
    EXPECT_GE(a.date.year, 2024);
    EXPECT_LT(a.time.hour, 24u);
    EXPECT_LT(a.time.microsecond, 1000000u);
    EXPECT_LE(a, b);
    EXPECT_EQ(DateTime::parse(a.iso()), a);
}

// Interval ----------------------------------------------------------------------------------------------------

TEST(IntervalTest, ParsesPostgresStyle) {
    EXPECT_EQ(Interval::parse("1 year 2 mons 3 days 04:05:06.5"), (Interval{14, 3, 14'706'500'000}));
    EXPECT_EQ(Interval::parse("-1 days +02:00:00"), (Interval{0, -1, 7'200'000'000}));
    EXPECT_EQ(Interval::parse("00:00:01"), (Interval{0, 0, 1'000'000}));
    EXPECT_EQ(Interval::parse("-00:00:01.25"), (Interval{0, 0, -1'250'000}));
    EXPECT_EQ(Interval::parse("3 days"), (Interval{0, 3, 0}));
    EXPECT_EQ(Interval::parse("1 mon"), (Interval{1, 0, 0}));
    EXPECT_EQ(Interval::parse("-2 years -3 mons"), (Interval{-27, 0, 0}));
    EXPECT_EQ(Interval::parse("1 year -2 mons +3 days -04:05:06"), (Interval{10, 3, -14'706'000'000}));
    EXPECT_EQ(Interval::parse("100:00:00"), (Interval{0, 0, 360'000'000'000}));
    EXPECT_EQ(Interval::parse("  1 day  "), (Interval{0, 1, 0}));
}

TEST(IntervalTest, ParsesVerboseStyle) {
    EXPECT_EQ(Interval::parse("@ 1 year 2 mons"), (Interval{14, 0, 0}));
    EXPECT_EQ(Interval::parse("@ 1 day 2 hours 3 mins 4.5 secs"), (Interval{0, 1, 7'384'500'000}));
    EXPECT_EQ(Interval::parse("@ 1 day ago"), (Interval{0, -1, 0}));
    EXPECT_EQ(Interval::parse("2 weeks"), (Interval{0, 14, 0}));
    EXPECT_EQ(Interval::parse("1.5 hours"), (Interval{0, 0, 5'400'000'000}));
}

TEST(IntervalTest, ParsesIso8601) {
    EXPECT_EQ(Interval::parse("P1Y2M3DT4H5M6.5S"), (Interval{14, 3, 14'706'500'000}));
    EXPECT_EQ(Interval::parse("P1D"), (Interval{0, 1, 0}));
    EXPECT_EQ(Interval::parse("PT1H"), (Interval{0, 0, 3'600'000'000}));
    EXPECT_EQ(Interval::parse("PT0S"), Interval{});
    EXPECT_EQ(Interval::parse("P2W"), (Interval{0, 14, 0}));
    EXPECT_EQ(Interval::parse("P1M"), (Interval{1, 0, 0}));
    EXPECT_EQ(Interval::parse("PT1M"), (Interval{0, 0, 60'000'000}));
    EXPECT_EQ(Interval::parse("P-1Y-2M3DT-4H-5M-6S"), (Interval{-14, 3, -14'706'000'000}));
    EXPECT_EQ(Interval::parse("-P1DT1S"), (Interval{0, -1, -1'000'000}));
    EXPECT_EQ(Interval::parse("PT-0.5S"), (Interval{0, 0, -500'000}));
    EXPECT_EQ(Interval::parse("PT0.000001S"), (Interval{0, 0, 1}));
}

TEST(IntervalTest, IsoOutput) {
    EXPECT_EQ(Interval{}.iso(), "PT0S");
    EXPECT_EQ((Interval{14, 3, 14'706'500'000}).iso(), "P1Y2M3DT4H5M6.5S");
    EXPECT_EQ((Interval{0, 1, 0}).iso(), "P1D");
    EXPECT_EQ((Interval{0, 0, 1}).iso(), "PT0.000001S");
    EXPECT_EQ((Interval{-14, 3, -14'706'000'000}).iso(), "P-1Y-2M3DT-4H-5M-6S");
    EXPECT_EQ((Interval{0, 0, -500'000}).iso(), "PT-0.5S");
    EXPECT_EQ((Interval{12, 0, 3'600'000'000}).iso(), "P1YT1H");
}

TEST(IntervalTest, IsoRoundTrips) {
    constexpr auto lo = std::numeric_limits<std::int64_t>::min();
    constexpr auto hi = std::numeric_limits<std::int64_t>::max();
    for (auto iv : {Interval{}, Interval{1, 0, 0}, Interval{-1, 0, 0}, Interval{0, -1, 7'200'000'000},
                    Interval{25, -40, -1}, Interval{0, 0, 86'400'000'001}, Interval{hi, hi, hi},
                    Interval{lo + 12, lo + 1, lo + 1}, Interval{0, 0, lo + 1}}) {
        EXPECT_EQ(Interval::parse(iv.iso()), iv) << iv.iso();
    }
}

TEST(IntervalTest, RejectsMalformedText) {
    for (std::string_view bad :
         {"", "   ", "P", "PT", "P1DT", "1", "1 fortnight", "1 day 2", "1.5 days", "ago", "1 day ago 2 days",
          "P1H", "PT1D", "P1.5D", "P1D1Y", "P1Y1Y", "00:60:00", "00:00:60", "12:00:00.1234567", "1 day,",
          "99999999999999999999 days", "P999999999999999999Y", "2562047789 hours", "2562047788 hours 1 hour",
          "PT9223372036854775807H"}) {
        auto msg = error_of<ArgumentError>([&] { (void)Interval::parse(bad); });
        EXPECT_TRUE(contains(msg, "interval")) << bad << ": " << msg;
    }
}

// Uuid --------------------------------------------------------------------------------------------------------

TEST(UuidTest, ParsesEveryForm) {
    const std::string canonical = "123e4567-e89b-12d3-a456-426614174000";
    for (std::string_view text :
         {"123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000",
          "123e4567e89b12d3a456426614174000", "{123e4567-e89b-12d3-a456-426614174000}",
          "{123E4567E89B12D3A456426614174000}", "urn:uuid:123e4567-e89b-12d3-a456-426614174000"}) {
        auto u = Uuid::parse(text);
        EXPECT_EQ(u.str(), canonical) << text;
        EXPECT_EQ(u.hex(), "123e4567e89b12d3a456426614174000");
    }
    EXPECT_EQ(Uuid::parse(canonical).bytes[0], 0x12);
    EXPECT_EQ(Uuid::parse(canonical).bytes[15], 0x00);
}

TEST(UuidTest, Nil) {
    EXPECT_TRUE(Uuid{}.is_nil());
    EXPECT_EQ(Uuid{}.str(), "00000000-0000-0000-0000-000000000000");
    EXPECT_TRUE(Uuid::parse("00000000000000000000000000000000").is_nil());
    EXPECT_FALSE(Uuid::parse("00000000-0000-0000-0000-000000000001").is_nil());
}

TEST(UuidTest, RejectsBadInput) {
    for (std::string_view bad :
         {"", "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456-4266141740000",
          "123e4567e89b-12d3-a456-426614174000-", "123e4567-e89b-12d3-a456_426614174000",
          "g23e4567-e89b-12d3-a456-426614174000", "{123e4567-e89b-12d3-a456-426614174000",
          "123e4567-e89b-12d3-a456-426614174000}", "{}", "123e4567-e89b12d3-a456-4266141740000",
          "123e4567e89b12d3a45642661417400z", " 123e4567e89b12d3a456426614174000"}) {
        auto msg = error_of<ArgumentError>([&] { (void)Uuid::parse(bad); });
        EXPECT_TRUE(contains(msg, "UUID")) << bad << ": " << msg;
    }
}

TEST(UuidTest, RandomHasVersion4AndVariantBits) {
    for (int i = 0; i < 200; ++i) {
        auto u = Uuid::random();
        EXPECT_EQ(u.bytes[6] >> 4, 4);
        EXPECT_EQ(u.bytes[8] & 0xC0, 0x80);
        auto s = u.str();
        EXPECT_EQ(s[14], '4');
        EXPECT_TRUE(s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b') << s;
        EXPECT_EQ(Uuid::parse(s), u);
    }
}

TEST(UuidTest, RandomIsUnique) {
    std::set<Uuid> seen;
    for (int i = 0; i < 10000; ++i) seen.insert(Uuid::random());
    EXPECT_EQ(seen.size(), 10000u);
    // Every non-fixed bit position takes both values: the generator is not stuck.
    std::array<std::uint8_t, 16> ored{}, anded;
    anded.fill(0xFF);
    for (const auto& u : seen)
        for (std::size_t i = 0; i < 16; ++i) {
            ored[i] |= u.bytes[i];
            anded[i] &= u.bytes[i];
        }
    EXPECT_EQ(ored[0], 0xFF);
    EXPECT_EQ(anded[0], 0x00);
    EXPECT_EQ(ored[6], 0x4F);
    EXPECT_EQ(anded[6], 0x40);
}

// Numeric -----------------------------------------------------------------------------------------------------

TEST(NumericTest, KeepsCanonicalText) {
    EXPECT_EQ(Numeric().text, "0");
    EXPECT_EQ(Numeric("123.4500").text, "123.4500");
    EXPECT_EQ(Numeric("+1.5").text, "1.5");
    EXPECT_EQ(Numeric("-1.5").text, "-1.5");
    EXPECT_EQ(Numeric("007").text, "7");
    EXPECT_EQ(Numeric("000.50").text, "0.50");
    EXPECT_EQ(Numeric(".5").text, "0.5");
    EXPECT_EQ(Numeric("5.").text, "5");
    EXPECT_EQ(Numeric("-0").text, "0");
    EXPECT_EQ(Numeric("-0.000").text, "0.000");
    EXPECT_EQ(Numeric("0").text, "0");
    EXPECT_EQ(Numeric("12345678901234567890123456789.123456789").text, "12345678901234567890123456789.123456789");
}

TEST(NumericTest, ExpandsExponents) {
    EXPECT_EQ(Numeric("1e3").text, "1000");
    EXPECT_EQ(Numeric("1E+3").text, "1000");
    EXPECT_EQ(Numeric("1.50e1").text, "15.0");
    EXPECT_EQ(Numeric("1.5e-3").text, "0.0015");
    EXPECT_EQ(Numeric("1e-2").text, "0.01");
    EXPECT_EQ(Numeric("100e-1").text, "10.0");
    EXPECT_EQ(Numeric("-2.5e0").text, "-2.5");
    EXPECT_EQ(Numeric("0e5").text, "0");
    EXPECT_EQ(Numeric("-0e-2").text, "0.00");
}

TEST(NumericTest, SpecialValues) {
    EXPECT_EQ(Numeric("NaN").text, "NaN");
    EXPECT_EQ(Numeric("nan").text, "NaN");
    EXPECT_EQ(Numeric("Infinity").text, "Infinity");
    EXPECT_EQ(Numeric("-inf").text, "-Infinity");
    EXPECT_TRUE(std::isnan(Numeric("NaN").to_double()));
    EXPECT_EQ(Numeric("Infinity").to_double(), std::numeric_limits<double>::infinity());
    EXPECT_EQ(Numeric("-Infinity").to_double(), -std::numeric_limits<double>::infinity());
}

TEST(NumericTest, RejectsNonNumbers) {
    for (std::string_view bad : {"", "+", "-", ".", "1.2.3", "1e", "1e+", "e5", "abc", "1,5", " 1", "1 ", "0x10",
                                 "1e99999", "--1", "-nan", "1_000"}) {
        auto msg = error_of<ArgumentError>([&] { (void)Numeric(bad); });
        EXPECT_TRUE(contains(msg, "numeric")) << bad << ": " << msg;
    }
}

TEST(NumericTest, ToDouble) {
    EXPECT_DOUBLE_EQ(Numeric("123.45").to_double(), 123.45);
    EXPECT_DOUBLE_EQ(Numeric("-0.001").to_double(), -0.001);
    EXPECT_EQ(Numeric("1e400").to_double(), std::numeric_limits<double>::infinity());
    EXPECT_EQ(Numeric("-1e400").to_double(), -std::numeric_limits<double>::infinity());
    EXPECT_EQ(Numeric("1e-400").to_double(), 0.0);
}

// Value -------------------------------------------------------------------------------------------------------

TEST(ValueTest, KindsAndTypeNames) {
    EXPECT_EQ(Value().kind(), Value::Kind::Null);
    EXPECT_TRUE(Value(nullptr).is_null());
    EXPECT_TRUE(Value(std::nullopt).is_null());
    EXPECT_EQ(Value(true).kind(), Value::Kind::Bool);
    EXPECT_EQ(Value(42).kind(), Value::Kind::Int);
    EXPECT_EQ(Value(1.5).kind(), Value::Kind::Double);
    EXPECT_EQ(Value("x").kind(), Value::Kind::Text);
    EXPECT_EQ(Value(std::optional<int>(5)).kind(), Value::Kind::Int);
    EXPECT_TRUE(Value(std::optional<int>()).is_null());
    EXPECT_STREQ(Value().type_name(), "null");
    EXPECT_STREQ(Value(true).type_name(), "bool");
    EXPECT_STREQ(Value(1).type_name(), "int");
    EXPECT_STREQ(Value(1.0).type_name(), "double");
    EXPECT_STREQ(Value("a").type_name(), "text");
    EXPECT_STREQ(Value(Bytes{1}).type_name(), "bytes");
    EXPECT_STREQ(Value(Date{}).type_name(), "date");
    EXPECT_STREQ(Value(Time{}).type_name(), "time");
    EXPECT_STREQ(Value(DateTime{}).type_name(), "datetime");
    EXPECT_STREQ(Value(Interval{}).type_name(), "interval");
    EXPECT_STREQ(Value(Uuid{}).type_name(), "uuid");
    EXPECT_STREQ(Value(Numeric{}).type_name(), "numeric");
    EXPECT_STREQ(Value(Json{}).type_name(), "json");
    EXPECT_STREQ(kind_name(Value::Kind::Interval), "interval");
}

TEST(ValueTest, Repr) {
    EXPECT_EQ(Value().repr(), "NULL");
    EXPECT_EQ(Value(true).repr(), "true");
    EXPECT_EQ(Value(-42).repr(), "-42");
    EXPECT_EQ(Value(0.1).repr(), "0.1");
    EXPECT_EQ(Value("it's").repr(), "'it\\'s'");
    EXPECT_EQ(Value(std::string("a\nb\0c", 5)).repr(), "'a\\nb\\x00c'");
    EXPECT_EQ(Value(Bytes{0x01, 0xAB}).repr(), "x'01ab'");
    EXPECT_EQ(Value(Date{2024, 1, 2}).repr(), "DATE '2024-01-02'");
    EXPECT_EQ(Value(Time{1, 2, 3, 0}).repr(), "TIME '01:02:03'");
    EXPECT_EQ(Value(DateTime{{2024, 1, 2}, {1, 2, 3, 0}, 0}).repr(), "TIMESTAMP '2024-01-02 01:02:03+00:00'");
    EXPECT_EQ(Value(Interval{0, 1, 0}).repr(), "INTERVAL 'P1D'");
    EXPECT_EQ(Value(Uuid{}).repr(), "UUID '00000000-0000-0000-0000-000000000000'");
    EXPECT_EQ(Value(Numeric("1.50")).repr(), "1.50");
    EXPECT_EQ(Value(Json{"{\"a\":1}"}).repr(), "JSON '{\"a\":1}'");
}

TEST(ValueTest, ReprCutsLongValues) {
    std::string long_text(1000, 'x');
    auto r = Value(long_text).repr();
    EXPECT_EQ(r, "'" + std::string(40, 'x') + "'...");
    EXPECT_EQ(Value(std::string(40, 'y')).repr(), "'" + std::string(40, 'y') + "'");

    // A cut never splits a UTF-8 character: 31 'a' then ten 2-byte 'é' put byte 40 mid-character.
    std::string utf8(31, 'a');
    for (int i = 0; i < 10; ++i) utf8 += "\xC3\xA9";
    auto u = Value(utf8).repr();
    EXPECT_EQ(u, "'" + std::string(31, 'a') + std::string("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9") + "'...");

    Bytes blob(1000, 0xFF);
    auto b = Value(blob).repr();
    EXPECT_EQ(b, "x'" + std::string(32, 'f') + "'... (1000 bytes)");
    EXPECT_LT(Value(Json{std::string(500, '1')}).repr().size(), 60u);
}

TEST(ValueTest, Equality) {
    EXPECT_EQ(Value(1), Value(1L));
    EXPECT_NE(Value(1), Value(1.0));
    EXPECT_NE(Value(1), Value(true));
    EXPECT_EQ(Value("a"), Value(std::string("a")));
    EXPECT_EQ(Value(), Value(nullptr));
}

TEST(ValueTest, AsReturnsHeldValues) {
    EXPECT_EQ(Value(true).as<bool>(), true);
    EXPECT_EQ(Value(7).as<int>(), 7);
    EXPECT_EQ(Value(7).as<std::int64_t>(), 7);
    EXPECT_EQ(Value(std::int64_t{1} << 40).as<long long>(), std::int64_t{1} << 40);
    EXPECT_EQ(Value(2.5).as<double>(), 2.5);
    EXPECT_EQ(Value(2.5f).as<float>(), 2.5f);
    EXPECT_EQ(Value("hi").as<std::string>(), "hi");
    EXPECT_EQ(Value(Bytes{1, 2}).as<Bytes>(), (Bytes{1, 2}));
    EXPECT_EQ(Value(Date{2024, 1, 2}).as<Date>(), (Date{2024, 1, 2}));
    EXPECT_EQ(Value(Time{1, 2, 3, 4}).as<Time>(), (Time{1, 2, 3, 4}));
    EXPECT_EQ(Value(Interval{1, 2, 3}).as<Interval>(), (Interval{1, 2, 3}));
    EXPECT_EQ(Value(Numeric("9.99")).as<Numeric>(), Numeric("9.99"));
    EXPECT_EQ(Value(Json{"[1]"}).as<Json>(), Json{"[1]"});
    auto u = Uuid::random();
    EXPECT_EQ(Value(u).as<Uuid>(), u);
    EXPECT_EQ(Value(5).as<Value>(), Value(5));
}

TEST(ValueTest, AsOptional) {
    EXPECT_EQ(Value().as<std::optional<int>>(), std::nullopt);
    EXPECT_EQ(Value(3).as<std::optional<int>>(), 3);
    EXPECT_EQ(Value().as<std::optional<std::string>>(), std::nullopt);
    EXPECT_EQ(Value("2024-01-02").as<std::optional<Date>>(), (Date{2024, 1, 2}));
}

TEST(ValueTest, LosslessConversions) {
    EXPECT_EQ(Value(3).as<double>(), 3.0);
    EXPECT_EQ(Value(std::int64_t{1} << 53).as<double>(), 9007199254740992.0);
    EXPECT_EQ(Value(std::numeric_limits<std::int64_t>::min()).as<double>(), -9223372036854775808.0);
    EXPECT_EQ(Value(1).as<bool>(), true);
    EXPECT_EQ(Value(0).as<bool>(), false);
    EXPECT_EQ(Value(true).as<int>(), 1);
    EXPECT_EQ(Value(false).as<std::int64_t>(), 0);
    EXPECT_EQ(Value("2024-01-02").as<Date>(), (Date{2024, 1, 2}));
    EXPECT_EQ(Value("10:11:12.5").as<Time>(), (Time{10, 11, 12, 500000}));
    EXPECT_EQ(Value("2024-01-02 10:11:12+01").as<DateTime>(), (DateTime{{2024, 1, 2}, {10, 11, 12, 0}, 60}));
    EXPECT_EQ(Value("123E4567-E89B-12D3-A456-426614174000").as<Uuid>().str(), "123e4567-e89b-12d3-a456-426614174000");
    EXPECT_EQ(Value("12.50").as<Numeric>().text, "12.50");
    EXPECT_EQ(Value("1 day").as<Interval>(), (Interval{0, 1, 0}));
    EXPECT_EQ(Value("{\"k\":true}").as<Json>().text, "{\"k\":true}");
    EXPECT_EQ(Value(42).as<Numeric>().text, "42");
    EXPECT_EQ(Value(std::numeric_limits<std::int64_t>::min()).as<Numeric>().text, "-9223372036854775808");
    EXPECT_EQ(Value(0.1).as<Numeric>().text, "0.1");
    EXPECT_EQ(Value(1e20).as<Numeric>().text, "100000000000000000000");
    EXPECT_EQ(Value(-2.5e-7).as<Numeric>().text, "-0.00000025");
    EXPECT_EQ(Value(std::numeric_limits<double>::infinity()).as<Numeric>().text, "Infinity");
    EXPECT_EQ(Value(std::nan("")).as<Numeric>().text, "NaN");
    EXPECT_DOUBLE_EQ(Value(Numeric("2.75")).as<double>(), 2.75);
    EXPECT_EQ(Value(Uuid{}).as<std::string>(), "00000000-0000-0000-0000-000000000000");
    EXPECT_EQ(Value(Date{2024, 1, 2}).as<std::string>(), "2024-01-02");
    EXPECT_EQ(Value(Time{1, 2, 3, 0}).as<std::string>(), "01:02:03");
    EXPECT_EQ(Value(DateTime{{2024, 1, 2}, {1, 2, 3, 0}, std::nullopt}).as<std::string>(), "2024-01-02 01:02:03");
    EXPECT_EQ(Value(Json{"[1,2]"}).as<std::string>(), "[1,2]");
}

TEST(ValueTest, NullToNonOptionalThrowsTypeError) {
    auto msg = error_of<TypeError>([] { (void)Value().as<int>(); });
    EXPECT_TRUE(contains(msg, "NULL")) << msg;
    EXPECT_TRUE(contains(msg, "int")) << msg;
    EXPECT_THROW((void)Value().as<std::string>(), TypeError);
    EXPECT_THROW((void)Value().as<Uuid>(), TypeError);
    EXPECT_THROW((void)Value().as<Bytes>(), TypeError);
    EXPECT_THROW((void)Value().as<bool>(), TypeError);
    EXPECT_THROW((void)Value().as<Json>(), TypeError);
    auto direct = error_of<TypeError>([] { detail::throw_null_value("date"); });
    EXPECT_TRUE(contains(direct, "NULL cannot be read as date")) << direct;
}

TEST(ValueTest, MismatchNamesBothKindsButNotTheValue) {
    const std::string secret = "hunter2-secret-token";
    auto msg = error_of<TypeError>([&] { (void)Value(secret).as<int>(); });
    EXPECT_TRUE(contains(msg, "text")) << msg;
    EXPECT_TRUE(contains(msg, "int")) << msg;
    EXPECT_FALSE(contains(msg, "hunter2")) << msg;

    for (auto f : std::initializer_list<void (*)()>{
             [] { (void)Value(1.5).as<int>(); }, [] { (void)Value(2).as<bool>(); },
             [] { (void)Value(-1).as<bool>(); }, [] { (void)Value(1.0).as<bool>(); },
             [] { (void)Value(Bytes{1}).as<std::string>(); }, [] { (void)Value("x").as<Bytes>(); },
             [] { (void)Value(Date{}).as<DateTime>(); }, [] { (void)Value(1).as<Uuid>(); },
             [] { (void)Value(true).as<double>(); }, [] { (void)Value(Json{}).as<Numeric>(); },
             [] { (void)Value(Uuid{}).as<Bytes>(); }, [] { (void)Value(1).as<Json>(); },
             [] { (void)Value("1").as<int>(); }, [] { (void)Value(1.0).as<Date>(); }}) {
        EXPECT_THROW(f(), TypeError);
    }
    auto d = error_of<TypeError>([] { (void)Value(1.5).as<Date>(); });
    EXPECT_TRUE(contains(d, "double") && contains(d, "date")) << d;
    EXPECT_FALSE(contains(d, "1.5")) << d;
}

TEST(ValueTest, NumericAndIntervalReadAsTextLosslessly) {
    EXPECT_EQ(Value(Numeric("12345678901234567890.123456789")).as<std::string>(), "12345678901234567890.123456789");
    EXPECT_EQ(Value(Interval{0, 1, 0}).as<std::string>(), (Interval{0, 1, 0}.iso()));
}

TEST(ValueTest, NarrowIntegersRefuseValuesThatDoNotFit) {
    EXPECT_EQ(Value(32767).as<short>(), 32767);
    EXPECT_THROW((void)Value(32768).as<short>(), TypeError);
    EXPECT_THROW((void)Value(std::int64_t{1} << 40).as<int>(), TypeError);
    EXPECT_THROW((void)Value(-1).as<unsigned>(), TypeError);
    EXPECT_EQ(Value(std::int64_t{-5}).as<std::int64_t>(), -5);
    EXPECT_EQ(Value(4000000000LL).as<unsigned>(), 4000000000u);
}

TEST(ValueTest, IntToDoubleMustBeExact) {
    auto msg = error_of<TypeError>([] { (void)Value((std::int64_t{1} << 53) + 1).as<double>(); });
    EXPECT_TRUE(contains(msg, "int") && contains(msg, "double")) << msg;
    EXPECT_FALSE(contains(msg, "9007199254740993")) << msg;
    EXPECT_THROW((void)Value(std::numeric_limits<std::int64_t>::max()).as<double>(), TypeError);
}

TEST(ValueTest, UnparsableTextIsATypeErrorWithoutTheText) {
    for (auto f : std::initializer_list<void (*)()>{
             [] { (void)Value("secret-not-a-date").as<Date>(); }, [] { (void)Value("secret-x").as<Time>(); },
             [] { (void)Value("secret-x").as<DateTime>(); }, [] { (void)Value("secret-x").as<Uuid>(); },
             [] { (void)Value("secret-x").as<Numeric>(); }, [] { (void)Value("secret-x").as<Interval>(); }}) {
        auto msg = error_of<TypeError>(f);
        EXPECT_TRUE(contains(msg, "text")) << msg;
        EXPECT_FALSE(contains(msg, "secret")) << msg;
    }
}

// DBAPIError --------------------------------------------------------------------------------------------------

TEST(DBAPIErrorTest, MessageHasStatementAndParameterTypes) {
    IntegrityError e("duplicate key value violates unique constraint", "23505",
                     "INSERT INTO users (id, name) VALUES ($1, $2)", {"int", "text"});
    EXPECT_STREQ(e.what(),
                 "duplicate key value violates unique constraint\n"
                 "[SQL: INSERT INTO users (id, name) VALUES ($1, $2)]\n"
                 "[parameter types: int, text]");
    EXPECT_EQ(e.orig_message(), "duplicate key value violates unique constraint");
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_EQ(e.statement(), "INSERT INTO users (id, name) VALUES ($1, $2)");
    EXPECT_EQ(e.param_types(), (std::vector<std::string>{"int", "text"}));
    EXPECT_FALSE(e.connection_invalidated());
    const DatabaseError& base = e;
    EXPECT_EQ(base.sqlstate(), "23505");
}

TEST(DBAPIErrorTest, OmitsEmptyParts) {
    OperationalError e("server closed the connection unexpectedly", "", "", {}, true);
    EXPECT_STREQ(e.what(), "server closed the connection unexpectedly");
    EXPECT_TRUE(e.connection_invalidated());
    e.set_connection_invalidated(false);
    EXPECT_FALSE(e.connection_invalidated());

    ProgrammingError s("syntax error", "42601", "SELEC 1");
    EXPECT_STREQ(s.what(), "syntax error\n[SQL: SELEC 1]");
    DBAPIError p("bad", "", "", {"uuid"});
    EXPECT_STREQ(p.what(), "bad\n[parameter types: uuid]");
}
