// The revision file format: parsing and printing (the grammar is in include/retort/migrate/ops.hpp).
#include "retort/migrate/ops.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "detail/text.hpp"

namespace retort::migrate {

const ColumnSpec* TableSpec::find(std::string_view column) const {
    for (const auto& c : columns)
        if (c.name == column) return &c;
    return nullptr;
}
ColumnSpec* TableSpec::find(std::string_view column) {
    for (auto& c : columns)
        if (c.name == column) return &c;
    return nullptr;
}

namespace {

std::vector<Operation> ops_of(const std::vector<Step>& steps) {
    std::vector<Operation> out;
    for (const auto& s : steps)
        if (s.op) out.push_back(*s.op);
    return out;
}

// ---------------------------------------------------------------- words

struct Word {
    std::string text;
    bool quoted = false;
    std::size_t quote_start = 0;  // length of text when the first quote opened
};

// A double-quoted value with C escapes: the file's lines never break inside a value.
std::string quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        if (c == '\r') {
            out += "\\r";
            continue;
        }
        if (c == '\t') {
            out += "\\t";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

const std::vector<std::string> known_flags = {"unique", "primary_key", "not_null", "nullable", "autoincrement",
                                              "no_autoincrement"};

// A bare word when it can be one (no spaces, quotes, '=' or '#', not a flag's name), else quoted.
std::string word(std::string_view s) {
    bool bare = !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\\' || c == '#' || c == '=' ||
               static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    }) && std::find(known_flags.begin(), known_flags.end(), s) == known_flags.end();
    return bare ? std::string(s) : quote(s);
}

// A name inside a list value (columns=a,b or references=t(a,b)) cannot hold the list's separators.
void check_list_name(const std::string& name, std::string_view separators, const char* what) {
    if (name.find_first_of(separators) != std::string::npos)
        throw FormatError(std::string("the ") + what + " '" + name.substr(0, 40) +
                          "' cannot be written in a revision file: it holds one of " + std::string(separators));
}

using retort::detail::join;

// columns=a,b: the names joined by commas, quoted as one value when a name needs it.
std::string columns_word(const std::vector<std::string>& names) {
    for (const auto& n : names) check_list_name(n, ",", "column name");
    return word(join(names, ","));
}

// references=table(a,b)
std::string reference_word(const std::string& table, const std::vector<std::string>& columns) {
    check_list_name(table, "(", "referred table name");
    for (const auto& c : columns) check_list_name(c, ",()", "referred column name");
    return word(table + "(" + join(columns, ",") + ")");
}

// A type as a word: Enum names and labels cannot hold the separators of Enum(name:a|b).
std::string type_word(const SqlType& t) {
    if (t.kind == TypeKind::Enum && t.enum_info) {
        check_list_name(t.enum_info->name, ":|", "enum type name");
        for (const auto& v : t.enum_info->values) check_list_name(v, ":|", "enum label");
    }
    return word(type_text(t));
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    std::size_t start = 0;
    while (true) {
        auto pos = s.find(sep, start);
        auto part = s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
        out.emplace_back(part);
        if (pos == std::string_view::npos) break;
        start = pos + 1;
    }
    return out;
}

using retort::detail::trim;

// Splits a line into words; key="quoted value" stays one word (key=) with its value unquoted.
std::vector<Word> tokenize(std::string_view line, const std::string& where) {
    std::vector<Word> out;
    std::size_t i = 0;
    while (i < line.size()) {
        if (std::isspace(static_cast<unsigned char>(line[i]))) {
            ++i;
            continue;
        }
        Word w;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) {
            if (line[i] == '"') {
                if (!w.quoted) w.quote_start = w.text.size();
                w.quoted = true;
                ++i;
                bool closed = false;
                while (i < line.size()) {
                    char c = line[i++];
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\' && i < line.size()) {
                        char e = line[i++];
                        w.text += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
                    } else {
                        w.text += c;
                    }
                }
                if (!closed) throw FormatError(where + ": unterminated quoted string");
            } else {
                w.text += line[i++];
            }
        }
        out.push_back(std::move(w));
    }
    return out;
}

