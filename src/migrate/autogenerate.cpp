#include "retort/migrate/autogenerate.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string_view>
#include <utility>

#include "detail/text.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/migrate/migration.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/sql/compiler.hpp"

namespace retort::migrate {

namespace {

std::string upper_squeezed(std::string_view s) { return detail::to_upper(detail::remove_space(s)); }

// Whether the reflected column's type is what the model asks for, as far as this dialect can tell:
// the same DDL either from the reflected type or from the database's own spelling.
bool same_type(const Dialect& d, const SqlType& model, const ReflectedColumn& reflected) {
    // A type that is not known on either side (a model column of Null type, a column the database
    // declares without a type) is not compared.
    if (model.is_null() || (reflected.type.is_null() && reflected.type_text.empty())) return true;
    auto is_float = [](TypeKind k) { return k == TypeKind::Float || k == TypeKind::Double; };
    if (is_float(model.kind) && is_float(reflected.type.kind)) return true;
    if (model.kind == TypeKind::Enum) return true;  // enums reflect as text or as their own type
    std::string want = upper_squeezed(d.type_ddl(model));
    std::vector<std::string> have;
    if (!reflected.type.is_null()) have.push_back(upper_squeezed(d.type_ddl(reflected.type)));
    have.push_back(upper_squeezed(reflected.type_text));
    for (const auto& h : have)
        if (want == h) return true;
    // A model type without arguments (NUMERIC, VARCHAR) takes whatever the database filled in (DECIMAL(10,0)):
    // only the names are compared then, DECIMAL and NUMERIC being one.
    if (want.find('(') != std::string::npos) return false;
    auto name_of = [](const std::string& t) {
        std::string out;
        int depth = 0;
        for (char c : t) {
            if (c == '(') ++depth;
            if (depth == 0) out += c;
            if (c == ')' && depth > 0) --depth;
        }
        if (out == "DECIMAL") out = "NUMERIC";
        return out;
    };
    const std::string want_name = name_of(want);
    for (const auto& h : have)
        if (!h.empty() && name_of(h) == want_name) return true;
    return false;
}

// Type names that may start a typed literal (interval '1 day'), which PostgreSQL echoes as a cast
// ('1 day'::interval).
bool typed_literal_keyword(std::string_view text) {
    const std::string word = detail::to_lower(text);
    static const std::set<std::string> words{"interval", "timestamp", "timestamptz", "date",    "time",    "timetz",
                                             "numeric",  "decimal",   "uuid",        "json",    "jsonb",   "bytea",
                                             "inet",     "cidr",      "text",        "varchar", "char",    "boolean",
                                             "bool",     "int",       "integer",     "bigint",  "smallint", "real",
                                             "float",    "money",     "xml"};
    return words.count(word) != 0;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The words PostgreSQL writes after a cast's first word: ::character varying(20), ::double precision,
// ::timestamp(3) with time zone, ::bit varying.
bool cast_type_word(const std::string& word) {
    static const std::set<std::string> words{"varying", "precision", "with", "without", "time", "zone"};
    return words.count(word) != 0;
}

// A default's expression written again with only the parentheses its operators need. PostgreSQL echoes each
// operation in parentheses of its own ((now() + '1 day'), (1 + (2 * 3)), (extract(...))), people write them as
// they like. Works on the squeezed form (no blanks, lower case outside quotes); the precedences are
// PostgreSQL's (unary minus, ^, * / %, + -, other operators such as ||, comparisons). none when the text is
// not an expression of that kind, which is then compared as it is.
class MinimalParentheses {
public:
    explicit MinimalParentheses(const std::string& s) : s_(s) {}

    std::optional<std::string> run() {
        Part e = expr(0);
        if (!ok_ || pos_ != s_.size()) return std::nullopt;
        return e.text;
    }

private:
    struct Part {
        std::string text;
        int prec = primary;
    };
    static constexpr int unary = 6, primary = 10;

    // The binary operator at pos_ and its precedence, or none.
    std::pair<std::string_view, int> binary_operator() const {
        static const std::pair<std::string_view, int> ops[] = {
            {"||", 2}, {"<=", 1}, {">=", 1}, {"<>", 1}, {"!=", 1}, {"=", 1}, {"<", 1}, {">", 1},
            {"+", 3},  {"-", 3},  {"*", 4},  {"/", 4},  {"%", 4},  {"^", 5}};
        for (auto [op, prec] : ops)
            if (s_.compare(pos_, op.size(), op) == 0) return {op, prec};
        return {{}, 0};
    }
    static std::string wrapped(const Part& p, int needed) { return p.prec < needed ? "(" + p.text + ")" : p.text; }

    // Binary operators are read left to right: a right operand of the same precedence keeps its parentheses.
    Part expr(int min_prec) {
        if (++depth_ > 200) ok_ = false;  // no stack exhaustion on a pathological default
        Part left = unary_part();
        while (ok_ && pos_ < s_.size()) {
            auto [op, prec] = binary_operator();
            if (op.empty() || prec < min_prec) break;
            pos_ += op.size();
            Part right = expr(prec + 1);
            left.text = wrapped(left, prec) + std::string(op) + wrapped(right, prec + 1);
            left.prec = prec;
        }
        --depth_;
        return left;
    }
    Part unary_part() {
        if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) {
            const char sign = s_[pos_++];
            Part operand = unary_part();
            return Part{std::string(1, sign) + wrapped(operand, unary), unary};
        }
        return primary_part();
    }
    bool starts_item() const {
        if (pos_ >= s_.size()) return false;
        const char c = s_[pos_];
        return c == '\'' || c == '(' || c == '[' || c == '.' || c == '$' || is_word_char(c);
    }
    // Comma-separated expressions up to close (a call's arguments, an ARRAY's elements).
    std::string list(char close) {
        std::string out;
        ++pos_;
        if (pos_ < s_.size() && s_[pos_] == close) {
            ++pos_;
            return out;
        }
        while (ok_) {
            out += expr(0).text;
            if (pos_ < s_.size() && s_[pos_] == ',') {
                out += ',';
                ++pos_;
            } else if (pos_ < s_.size() && s_[pos_] == close) {
                ++pos_;
                break;
            } else {
                ok_ = false;
            }
        }
        return out;
    }
    // Words, literals and calls side by side (the squeezed "now()attimezone'utc'" is one operand), or a
    // parenthesized expression, whose parentheses the caller writes back only where needed.
    Part primary_part() {
        std::string text;
        int items = 0;
        while (ok_ && starts_item()) {
            const char c = s_[pos_];
            if (c == '\'') {
                std::size_t end = pos_ + 1;
                while (true) {
                    end = s_.find('\'', end);
                    if (end == std::string::npos) {
                        ok_ = false;
                        return {};
                    }
                    if (end + 1 < s_.size() && s_[end + 1] == '\'') {
                        end += 2;
                        continue;
                    }
                    break;
                }
                text += s_.substr(pos_, end + 1 - pos_);
                pos_ = end + 1;
            } else if (c == '(' && items == 0) {
                ++pos_;
                Part inner = expr(0);
                if (pos_ >= s_.size() || s_[pos_] != ')') {
                    ok_ = false;
                    return {};
                }
                ++pos_;
                if (!starts_item()) return inner;
                text += "(" + inner.text + ")";
            } else if (c == '(') {
                text += "(" + list(')') + ")";
            } else if (c == '[') {
                text += "[" + list(']') + "]";
            } else {
                while (pos_ < s_.size() && (is_word_char(s_[pos_]) || s_[pos_] == '.' || s_[pos_] == '$')) text += s_[pos_++];
            }
            ++items;
        }
        if (items == 0) ok_ = false;
        return Part{text, primary};
    }

    const std::string& s_;
    std::size_t pos_ = 0;
    int depth_ = 0;
    bool ok_ = true;
};

// Server defaults as the database echoes them differ in form: "'x'::text", "(now())", "TRUE",
// "'-1'::integer" for -1, "'1 day'::interval" for interval '1 day', "(1 + (2 * 3))" for 1 + 2 * 3. Both sides
// are brought to one form: no casts, no blanks or identifier quotes, lower case outside quotes, parentheses
// only where the operators need them, quoted numbers unquoted, and one spelling for a function that has
// several (now(), CURRENT_TIMESTAMP and transaction_timestamp() are one). Other function calls are compared
// as written, so gen_random_uuid() matches itself.
std::string normalize_default(std::string_view s) {
    std::string out;
    bool in_quote = false;
    auto skip_blanks = [&](std::size_t at) {
        while (at < s.size() && std::isspace(static_cast<unsigned char>(s[at]))) ++at;
        return at;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\'') {
            in_quote = !in_quote;
            out += c;
            continue;
        }
        if (in_quote) {
            out += c;
            continue;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) && (i == 0 || !is_word_char(s[i - 1]))) {
            std::size_t end = i;
            while (end < s.size() && is_word_char(s[end])) ++end;
            const std::string word = detail::to_lower(s.substr(i, end - i));
            const std::size_t next = skip_blanks(end);
            if (next < s.size() && s[next] == '\'' && typed_literal_keyword(word)) {
                i = next - 1;  // the literal alone
                continue;
            }
            // The transaction's start time, however it is spelled (PostgreSQL keeps the spelling it was given).
            const bool call = next < s.size() && s[next] == '(';
            const std::size_t close = call ? skip_blanks(next + 1) : next;
            const bool empty_call = call && close < s.size() && s[close] == ')';
            if ((empty_call && (word == "now" || word == "transaction_timestamp" || word == "current_timestamp")) ||
                (!call && word == "current_timestamp")) {
                out += "current_timestamp()";
                i = (empty_call ? close + 1 : end) - 1;
                continue;
            }
        }
        if (c == ':' && i + 1 < s.size() && s[i + 1] == ':') {
            // A cast: its type name (of one or more words, maybe quoted or schema-qualified), its arguments and
            // array brackets.
            std::size_t at = skip_blanks(i + 2);
            bool first = true;
            while (at < s.size()) {
                std::size_t end = at;
                if (s[end] == '"') {
                    end = s.find('"', end + 1);
                    end = end == std::string_view::npos ? s.size() : end + 1;
                } else {
                    while (end < s.size() && (is_word_char(s[end]) || s[end] == '.')) ++end;
                }
                if (end == at || (!first && !cast_type_word(detail::to_lower(s.substr(at, end - at))))) break;
                first = false;
                at = skip_blanks(end);
                if (at < s.size() && s[at] == '(') {
                    const std::size_t close = s.find(')', at);
                    at = skip_blanks(close == std::string_view::npos ? s.size() : close + 1);
                }
            }
            while (at + 1 < s.size() && s[at] == '[' && s[at + 1] == ']') at = skip_blanks(at + 2);
            i = at - 1;
            continue;
        }
        // Blanks, and the double quotes PostgreSQL puts around some function names ("substring"(...)).
        if (std::isspace(static_cast<unsigned char>(c)) || c == '"') continue;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (auto minimal = MinimalParentheses(out).run()) {
        out = *minimal;
    } else {
        // Outer parentheses that enclose the whole expression.
        while (out.size() >= 2 && out.front() == '(' && out.back() == ')') {
            int depth = 0;
            bool whole = true;
            for (std::size_t i = 0; i + 1 < out.size(); ++i) {
                if (out[i] == '(') ++depth;
                if (out[i] == ')') --depth;
                if (depth == 0) {
                    whole = false;
                    break;
                }
            }
            if (!whole) break;
            out = out.substr(1, out.size() - 2);
        }
    }
    // A quoted number is the number.
    static const std::regex quoted_number(R"('([+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?)')");
    std::smatch m;
    if (std::regex_match(out, m, quoted_number)) out = m[1].str();
    // A number with a fraction of zeros is the whole number (a DECIMAL(8,2) default of 0 reads back 0.00).
    static const std::regex zero_fraction(R"(([+-]?[0-9]+)\.0*)");
    if (std::regex_match(out, m, zero_fraction)) out = m[1].str();
    // One name for what databases spell differently: now() is current_timestamp() on MySQL, substring is substr.
    // (MariaDB echoes now() on a DATETIME(6) column as current_timestamp(6)).
    static const std::regex now_call(R"((now|current_timestamp)(\([0-6]?\))?)");
    if (std::regex_match(out, now_call)) out = "current_timestamp()";
    if (out == "replace(uuid(),'-','')") out = "gen_random_uuid()";  // as MySQL's DDL writes gen_random_uuid()
    // (and MariaDB echoes lower() as lcase(), upper() as ucase()).
    static const std::pair<std::string_view, std::string_view> synonyms[] = {
        {"substring(", "substr("}, {"lcase(", "lower("}, {"ucase(", "upper("}};
    for (const auto& [from, to] : synonyms)
        for (std::size_t at = out.find(from); at != std::string::npos; at = out.find(from, at)) {
            if (at > 0 && is_word_char(out[at - 1])) {
                ++at;
                continue;
            }
            out.replace(at, from.size(), to);
            at += to.size();
        }
    return out;
}

// An index InnoDB made for a foreign key: not unique, on a column of the key, named after the key or the column.
bool made_for_foreign_key(const IndexSpec& ix, const TableSpec& t) {
    if (ix.unique) return false;
    for (const auto& col : ix.columns)
        for (const auto& fk : t.foreign_keys) {
            const bool in_fk = std::find(fk.columns.begin(), fk.columns.end(), col) != fk.columns.end();
            if (in_fk && (ix.name == col || (fk.name && *fk.name == ix.name))) return true;
        }
    return false;
}

bool same_default(const std::optional<std::string>& model, const std::optional<std::string>& db) {
    if (!model || !db) return !model && (!db || normalize_default(*db) == "null");
    return normalize_default(*model) == normalize_default(*db);
}

// The value a literal default stands for, once normalized ('it''s' is it's; 5.0; true), or none for an expression.
std::optional<std::string> literal_text(const std::string& normalized) {
    static const std::regex number(R"([+-]?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?)");
    if (normalized == "true" || normalized == "false" || std::regex_match(normalized, number)) return normalized;
    if (normalized.size() < 2 || normalized.front() != '\'' || normalized.back() != '\'') return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i + 1 < normalized.size(); ++i) {
        if (normalized[i] == '\'') {
            if (i + 2 >= normalized.size() || normalized[i + 1] != '\'') return std::nullopt;  // 'a'||'b' and the like
            ++i;
        }
        out += normalized[i];
    }
    return out;
}

