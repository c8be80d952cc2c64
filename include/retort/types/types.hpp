// SQL types as runtime descriptions (SQLAlchemy's TypeEngine): what a column is declared as, how DDL
// renders it per dialect, and which C++ type it maps to. Named like SQLAlchemy's generic types, in
// retort::types so they do not clash with the value structs (retort::Date is a value, types::Date() a type).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

const char* type_kind_name(TypeKind k) noexcept;

struct EnumInfo {
    std::string name;  // type name on PostgreSQL (CREATE TYPE name AS ENUM)
    std::vector<std::string> values;
    bool native = true;  // native ENUM type where the dialect has one, else VARCHAR + CHECK
};

struct SqlType {
    TypeKind kind = TypeKind::Null;
    int length = 0;     // String
    int precision = 0;  // Numeric
    int scale = 0;      // Numeric
    bool timezone = false;  // DateTime, Time
    std::shared_ptr<const EnumInfo> enum_info;  // Enum

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
SqlType Integer();
SqlType BigInteger();
SqlType SmallInteger();
SqlType Boolean();
SqlType String(int length = 0);
SqlType Text();
SqlType Float();
SqlType Double();
SqlType Numeric(int precision = 0, int scale = 0);
SqlType Date();
SqlType Time(bool timezone = false);
SqlType DateTime(bool timezone = false);
SqlType Interval();
SqlType Uuid();
SqlType LargeBinary();
SqlType Json();
SqlType Jsonb();
SqlType Enum(std::string name, std::vector<std::string> values, bool native = true);
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

// The SQL type of a runtime value (Null for NULL), used for untyped binds.
SqlType sql_type_of_value(const Value& v);

}  // namespace retort