// The words of one operation line: positional words and key=value options.
struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;
    std::vector<std::string> flags;
    std::vector<std::string> quoted;  // option keys whose value was quoted
    std::string where;

    std::string pos(std::size_t i, const char* what) const {
        if (i >= positional.size()) throw FormatError(where + ": missing " + what);
        return positional[i];
    }
    std::optional<std::string> opt(const std::string& k) const {
        auto it = options.find(k);
        if (it == options.end()) return std::nullopt;
        return it->second;
    }
    std::string need(const std::string& k) const {
        auto v = opt(k);
        if (!v) throw FormatError(where + ": missing " + k + "=");
        return *v;
    }
    bool flag(std::string_view f) const { return std::find(flags.begin(), flags.end(), f) != flags.end(); }
};

Args parse_args(const std::vector<Word>& words, std::size_t from, const std::string& where) {
    Args a;
    a.where = where;
    for (std::size_t i = from; i < words.size(); ++i) {
        const auto& w = words[i];
        auto eq = w.text.find('=');
        // key=value and key="quoted value" are options; a word quoted from its start is a value.
        if (eq != std::string::npos && eq > 0 && (!w.quoted || eq < w.quote_start)) {
            std::string key = w.text.substr(0, eq);
            a.options[key] = w.text.substr(eq + 1);
            if (w.quoted) a.quoted.push_back(key);
        } else if (!w.quoted && std::find(known_flags.begin(), known_flags.end(), w.text) != known_flags.end()) {
            a.flags.push_back(w.text);
        } else {
            a.positional.push_back(w.text);
        }
    }
    return a;
}

std::string kind_name(OpKind k) {
    switch (k) {
        case OpKind::CreateTable: return "create_table";
        case OpKind::DropTable: return "drop_table";
        case OpKind::RenameTable: return "rename_table";
        case OpKind::AddColumn: return "add_column";
        case OpKind::DropColumn: return "drop_column";
        case OpKind::AlterColumn: return "alter_column";
        case OpKind::CreateIndex: return "create_index";
        case OpKind::DropIndex: return "drop_index";
        case OpKind::CreateUnique: return "create_unique";
        case OpKind::CreateForeignKey: return "create_foreign_key";
        case OpKind::CreateCheck: return "create_check";
        case OpKind::DropConstraint: return "drop_constraint";
        case OpKind::Execute: return "execute";
        case OpKind::BulkInsert: return "bulk_insert";
        case OpKind::Call: return "call";
    }
    return "?";
}

std::optional<OpKind> kind_of(std::string_view s) {
    for (int i = 0; i <= static_cast<int>(OpKind::Call); ++i)
        if (kind_name(static_cast<OpKind>(i)) == s) return static_cast<OpKind>(i);
    return std::nullopt;
}

// "orders(id,code)" -> table and columns.
void parse_reference(const std::string& s, std::string& table, std::vector<std::string>& cols, const std::string& where) {
    auto open = s.find('(');
    if (open == std::string::npos || s.back() != ')') throw FormatError(where + ": references= wants table(columns)");
    table = s.substr(0, open);
    cols = split(s.substr(open + 1, s.size() - open - 2), ',');
}

std::string render_value(const Value& v) {
    switch (v.kind()) {
        case Value::Kind::Null: return "null";
        case Value::Kind::Bool: return v.as<bool>() ? "true" : "false";
        case Value::Kind::Int: return std::to_string(v.as<std::int64_t>());
        case Value::Kind::Double: {
            std::ostringstream os;
            os.precision(17);
            os << v.as<double>();
            auto s = os.str();
            if (s.find_first_of(".eE") == std::string::npos) s += ".0";
            return s;
        }
        default: return quote(v.as<std::string>());
    }
}

Value parse_value(const Word& w) {
    if (w.quoted) return Value(w.text);
    if (w.text == "null") return Value();
    if (w.text == "true") return Value(true);
    if (w.text == "false") return Value(false);
    std::int64_t i = 0;
    auto [p, ec] = std::from_chars(w.text.data(), w.text.data() + w.text.size(), i);
    if (ec == std::errc() && p == w.text.data() + w.text.size()) return Value(i);
    try {
        std::size_t used = 0;
        double d = std::stod(w.text, &used);
        if (used == w.text.size()) return Value(d);
    } catch (...) {
    }
    return Value(w.text);
}

