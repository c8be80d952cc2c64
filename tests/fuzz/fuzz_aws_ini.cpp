// The reader of ~/.aws/config and ~/.aws/credentials: any text parses into sections and keys, or is a
// retort::Error naming the file (never quoting a value, which may be a secret key).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <retort/aws/credentials.hpp>
#include <retort/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto ini = retort::aws::detail::parse_ini(text, "fuzz-config");
        for (const auto& [name, section] : ini) {
            if (name.empty()) std::abort();
            for (const auto& [key, value] : section)
                if (key.empty() || key.size() > size) std::abort();
        }
    } catch (const retort::Error& e) {
        // The message names the file and line, never the line's text.
        const std::string_view what = e.what();
        if (what.rfind("fuzz-config:", 0) != 0 || what.size() > 100) std::abort();
    }
    (void)retort::aws::region_from_dsql_endpoint(text);
    return 0;
}
