#include "retort/dialects/dialect.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "dialects/registry.hpp"
#include "retort/engine/engine.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/compiler.hpp"

namespace retort {

namespace {
std::atomic<std::uint64_t> next_compile_key{1};

bool is_lower_ident_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$'; }
}  // namespace

void detail::check_connect_params(const ConnectParams& params) {
    for (const auto& [key, value] : params) {
        if (key.find('\0') != std::string::npos)
            throw ArgumentError("a connection parameter's name contains a NUL byte (%00 in the URL)");
        if (value.find('\0') != std::string::npos)
            throw ArgumentError("the connection parameter '" + key +
                                "' contains a NUL byte (%00 in the URL), which no driver can take");
    }
}

std::int64_t DBAPIConnection::execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets) {
    std::int64_t total = 0;
    for (const auto& p : param_sets) {
        auto cur = execute(sql, p);
        auto n = cur->rowcount();
        if (n > 0) total += n;
    }
    return total;
}

std::int64_t DBAPIConnection::copy_rows(const std::string&, std::size_t, std::size_t, const CopyRow&) {
    throw NotSupportedError("this driver has no bulk-load path");
}

Dialect::Dialect(std::string name, DialectCapabilities caps)
    : name_(std::move(name)), caps_(caps), compile_key_(next_compile_key.fetch_add(1)) {}

Dialect::~Dialect() = default;

std::string Dialect::type_ddl(const SqlType& t) const {
    if (t.custom)
        if (const std::string* spec = t.custom->ddl_for(name_, family())) return *spec;
    return builtin_type_ddl(t);
}

std::string Dialect::next_value_sql(std::string_view name, const std::optional<std::string>&) const {
    throw CompileError("the " + name_ + " dialect has no sequences, so the next value of sequence '" + std::string(name) +
                       "' cannot be written");
}

bool Dialect::has_sequence(Connection&, std::string_view, const std::optional<std::string>&) const { return false; }
bool Dialect::has_type(Connection&, std::string_view, const std::optional<std::string>&) const { return false; }

bool Dialect::prefetch_keys(Connection&, const Table&, const Column&, std::size_t, PrefetchedKeys&) const {
    return false;
}

bool Dialect::inserted_key(Connection& conn, const Table&, std::span<const Column* const> columns,
                           std::span<Value> out) const {
    if (!caps_.postfetch_lastrowid || columns.size() != 1 || out.size() != 1 || !columns[0]->type.is_integer())
        return false;
    std::int64_t id = 0;
    if (!conn.dbapi_connection().last_insert_id(id)) return false;
    out[0] = Value(id);
    return true;
}

void Dialect::check_numbered_keys(Connection&, const Table& table, const Column&, const PrefetchedKeys&) const {
    throw InvalidRequestError("the " + name() + " dialect does not number the new rows of '" + table.name() +
                              "' itself");
}

void Dialect::do_begin(DBAPIConnection& c) const { c.begin(); }
void Dialect::do_commit(DBAPIConnection& c) const { c.commit(); }
void Dialect::do_rollback(DBAPIConnection& c) const { c.rollback(); }
void Dialect::do_savepoint(DBAPIConnection& c, std::string_view name) const {
    c.exec_script("SAVEPOINT " + quote_identifier(name));
}
void Dialect::do_release_savepoint(DBAPIConnection& c, std::string_view name) const {
    c.exec_script("RELEASE SAVEPOINT " + quote_identifier(name));
}
void Dialect::do_rollback_to_savepoint(DBAPIConnection& c, std::string_view name) const {
    c.exec_script("ROLLBACK TO SAVEPOINT " + quote_identifier(name));
}

std::string Dialect::begin_statement(std::string_view) const { return "BEGIN"; }

std::unique_ptr<sql::SQLCompiler> Dialect::statement_compiler() const {
    return std::make_unique<sql::SQLCompiler>(*this);
}

void Dialect::add_reserved_words(std::span<const std::string_view> words) {
    reserved_words_.insert(reserved_words_.end(), words.begin(), words.end());
    std::sort(reserved_words_.begin(), reserved_words_.end());
    reserved_words_.erase(std::unique(reserved_words_.begin(), reserved_words_.end()), reserved_words_.end());
}

std::unique_ptr<sql::DDLCompiler> Dialect::ddl_compiler() const { return std::make_unique<sql::DDLCompiler>(*this); }

bool Dialect::requires_quotes(std::string_view ident) const {
    if (ident.empty()) return true;
    if (ident[0] >= '0' && ident[0] <= '9') return true;
    if (ident[0] == '$') return true;
    for (char c : ident)
        if (!is_lower_ident_char(c)) return true;
    return std::binary_search(reserved_words_.begin(), reserved_words_.end(), ident,
                              [](std::string_view a, std::string_view b) { return a < b; });
}