std::string render_column(const ColumnSpec& c) {
    std::string out = word(c.name) + " " + type_word(c.type);
    if (c.primary_key) out += " primary_key";
    if (!c.nullable && !c.primary_key) out += " not_null";
    if (c.primary_key && c.nullable) out += " nullable";
    if (c.autoincrement) out += *c.autoincrement ? " autoincrement" : " no_autoincrement";
    if (c.server_default) out += " default=" + quote(*c.server_default);
    return out;
}

ColumnSpec parse_column(const Args& a, std::size_t first) {
    ColumnSpec c;
    c.name = a.pos(first, "column name");
    c.type = parse_type(a.pos(first + 1, "column type"));
    c.primary_key = a.flag("primary_key");
    c.nullable = !c.primary_key;
    if (a.flag("not_null")) c.nullable = false;
    if (a.flag("nullable")) c.nullable = true;
    if (a.flag("autoincrement")) c.autoincrement = true;
    if (a.flag("no_autoincrement")) c.autoincrement = false;
    c.server_default = a.opt("default");
    return c;
}

std::string fk_options(const std::optional<std::string>& ondelete, const std::optional<std::string>& onupdate) {
    std::string out;
    if (ondelete) out += " ondelete=" + word(*ondelete);
    if (onupdate) out += " onupdate=" + word(*onupdate);
    return out;
}

}  // namespace

std::vector<Operation> Revision::upgrade_ops() const { return ops_of(upgrade); }
std::vector<Operation> Revision::downgrade_ops() const { return ops_of(downgrade); }

// ---------------------------------------------------------------- types

std::string type_text(const SqlType& t) {
    if (t.custom) return t.custom->name;  // found again by name (types::Custom registers it)
    switch (t.kind) {
        case TypeKind::String: return t.length > 0 ? "String(" + std::to_string(t.length) + ")" : "String";
        case TypeKind::Numeric:
            if (t.precision <= 0) return "Numeric";
            return "Numeric(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
        case TypeKind::DateTime: return t.timezone ? "DateTime(tz)" : "DateTime";
        case TypeKind::Time: return t.timezone ? "Time(tz)" : "Time";
        case TypeKind::Enum: {
            std::string out = "Enum(";
            if (t.enum_info) {
                out += t.enum_info->name + ":" + join(t.enum_info->values, "|");
                if (!t.enum_info->native) out += ":nonnative";
            }
            return out + ")";
        }
        case TypeKind::Null: return "Null";
        case TypeKind::Integer: return "Integer";
        case TypeKind::BigInteger: return "BigInteger";
        case TypeKind::SmallInteger: return "SmallInteger";
        case TypeKind::Boolean: return "Boolean";
        case TypeKind::Text: return "Text";
        case TypeKind::Float: return "Float";
        case TypeKind::Double: return "Double";
        case TypeKind::Date: return "Date";
        case TypeKind::Interval: return "Interval";
        case TypeKind::Uuid: return "Uuid";
        case TypeKind::LargeBinary: return "LargeBinary";
        case TypeKind::Json: return "Json";
        case TypeKind::Jsonb: return "Jsonb";
    }
    return "Null";
}

SqlType parse_type(std::string_view text) {
    std::string name(text.substr(0, text.find('(')));
    std::string arg;
    if (auto open = text.find('('); open != std::string_view::npos) {
        if (text.back() != ')') throw FormatError("bad type '" + std::string(text) + "'");
        arg = std::string(text.substr(open + 1, text.size() - open - 2));
    }
    auto int_arg = [&](const std::string& s) {
        int v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size()) throw FormatError("bad type '" + std::string(text) + "'");
        return v;
    };
    if (name == "String") return types::String(arg.empty() ? 0 : int_arg(arg));
    if (name == "Numeric") {
        if (arg.empty()) return types::Numeric();
        auto parts = split(arg, ',');
        return types::Numeric(int_arg(trim(parts[0])), parts.size() > 1 ? int_arg(trim(parts[1])) : 0);
    }
    if (name == "DateTime") return types::DateTime(arg == "tz");
    if (name == "Time") return types::Time(arg == "tz");
    if (name == "Enum") {
        auto parts = split(arg, ':');
        if (parts.size() < 2) throw FormatError("bad type '" + std::string(text) + "': Enum(name:a|b)");
        return types::Enum(parts[0], split(parts[1], '|'), !(parts.size() > 2 && parts[2] == "nonnative"));
    }
    static const std::map<std::string, SqlType (*)(), std::less<>> simple{
        {"Integer", types::Integer},   {"BigInteger", types::BigInteger}, {"SmallInteger", types::SmallInteger},
        {"Boolean", types::Boolean},   {"Text", types::Text},             {"Float", types::Float},
        {"Double", types::Double},     {"Date", types::Date},             {"Interval", types::Interval},
        {"Uuid", types::Uuid},         {"LargeBinary", types::LargeBinary}, {"Json", types::Json},
        {"Jsonb", types::Jsonb},
    };
    if (auto it = simple.find(name); it != simple.end() && arg.empty()) return it->second();
    if (arg.empty() && text.find('(') == std::string_view::npos)
        if (auto custom = types::find_custom(name)) return *custom;
    throw FormatError("unknown type '" + std::string(text) +
                      "' (a custom type must be declared with types::Custom before the script is read)");
}

