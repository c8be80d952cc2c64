// The database URL parser: any text parses or is a UrlError; a parsed URL renders to text that parses back
// to the same URL, and the masked rendering parses to it with "***" for the password.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <retort/engine/url.hpp>
#include <retort/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    retort::URL u;
    try {
        u = retort::URL::parse(text);
    } catch (const retort::UrlError&) {
        return 0;
    }
    const std::string rendered = u.render(false);
    const retort::URL back = retort::URL::parse(rendered);
    if (!(back == u)) std::abort();
    // The masked rendering parses back to the same URL with the password replaced by "***".
    const retort::URL masked = retort::URL::parse(u.render(true));
    if (masked.password() != (u.password() ? std::optional<std::string>("***") : std::nullopt)) std::abort();
    (void)u.backend_name();
    (void)u.driver();
    return 0;
}
