// The SQLite backend's entry into the dialect registry: the "sqlite" URL scheme.
#include "dialects/registry.hpp"
#include "dialects/sqlite/sqlite_dialect.hpp"

namespace retort::detail {

// Called while each source of a program linked with retort::sqlite is initialized
// (retort/detail/backends.hpp), and once when this library is loaded.
void link_sqlite_backend() {
    static const bool registered = [] {
        register_backend_dialect("sqlite", [](const URL&) { return make_sqlite_dialect(); });
        return true;
    }();
    (void)registered;
}

namespace {
[[maybe_unused]] const bool registered_on_load = (link_sqlite_backend(), true);
}

}  // namespace retort::detail