// ---------------------------------------------------------------- printing

std::string render_operation(const Operation& op) {
    std::string out = kind_name(op.kind) + " ";
    switch (op.kind) {
        case OpKind::CreateTable: {
            const auto& t = op.table_spec;
            out += word(op.table);
            for (const auto& c : t.columns) out += "\n  column " + render_column(c);
            if (t.pk_name) out += "\n  primary_key_name " + word(*t.pk_name);
            for (const auto& u : t.uniques)
                out += "\n  unique " + (u.name ? word(*u.name) + " " : std::string()) + "columns=" + columns_word(u.columns);
            for (const auto& fk : t.foreign_keys)
                out += "\n  foreign_key " + (fk.name ? word(*fk.name) + " " : std::string()) + "columns=" +
                       columns_word(fk.columns) + " references=" + reference_word(fk.referred_table, fk.referred_columns) +
                       fk_options(fk.ondelete, fk.onupdate);
            for (const auto& ck : t.checks)
                out += "\n  check " + (ck.name ? word(*ck.name) + " " : std::string()) + "sql=" + quote(ck.sqltext);
            break;
        }
        case OpKind::DropTable: out += word(op.table); break;
        case OpKind::RenameTable: out += word(op.table) + " " + word(op.name); break;
        case OpKind::AddColumn: out += word(op.table) + " " + render_column(op.column); break;
        case OpKind::DropColumn: out += word(op.table) + " " + word(op.column.name); break;
        case OpKind::AlterColumn:
            out += word(op.table) + " " + word(op.column.name);
            if (op.type) out += " type=" + type_word(*op.type);
            if (op.nullable) out += *op.nullable ? " nullable=true" : " nullable=false";
            if (op.server_default) out += " default=" + (*op.server_default ? quote(**op.server_default) : "none");
            if (op.new_name) out += " new_name=" + word(*op.new_name);
            if (op.existing_type) out += " existing_type=" + type_word(*op.existing_type);
            break;
        case OpKind::CreateIndex:
            out += word(op.name) + " table=" + word(op.table) + " columns=" + columns_word(op.columns);
            if (op.unique) out += " unique";
            break;
        case OpKind::DropIndex: out += word(op.name) + " table=" + word(op.table); break;
        case OpKind::CreateUnique:
            out += word(op.name) + " table=" + word(op.table) + " columns=" + columns_word(op.columns);
            break;
        case OpKind::CreateForeignKey:
            out += word(op.name) + " table=" + word(op.table) + " columns=" + columns_word(op.columns) + " references=" +
                   reference_word(op.referred_table, op.referred_columns) + fk_options(op.ondelete, op.onupdate);
            break;
        case OpKind::CreateCheck: out += word(op.name) + " table=" + word(op.table) + " sql=" + quote(op.sql); break;
        case OpKind::DropConstraint:
            if (op.constraint_type != "unique" && op.constraint_type != "foreign_key" && op.constraint_type != "check")
                throw FormatError("drop_constraint type must be unique, foreign_key or check");
            out += word(op.name.empty() ? std::string("-") : op.name) + " table=" + word(op.table) +
                   " type=" + op.constraint_type;
            if (!op.columns.empty()) out += " columns=" + columns_word(op.columns);
            break;
        case OpKind::Execute:
            // SQL of several lines is written as lines between <<TAG and TAG, which carry it exactly unless it
            // holds a carriage return (the reader takes CR LF as a line break) or a NUL byte: such SQL, and SQL
            // of one line, is one quoted string with its escapes.
            if (op.sql.find('\n') != std::string::npos && op.sql.find('\r') == std::string::npos &&
                op.sql.find('\0') == std::string::npos) {
                // The reader ends the SQL at the first line that is the tag once trimmed: no line of it may be.
                std::string tag = "SQL";
                auto ends_early = [&] {
                    for (const auto& l : split(op.sql, '\n'))
                        if (trim(l) == tag) return true;
                    return false;
                };
                while (ends_early()) tag += "_";
                out += "<<" + tag + "\n" + op.sql + "\n" + tag;
            } else {
                out += quote(op.sql);
            }
            break;
        case OpKind::BulkInsert:
            out += word(op.table) + " columns=" + columns_word(op.columns);
            for (const auto& row : op.rows) {
                out += "\n  row";
                for (const auto& v : row) out += " " + render_value(v);
            }
            break;
        case OpKind::Call:
            if (!valid_revision_id(op.name)) throw FormatError("call wants a name of letters, digits and '_'");
            out += op.name;
            break;
    }
    return out;
}

