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

// ---- INI --------------------------------------------------------------------------------------------------

namespace {

// Each entry as "line [section] key=value" (headers as "line [section]").
std::vector<std::string> entries(std::string_view text, IniRules rules = {},
                                 std::optional<IniProblem>* problem_out = nullptr) {
    std::vector<std::string> out;
    auto problem = read_ini(text, rules, [&](const IniEntry& e) {
        std::string s = std::to_string(e.line) + " [" + std::string(e.section) + "]";
        if (!e.header) s += " " + std::string(e.key) + "=" + e.value;
        out.push_back(s);
    });
    if (problem_out) *problem_out = problem;
    else EXPECT_FALSE(problem) << problem->line << ": " << problem->what;
    return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST(TextIni, HeadersSettingsCommentsAndBlankLines) {
    EXPECT_EQ(entries(""), Lines{});
    EXPECT_EQ(entries("\n \n\t\n"), Lines{});
    EXPECT_EQ(entries("# a comment\n; another\n  # indented comment\n"), Lines{});
    EXPECT_EQ(entries("[retort]\r\nurl = sqlite:///a.db\r\n\r\n# c\r\nversion_table=v ; kept\r\n"),
              (Lines{"1 [retort]", "2 [retort] url=sqlite:///a.db", "5 [retort] version_table=v ; kept"}));
    // Section names are trimmed, and may hold spaces; a comment may follow the header.
    EXPECT_EQ(entries("[ profile  dev ]  # note\nk=v\n[sso-session x];c\n"),
              (Lines{"1 [profile  dev]", "2 [profile  dev] k=v", "3 [sso-session x]"}));
    // A setting before any header stands in no section; keys keep their case; only the first '=' splits.
    EXPECT_EQ(entries("Key = a=b\n"), Lines{"1 [] Key=a=b"});
    // Empty keys and values are the caller's business.
    EXPECT_EQ(entries("[s]\n= v\nk =\n"), (Lines{"1 [s]", "2 [s] =v", "3 [s] k="}));
}

TEST(TextIni, RepeatedKeysAndSectionsArriveInTurn) {
    EXPECT_EQ(entries("[a]\nk = 1\n[b]\nk = 2\n[a]\nk = 3\n"),
              (Lines{"1 [a]", "2 [a] k=1", "3 [b]", "4 [b] k=2", "5 [a]", "6 [a] k=3"}));
}

TEST(TextIni, InlineComments) {
    const IniRules rules{.inline_comments = true};
    EXPECT_EQ(entries("[d]\nregion = us-east-1 ; note\nkey=a#b\nx = y\t# tab\nz = ;w\n", rules),
              (Lines{"1 [d]", "2 [d] region=us-east-1", "3 [d] key=a#b", "4 [d] x=y", "5 [d] z=;w"}));
    // Off, the text stays part of the value.
    EXPECT_EQ(entries("[d]\nregion = us-east-1 ; note\n"), (Lines{"1 [d]", "2 [d] region=us-east-1 ; note"}));
}

TEST(TextIni, ContinuationLines) {
    const IniRules rules{.continuation_lines = true, .inline_comments = true};
    EXPECT_EQ(entries("[d]\ns3 =\n  max_concurrent_requests = 10 ; c\n# between\n\taddressing_style = path\n"
                      "out = json\n",
                      rules),
              (Lines{"1 [d]", "2 [d] s3=\nmax_concurrent_requests = 10\naddressing_style = path", "6 [d] out=json"}));
    // An indented line right after a header is a setting of its own.
    EXPECT_EQ(entries("[d]\n  k = v\n", rules), (Lines{"1 [d]", "2 [d] k=v"}));
    // Without the rule, an indented line is a setting of its own too.
    EXPECT_EQ(entries("[d]\ns3 =\n  a = 1\n"), (Lines{"1 [d]", "2 [d] s3=", "3 [d] a=1"}));
}

TEST(TextIni, MalformedLinesStopTheReadingAfterWhatCameBefore) {
    auto problem_of = [](std::string_view text, IniRules rules = {}) {
        std::optional<IniProblem> p;
        auto got = entries(text, rules, &p);
        EXPECT_TRUE(p) << text;
        return std::make_pair(got, p ? std::to_string(p->line) + ": " + p->what : std::string());
    };
    EXPECT_EQ(problem_of("[a]\nk=v\n[b\n").second, "3: unterminated section header");
    EXPECT_EQ(problem_of("[a]\nk=v\n[b\n").first, (Lines{"1 [a]", "2 [a] k=v"}));
    EXPECT_EQ(problem_of("[a] b\n").second, "1: text after section header");
    EXPECT_EQ(problem_of("[]\n").second, "1: empty section name");
    EXPECT_EQ(problem_of("[ \t]\n").second, "1: empty section name");
    EXPECT_EQ(problem_of("\n\nno equals sign\n").second, "3: expected 'key = value' or '[section]'");
    // A pending continued value is handed on before the problem is reported.
    auto [got, what] = problem_of("[a]\nk =\n  more\nbad\n", {.continuation_lines = true});
    EXPECT_EQ(got, (Lines{"1 [a]", "2 [a] k=\nmore"}));
    EXPECT_EQ(what, "4: expected 'key = value' or '[section]'");
    // The problem never quotes the line.
    EXPECT_EQ(problem_of("secret-token\n").second.find("secret"), std::string::npos);
}

TEST(Text, Join) {
    EXPECT_EQ(join({}, ", "), "");
    EXPECT_EQ(join({"a"}, ", "), "a");
    EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
    EXPECT_EQ(join({"", "b"}, ","), ",b");  // empty items keep their place
    EXPECT_EQ(join({"a", "b"}, ""), "ab");
}

TEST(Text, FlagValue) {
    for (auto s : {"1", "true", "yes", "on"}) EXPECT_EQ(flag_value(s), true) << s;
    for (auto s : {"0", "false", "no", "off"}) EXPECT_EQ(flag_value(s), false) << s;
    for (auto s : {"", "2", "TRUE", "On", " 1", "y", "n"}) EXPECT_EQ(flag_value(s), std::nullopt) << s;
}

TEST(Text, StringOrNumberLiteral) {
    for (auto s : {"'x'", "''", "'", "0", "-1", "+2.5", "3.", ".5", "1.2.3"})
        EXPECT_TRUE(is_string_or_number_literal(s)) << s;
    for (auto s : {"", "-", "+", "1e5", "now()", "'a' || 'b' x", " 1", "0x1f", "NULL"})
        EXPECT_FALSE(is_string_or_number_literal(s)) << s;
}
