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