// PostgreSQL keeps a literal default in its type's output form: '2024-01-01' on a timestamptz column reads back
// as '2024-01-01 00:00:00+00', 't' on a boolean as true, a jsonb document with its keys in jsonb's order,
// '24 hours' on an interval as '24:00:00'. Two literals that read differently are both cast to the column's
// type by the server, which says whether they are one value. A literal the type refuses counts as a change.
// The literals are bound parameters; the type is format_type()'s spelling, quoted by PostgreSQL where needed.
bool same_literal_value(const Engine& engine, Connection& conn, const ReflectedColumn& rc, const std::string& model,
                        const std::string& db) {
    const Dialect& d = conn.dialect();
    if (d.family() != "postgresql" || rc.type_text.empty()) return false;
    const auto a = literal_text(normalize_default(model)), b = literal_text(normalize_default(db));
    if (!a || !b) return false;
    const std::string as_type = " AS " + rc.type_text + ")";
    const std::string sql = "SELECT CAST($1" + as_type + " IS NOT DISTINCT FROM CAST($2" + as_type;
    try {
        // A refused literal ends the transaction it ran in: a savepoint's, or where there are none (Aurora
        // DSQL), a connection's of its own.
        if (d.caps().supports_savepoints) {
            auto savepoint = conn.begin_nested();
            const auto same = conn.exec_driver_sql(sql, {Value(*a), Value(*b)}).scalar<bool>();
            savepoint.rollback();
            return same.value_or(false);
        }
        auto own = engine.connect();
        const auto same = own.exec_driver_sql(sql, {Value(*a), Value(*b)}).scalar<bool>();
        own.rollback();
        return same.value_or(false);
    } catch (const Error&) {
        return false;
    }
}

