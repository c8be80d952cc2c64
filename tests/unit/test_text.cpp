// The shared text helpers of src/detail/text.hpp.
#include <gtest/gtest.h>

#include "detail/text.hpp"

using namespace retort::detail;

// ---- whitespace -------------------------------------------------------------------------------------------

TEST(Text, TrimDropsTheCLocalesWhiteSpaceAtBothEnds) {
    EXPECT_EQ(trim_view(""), "");
    EXPECT_EQ(trim_view(" \t\n\v\f\r"), "");
    EXPECT_EQ(trim_view(" \t a b \r\n"), "a b");
    EXPECT_EQ(trim_view("\fx\v"), "x");
    EXPECT_EQ(trim_view("inner  space"), "inner  space");
    EXPECT_EQ(trim("  copy  "), "copy");
    EXPECT_EQ(trim(""), "");
    // A NUL byte is no white space.
    EXPECT_EQ(trim_view(std::string_view(" \0 ", 3)), std::string_view("\0", 1));
}

TEST(Text, TrimTakesTheCharactersToDrop) {
    EXPECT_EQ(trim_view(" \tx\r\n", " \t"), "x\r\n");
    EXPECT_EQ(trim_view("  ", " \t"), "");
    EXPECT_EQ(trim("--x--", "-"), "x");
    EXPECT_EQ(trim_view("x", ""), "x");
    EXPECT_EQ(trim_left_view("  x  "), "x  ");
    EXPECT_EQ(trim_right_view("  x  "), "  x");
    EXPECT_EQ(trim_right_view("message\n", "\n "), "message");
    EXPECT_EQ(trim_left_view(" \t "), "");
    EXPECT_EQ(trim_right_view(" \t "), "");
}

TEST(Text, IsSpace) {
    for (char c : std::string_view(" \t\n\v\f\r")) EXPECT_TRUE(is_space(c)) << int(c);
    for (char c : std::string_view("a0_\x7f\x80", 5)) EXPECT_FALSE(is_space(c)) << int(c);
    EXPECT_FALSE(is_space('\0'));
}

TEST(Text, RemoveSpace) {
    EXPECT_EQ(remove_space(""), "");
    EXPECT_EQ(remove_space(" \t\n "), "");
    EXPECT_EQ(remove_space(" gen_random_uuid ( )\n"), "gen_random_uuid()");
}

// ---- ASCII case -------------------------------------------------------------------------------------------

TEST(Text, CaseMapsAsciiLettersOnly) {
    EXPECT_EQ(to_lower(""), "");
    EXPECT_EQ(to_lower("MixedCase 09_@[`{"), "mixedcase 09_@[`{");
    EXPECT_EQ(to_upper("MixedCase 09_@[`{"), "MIXEDCASE 09_@[`{");
    // Bytes of UTF-8 sequences (and Latin-1 letters) stay as they are, whatever the process's locale.
    EXPECT_EQ(to_upper("\xc3\xa9t\xe9"), "\xc3\xa9T\xe9");
    EXPECT_EQ(to_lower("\xc3\x89T\xc9"), "\xc3\x89t\xc9");
    EXPECT_EQ(to_lower('Q'), 'q');
    EXPECT_EQ(to_upper('q'), 'Q');
    EXPECT_EQ(to_upper('1'), '1');
}

TEST(Text, Iequals) {
    EXPECT_TRUE(iequals("", ""));
    EXPECT_TRUE(iequals("urn:UUID:", "URN:uuid:"));
    EXPECT_FALSE(iequals("DESC", "DES"));
    EXPECT_FALSE(iequals("a", "b"));
    EXPECT_FALSE(iequals("@", "`"));  // 0x40 and 0x60 differ by the case bit but are no letters
    EXPECT_FALSE(iequals("\xe9", "\xc9"));
}

// ---- hex --------------------------------------------------------------------------------------------------

TEST(Text, HexValue) {
    EXPECT_EQ(hex_value('0'), 0);
    EXPECT_EQ(hex_value('9'), 9);
    EXPECT_EQ(hex_value('a'), 10);
    EXPECT_EQ(hex_value('F'), 15);
    for (char c : std::string_view("gG/:@`\0 -x", 10)) EXPECT_EQ(hex_value(c), -1) << int(c);
}

TEST(Text, HexEncode) {
    const unsigned char bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    EXPECT_EQ(hex_encode(bytes, sizeof bytes), "00017f80abff");
    EXPECT_EQ(hex_encode(bytes, sizeof bytes, true), "00017F80ABFF");
    EXPECT_EQ(hex_encode(bytes, 0), "");
    EXPECT_EQ(hex_encode(nullptr, 0), "");
    std::string out = "x";
    append_hex(out, bytes + 4, 1);
    append_hex(out, bytes + 5, 1, true);
    EXPECT_EQ(out, "xabFF");
    char buf[8] = "-------";
    EXPECT_EQ(put_hex(buf, bytes + 3, 3), buf + 6);
    EXPECT_EQ(std::string_view(buf, 7), "80abff-");
}

TEST(Text, Uuid) {
    std::uint8_t bytes[16];
    for (int i = 0; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(i * 17);
    std::string out = "u=";
    append_uuid(out, bytes);
    EXPECT_EQ(out, "u=00112233-4455-6677-8899-aabbccddeeff");
}