namespace {
// A header value is the rest of its line: a line break in it would start new header lines or sections.
void check_header_value(const std::string& value, const char* what) {
    for (char c : value)
        if (c == '\n' || c == '\r' || c == '\0')
            throw FormatError(std::string("the revision ") + what +
                              " must be one line of text; it holds a line break or a NUL byte");
}

// A comment of several lines becomes several comment lines, so none of it can be read as an operation.
void append_comment(std::string& out, std::string_view comment) {
    for (const auto& line : split(comment, '\n')) {
        std::string l = line;
        std::replace(l.begin(), l.end(), '\r', ' ');
        out += "# " + l + "\n";
    }
    if (comment.empty()) out += "# \n";
}
}  // namespace

std::string render_revision(const Revision& rev) {
    if (!valid_revision_id(rev.id)) throw FormatError("bad revision id '" + rev.id.substr(0, 40) + "'");
    for (const auto& p : rev.parents)
        if (!valid_revision_id(p)) throw FormatError("bad parent revision id '" + p.substr(0, 40) + "'");
    check_header_value(rev.message, "message (-m)");
    check_header_value(rev.created, "creation time");
    std::string out = "# Retort migration revision (edit freely; the format is described in retort/migrate/ops.hpp)\n";
    out += "revision: " + rev.id + "\n";
    out += "parents: " + join(rev.parents, " ") + "\n";
    if (!rev.depends_on.empty()) out += "depends_on: " + join(rev.depends_on, " ") + "\n";
    if (!rev.branch_labels.empty()) out += "branch_labels: " + join(rev.branch_labels, " ") + "\n";
    out += "message: " + rev.message + "\n";
    out += "created: " + rev.created + "\n";
    for (const auto& c : rev.header_comments) append_comment(out, c);
    auto section = [&](const char* name, const std::vector<Step>& steps) {
        out += std::string("\n") + name + ":\n";
        for (const auto& s : steps) {
            if (s.op)
                out += render_operation(*s.op) + "\n";
            else
                append_comment(out, s.comment);
        }
    };
    section("upgrade", rev.upgrade);
    section("downgrade", rev.downgrade);
    return out;
}

// ---------------------------------------------------------------- parsing