std::string name_or(const std::optional<std::string>& n, const std::string& fallback) { return n ? *n : fallback; }

Operation op_of(OpKind k, const std::string& table) {
    Operation op;
    op.kind = k;
    op.table = table;
    return op;
}

Operation create_index_op(const IndexSpec& ix) {
    Operation op = op_of(OpKind::CreateIndex, ix.table);
    op.name = ix.name;
    op.columns = ix.columns;
    op.unique = ix.unique;
    return op;
}

Operation drop_index_op(const IndexSpec& ix) {
    Operation op = op_of(OpKind::DropIndex, ix.table);
    op.name = ix.name;
    return op;
}

Operation create_table_op(const TableSpec& spec) {
    Operation op = op_of(OpKind::CreateTable, spec.name);
    op.table_spec = spec;
    return op;
}

Operation add_column_op(const std::string& table, const ColumnSpec& c) {
    Operation op = op_of(OpKind::AddColumn, table);
    op.column = c;
    op.column.primary_key = false;
    return op;
}

Operation drop_column_op(const std::string& table, const std::string& column) {
    Operation op = op_of(OpKind::DropColumn, table);
    op.column.name = column;
    return op;
}

Operation create_unique_op(const std::string& table, const UniqueConstraint& u) {
    Operation op = op_of(OpKind::CreateUnique, table);
    op.name = name_or(u.name, "uq_" + table + "_" + detail::join(u.columns, "_"));
    op.columns = u.columns;
    return op;
}

