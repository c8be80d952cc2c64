#include "retort/dialects/dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/schema/reflection.hpp"

namespace retort {

struct Inspector::Impl {
    Engine engine;
};

Inspector::Inspector(const Engine& engine) : impl_(std::make_unique<Impl>(Impl{engine})) {}
Inspector::~Inspector() = default;

namespace {
template <class Fn>
auto with_conn(const Engine& e, Fn&& fn) {
    auto conn = e.connect();
    return fn(conn, e.dialect());
}
}  // namespace

std::vector<std::string> Inspector::get_table_names(const std::optional<std::string>& schema) {
    return with_conn(impl_->engine, [&](Connection& c, const Dialect& d) { return d.get_table_names(c, schema); });
}
bool Inspector::has_table(std::string_view table, const std::optional<std::string>& schema) {
    return with_conn(impl_->engine, [&](Connection& c, const Dialect& d) { return d.has_table(c, table, schema); });
}
std::vector<ReflectedColumn> Inspector::get_columns(std::string_view table, const std::optional<std::string>& schema) {
    return with_conn(impl_->engine, [&](Connection& c, const Dialect& d) { return d.get_columns(c, table, schema); });
}
ReflectedPrimaryKey Inspector::get_pk_constraint(std::string_view table, const std::optional<std::string>& schema) {
    return with_conn(impl_->engine, [&](Connection& c, const Dialect& d) { return d.get_pk_constraint(c, table, schema); });
}
std::vector<ReflectedForeignKey> Inspector::get_foreign_keys(std::string_view table, const std::optional<std::string>& schema) {
    return with_conn(impl_->engine, [&](Connection& c, const Dialect& d) { return d.get_foreign_keys(c, table, schema); });
}
std::vector<ReflectedIndex> Inspector::get_indexes(std::string_view table, const std::optional<std::string>& schema) {
    return with_conn(impl_->engine, [&](Connection& c, const Dialect& d) { return d.get_indexes(c, table, schema); });
}
std::vector<ReflectedUnique> Inspector::get_unique_constraints(std::string_view table,
                                                               const std::optional<std::string>& schema) {
    return with_conn(impl_->engine, [&](Connection& c, const Dialect& d) { return d.get_unique_constraints(c, table, schema); });
}

}  // namespace retort