std::string Dialect::quote_identifier_always(std::string_view ident) const {
    // PostgreSQL would cut a longer name silently and then not find it again.
    if (caps_.max_identifier_length > 0 && ident.size() > static_cast<std::size_t>(caps_.max_identifier_length))
        throw ArgumentError("identifier of " + std::to_string(ident.size()) + " bytes is longer than the " + name_ +
                            " limit of " + std::to_string(caps_.max_identifier_length) + ": '" +
                            std::string(ident.substr(0, 20)) + "...'");
    std::string out;
    out.reserve(ident.size() + 2);
    const char q = caps_.identifier_quote;
    out.push_back(q);
    for (char c : ident) {
        if (c == '\0') throw ArgumentError("identifier contains a NUL byte");
        if (c == q) out.push_back(q);
        out.push_back(c);
    }
    out.push_back(q);
    return out;
}

std::string Dialect::quote_identifier(std::string_view ident) const {
    if (requires_quotes(ident) ||
        (caps_.max_identifier_length > 0 && ident.size() > static_cast<std::size_t>(caps_.max_identifier_length)))
        return quote_identifier_always(ident);
    return std::string(ident);
}

std::string Dialect::quote_table(const Table& t) const {
    if (!t.schema()) return quote_identifier(t.name());
    return quote_identifier(*t.schema()) + "." + quote_identifier(t.name());
}

std::string Dialect::placeholder(int n) const {
    if (caps_.paramstyle == ParamStyle::NumericDollar) return "$" + std::to_string(n);
    return "?";
}

std::string Dialect::bulk_load_statement(const Table& table, std::span<const Column* const>) const {
    throw NotSupportedError("the " + name() + " dialect has no bulk load (loading '" + table.name() + "')");
}

std::string Dialect::update_from_values_statement(const Table& table, std::span<const Column* const>,
                                                  std::span<const Column* const>, std::size_t) const {
    throw NotSupportedError("the " + name() + " dialect has no UPDATE ... FROM VALUES (updating '" + table.name() +
                            "')");
}

namespace {
// The dialects by URL scheme: those of the backends linked into the program (each registers its own schemes,
// see retort/detail/backends.hpp), then whatever the program registers.
struct DialectRegistry {
    std::mutex mutex;
    std::map<std::string, DialectFactory, std::less<>> factories;
};
DialectRegistry& dialect_registry() {
    static DialectRegistry r;
    return r;
}

// Retort's own backends, each a library of its own: the library to link for a scheme a program asks for but
// did not link.
struct BackendScheme {
    std::string_view scheme;
    std::string_view backend;
};
constexpr BackendScheme backend_schemes[] = {
    {"sqlite", "sqlite"},     {"postgresql", "postgresql"}, {"postgres", "postgresql"},
    {"auroradsql", "auroradsql"}, {"mysql", "mysql"},        {"mariadb", "mysql"}};

void check_scheme(const std::string& scheme) {
    if (scheme.empty() || !std::all_of(scheme.begin(), scheme.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        }))
        throw ArgumentError("a dialect's URL scheme is lower case letters, digits and '_'");
}
}  // namespace

void register_dialect(std::string scheme, DialectFactory factory) {
    check_scheme(scheme);
    if (!factory) throw ArgumentError("register_dialect() needs a factory");
    auto& r = dialect_registry();
    std::lock_guard lock(r.mutex);
    r.factories[std::move(scheme)] = std::move(factory);
}

void detail::register_backend_dialect(std::string scheme, DialectFactory factory) {
    check_scheme(scheme);
    if (!factory) throw ArgumentError("register_backend_dialect() needs a factory");
    auto& r = dialect_registry();
    std::lock_guard lock(r.mutex);
    r.factories.try_emplace(std::move(scheme), std::move(factory));
}

std::vector<std::string> registered_dialects() {
    auto& r = dialect_registry();
    std::lock_guard lock(r.mutex);
    std::vector<std::string> out;
    for (const auto& [k, v] : r.factories) out.push_back(k);
    return out;
}

std::shared_ptr<Dialect> make_dialect(const URL& url) {
    const std::string backend = url.backend_name();
    DialectFactory factory;
    std::string known;
    {
        auto& r = dialect_registry();
        std::lock_guard lock(r.mutex);
        if (auto it = r.factories.find(backend); it != r.factories.end()) factory = it->second;
        for (const auto& [k, v] : r.factories) known += (known.empty() ? "" : ", ") + k;
    }
    if (!factory) {
        for (const auto& b : backend_schemes)
            if (b.scheme == backend) {
                std::string which = "the '" + std::string(b.backend) + "' dialect";
                if (b.scheme != b.backend) which += " (URL scheme '" + backend + "')";
                throw NoSuchModuleError(which + " is not linked into this program: link retort::" +
                                        std::string(b.backend) + " (pkg-config: retort-" + std::string(b.backend) +
                                        ")");
            }
        throw NoSuchModuleError("no dialect for URL scheme '" + url.drivername() + "' (known: " +
                                (known.empty() ? std::string("none") : known) + ")");
    }
    auto d = factory(url);
    if (!d) throw NoSuchModuleError("the dialect registered for '" + backend + "' made none");
    return d;
}

}  // namespace retort