Operation drop_constraint_op(const std::string& table, const std::optional<std::string>& name, const char* type,
                             const std::vector<std::string>& columns) {
    Operation op = op_of(OpKind::DropConstraint, table);
    op.name = name.value_or("");
    op.constraint_type = type;
    op.columns = columns;
    return op;
}

Operation create_fk_op(const std::string& table, const ForeignKeyConstraint& fk) {
    Operation op = op_of(OpKind::CreateForeignKey, table);
    op.name = name_or(fk.name, "fk_" + table + "_" + detail::join(fk.columns, "_") + "_" + fk.referred_table);
    op.columns = fk.columns;
    op.referred_table = fk.referred_table;
    op.referred_columns = fk.referred_columns;
    op.ondelete = fk.ondelete;
    op.onupdate = fk.onupdate;
    return op;
}

bool same_fk(const ForeignKeyConstraint& a, const ForeignKeyConstraint& b) {
    return a.columns == b.columns && a.referred_table == b.referred_table && a.referred_columns == b.referred_columns;
}

// Collects upgrade steps and their inverses; the downgrade runs the inverses in reverse order.
struct Builder {
    Comparison out;
    std::vector<std::vector<Step>> down_groups;

    void add(std::vector<Step> up, std::vector<Step> down) {
        out.upgrade.insert(out.upgrade.end(), up.begin(), up.end());
        down_groups.push_back(std::move(down));
    }
    void add(Operation up, Operation down) { add({Step{up, {}}}, {Step{down, {}}}); }
    Comparison finish() {
        for (auto it = down_groups.rbegin(); it != down_groups.rend(); ++it)
            out.downgrade.insert(out.downgrade.end(), it->begin(), it->end());
        return std::move(out);
    }
};

}  // namespace

bool Comparison::empty() const {
    return std::none_of(upgrade.begin(), upgrade.end(), [](const Step& s) { return s.op.has_value(); });
}

