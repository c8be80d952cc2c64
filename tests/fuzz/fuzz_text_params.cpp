// text()'s parameter splitter: pieces are in-order views of the input that cover it all but the backslash of
// each "\:" and the colon before each parameter; parameter names are [A-Za-z_][A-Za-z0-9_]*.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sql/text_params.hpp"

namespace {
bool word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool word_char(char c) { return word_start(c) || (c >= '0' && c <= '9'); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view sql(reinterpret_cast<const char*>(data), size);
    const auto parts = retort::sql::detail::split_text_params(sql);
    const char* at = sql.data();
    const char* end = sql.data() + sql.size();
    for (const auto& p : parts) {
        if (p.text.data() < at || p.text.data() + p.text.size() > end) std::abort();
        // Between pieces only a dropped backslash (before a kept colon) or a parameter's colon is skipped.
        const std::size_t gap = static_cast<std::size_t>(p.text.data() - at);
        if (gap > 1) std::abort();
        if (gap == 1 && !((*at == '\\' && p.text.front() == ':') || (*at == ':' && p.is_param))) std::abort();
        if (p.is_param) {
            if (p.text.empty() || !word_start(p.text.front()) || gap != 1) std::abort();
            for (char c : p.text)
                if (!word_char(c)) std::abort();
        } else if (p.text.empty()) {
            std::abort();
        }
        at = p.text.data() + p.text.size();
    }
    if (at != end) std::abort();
    return 0;
}
