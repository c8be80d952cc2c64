// The MySQL / MariaDB backend's entry into the dialect registry: the "mysql", "mariadb" and
// "mysql+mariadbconnector" URL schemes (the part before "+" names the backend).
#include "dialects/mysql/mysql_dialect.hpp"
#include "dialects/registry.hpp"

namespace retort::detail {

// Called while each source of a program linked with retort::mysql is initialized
// (retort/detail/backends.hpp), and once when this library is loaded.
void link_mysql_backend() {
    static const bool registered = [] {
        register_backend_dialect("mysql", [](const URL&) { return mysql::make_mysql_dialect(); });
        register_backend_dialect("mariadb", [](const URL&) { return mysql::make_mysql_dialect(); });
        return true;
    }();
    (void)registered;
}

namespace {
[[maybe_unused]] const bool registered_on_load = (link_mysql_backend(), true);
}

}  // namespace retort::detail