TableSpec table_spec_of(const Table& t) {
    TableSpec spec;
    spec.name = t.name();
    const MetaData* md = t.metadata();
    for (const auto& c : t.columns()) {
        ColumnSpec cs{c->name(), c->type, c->nullable(), c->primary_key(), c->options().autoincrement,
                      c->options().server_default};
        spec.columns.push_back(std::move(cs));
    }
    spec.pk_name = t.primary_key_name();
    std::vector<std::string> pk_cols;
    for (const auto* c : t.primary_key()) pk_cols.push_back(c->name());
    if (!spec.pk_name && md && !pk_cols.empty()) spec.pk_name = md->conventional_name("pk", t, pk_cols);
    for (auto u : t.unique_constraints()) {
        if (!u.name && md) u.name = md->conventional_name("uq", t, u.columns);
        spec.uniques.push_back(std::move(u));
    }
    for (auto fk : t.foreign_keys()) {
        if (!fk.name && md) fk.name = md->conventional_name("fk", t, fk.columns, fk.referred_table);
        spec.foreign_keys.push_back(std::move(fk));
    }
    for (auto ck : t.check_constraints()) {
        if (ck.name && md)
            if (auto n = md->conventional_name("ck", t, {}, {}, *ck.name)) ck.name = n;
        spec.checks.push_back(std::move(ck));
    }
    return spec;
}

std::vector<IndexSpec> index_specs_of(const Dialect& dialect, const Table& t) {
    auto compiler = dialect.ddl_compiler();
    std::vector<IndexSpec> out;
    for (const auto& ix : t.indexes()) out.push_back(IndexSpec{compiler->index_name(t, ix), t.name(), ix.columns, ix.unique});
    return out;
}

namespace {

// Tables ordered so each comes after the tables (of the same set) it refers to; ties by name.
std::vector<const Table*> dependency_order(std::vector<const Table*> tables) {
    std::sort(tables.begin(), tables.end(), [](const Table* a, const Table* b) { return a->name() < b->name(); });
    std::vector<const Table*> out;
    std::set<const Table*> placed;
    while (out.size() < tables.size()) {
        bool progressed = false;
        for (const Table* t : tables) {
            if (placed.count(t)) continue;
            bool ready = true;
            for (const Table* r : t->referred_tables())
                if (r != t && !placed.count(r) && std::find(tables.begin(), tables.end(), r) != tables.end()) ready = false;
            if (!ready) continue;
            out.push_back(t);
            placed.insert(t);
            progressed = true;
            break;
        }
        if (!progressed)  // a cycle of foreign keys: the first left, by name
            for (const Table* t : tables)
                if (!placed.count(t)) {
                    out.push_back(t);
                    placed.insert(t);
                    break;
                }
    }
    return out;
}

struct Filters {
    const CompareOptions& options;

    bool name(const std::optional<std::string>& n, const std::string& type, const std::string& table = {}) const {
        if (!options.include_name) return true;
        NameParents p;
        if (type == "table") {
            p.schema_qualified_table_name = n;
        } else if (type != "schema") {
            p.table_name = table;
            p.schema_qualified_table_name = table;
        }
        return options.include_name(n, type, p);
    }
    bool object(const SchemaObject& o, const SchemaObject* compare_to = nullptr) const {
        return !options.include_object || options.include_object(o, o.name, o.type, o.reflected, compare_to);
    }
};

SchemaObject table_object(const std::string& name, const TableSpec& spec, const Table* model) {
    return SchemaObject{.type = "table", .name = name, .table_name = name, .reflected = model == nullptr, .table = model,
                        .table_spec = &spec};
}

SchemaObject column_object(const std::string& table, const ColumnSpec& c, const Table* model) {
    return SchemaObject{.type = "column", .name = c.name, .table_name = table, .reflected = model == nullptr,
                        .table = model, .column = model ? model->find_column(c.name) : nullptr, .column_spec = &c};
}

SchemaObject index_object(const IndexSpec& ix, const Table* model) {
    return SchemaObject{.type = "index", .name = ix.name, .table_name = ix.table, .reflected = model == nullptr,
                        .table = model, .index = &ix};
}

SchemaObject unique_object(const std::string& table, const UniqueConstraint& u, const Table* model) {
    return SchemaObject{.type = "unique_constraint", .name = u.name.value_or(""), .table_name = table,
                        .reflected = model == nullptr, .table = model, .unique = &u};
}

SchemaObject fk_object(const std::string& table, const ForeignKeyConstraint& fk, const Table* model) {
    return SchemaObject{.type = "foreign_key_constraint", .name = fk.name.value_or(""), .table_name = table,
                        .reflected = model == nullptr, .table = model, .foreign_key = &fk};
}

}  // namespace

Comparison compare_metadata(const Engine& engine, const MetaData& metadata, const CompareOptions& options) {
    return compare_metadata(engine, std::vector<const MetaData*>{&metadata}, options);
}

