#include "retort/schema/schema.hpp"

#include <algorithm>
#include <map>
#include <atomic>
#include <set>

#include "retort/dialects/dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/error.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/sql/checks.hpp"
#include "retort/sql/compiler.hpp"
#include "retort/sql/expression.hpp"
#include "schema/typed_column.hpp"

namespace retort {

namespace {
std::atomic<std::uint64_t> next_table_serial{1};

void check_identifier(std::string_view what, std::string_view name) {
    if (name.empty()) throw ArgumentError(std::string(what) + " name is empty");
    for (char c : name)
        if (c == '\0' || c == '\x01') throw ArgumentError(std::string(what) + " name contains a control character");
}
}  // namespace

// ---------------------------------------------------------------- Column

ColumnOptions::~ColumnOptions() = default;
ColumnDef::~ColumnDef() = default;

Column& detail::append_typed_column(Table& t, std::string name, SqlType (*inferred)(), bool optional,
                                    ColumnOptions& opts) {
    SqlType type = opts.type ? *opts.type : inferred();
    if (!opts.nullable && !opts.primary_key) opts.nullable = optional;
    return t.append_column(ColumnDef{std::move(name), std::move(type), std::move(opts)});
}

Column::Column(std::string name, SqlType type, ColumnOptions opts)
    : sql::ExprNode(sql::NodeKind::Column, std::move(type)), name_(std::move(name)), opts_(std::move(opts)) {
    check_identifier("column", name_);
    if (opts_.type) this->type = *opts_.type;
    if (this->type.is_null()) throw ArgumentError("column '" + name_ + "' has no type");
    if (!opts_.nullable) opts_.nullable = !opts_.primary_key;
}

bool Column::autoincrement() const noexcept {
    if (!opts_.primary_key || !type.is_integer()) return false;
    if (opts_.autoincrement) return *opts_.autoincrement;
    if (!table_) return false;
    // "auto": only the single integer primary key without a foreign key or server default.
    int pk_count = 0;
    for (const auto& c : table_->columns())
        if (c->primary_key()) ++pk_count;
    return pk_count == 1 && !opts_.foreign_key && !opts_.server_default && !has_client_default();
}

Value Column::client_default() const {
    if (opts_.default_factory) return opts_.default_factory();
    if (opts_.default_value) return *opts_.default_value;
    return Value{};
}

std::shared_ptr<const Column> Column::ptr() const {
    if (!table_) throw InvalidRequestError("column '" + name_ + "' belongs to no table");
    return std::shared_ptr<const Column>(table_->ptr(), this);
}

// ---------------------------------------------------------------- Table

Table::Table(MetaData* md, std::string name, std::optional<std::string> schema)
    : sql::FromNode(sql::NodeKind::Table),
      metadata_(md),
      name_(std::move(name)),
      schema_(std::move(schema)),
      serial_(next_table_serial.fetch_add(1)) {
    check_identifier("table", name_);
}

Table::~Table() = default;

std::string Table::fullname() const { return schema_ ? *schema_ + "." + name_ : name_; }

const Column* Table::find_column(std::string_view name) const noexcept {
    for (const auto& c : columns_)
        if (c->name() == name) return c.get();
    return nullptr;
}

const Column& Table::c(std::string_view name) const {
    if (auto* c = find_column(name)) return *c;
    throw ArgumentError("table '" + fullname() + "' has no column '" + std::string(name) + "'");
}

std::vector<const Column*> Table::primary_key() const {
    std::vector<const Column*> out;
    for (const auto& c : columns_)
        if (c->primary_key()) out.push_back(c.get());
    return out;
}

namespace {
// ON DELETE / ON UPDATE go into DDL as they are: only the five actions SQL knows.
std::optional<std::string> referential_action(const std::optional<std::string>& action) {
    if (!action) return std::nullopt;
    return sql::check_referential_action(*action);
}
}  // namespace

Column& Table::append_column(ColumnDef def) {
    if (find_column(def.name)) throw ArgumentError("table '" + fullname() + "' already has a column '" + def.name + "'");
    auto col = std::make_unique<Column>(std::move(def.name), std::move(def.type), std::move(def.options));
    col->table_ = this;
    const auto& o = col->options();
    if (o.foreign_key) {
        auto dot = o.foreign_key->rfind('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 == o.foreign_key->size())
            throw ArgumentError("foreign key of column '" + col->name() + "' must be \"table.column\", got '" +
                                *o.foreign_key + "'");
        fks_.push_back(ForeignKeyConstraint{{col->name()}, o.foreign_key->substr(0, dot), {o.foreign_key->substr(dot + 1)},
                                            std::nullopt, referential_action(o.ondelete), referential_action(o.onupdate)});
    }
    if (o.sequence) {
        if (!col->type.is_integer())
            throw ArgumentError("column '" + fullname() + "." + col->name() + "' takes values from a sequence, so it "
                                "must be of an integer type");
        if (o.identity)
            throw ArgumentError("column '" + fullname() + "." + col->name() + "' has both a sequence and identity options");
        if (!metadata_) throw ArgumentError("table '" + fullname() + "' belongs to no MetaData, so its column cannot name a sequence");
        col->sequence_ = metadata_->column_sequence(*o.sequence, schema_);
    }
    if (o.index) indexes_.push_back(Index{.name = "", .columns = {col->name()}, .unique = o.unique});
    else if (o.unique) uniques_.push_back(UniqueConstraint{{col->name()}, std::nullopt});
    columns_.push_back(std::move(col));
    return *columns_.back();
}

void Table::append(TableItem item) {
    auto check_cols = [&](const std::vector<std::string>& cols, const char* what) {
        if (cols.empty()) throw ArgumentError(std::string(what) + " on table '" + fullname() + "' names no columns");
        for (const auto& c : cols) (void)this->c(c);
    };
    std::visit(
        [&](auto&& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, PrimaryKeyConstraint>) {
                check_cols(v.columns, "PRIMARY KEY");
                for (auto& c : columns_) {
                    bool in = std::find(v.columns.begin(), v.columns.end(), c->name()) != v.columns.end();
                    c->opts_.primary_key = in;
                    if (in) c->opts_.nullable = false;
                }
                pk_name_ = v.name;
            } else if constexpr (std::is_same_v<T, UniqueConstraint>) {
                check_cols(v.columns, "UNIQUE");
                uniques_.push_back(std::move(v));
            } else if constexpr (std::is_same_v<T, CheckConstraint>) {
                checks_.push_back(std::move(v));
            } else if constexpr (std::is_same_v<T, ForeignKeyConstraint>) {
                check_cols(v.columns, "FOREIGN KEY");
                if (v.columns.size() != v.referred_columns.size())
                    throw ArgumentError("FOREIGN KEY on table '" + fullname() + "': column counts differ");
                v.ondelete = referential_action(v.ondelete);
                v.onupdate = referential_action(v.onupdate);
                fks_.push_back(std::move(v));
            } else {
                if (v.expressions.empty()) {
                    check_cols(v.columns, "INDEX");
                } else {
                    for (const auto& c : v.columns) (void)this->c(c);
                    for (const auto& e : v.expressions)
                        if (e.find_first_not_of(" \t\r\n") == std::string::npos)
                            throw ArgumentError("INDEX on table '" + fullname() + "' has an empty expression");
                    if (v.columns.empty() && v.name.empty())
                        throw ArgumentError("an index on expressions only (table '" + fullname() + "') needs a name");
                }
                indexes_.push_back(std::move(v));
            }
        },
        std::move(item));
}

std::vector<const Table*> Table::referred_tables() const {
    std::vector<const Table*> out;
    if (!metadata_) return out;
    for (const auto& fk : fks_) {
        std::string ref = fk.referred_table;
        const Table* t = metadata_->find_table(ref);
        if (!t && schema_ && ref.find('.') == std::string::npos) t = metadata_->find_table(*schema_ + "." + ref);
        if (t && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    }
    return out;
}

namespace detail {
void run_ddl(Connection& conn, const std::string& sql);
}

// With an Engine and checkfirst, a table that is one statement (no indexes, no types of its own) is created or
// dropped with CREATE TABLE IF NOT EXISTS / DROP TABLE IF EXISTS, alone in its transaction (autocommit): one
// round trip instead of BEGIN, the existence check, the DDL and COMMIT, and no window between check and DDL.
void Table::create(const Engine& engine, bool checkfirst) const {
    auto conn = engine.connect();
    if (checkfirst) {
        auto ddl = conn.dialect().ddl_compiler();
        const bool has_sequences = std::any_of(columns_.begin(), columns_.end(), [](const auto& c) { return c->sequence(); });
        if (indexes_.empty() && !has_sequences && ddl->enum_types(*this).empty()) {
            conn.set_isolation_level("AUTOCOMMIT");
            detail::run_ddl(conn, ddl->create_table(*this, true));
            return;
        }
    }
    create(conn, checkfirst);
    conn.commit();
}

void Table::drop(const Engine& engine, bool checkfirst) const {
    auto conn = engine.connect();
    if (checkfirst) {
        auto ddl = conn.dialect().ddl_compiler();
        const bool has_sequences = std::any_of(columns_.begin(), columns_.end(), [](const auto& c) { return c->sequence(); });
        if (!has_sequences && ddl->enum_types(*this).empty()) {
            conn.set_isolation_level("AUTOCOMMIT");
            detail::run_ddl(conn, ddl->drop_table(*this, true));
            return;
        }
    }
    drop(conn, checkfirst);
    conn.commit();
}

namespace {
// Where the dialect allows one DDL statement per transaction and no DML beside it (Aurora DSQL), every
// step commits on its own; the caller must not have a transaction open, as it would be committed midway.
bool ddl_step_by_step(Connection& conn, std::string_view what) {
    if (!conn.dialect().caps().one_ddl_per_transaction) return false;
    if (conn.in_transaction())
        throw InvalidRequestError(std::string(what) + ": the " + conn.dialect().name() +
                                  " dialect runs each DDL statement in a transaction of its own, so the connection "
                                  "must not be in a transaction; commit first or pass the Engine");
    return true;
}

void ddl_step(Connection& conn, const std::string& sql, bool step_by_step) {
    detail::run_ddl(conn, sql);
    if (step_by_step) conn.commit();
}
}  // namespace

void Table::create(Connection& conn, bool checkfirst) const { create(conn, checkfirst, {}); }

void Table::create(Connection& conn, bool checkfirst, std::span<const std::size_t> leave_out_fks) const {
    const Dialect& d = conn.dialect();
    const bool steps = ddl_step_by_step(conn, "CREATE TABLE " + fullname());
    if (checkfirst) {
        const bool exists = d.has_table(conn, name_, schema_);
        if (steps) conn.commit();
        if (exists) return;
    }
    auto ddl = d.ddl_compiler();
    // Every statement is compiled before any runs: a table whose DDL the dialect cannot write (an index on an
    // expression MariaDB lacks, a type without its length) is refused whole, not left half made where DDL
    // commits at once.
    // An enum type another table made already (two tables, or two columns of two models, of one enum) is not
    // made again.
    std::vector<std::string> type_sql;
    for (const EnumInfo* e : ddl->enum_types(*this)) {
        const bool exists = d.has_type(conn, e->name, std::nullopt);
        if (steps) conn.commit();
        if (!exists) type_sql.push_back(ddl->create_type(*e));
    }
    const std::string table_sql = ddl->create_table(*this, false, leave_out_fks);
    std::vector<std::string> index_sql;
    index_sql.reserve(indexes_.size());
    for (const auto& ix : indexes_) index_sql.push_back(ddl->create_index(*this, ix));
    // The sequences its columns take values from, unless they exist (another table may share one).
    if (d.caps().supports_sequences)
        for (const auto& c : columns_)
            if (c->sequence()) {
                const Sequence& seq = *c->sequence();
                const bool exists = d.has_sequence(conn, seq.name(), seq.schema());
                if (steps) conn.commit();
                if (!exists) ddl_step(conn, ddl->create_sequence(seq), steps);
            }
    for (const auto& s : type_sql) ddl_step(conn, s, steps);
    ddl_step(conn, table_sql, steps);
    for (const auto& sql : index_sql) {
        auto returned = conn.exec_driver_sql(sql).all();
        if (steps) conn.commit();
        d.after_create_index(conn, returned);
    }
}

bool Table::type_used_elsewhere(const std::string& name) const {
    if (!metadata_) return false;
    for (const Table* t : metadata_->tables()) {
        if (t == this) continue;
        for (const auto& c : t->columns())
            if (c->type.kind == TypeKind::Enum && c->type.enum_info && c->type.enum_info->native &&
                c->type.enum_info->name == name)
                return true;
    }
    return false;
}

bool Table::sequence_used_elsewhere(const Sequence& seq) const {
    if (!metadata_) return false;
    for (const Table* t : metadata_->tables())
        if (t != this)
            for (const auto& c : t->columns())
                if (c->sequence() == &seq) return true;
    return false;
}

void Table::drop(Connection& conn, bool checkfirst) const {
    const Dialect& d = conn.dialect();
    const bool steps = ddl_step_by_step(conn, "DROP TABLE " + fullname());
    if (checkfirst) {
        const bool exists = d.has_table(conn, name_, schema_);
        if (steps) conn.commit();
        if (!exists) return;
    }
    auto ddl = d.ddl_compiler();
    ddl_step(conn, ddl->drop_table(*this), steps);
    // Its enum types, unless another table of the MetaData has one too (drop_all drops those after the tables).
    for (const EnumInfo* e : ddl->enum_types(*this))
        if (!type_used_elsewhere(e->name)) ddl_step(conn, ddl->drop_type(*e), steps);
    // The sequences its columns defined (not those of the MetaData, which drop_all drops).
    if (d.caps().supports_sequences)
        for (const auto& c : columns_)
            if (c->sequence() && c->sequence()->table_bound() && !sequence_used_elsewhere(*c->sequence()))
                ddl_step(conn, ddl->drop_sequence(*c->sequence(), true), steps);
}

// ---------------------------------------------------------------- MetaData

MetaData::MetaData() : naming_{{"ix", "ix_%(column_0_label)s"}} {}

MetaData::MetaData(NamingConvention naming_convention, std::optional<std::string> schema)
    : naming_(std::move(naming_convention)), schema_(std::move(schema)) {}

MetaData::~MetaData() {
    for (auto& t : tables_) t->metadata_ = nullptr;
}

Table& MetaData::new_table(std::string name, std::optional<std::string> schema) {
    if (!schema) schema = schema_;
    std::string full = schema ? *schema + "." + name : name;
    if (find_table(full)) throw ArgumentError("table '" + full + "' is already defined in this MetaData");
    tables_.push_back(std::make_shared<Table>(this, std::move(name), std::move(schema)));
    return *tables_.back();
}

Table& MetaData::table(std::string name, std::vector<ColumnDef> columns) {
    return table(std::move(name), std::move(columns), {}, std::nullopt);
}

Table& MetaData::table(std::string name, std::vector<ColumnDef> columns, std::vector<TableItem> items,
                       std::optional<std::string> schema) {
    Table& t = new_table(std::move(name), std::move(schema));
    try {
        for (auto& c : columns) t.append_column(std::move(c));
        for (auto& i : items) t.append(std::move(i));
    } catch (...) {
        remove(t);
        throw;
    }
    return t;
}
Table& MetaData::table(std::string name, std::initializer_list<ColumnDef> columns,
                       std::initializer_list<TableItem> items, std::optional<std::string> schema) {
    return table(std::move(name), std::vector<ColumnDef>(columns), std::vector<TableItem>(items), std::move(schema));
}

Table* MetaData::find_table(std::string_view fullname) const noexcept {
    for (const auto& t : tables_)
        if (t->fullname() == fullname) return t.get();
    return nullptr;
}

Table& MetaData::get_table(std::string_view fullname) const {
    if (auto* t = find_table(fullname)) return *t;
    throw ArgumentError("no table '" + std::string(fullname) + "' in this MetaData");
}

std::vector<Table*> MetaData::tables() const {
    std::vector<Table*> out;
    for (const auto& t : tables_) out.push_back(t.get());
    return out;
}

std::vector<Table*> MetaData::sorted_tables() const {
    // Depth-first topological sort in definition order; a table referring to itself is no dependency.
    std::vector<Table*> out;
    std::set<const Table*> done, active;
    std::function<void(Table*)> visit = [&](Table* t) {
        if (done.count(t) || active.count(t)) return;  // active: a cycle, broken here
        active.insert(t);
        for (const Table* r : t->referred_tables())
            if (r != t) visit(const_cast<Table*>(r));
        active.erase(t);
        done.insert(t);
        out.push_back(t);
    };
    for (const auto& t : tables_) visit(t.get());
    return out;
}

void MetaData::remove(const Table& t) {
    auto it = std::find_if(tables_.begin(), tables_.end(), [&](const auto& p) { return p.get() == &t; });
    if (it != tables_.end()) {
        (*it)->metadata_ = nullptr;
        tables_.erase(it);
    }
}

void MetaData::clear() {
    for (auto& t : tables_) t->metadata_ = nullptr;
    tables_.clear();
}

std::optional<std::string> MetaData::conventional_name(std::string_view kind, const Table& table,
                                                       const std::vector<std::string>& columns,
                                                       std::string_view referred_table,
                                                       std::string_view constraint_name) const {
    auto it = naming_.find(std::string(kind));
    if (it == naming_.end()) return std::nullopt;
    std::string out;
    const std::string& pat = it->second;
    for (std::size_t i = 0; i < pat.size();) {
        if (pat.compare(i, 2, "%(") == 0) {
            auto end = pat.find(")s", i);
            if (end == std::string::npos) throw ArgumentError("bad naming convention pattern '" + pat + "'");
            std::string tok = pat.substr(i + 2, end - i - 2);
            if (tok == "table_name") out += table.name();
            else if (tok == "column_0_name") out += columns.empty() ? "" : columns[0];
            else if (tok == "column_0_label") out += table.name() + "_" + (columns.empty() ? "" : columns[0]);
            else if (tok == "column_0N_name" || tok == "column_0_N_name") {
                for (std::size_t k = 0; k < columns.size(); ++k) out += (k ? "_" : "") + columns[k];
            } else if (tok == "referred_table_name") out += std::string(referred_table);
            else if (tok == "constraint_name") {
                if (constraint_name.empty()) return std::nullopt;
                out += std::string(constraint_name);
            } else throw ArgumentError("unknown naming convention token '" + tok + "'");
            i = end + 2;
        } else {
            out += pat[i++];
        }
    }
    return out;
}

// ---------------------------------------------------------------- Sequence

Sequence::Sequence(std::string name, std::optional<std::string> schema, SequenceOptions options, bool table_bound)
    : name_(std::move(name)), schema_(std::move(schema)), options_(std::move(options)), table_bound_(table_bound) {
    check_identifier("sequence", name_);
    if (options_.increment && *options_.increment == 0) throw ArgumentError("sequence '" + name_ + "': INCREMENT must not be 0");
    if (options_.cache && *options_.cache < 1) throw ArgumentError("sequence '" + name_ + "': CACHE must be at least 1");
    if (options_.data_type && !options_.data_type->is_integer())
        throw ArgumentError("sequence '" + name_ + "': its data type must be an integer type");
    if (options_.minvalue && options_.nominvalue) throw ArgumentError("sequence '" + name_ + "': MINVALUE and NO MINVALUE both given");
    if (options_.maxvalue && options_.nomaxvalue) throw ArgumentError("sequence '" + name_ + "': MAXVALUE and NO MAXVALUE both given");
}

std::string Sequence::fullname() const { return schema_ ? *schema_ + "." + name_ : name_; }

Expr<std::int64_t> Sequence::next_value() const {
    auto node = std::make_shared<sql::LiteralNode>(name_, options_.data_type.value_or(types::BigInteger()));
    node->next_value = true;
    node->sequence_schema = schema_;
    return Expr<std::int64_t>(std::move(node));
}

std::int64_t Sequence::next(Connection& conn) const {
    auto v = conn.execute(select(next_value())).scalar<std::optional<std::int64_t>>();
    if (!v || !*v) throw InvalidRequestError("sequence '" + fullname() + "' gave no value");
    return **v;
}

void Sequence::create(const Engine& engine, bool checkfirst) const {
    auto conn = engine.connect();
    create(conn, checkfirst);
    if (conn.in_transaction()) conn.commit();
}

void Sequence::drop(const Engine& engine, bool checkfirst) const {
    auto conn = engine.connect();
    drop(conn, checkfirst);
    if (conn.in_transaction()) conn.commit();
}

void Sequence::create(Connection& conn, bool checkfirst) const {
    const Dialect& d = conn.dialect();
    if (!d.caps().supports_sequences) return;
    const bool steps = ddl_step_by_step(conn, "CREATE SEQUENCE " + fullname());
    if (checkfirst) {
        const bool exists = d.has_sequence(conn, name_, schema_);
        if (steps) conn.commit();
        if (exists) return;
    }
    ddl_step(conn, d.ddl_compiler()->create_sequence(*this), steps);
}

void Sequence::drop(Connection& conn, bool checkfirst) const {
    const Dialect& d = conn.dialect();
    if (!d.caps().supports_sequences) return;
    const bool steps = ddl_step_by_step(conn, "DROP SEQUENCE " + fullname());
    if (checkfirst) {
        const bool exists = d.has_sequence(conn, name_, schema_);
        if (steps) conn.commit();
        if (!exists) return;
    }
    ddl_step(conn, d.ddl_compiler()->drop_sequence(*this), steps);
}

Sequence& MetaData::sequence(std::string name, SequenceOptions options, std::optional<std::string> schema) {
    if (!schema) schema = schema_;
    const std::string full = schema ? *schema + "." + name : name;
    if (find_sequence(full)) throw ArgumentError("sequence '" + full + "' is already defined in this MetaData");
    sequences_.push_back(std::make_shared<Sequence>(std::move(name), std::move(schema), std::move(options), false));
    return *sequences_.back();
}

std::shared_ptr<const Sequence> MetaData::column_sequence(const std::string& name, const std::optional<std::string>& table_schema) {
    std::optional<std::string> schema;
    std::string plain = name;
    if (auto dot = name.rfind('.'); dot != std::string::npos) {
        schema = name.substr(0, dot);
        plain = name.substr(dot + 1);
    } else {
        schema = table_schema ? table_schema : schema_;
    }
    const std::string full = schema ? *schema + "." + plain : plain;
    for (const auto& s : sequences_)
        if (s->fullname() == full) return s;
    sequences_.push_back(std::make_shared<Sequence>(std::move(plain), std::move(schema), SequenceOptions{}, true));
    return sequences_.back();
}

const Sequence* MetaData::find_sequence(std::string_view fullname) const noexcept {
    for (const auto& s : sequences_)
        if (s->fullname() == fullname) return s.get();
    return nullptr;
}

std::vector<const Sequence*> MetaData::sequences() const {
    std::vector<const Sequence*> out;
    for (const auto& s : sequences_) out.push_back(s.get());
    return out;
}

void MetaData::create_all(const Engine& engine, bool checkfirst) const {
    auto conn = engine.connect();
    create_all(conn, checkfirst);
    conn.commit();
}

namespace {
// The foreign keys create_all adds once every table exists: those referring to a table created after their
// own (a cycle of references), where the dialect can add a constraint with ALTER TABLE. Elsewhere (SQLite)
// a reference to a table not yet created is accepted in CREATE TABLE and they stay inline.
std::map<const Table*, std::vector<std::size_t>> cycle_foreign_keys(const std::vector<Table*>& order, const Dialect& d) {
    std::map<const Table*, std::vector<std::size_t>> out;
    if (!d.caps().supports_foreign_keys) return out;
    std::map<const Table*, std::size_t> position;
    for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
    for (const Table* t : order) {
        const auto& fks = t->foreign_keys();
        for (std::size_t i = 0; i < fks.size(); ++i) {
            const Table* r = t->metadata()->find_table(fks[i].referred_table);
            if (!r && t->schema() && fks[i].referred_table.find('.') == std::string::npos)
                r = t->metadata()->find_table(*t->schema() + "." + fks[i].referred_table);
            if (r && r != t && position.count(r) && position[r] > position[t]) out[t].push_back(i);
        }
    }
    return out;
}

// The name a foreign key has in the database: its own or the naming convention's, else the one the
// database gave it (reflected); empty when the table has no such constraint.
std::string existing_foreign_key_name(Connection& conn, const sql::DDLCompiler& ddl, const Table& t,
                                      const ForeignKeyConstraint& fk) {
    std::string name = ddl.foreign_key_name(t, fk);
    if (!name.empty()) return name;
    const auto plain = [](const std::string& n) { return n.substr(n.rfind('.') + 1); };
    for (auto& r : conn.dialect().get_foreign_keys(conn, t.name(), t.schema()))
        if (r.constrained_columns == fk.columns && r.referred_table == plain(fk.referred_table) && r.name) return *r.name;
    return {};
}
}  // namespace

void MetaData::create_all(Connection& conn, bool checkfirst) const {
    {
        // Each table's DDL compiled once before anything runs, so one the dialect cannot write stops the
        // whole create_all before any table exists (DDL commits at once on MySQL).
        auto ddl = conn.dialect().ddl_compiler();
        for (const Table* t : sorted_tables()) {
            (void)ddl->create_table(*t, false, {});
            for (const auto& ix : t->indexes()) (void)ddl->create_index(*t, ix);
        }
    }
    // The MetaData's own sequences first (a column's DEFAULT may take values from one); those columns define
    // come with their tables.
    for (const auto& s : sequences_)
        if (!s->table_bound()) s->create(conn, checkfirst);
    const auto order = sorted_tables();
    const auto later = conn.dialect().caps().supports_alter ? cycle_foreign_keys(order, conn.dialect())
                                                            : std::map<const Table*, std::vector<std::size_t>>{};
    if (later.empty()) {
        for (Table* t : order) t->create(conn, checkfirst);
        return;
    }
    const bool steps = ddl_step_by_step(conn, "create_all");
    std::vector<const Table*> created;
    for (Table* t : order) {
        auto it = later.find(t);
        if (it == later.end()) {
            t->create(conn, checkfirst);
            continue;
        }
        const bool exists = checkfirst && conn.dialect().has_table(conn, t->name(), t->schema());
        if (steps) conn.commit();
        if (exists) continue;
        t->create(conn, false, it->second);
        created.push_back(t);
    }
    auto ddl = conn.dialect().ddl_compiler();
    for (const Table* t : created)
        for (std::size_t i : later.at(t)) ddl_step(conn, ddl->add_foreign_key(*t, t->foreign_keys()[i]), steps);
}

void MetaData::drop_all(const Engine& engine, bool checkfirst) const {
    auto conn = engine.connect();
    drop_all(conn, checkfirst);
    conn.commit();
}

void MetaData::drop_all(Connection& conn, bool checkfirst) const {
    auto order = sorted_tables();
    // The foreign keys of a cycle go first, so that each table can then be dropped.
    const auto later = cycle_foreign_keys(order, conn.dialect());
    if (!later.empty() && !conn.dialect().caps().supports_alter) {
        // No ALTER TABLE ... DROP CONSTRAINT (SQLite): the tables of a cycle go with foreign keys suspended.
        const bool resume = conn.dialect().suspend_foreign_keys(conn);
        try {
            for (auto it = order.rbegin(); it != order.rend(); ++it) (*it)->drop(conn, checkfirst);
            conn.commit();
        } catch (...) {
            if (conn.in_transaction()) conn.rollback();
            if (resume) conn.dialect().resume_foreign_keys(conn);
            throw;
        }
        if (resume) conn.dialect().resume_foreign_keys(conn);
        drop_sequences(conn, checkfirst);
        drop_shared_types(conn);
        return;
    }
    if (!later.empty()) {
        const bool steps = ddl_step_by_step(conn, "drop_all");
        auto ddl = conn.dialect().ddl_compiler();
        for (const auto& [t, fks] : later) {
            const bool exists = conn.dialect().has_table(conn, t->name(), t->schema());
            if (steps) conn.commit();
            if (!exists) continue;
            for (std::size_t i : fks) {
                const std::string name = existing_foreign_key_name(conn, *ddl, *t, t->foreign_keys()[i]);
                if (steps) conn.commit();
                if (name.empty()) continue;
                ddl_step(conn, "ALTER TABLE " + ddl->table_name(*t) + " DROP CONSTRAINT " + conn.dialect().quote_identifier(name), steps);
            }
        }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) (*it)->drop(conn, checkfirst);
    drop_sequences(conn, checkfirst);
    drop_shared_types(conn);
}

// After the tables: the MetaData's own sequences, and those columns defined that their tables left because
// another table shares them.
void MetaData::drop_sequences(Connection& conn, bool checkfirst) const {
    for (const auto& s : sequences_) s->drop(conn, checkfirst || s->table_bound());
}

// After the tables: the enum types two of them shared, which each table left to the other (those of one table
// went with it).
void MetaData::drop_shared_types(Connection& conn) const {
    auto ddl = conn.dialect().ddl_compiler();
    std::vector<std::string> done;
    for (const Table* t : tables())
        for (const EnumInfo* e : ddl->enum_types(*t)) {
            if (std::find(done.begin(), done.end(), e->name) != done.end() || !t->type_used_elsewhere(e->name)) continue;
            done.push_back(e->name);
            ddl_step(conn, ddl->drop_type(*e), ddl_step_by_step(conn, "drop_all"));
        }
}

void MetaData::reflect(const Engine& engine, const std::vector<std::string>& only,
                       const std::optional<std::string>& schema) {
    auto conn = engine.connect();
    const Dialect& d = conn.dialect();
    auto names = d.get_table_names(conn, schema);
    for (const auto& name : only)
        if (std::find(names.begin(), names.end(), name) == names.end())
            throw InvalidRequestError("table '" + name + "' is not in the database");
    for (const auto& name : names) {
        if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
        std::string full = schema ? *schema + "." + name : name;
        if (find_table(full)) continue;
        Table& t = new_table(name, schema);
        auto pk = d.get_pk_constraint(conn, name, schema);
        for (auto& rc : d.get_columns(conn, name, schema)) {
            ColumnOptions o;
            o.nullable = rc.nullable;
            o.primary_key = std::find(pk.constrained_columns.begin(), pk.constrained_columns.end(), rc.name) !=
                            pk.constrained_columns.end();
            if (rc.server_default && !rc.autoincrement) o.server_default = rc.server_default;
            o.autoincrement = rc.autoincrement;
            if (rc.identity && o.primary_key)
                o.identity = Identity{.always = rc.identity->always, .start = rc.identity->start,
                                      .increment = rc.identity->increment, .cache = rc.identity->cache};
            SqlType type = rc.type.is_null() ? types::Text() : rc.type;
            t.append_column(ColumnDef{rc.name, type, o});
        }
        if (pk.constrained_columns.size() > 1 || pk.name) t.append(PrimaryKeyConstraint{pk.constrained_columns, pk.name});
        for (auto& fk : d.get_foreign_keys(conn, name, schema)) {
            std::string ref = fk.referred_schema ? *fk.referred_schema + "." + fk.referred_table : fk.referred_table;
            t.append(ForeignKeyConstraint{fk.constrained_columns, ref, fk.referred_columns, fk.name, fk.ondelete, fk.onupdate});
        }
        for (auto& u : d.get_unique_constraints(conn, name, schema)) t.append(UniqueConstraint{u.column_names, u.name});
        for (auto& ix : d.get_indexes(conn, name, schema)) t.append(Index{.name = ix.name, .columns = ix.column_names, .unique = ix.unique});
    }
}

}  // namespace retort
