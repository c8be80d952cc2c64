// The PostgreSQL backend's entry into the dialect registry: the "postgresql" and "postgres" URL schemes.
#include "dialects/postgresql/pg_dialect.hpp"
#include "dialects/registry.hpp"

namespace retort::detail {

// Called while each source of a program linked with retort::postgresql is initialized
// (retort/detail/backends.hpp), and once when this library is loaded.
void link_postgresql_backend() {
    static const bool registered = [] {
        register_backend_dialect("postgresql", [](const URL&) { return make_postgresql_dialect(); });
        register_backend_dialect("postgres", [](const URL&) { return make_postgresql_dialect(); });
        return true;
    }();
    (void)registered;
}

namespace {
[[maybe_unused]] const bool registered_on_load = (link_postgresql_backend(), true);
}

}  // namespace retort::detail