Comparison compare_metadata(const Engine& engine, const std::vector<const MetaData*>& metadatas,
                            const CompareOptions& options) {
    const Dialect& d = engine.dialect();
    const bool fks = d.caps().supports_foreign_keys;
    const Filters filter{options};
    Builder b;
    if (!filter.name(std::nullopt, "schema")) return b.finish();
    auto conn = engine.connect();
    std::set<std::string> db_tables;
    for (auto& n : d.get_table_names(conn, std::nullopt))
        if (n != options.version_table && n.rfind("_retort_batch_", 0) != 0 && filter.name(n, "table")) db_tables.insert(n);
    // The version table belongs to the migrations, even when the models map it.
    std::vector<const Table*> model_tables;
    std::set<std::string> model_names, dupes;
    for (const MetaData* metadata : metadatas)
        for (const auto* t : metadata->sorted_tables()) {
            if (t->name() == options.version_table) continue;
            if (!model_names.insert(t->name()).second) dupes.insert(t->name());
            model_tables.push_back(t);
        }
    if (!dupes.empty()) {
        std::string list;
        for (const auto& n : dupes) list += (list.empty() ? "\"" : ", \"") + n + "\"";
        throw ArgumentError("Duplicate table keys across multiple MetaData objects: " + list);
    }

    std::vector<std::string>& header = b.out.header_comments;

    // 1. New tables, parents first, each with its indexes.
    for (const auto* t : model_tables) {
        if (db_tables.count(t->name())) continue;
        TableSpec spec = table_spec_of(*t);
        if (!filter.object(table_object(t->name(), spec, t))) continue;
        if (!fks) spec.foreign_keys.clear();
        std::vector<Step> up{Step{create_table_op(spec), {}}}, down;
        for (const auto& ix : index_specs_of(d, *t)) {
            if (!filter.object(index_object(ix, t))) continue;
            up.push_back(Step{create_index_op(ix), {}});
            // DROP TABLE takes its indexes along. On MySQL an index that serves a foreign key cannot be dropped
            // while the key stands (error 1553), so the downgrade drops the table alone.
            if (!d.caps().implicit_foreign_key_indexes) down.insert(down.begin(), Step{drop_index_op(ix), {}});
        }
        down.push_back(Step{op_of(OpKind::DropTable, t->name()), {}});
        b.add(std::move(up), std::move(down));
    }

    // 2. Tables in both: both sides of each, read first.
    std::vector<const Table*> both;
    for (const auto* t : model_tables)
        if (db_tables.count(t->name())) both.push_back(t);
    struct InBoth {
        const Table* t;
        TableSpec model;
        ReflectedSpec db_all, db;  // db: what include_name keeps of the database's side
        std::vector<ReflectedColumn> reflected_cols;
    };
    std::vector<InBoth> in_both;
    for (const auto* t : dependency_order(both)) {
        const std::string& name = t->name();
        InBoth tb{t, table_spec_of(*t), reflect_table_spec(conn, name), {}, {}};
        const SchemaObject db_table = table_object(name, tb.db_all.table, nullptr);
        if (!filter.object(table_object(name, tb.model, t), &db_table)) continue;
        tb.reflected_cols = d.get_columns(conn, name, std::nullopt);
        ReflectedSpec& db = tb.db;
        db.table = tb.db_all.table;
        db.table.columns.clear();
        for (const auto& c : tb.db_all.table.columns)
            if (filter.name(c.name, "column", name)) db.table.columns.push_back(c);
        for (const auto& ix : tb.db_all.indexes)
            if (filter.name(ix.name, "index", name)) db.indexes.push_back(ix);
        db.table.uniques.clear();
        for (const auto& u : tb.db_all.table.uniques)
            if (filter.name(u.name, "unique_constraint", name)) db.table.uniques.push_back(u);
        db.table.foreign_keys.clear();
        for (const auto& fk : tb.db_all.table.foreign_keys)
            if (filter.name(fk.name, "foreign_key_constraint", name)) db.table.foreign_keys.push_back(fk);
        in_both.push_back(std::move(tb));
    }

    // Foreign keys that go, of all these tables, before anything else: a key may stand on a column or a unique
    // constraint of another table that goes too, and the models no longer say which table to take first. On
    // downgrade they come back last, after what they stand on.
    if (fks)
        for (const auto& tb : in_both) {
            const std::string& name = tb.t->name();
            const auto model_ix_all = index_specs_of(d, *tb.t);
            for (const auto& r : tb.db.table.foreign_keys)
                if (std::none_of(tb.model.foreign_keys.begin(), tb.model.foreign_keys.end(),
                                 [&](const ForeignKeyConstraint& fk) { return same_fk(r, fk); }) &&
                    filter.object(fk_object(name, r, nullptr))) {
                    std::vector<Step> up{Step{drop_constraint_op(name, r.name, "foreign_key", r.columns), {}}};
                    std::vector<Step> down;
                    if (d.caps().implicit_foreign_key_indexes) {
                        // The index the server made for the key outlives it: it goes too (and comes back first).
                        TableSpec only;
                        only.foreign_keys.push_back(r);
                        for (const auto& ix : tb.db_all.indexes)
                            if (made_for_foreign_key(ix, only) &&
                                std::none_of(model_ix_all.begin(), model_ix_all.end(),
                                             [&](const IndexSpec& m) { return m.name == ix.name; })) {
                                up.push_back(Step{drop_index_op(ix), {}});
                                down.push_back(Step{create_index_op(ix), {}});
                            }
                    }
                    down.push_back(Step{create_fk_op(name, r), {}});
                    b.add(std::move(up), std::move(down));
                }
        }

    for (auto& tb : in_both) {
        const Table* t = tb.t;
        const std::string& name = t->name();
        const TableSpec& model = tb.model;
        const ReflectedSpec& db_all = tb.db_all;
        ReflectedSpec& db = tb.db;
        const auto& reflected_cols = tb.reflected_cols;
        auto reflected_of = [&](const std::string& col) -> const ReflectedColumn* {
            for (const auto& r : reflected_cols)
                if (r.name == col) return &r;
            return nullptr;
        };

        // Added columns.
        std::vector<const ColumnSpec*> added;
        for (const auto& c : model.columns)
            if (!db.table.find(c.name) && filter.object(column_object(name, c, t))) {
                added.push_back(&c);
                b.add(add_column_op(name, c), drop_column_op(name, c.name));
            }

        // Altered columns.
        for (const auto& mc : model.columns) {
            const ColumnSpec* dc = db.table.find(mc.name);
            if (!dc) continue;
            const SchemaObject other = column_object(name, *dc, nullptr);
            if (!filter.object(column_object(name, mc, t), &other)) continue;
            const ReflectedColumn* rc = reflected_of(mc.name);
            Operation up = op_of(OpKind::AlterColumn, name), down = op_of(OpKind::AlterColumn, name);
            up.column.name = down.column.name = mc.name;
            // An autoincrementing key's DDL is the dialect's own (SQLite's INTEGER, SERIAL): any integer matches.
            const bool serial_key = rc && rc->autoincrement && mc.type.is_integer();
            if (options.compare_type && rc && !serial_key && !same_type(d, mc.type, *rc)) {
                up.type = mc.type;
                up.existing_type = dc->type;
                down.type = dc->type;
                down.existing_type = mc.type;
            }
            if (!mc.primary_key && mc.nullable != dc->nullable) {
                up.nullable = mc.nullable;
                down.nullable = dc->nullable;
            }
            if (options.compare_server_default && !(rc && rc->autoincrement) &&
                !same_default(mc.server_default, dc->server_default) &&
                !(rc && mc.server_default && dc->server_default &&
                  same_literal_value(engine, conn, *rc, *mc.server_default, *dc->server_default))) {
                up.server_default = mc.server_default;
                down.server_default = dc->server_default;
            }
            if (up.type || up.nullable || up.server_default) b.add(up, down);
        }

        // Indexes and unique constraints: dropped, changed, added (each by name).
        auto model_ix = index_specs_of(d, *t);
        if (d.caps().implicit_foreign_key_indexes) {
            // An index the server made for a foreign key is named after the constraint or one of its columns;
            // neither it nor a model index of that name is compared (as Alembic does on MySQL).
            std::set<std::string> implicit;
            for (auto it = db.indexes.begin(); it != db.indexes.end();) {
                if (made_for_foreign_key(*it, db_all.table)) {
                    implicit.insert(it->name);
                    it = db.indexes.erase(it);
                } else {
                    ++it;
                }
            }
            std::erase_if(model_ix, [&](const IndexSpec& ix) { return implicit.count(ix.name) != 0; });
        }
        if (d.caps().unique_constraint_by_index) {
            // A unique constraint added after its table is a unique index there: it stands for the model's constraint.
            for (auto it = db.indexes.begin(); it != db.indexes.end();) {
                const bool an_index = std::any_of(model_ix.begin(), model_ix.end(), [&](const IndexSpec& m) { return m.name == it->name; });
                const bool a_unique = it->unique && std::any_of(model.uniques.begin(), model.uniques.end(),
                                                                [&](const UniqueConstraint& u) { return u.columns == it->columns; });
                if (!an_index && a_unique) {
                    db.table.uniques.push_back(UniqueConstraint{it->columns, it->name});
                    it = db.indexes.erase(it);
                } else {
                    ++it;
                }
            }
        }
        std::vector<std::pair<std::string, std::function<void()>>> removed, changed, created;
        for (const auto& r : db.indexes)
            if (std::none_of(model_ix.begin(), model_ix.end(), [&](const IndexSpec& ix) { return ix.name == r.name; }))
                removed.emplace_back(r.name, [&, r] {
                    if (filter.object(index_object(r, nullptr))) b.add(drop_index_op(r), create_index_op(r));
                });
        for (const auto& r : db.table.uniques)
            if (std::none_of(model.uniques.begin(), model.uniques.end(),
                             [&](const UniqueConstraint& u) { return r.columns == u.columns; }))
                removed.emplace_back(r.name.value_or(""), [&, r] {
                    if (filter.object(unique_object(name, r, nullptr)))
                        b.add(drop_constraint_op(name, r.name, "unique", r.columns), create_unique_op(name, r));
                });
        for (const auto& ix : model_ix) {
            auto it = std::find_if(db.indexes.begin(), db.indexes.end(), [&](const IndexSpec& r) { return r.name == ix.name; });
            if (it == db.indexes.end()) {
                created.emplace_back(ix.name, [&, ix] {
                    if (filter.object(index_object(ix, t))) b.add(create_index_op(ix), drop_index_op(ix));
                });
            } else if (it->columns != ix.columns || it->unique != ix.unique) {
                const IndexSpec old = *it;
                changed.emplace_back(ix.name, [&, ix, old] {
                    const SchemaObject other = index_object(old, nullptr);
                    if (!filter.object(index_object(ix, t), &other)) return;
                    b.add(drop_index_op(old), create_index_op(old));
                    b.add(create_index_op(ix), drop_index_op(ix));
                });
            }
        }
        for (const auto& u : model.uniques)
            if (std::none_of(db.table.uniques.begin(), db.table.uniques.end(),
                             [&](const UniqueConstraint& r) { return r.columns == u.columns; }))
                created.emplace_back(u.name.value_or(""), [&, u] {
                    if (!filter.object(unique_object(name, u, t))) return;
                    auto up = create_unique_op(name, u);
                    b.add(up, drop_constraint_op(name, up.name, "unique", u.columns));
                });
        for (auto* group : {&removed, &changed, &created}) {
            std::stable_sort(group->begin(), group->end(), [](const auto& x, const auto& y) { return x.first < y.first; });
            for (auto& [n, emit] : *group) emit();
        }

        // Foreign keys added (those that go were dropped above).
        if (fks)
            for (const auto& fk : model.foreign_keys)
                if (std::none_of(db.table.foreign_keys.begin(), db.table.foreign_keys.end(),
                                 [&](const ForeignKeyConstraint& r) { return same_fk(r, fk); }) &&
                    filter.object(fk_object(name, fk, t))) {
                    auto up = create_fk_op(name, fk);
                    b.add(up, drop_constraint_op(name, up.name, "foreign_key", fk.columns));
                }

        // Dropped columns last: after the indexes and constraints on them.
        std::set<std::string> paired;
        for (const auto& c : db.table.columns) {
            if (model.find(c.name) || !filter.object(column_object(name, c, nullptr))) continue;
            const ReflectedColumn* rc = reflected_of(c.name);
            const ColumnSpec* twin = nullptr;
            for (const auto* a : added)
                if (!paired.count(a->name) && rc && same_type(d, a->type, *rc)) {
                    twin = a;
                    break;
                }
            if (twin) {
                paired.insert(twin->name);
                b.add({Step{std::nullopt, "possible rename: " + name + "." + c.name + " -> " + name + "." + twin->name +
                                              " (same type). The drop is left out so no data is lost. To rename, replace "
                                              "add_column " + name + " " + twin->name + " above with:"},
                       Step{std::nullopt, "  alter_column " + name + " " + c.name + " new_name=" + twin->name},
                       Step{std::nullopt, "or, to drop the old column and its data: drop_column " + name + " " + c.name}},
                      {});
                continue;
            }
            header.push_back("data-losing: drop_column " + name + " " + c.name + " deletes that column's data");
            b.add(drop_column_op(name, c.name), add_column_op(name, c));
        }
    }

    // 3. Tables only in the database: dropped after the tables that referred to them.
    std::vector<std::string> gone;
    for (const auto& n : db_tables)
        if (!model_names.count(n)) gone.push_back(n);
    std::map<std::string, ReflectedSpec> gone_specs;
    for (const auto& n : gone) gone_specs[n] = reflect_table_spec(conn, n);
    std::vector<std::string> order;
    std::set<std::string> placed;
    std::function<void(const std::string&)> visit = [&](const std::string& n) {
        if (placed.count(n)) return;
        placed.insert(n);
        for (const auto& [other, spec] : gone_specs)
            for (const auto& fk : spec.table.foreign_keys)
                if (fk.referred_table == n && other != n) visit(other);
        order.push_back(n);
    };
    for (const auto& n : gone) visit(n);
    for (const auto& n : order) {
        const auto& spec = gone_specs[n];
        if (!filter.object(table_object(n, spec.table, nullptr))) continue;
        header.push_back("data-losing: drop_table " + n + " deletes the table and all its rows");
        std::vector<Step> up, down{Step{create_table_op(spec.table), {}}};
        for (const auto& ix : spec.indexes) {
            if (!filter.object(index_object(ix, nullptr))) continue;
            if (d.caps().implicit_foreign_key_indexes && made_for_foreign_key(ix, spec.table)) continue;  // goes with its table
            up.push_back(Step{drop_index_op(ix), {}});
            down.push_back(Step{create_index_op(ix), {}});
        }
        up.push_back(Step{op_of(OpKind::DropTable, n), {}});
        b.add(std::move(up), std::move(down));
    }
    conn.commit();
    return b.finish();
}

}  // namespace retort::migrate
