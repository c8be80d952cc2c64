// Keeps the database backends a program links in the program, and registered before its own static objects.
//
// Each backend is a library of its own (retort::sqlite, retort::postgresql, retort::auroradsql, retort::mysql; pkg-config
// retort-sqlite, ...) that registers its URL schemes with the core's dialect registry. Nothing in a program
// calls a backend by name (it says "sqlite://..."), so a linker would drop the backend: a static library's
// objects that nothing references are left out, and a shared library nothing references is left out under
// --as-needed. So linking a backend's target (or its pkg-config module) also defines RETORT_BACKEND_<NAME>
// for the program's sources, and each source that includes engine.hpp or dialect.hpp (the headers through
// which databases are opened) calls the backend's registration function while it is initialized: that
// reference keeps the backend linked, static or shared, and the schemes are registered before any static
// object the source defines after the include is constructed. Registering is done once per program; a
// scheme the program registered first is left as it is.
#pragma once

#include "retort/export.hpp"

namespace retort::detail {

// Each defined in its backend's library (src/dialects/<name>/register.cpp).
RETORT_API void link_sqlite_backend();
RETORT_API void link_postgresql_backend();
RETORT_API void link_auroradsql_backend();
RETORT_API void link_mysql_backend();

#ifdef RETORT_BACKEND_SQLITE
namespace {
[[maybe_unused]] const bool sqlite_backend_linked = (link_sqlite_backend(), true);
}
#endif

#ifdef RETORT_BACKEND_POSTGRESQL
namespace {
[[maybe_unused]] const bool postgresql_backend_linked = (link_postgresql_backend(), true);
}
#endif

#ifdef RETORT_BACKEND_AURORADSQL
namespace {
[[maybe_unused]] const bool auroradsql_backend_linked = (link_auroradsql_backend(), true);
}
#endif

#ifdef RETORT_BACKEND_MYSQL
namespace {
[[maybe_unused]] const bool mysql_backend_linked = (link_mysql_backend(), true);
}
#endif

}  // namespace retort::detail
