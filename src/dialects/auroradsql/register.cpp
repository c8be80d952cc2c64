// The Aurora DSQL backend's entry into the dialect registry: the "auroradsql" URL scheme. It builds on the
// PostgreSQL backend, which registers its own schemes.
#include "dialects/auroradsql/dsql_dialect.hpp"
#include "dialects/registry.hpp"

namespace retort::detail {

// Called while each source of a program linked with retort::auroradsql is initialized
// (retort/detail/backends.hpp), and once when this library is loaded.
void link_auroradsql_backend() {
    static const bool registered = [] {
        link_postgresql_backend();
        register_backend_dialect("auroradsql", [](const URL& u) { return make_auroradsql_dialect(u); });
        return true;
    }();
    (void)registered;
}

namespace {
[[maybe_unused]] const bool registered_on_load = (link_auroradsql_backend(), true);
}

}  // namespace retort::detail
