// Migration revision files: any text parses or is a FormatError. A parsed revision prints (or is refused
// with a FormatError, for names the format cannot hold), and what it prints parses back to a revision that
// prints the same text: the file never says something other than what was written into it.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <retort/migrate/ops.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    retort::migrate::Revision rev;
    try {
        rev = retort::migrate::parse_revision(text, "fuzz.rev");
    } catch (const retort::ArgumentError&) {
        return 0;
    }
    std::string printed;
    try {
        printed = retort::migrate::render_revision(rev);
    } catch (const retort::migrate::FormatError&) {
        return 0;
    }
    const auto back = retort::migrate::parse_revision(printed, "printed.rev");
    if (back.id != rev.id || back.parents != rev.parents || back.message != rev.message) std::abort();
    if (back.upgrade_ops().size() != rev.upgrade_ops().size() ||
        back.downgrade_ops().size() != rev.downgrade_ops().size())
        std::abort();
    if (retort::migrate::render_revision(back) != printed) std::abort();
    return 0;
}