Revision parse_revision(std::string_view text, const std::string& source) {
    Revision rev;
    std::vector<std::string> lines;
    {
        std::string cur;
        for (char c : text) {
            if (c == '\n') {
                if (!cur.empty() && cur.back() == '\r') cur.pop_back();
                lines.push_back(std::move(cur));
                cur.clear();
            } else {
                cur += c;
            }
        }
        if (!cur.empty()) lines.push_back(std::move(cur));
    }
    std::vector<Step>* section = nullptr;
    bool have_id = false;
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const std::string where = source + ":" + std::to_string(n + 1);
        const std::string& raw = lines[n];
        std::string line = trim(raw);
        if (line.empty()) continue;
        if (line[0] == '#') {
            std::string c = trim(line.substr(1));
            if (section) {
                section->push_back(Step{std::nullopt, c});
            } else if (!have_id) {
                continue;  // the file's banner
            } else {
                rev.header_comments.push_back(c);
            }
            continue;
        }
        if (!section) {
            if (line == "upgrade:") {
                section = &rev.upgrade;
                continue;
            }
            auto colon = line.find(':');
            if (colon == std::string::npos) throw FormatError(where + ": expected 'key: value' in the header");
            std::string key = line.substr(0, colon), value = trim(line.substr(colon + 1));
            if (key == "revision") {
                if (!valid_revision_id(value)) throw FormatError(where + ": bad revision id '" + value + "'");
                rev.id = value;
                have_id = true;
            } else if (key == "parents" || key == "depends_on" || key == "branch_labels") {
                auto& list = key == "parents" ? rev.parents : key == "depends_on" ? rev.depends_on : rev.branch_labels;
                for (auto& p : split(value, ' ')) {
                    if (p.empty()) continue;
                    if (!valid_revision_id(p))
                        throw FormatError(where + ": bad " + key + " entry '" + p.substr(0, 40) + "' (letters, digits and '_' only)");
                    list.push_back(p);
                }
            } else if (key == "message") {
                rev.message = value;
            } else if (key == "created") {
                rev.created = value;
            } else {
                throw FormatError(where + ": unknown header '" + key + "'");
            }
            continue;
        }
        if (line == "downgrade:") {
            section = &rev.downgrade;
            continue;
        }
        if (line == "upgrade:") throw FormatError(where + ": a second upgrade: section");
        const bool indented = std::isspace(static_cast<unsigned char>(raw[0]));
        auto words = tokenize(line, where);
        if (indented) {
            // A detail line of the operation above (create_table's columns, bulk_insert's rows).
            if (section->empty() || !section->back().op) throw FormatError(where + ": indented line without an operation");
            Operation& op = *section->back().op;
            const std::string& what = words[0].text;
            if (op.kind == OpKind::BulkInsert && what == "row") {
                std::vector<Value> row;
                for (std::size_t i = 1; i < words.size(); ++i) row.push_back(parse_value(words[i]));
                if (row.size() != op.columns.size())
                    throw FormatError(where + ": row has " + std::to_string(row.size()) + " values for " +
                                      std::to_string(op.columns.size()) + " columns");
                op.rows.push_back(std::move(row));
                continue;
            }
            if (op.kind != OpKind::CreateTable) throw FormatError(where + ": unexpected indented line");
            Args a = parse_args(words, 1, where);
            auto& t = op.table_spec;
            if (what == "column") {
                t.columns.push_back(parse_column(a, 0));
            } else if (what == "primary_key_name") {
                t.pk_name = a.pos(0, "name");
            } else if (what == "unique") {
                UniqueConstraint u;
                if (!a.positional.empty()) u.name = a.positional[0];
                u.columns = split(a.need("columns"), ',');
                t.uniques.push_back(std::move(u));
            } else if (what == "foreign_key") {
                ForeignKeyConstraint fk;
                if (!a.positional.empty()) fk.name = a.positional[0];
                fk.columns = split(a.need("columns"), ',');
                parse_reference(a.need("references"), fk.referred_table, fk.referred_columns, where);
                fk.ondelete = a.opt("ondelete");
                fk.onupdate = a.opt("onupdate");
                t.foreign_keys.push_back(std::move(fk));
            } else if (what == "check") {
                CheckConstraint ck;
                if (!a.positional.empty()) ck.name = a.positional[0];
                ck.sqltext = a.need("sql");
                t.checks.push_back(std::move(ck));
            } else {
                throw FormatError(where + ": unknown table item '" + what + "'");
            }
            continue;
        }
        auto kind = kind_of(words[0].text);
        if (!kind) throw FormatError(where + ": unknown operation '" + words[0].text + "'");
        Operation op;
        op.kind = *kind;
        if (op.kind == OpKind::Execute) {
            if (words.size() == 2 && !words[1].quoted && words[1].text.rfind("<<", 0) == 0) {
                std::string tag = words[1].text.substr(2);
                std::string body;
                bool closed = false, first = true;
                for (++n; n < lines.size(); ++n) {
                    if (trim(lines[n]) == tag) {
                        closed = true;
                        break;
                    }
                    if (!first) body += '\n';
                    first = false;
                    body += lines[n];
                }
                if (!closed) throw FormatError(where + ": execute <<" + tag + " is not closed by a line '" + tag + "'");
                op.sql = body;
            } else if (words.size() == 2) {
                op.sql = words[1].text;
            } else {
                throw FormatError(where + ": execute takes one quoted SQL string or <<TAG lines TAG");
            }
            section->push_back(Step{op, {}});
            continue;
        }
        Args a = parse_args(words, 1, where);
        switch (op.kind) {
            case OpKind::CreateTable: op.table = a.pos(0, "table name"); op.table_spec.name = op.table; break;
            case OpKind::DropTable: op.table = a.pos(0, "table name"); break;
            case OpKind::RenameTable:
                op.table = a.pos(0, "table name");
                op.name = a.pos(1, "new table name");
                break;
            case OpKind::AddColumn:
                op.table = a.pos(0, "table name");
                op.column = parse_column(a, 1);
                break;
            case OpKind::DropColumn:
                op.table = a.pos(0, "table name");
                op.column.name = a.pos(1, "column name");
                break;
            case OpKind::AlterColumn:
                op.table = a.pos(0, "table name");
                op.column.name = a.pos(1, "column name");
                if (auto t = a.opt("type")) op.type = parse_type(*t);
                if (auto v = a.opt("nullable")) {
                    if (*v != "true" && *v != "false") throw FormatError(where + ": nullable= wants true or false");
                    op.nullable = *v == "true";
                }
                if (auto d = a.opt("default")) {
                    // default=none (bare) drops the default; default="none" would be the SQL text none.
                    bool bare_none = *d == "none" && std::find(a.quoted.begin(), a.quoted.end(), "default") == a.quoted.end();
                    op.server_default = bare_none ? std::optional<std::string>() : std::optional<std::string>(*d);
                }
                op.new_name = a.opt("new_name");
                if (auto t = a.opt("existing_type")) op.existing_type = parse_type(*t);
                break;
            case OpKind::CreateIndex:
                op.name = a.pos(0, "index name");
                op.table = a.need("table");
                op.columns = split(a.need("columns"), ',');
                op.unique = a.flag("unique");
                break;
            case OpKind::DropIndex:
                op.name = a.pos(0, "index name");
                op.table = a.need("table");
                break;
            case OpKind::CreateUnique:
                op.name = a.pos(0, "constraint name");
                op.table = a.need("table");
                op.columns = split(a.need("columns"), ',');
                break;
            case OpKind::CreateForeignKey:
                op.name = a.pos(0, "constraint name");
                op.table = a.need("table");
                op.columns = split(a.need("columns"), ',');
                parse_reference(a.need("references"), op.referred_table, op.referred_columns, where);
                op.ondelete = a.opt("ondelete");
                op.onupdate = a.opt("onupdate");
                break;
            case OpKind::CreateCheck:
                op.name = a.pos(0, "constraint name");
                op.table = a.need("table");
                op.sql = a.need("sql");
                break;
            case OpKind::DropConstraint:
                op.name = a.pos(0, "constraint name");
                if (op.name == "-") op.name.clear();
                op.table = a.need("table");
                op.constraint_type = a.need("type");
                if (op.constraint_type != "unique" && op.constraint_type != "foreign_key" && op.constraint_type != "check")
                    throw FormatError(where + ": type= wants unique, foreign_key or check");
                if (auto c = a.opt("columns")) op.columns = split(*c, ',');
                break;
            case OpKind::BulkInsert:
                op.table = a.pos(0, "table name");
                op.columns = split(a.need("columns"), ',');
                break;
            case OpKind::Call:
                // The name a runner registered its function under: letters, digits and '_' (as revision ids).
                op.name = a.pos(0, "data migration name");
                if (a.positional.size() != 1 || !a.options.empty() || !a.flags.empty() || !valid_revision_id(op.name))
                    throw FormatError(where + ": call takes one name of letters, digits and '_'");
                break;
            case OpKind::Execute: break;
        }
        section->push_back(Step{op, {}});
    }
    if (!have_id) throw FormatError(source + ": no 'revision:' line");
    return rev;
}

Revision read_revision_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ArgumentError("cannot read " + path.string());
    std::stringstream ss;
    ss << in.rdbuf();
    Revision rev = parse_revision(ss.str(), path.string());
    rev.path = path;
    return rev;
}

std::string new_revision_id() {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    static const char* hex = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 12; ++i) id += hex[gen() % 16];
    return id;
}

bool valid_revision_id(std::string_view id) {
    return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

}  // namespace retort::migrate
