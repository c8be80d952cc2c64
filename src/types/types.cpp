#include "retort/types/types.hpp"

#include <cctype>
#include <map>
#include <mutex>

#include "retort/error.hpp"

namespace retort {

const char* type_kind_name(TypeKind k) noexcept {
    switch (k) {
        case TypeKind::Null: return "Null";
        case TypeKind::Integer: return "Integer";
        case TypeKind::BigInteger: return "BigInteger";
        case TypeKind::SmallInteger: return "SmallInteger";
        case TypeKind::Boolean: return "Boolean";
        case TypeKind::String: return "String";
        case TypeKind::Text: return "Text";
        case TypeKind::Float: return "Float";
        case TypeKind::Double: return "Double";
        case TypeKind::Numeric: return "Numeric";
        case TypeKind::Date: return "Date";
        case TypeKind::Time: return "Time";
        case TypeKind::DateTime: return "DateTime";
        case TypeKind::Interval: return "Interval";
        case TypeKind::Uuid: return "Uuid";
        case TypeKind::LargeBinary: return "LargeBinary";
        case TypeKind::Json: return "Json";
        case TypeKind::Jsonb: return "Jsonb";
        case TypeKind::Enum: return "Enum";
    }
    return "Unknown";
}

// Names follow the SQL standard where it has one; dialects render their own spelling for DDL.
std::string SqlType::str() const {
    if (custom) return custom->name;
    switch (kind) {
        case TypeKind::Null: return "NULL";
        case TypeKind::Integer: return "INTEGER";
        case TypeKind::BigInteger: return "BIGINT";
        case TypeKind::SmallInteger: return "SMALLINT";
        case TypeKind::Boolean: return "BOOLEAN";
        case TypeKind::String: return length > 0 ? "VARCHAR(" + std::to_string(length) + ")" : "VARCHAR";
        case TypeKind::Text: return "TEXT";
        case TypeKind::Float: return "FLOAT";
        case TypeKind::Double: return "DOUBLE PRECISION";
        case TypeKind::Numeric:
            if (precision <= 0) return "NUMERIC";
            if (scale == 0) return "NUMERIC(" + std::to_string(precision) + ")";
            return "NUMERIC(" + std::to_string(precision) + ", " + std::to_string(scale) + ")";
        case TypeKind::Date: return "DATE";
        case TypeKind::Time: return timezone ? "TIME WITH TIME ZONE" : "TIME";
        case TypeKind::DateTime: return timezone ? "TIMESTAMP WITH TIME ZONE" : "TIMESTAMP";
        case TypeKind::Interval: return "INTERVAL";
        case TypeKind::Uuid: return "UUID";
        case TypeKind::LargeBinary: return "BLOB";
        case TypeKind::Json: return "JSON";
        case TypeKind::Jsonb: return "JSONB";
        case TypeKind::Enum: {
            if (enum_info && !enum_info->name.empty()) return "ENUM(" + enum_info->name + ")";
            // An unnamed enum is known only by its values.
            std::string out = "ENUM(";
            if (enum_info) {
                for (std::size_t i = 0; i < enum_info->values.size(); ++i) {
                    if (i) out += ", ";
                    out += "'" + enum_info->values[i] + "'";
                }
            }
            return out + ")";
        }
    }
    return "UNKNOWN";
}

SqlType::SqlType(const SqlType& other) = default;
SqlType::SqlType(SqlType&& other) noexcept = default;
SqlType& SqlType::operator=(const SqlType& other) = default;
SqlType& SqlType::operator=(SqlType&& other) noexcept = default;
SqlType::~SqlType() = default;

// Enums compare by name and values, not by the shared EnumInfo's address, so a reflected enum equals the
// declared one. Whether it is native is a rendering choice and does not make it a different type.
bool SqlType::operator==(const SqlType& o) const {
    if (kind != o.kind || length != o.length || precision != o.precision || scale != o.scale ||
        timezone != o.timezone)
        return false;
    // Custom types are one per name (the registry sees to it).
    if (static_cast<bool>(custom) != static_cast<bool>(o.custom)) return false;
    if (custom && custom != o.custom && custom->name != o.custom->name) return false;
    if (enum_info == o.enum_info) return true;
    static const EnumInfo empty;
    const EnumInfo& a = enum_info ? *enum_info : empty;
    const EnumInfo& b = o.enum_info ? *o.enum_info : empty;
    return a.name == b.name && a.values == b.values;
}

namespace types {
namespace {
SqlType of(TypeKind k) {
    SqlType t;
    t.kind = k;
    return t;
}
}  // namespace

SqlType Integer() { return of(TypeKind::Integer); }
SqlType BigInteger() { return of(TypeKind::BigInteger); }
SqlType SmallInteger() { return of(TypeKind::SmallInteger); }
SqlType Boolean() { return of(TypeKind::Boolean); }
SqlType String(int length) {
    auto t = of(TypeKind::String);
    t.length = length;
    return t;
}
SqlType Text() { return of(TypeKind::Text); }
SqlType Float() { return of(TypeKind::Float); }
SqlType Double() { return of(TypeKind::Double); }
SqlType Numeric(int precision, int scale) {
    auto t = of(TypeKind::Numeric);
    t.precision = precision;
    t.scale = scale;
    return t;
}
SqlType Date() { return of(TypeKind::Date); }
SqlType Time(bool timezone) {
    auto t = of(TypeKind::Time);
    t.timezone = timezone;
    return t;
}
SqlType DateTime(bool timezone) {
    auto t = of(TypeKind::DateTime);
    t.timezone = timezone;
    return t;
}
SqlType Interval() { return of(TypeKind::Interval); }
SqlType Uuid() { return of(TypeKind::Uuid); }
SqlType LargeBinary() { return of(TypeKind::LargeBinary); }
SqlType Json() { return of(TypeKind::Json); }
SqlType Jsonb() { return of(TypeKind::Jsonb); }
SqlType Enum(std::string name, std::vector<std::string> values, bool native) {
    auto t = of(TypeKind::Enum);
    t.enum_info = std::make_shared<const EnumInfo>(EnumInfo{std::move(name), std::move(values), native});
    return t;
}

namespace {
struct CustomRegistry {
    std::mutex mu;
    std::map<std::string, SqlType, std::less<>> types;
};
CustomRegistry& custom_registry() {
    static CustomRegistry r;
    return r;
}

// Names of the built-in types as migration scripts spell them: a Custom type may not take one.
bool builtin_type_name(std::string_view n) {
    static constexpr std::string_view names[] = {"Null",   "Integer",  "BigInteger", "SmallInteger", "Boolean",
                                                 "String", "Text",     "Float",      "Double",       "Numeric",
                                                 "Date",   "Time",     "DateTime",   "Interval",     "Uuid",
                                                 "LargeBinary", "Json", "Jsonb",     "Enum"};
    for (auto b : names)
        if (b == n) return true;
    return false;
}

// A name that migration scripts and messages can carry as one word.
void check_custom_name(std::string_view n) {
    bool ok = !n.empty() && n.size() <= 63 && (std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_');
    for (char c : n) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok)
        throw ArgumentError("a custom type's name is a letter or '_' followed by letters, digits and '_' (at most 63)");
    if (builtin_type_name(n)) throw ArgumentError("'" + std::string(n) + "' is a built-in type's name; give the custom type its own");
}
}  // namespace

SqlType Custom(std::string name, SqlType impl, std::vector<std::pair<std::string, std::string>> ddl) {
    check_custom_name(name);
    if (impl.is_null()) throw ArgumentError("custom type '" + name + "' needs a built-in type to be stored as");
    impl.custom.reset();  // a custom type over a custom one is stored as the latter's impl
    for (const auto& [dialect, spec] : ddl)
        if (dialect.empty() || spec.empty() || spec.find(';') != std::string::npos)
            throw ArgumentError("custom type '" + name + "': each DDL entry names a dialect and a column type");
    SqlType t = impl;
    t.custom = std::make_shared<const CustomTypeInfo>(CustomTypeInfo{name, std::move(ddl)});
    auto& r = custom_registry();
    std::lock_guard lock(r.mu);
    if (auto it = r.types.find(name); it != r.types.end()) {
        const SqlType& old = it->second;
        SqlType old_impl = old;
        old_impl.custom.reset();
        if (!(old_impl == impl) || old.custom->ddl != t.custom->ddl)
            throw ArgumentError("custom type '" + name + "' is already declared differently (as " + old_impl.str() +
                                "); a name is one type");
        return old;
    }
    r.types.emplace(std::move(name), t);
    return t;
}

std::optional<SqlType> find_custom(std::string_view name) {
    auto& r = custom_registry();
    std::lock_guard lock(r.mu);
    if (auto it = r.types.find(name); it != r.types.end()) return it->second;
    return std::nullopt;
}

SqlType Custom(std::string_view name) {
    if (auto t = find_custom(name)) return *t;
    throw ArgumentError("no custom type named '" + std::string(name) +
                        "' is declared in this program (types::Custom(name, impl, ddl) declares one)");
}
}  // namespace types

const std::string* CustomTypeInfo::ddl_for(std::string_view dialect, std::string_view family) const noexcept {
    for (const auto& [d, spec] : ddl)
        if (d == dialect) return &spec;
    for (const auto& [d, spec] : ddl)
        if (d == family) return &spec;
    return nullptr;
}

SqlType sql_type_of_value(const Value& v) {
    switch (v.kind()) {
        case Value::Kind::Null: return SqlType{};
        case Value::Kind::Bool: return types::Boolean();
        case Value::Kind::Int: return types::BigInteger();
        case Value::Kind::Double: return types::Double();
        case Value::Kind::Text: return types::String();
        case Value::Kind::Bytes: return types::LargeBinary();
        case Value::Kind::Date: return types::Date();
        case Value::Kind::Time: return types::Time();
        case Value::Kind::DateTime:
            return types::DateTime(std::get<retort::DateTime>(v.storage()).utc_offset_minutes.has_value());
        case Value::Kind::Interval: return types::Interval();
        case Value::Kind::Uuid: return types::Uuid();
        case Value::Kind::Numeric: return types::Numeric();
        case Value::Kind::Json: return types::Json();
    }
    return SqlType{};
}

}  // namespace retort
