// Opens an in-memory SQLite database through Retort, as linked by retort::sqlite alone, and checks a query's
// answer; a PostgreSQL URL must say that its backend is not linked.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include <retort/retort.hpp>

int main() {
    try {
        auto engine = retort::create_engine("sqlite://");
        auto conn = engine.connect();
        const auto answer = conn.execute(retort::text("SELECT :a * :b").bindparams({{"a", 6}, {"b", 7}}))
                                .scalar_one<std::int64_t>();
        if (answer != 42) {
            std::fprintf(stderr, "SELECT 6 * 7 gave %lld\n", static_cast<long long>(answer));
            return 1;
        }
        try {
            (void)retort::create_engine("postgresql://app@localhost/shop");
            std::fprintf(stderr, "a postgresql:// URL made an engine without retort::postgresql\n");
            return 1;
        } catch (const retort::NoSuchModuleError& e) {
            if (std::string(e.what()).find("link retort::postgresql") == std::string::npos) {
                std::fprintf(stderr, "unexpected message: %s\n", e.what());
                return 1;
            }
        }
        std::printf("answer %lld\n", static_cast<long long>(answer));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
