// SQL types as runtime descriptions (SQLAlchemy's TypeEngine): what a column is declared as, how DDL
// renders it per dialect, and which C++ type it maps to. Named like SQLAlchemy's generic types, in
// retort::types so they do not clash with the value structs (retort::Date is a value, types::Date() a type).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retort/export.hpp"
#include "retort/types/value.hpp"

namespace retort {

enum class TypeKind : std::uint8_t {
    Null,  // not known (an untyped bind, a NULL literal)
    Integer,
    BigInteger,
    SmallInteger,
    Boolean,
    String,  // VARCHAR(length); length 0 = no length
    Text,
    Float,
    Double,
    Numeric,
    Date,
    Time,
    DateTime,
    Interval,
    Uuid,
    LargeBinary,
    Json,
    Jsonb,
    Enum,
};

RETORT_API const char* type_kind_name(TypeKind k) noexcept;

struct RETORT_API EnumInfo {
    std::string name;  // type name on PostgreSQL (CREATE TYPE name AS ENUM)
    std::vector<std::string> values;
    bool native = true;  // native ENUM type where the dialect has one, else VARCHAR + CHECK
};

// A column type of the program's own (types::Custom): a name, and its column type in DDL per dialect. Such a
// type is its `impl` built-in type everywhere else (binding, decoding, comparisons, typed expressions), the
// way SQLAlchemy's TypeDecorator is its impl; a C++ member type reaches it through a type_adapter.
struct RETORT_API CustomTypeInfo {
    std::string name;  // "Inet": messages, migration scripts (Custom types are found there by name)
    std::vector<std::pair<std::string, std::string>> ddl;  // (dialect name, column type): {"postgresql", "INET"}
    // The column type for a dialect (tried by its name, then by its family: "postgresql" serves auroradsql
    // too); null when it has none (the impl's DDL is used).
    [[nodiscard]] const std::string* ddl_for(std::string_view dialect, std::string_view family) const noexcept;
};

struct RETORT_API SqlType {
    TypeKind kind = TypeKind::Null;
    int length = 0;     // String
    int precision = 0;  // Numeric
    int scale = 0;      // Numeric
    bool timezone = false;  // DateTime, Time
    std::shared_ptr<const EnumInfo> enum_info;  // Enum
    std::shared_ptr<const CustomTypeInfo> custom;  // a Custom type; the fields above are its impl's

    SqlType() = default;
    // Compiled into Retort rather than into each program file (two shared pointers' reference counts).
    SqlType(const SqlType& other);
    SqlType(SqlType&& other) noexcept;
    SqlType& operator=(const SqlType& other);
    SqlType& operator=(SqlType&& other) noexcept;
    ~SqlType();

    [[nodiscard]] bool is_null() const noexcept { return kind == TypeKind::Null; }
    [[nodiscard]] bool is_integer() const noexcept {
        return kind == TypeKind::Integer || kind == TypeKind::BigInteger || kind == TypeKind::SmallInteger;
    }
    [[nodiscard]] bool is_text() const noexcept {
        return kind == TypeKind::String || kind == TypeKind::Text || kind == TypeKind::Enum;
    }
    // A readable name for messages and echo logs ("VARCHAR(30)", "INTEGER"), dialect-neutral.
    [[nodiscard]] std::string str() const;
    bool operator==(const SqlType& o) const;
};

namespace types {
RETORT_API SqlType Integer();
RETORT_API SqlType BigInteger();
RETORT_API SqlType SmallInteger();
RETORT_API SqlType Boolean();
RETORT_API SqlType String(int length = 0);
RETORT_API SqlType Text();
RETORT_API SqlType Float();
RETORT_API SqlType Double();
RETORT_API SqlType Numeric(int precision = 0, int scale = 0);
RETORT_API SqlType Date();
RETORT_API SqlType Time(bool timezone = false);
RETORT_API SqlType DateTime(bool timezone = false);
RETORT_API SqlType Interval();
RETORT_API SqlType Uuid();
RETORT_API SqlType LargeBinary();
RETORT_API SqlType Json();
RETORT_API SqlType Jsonb();
RETORT_API SqlType Enum(std::string name, std::vector<std::string> values, bool native = true);
// A type of the program's own, stored as `impl` (a built-in type), with its column type in DDL per dialect
// ({{"postgresql", "INET"}, {"sqlite", "TEXT"}}; the impl's DDL on any dialect not listed). Registered under
// `name` for the whole process, so migration scripts and types::Custom(name) find it; a name is one type:
// declaring it again the same way returns it, differently raises ArgumentError, and built-in type names
// (Integer, String, ...) are refused.
RETORT_API SqlType Custom(std::string name, SqlType impl, std::vector<std::pair<std::string, std::string>> ddl = {});
// The Custom type registered under `name`; ArgumentError when there is none.
RETORT_API SqlType Custom(std::string_view name);
// The Custom type registered under `name`, or nullopt.
RETORT_API std::optional<SqlType> find_custom(std::string_view name);
}  // namespace types

// The SQL type Retort infers for a C++ type; specialise for your own types.
template <class T>
struct sql_type_of;

#define RETORT_SQL_TYPE_OF(CppType, Factory)                                                                 \
    template <>                                                                                              \
    struct sql_type_of<CppType> {                                                                            \
        static SqlType get() { return types::Factory(); }                                                    \
    };
RETORT_SQL_TYPE_OF(bool, Boolean)
RETORT_SQL_TYPE_OF(short, SmallInteger)
RETORT_SQL_TYPE_OF(int, Integer)
RETORT_SQL_TYPE_OF(long, BigInteger)
RETORT_SQL_TYPE_OF(long long, BigInteger)
RETORT_SQL_TYPE_OF(float, Float)
RETORT_SQL_TYPE_OF(double, Double)
RETORT_SQL_TYPE_OF(std::string, String)
RETORT_SQL_TYPE_OF(retort::Date, Date)
RETORT_SQL_TYPE_OF(retort::Time, Time)
RETORT_SQL_TYPE_OF(retort::DateTime, DateTime)
RETORT_SQL_TYPE_OF(retort::Interval, Interval)
RETORT_SQL_TYPE_OF(retort::Uuid, Uuid)
RETORT_SQL_TYPE_OF(retort::Numeric, Numeric)
RETORT_SQL_TYPE_OF(retort::Json, Json)
RETORT_SQL_TYPE_OF(retort::Bytes, LargeBinary)
#undef RETORT_SQL_TYPE_OF
template <class T>
struct sql_type_of<std::optional<T>> : sql_type_of<T> {};
// A program's own type: the adapter's sql_type(), else the SQL type of what it is stored as.
template <adapted_type T>
struct sql_type_of<T> {
    static SqlType get() {
        if constexpr (requires { type_adapter<T>::sql_type(); }) return type_adapter<T>::sql_type();
        else return sql_type_of<std::remove_cvref_t<typename type_adapter<T>::stored>>::get();
    }
};
// Whether Retort knows the SQL type of a C++ type (a value type, an optional of one, or an adapted type).
template <class T>
concept has_sql_type = requires { { sql_type_of<T>::get() } -> std::same_as<SqlType>; };

// The SQL type of a runtime value (Null for NULL), used for untyped binds.
RETORT_API SqlType sql_type_of_value(const Value& v);

}  // namespace retort
