// The parameters of text(): where ":name" is a parameter and where it is only text. Shared by TextClause
// (which collects the names) and the compiler (which writes placeholders), so the two always agree.
#pragma once

#include <string_view>
#include <vector>

#include "retort/export.hpp"

namespace retort::sql::detail {

// A piece of text() SQL: text written as it is, or a parameter (text is then its name, without the colon).
struct TextPart {
    std::string_view text;
    bool is_param = false;
};

// Splits SQL into text and ":name" parameters (name: [A-Za-z_][A-Za-z0-9_]*, after any character but a
// colon). Nothing inside a string literal ('...' with '' inside, E'...' with backslash escapes,
// $tag$...$tag$), a quoted identifier ("..." or `...`) or a comment (-- to the end of the line, /* ... */
// nested as PostgreSQL nests them) is a parameter. "::" (a PostgreSQL cast) stays as it is, and "\:" is a
// colon, outside quotes and inside '...' and "..." (text() has always read it so); inside E'...' the
// backslash and the character after it are kept, PostgreSQL's own escape. An unterminated quote or comment
// runs to the end. Every piece is a view into sql. Linear in the length of sql. Exported (RETORT_API) for
// Retort's own tests, which call it directly.
RETORT_API std::vector<TextPart> split_text_params(std::string_view sql);

}  // namespace retort::sql::detail
