#include <gtest/gtest.h>

#include "retort/types/types.hpp"

using namespace retort;

TEST(SqlTypeTest, KindNames) {
    EXPECT_STREQ(type_kind_name(TypeKind::Null), "Null");
    EXPECT_STREQ(type_kind_name(TypeKind::Integer), "Integer");
    EXPECT_STREQ(type_kind_name(TypeKind::BigInteger), "BigInteger");
    EXPECT_STREQ(type_kind_name(TypeKind::String), "String");
    EXPECT_STREQ(type_kind_name(TypeKind::DateTime), "DateTime");
    EXPECT_STREQ(type_kind_name(TypeKind::LargeBinary), "LargeBinary");
    EXPECT_STREQ(type_kind_name(TypeKind::Jsonb), "Jsonb");
    EXPECT_STREQ(type_kind_name(TypeKind::Enum), "Enum");
}

TEST(SqlTypeTest, StrNames) {
    EXPECT_EQ(SqlType{}.str(), "NULL");
    EXPECT_EQ(types::Integer().str(), "INTEGER");
    EXPECT_EQ(types::BigInteger().str(), "BIGINT");
    EXPECT_EQ(types::SmallInteger().str(), "SMALLINT");
    EXPECT_EQ(types::Boolean().str(), "BOOLEAN");
    EXPECT_EQ(types::String().str(), "VARCHAR");
    EXPECT_EQ(types::String(30).str(), "VARCHAR(30)");
    EXPECT_EQ(types::Text().str(), "TEXT");
    EXPECT_EQ(types::Float().str(), "FLOAT");
    EXPECT_EQ(types::Double().str(), "DOUBLE PRECISION");
    EXPECT_EQ(types::Numeric().str(), "NUMERIC");
    EXPECT_EQ(types::Numeric(10).str(), "NUMERIC(10)");
    EXPECT_EQ(types::Numeric(10, 2).str(), "NUMERIC(10, 2)");
    EXPECT_EQ(types::Date().str(), "DATE");
    EXPECT_EQ(types::Time().str(), "TIME");
    EXPECT_EQ(types::Time(true).str(), "TIME WITH TIME ZONE");
    EXPECT_EQ(types::DateTime().str(), "TIMESTAMP");
    EXPECT_EQ(types::DateTime(true).str(), "TIMESTAMP WITH TIME ZONE");
    EXPECT_EQ(types::Interval().str(), "INTERVAL");
    EXPECT_EQ(types::Uuid().str(), "UUID");
    EXPECT_EQ(types::LargeBinary().str(), "BLOB");
    EXPECT_EQ(types::Json().str(), "JSON");
    EXPECT_EQ(types::Jsonb().str(), "JSONB");
    EXPECT_EQ(types::Enum("mood", {"sad", "ok", "happy"}).str(), "ENUM(mood)");
    EXPECT_EQ(types::Enum("", {"a", "b"}).str(), "ENUM('a', 'b')");
}

TEST(SqlTypeTest, FactoriesSetTheirFields) {
    auto s = types::String(30);
    EXPECT_EQ(s.kind, TypeKind::String);
    EXPECT_EQ(s.length, 30);
    EXPECT_TRUE(s.is_text());
    auto n = types::Numeric(12, 4);
    EXPECT_EQ(n.kind, TypeKind::Numeric);
    EXPECT_EQ(n.precision, 12);
    EXPECT_EQ(n.scale, 4);
    EXPECT_TRUE(types::DateTime(true).timezone);
    EXPECT_FALSE(types::DateTime().timezone);
    EXPECT_TRUE(types::Time(true).timezone);
    EXPECT_TRUE(types::Integer().is_integer());
    EXPECT_TRUE(types::SmallInteger().is_integer());
    EXPECT_TRUE(types::BigInteger().is_integer());
    EXPECT_FALSE(types::Numeric().is_integer());
    EXPECT_TRUE(types::Text().is_text());
    EXPECT_FALSE(types::Uuid().is_text());
    EXPECT_TRUE(SqlType{}.is_null());
    EXPECT_FALSE(types::Integer().is_null());

    auto e = types::Enum("status", {"new", "done"}, false);
    EXPECT_EQ(e.kind, TypeKind::Enum);
    EXPECT_TRUE(e.is_text());
    ASSERT_TRUE(e.enum_info);
    EXPECT_EQ(e.enum_info->name, "status");
    EXPECT_EQ(e.enum_info->values, (std::vector<std::string>{"new", "done"}));
    EXPECT_FALSE(e.enum_info->native);
    EXPECT_TRUE(types::Enum("s", {"x"}).enum_info->native);
}

TEST(SqlTypeTest, Equality) {
    EXPECT_EQ(types::Integer(), types::Integer());
    EXPECT_NE(types::Integer(), types::BigInteger());
    EXPECT_EQ(types::String(30), types::String(30));
    EXPECT_NE(types::String(30), types::String(31));
    EXPECT_NE(types::String(), types::Text());
    EXPECT_EQ(types::Numeric(10, 2), types::Numeric(10, 2));
    EXPECT_NE(types::Numeric(10, 2), types::Numeric(10, 3));
    EXPECT_NE(types::Numeric(10, 2), types::Numeric(11, 2));
    EXPECT_NE(types::DateTime(), types::DateTime(true));
    EXPECT_NE(types::Time(), types::Time(true));
    EXPECT_EQ(SqlType{}, SqlType{});
}

TEST(SqlTypeTest, EnumEqualityComparesContents) {
    auto a = types::Enum("mood", {"sad", "happy"});
    auto b = types::Enum("mood", {"sad", "happy"});
    ASSERT_NE(a.enum_info, b.enum_info);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, types::Enum("mood", {"happy", "sad"}));
    EXPECT_NE(a, types::Enum("mood", {"sad", "happy", "ok"}));
    EXPECT_NE(a, types::Enum("feeling", {"sad", "happy"}));
    EXPECT_EQ(a, types::Enum("mood", {"sad", "happy"}, false));
    SqlType bare;
    bare.kind = TypeKind::Enum;
    EXPECT_EQ(bare, types::Enum("", {}));
    EXPECT_NE(bare, a);
}

TEST(SqlTypeTest, TypeOfCppTypes) {
    EXPECT_EQ(sql_type_of<bool>::get(), types::Boolean());
    EXPECT_EQ(sql_type_of<std::int16_t>::get(), types::SmallInteger());
    EXPECT_EQ(sql_type_of<std::int32_t>::get(), types::Integer());
    EXPECT_EQ(sql_type_of<std::int64_t>::get(), types::BigInteger());
    EXPECT_EQ(sql_type_of<std::string>::get(), types::String());
    EXPECT_EQ(sql_type_of<std::optional<retort::Uuid>>::get(), types::Uuid());
    EXPECT_EQ(sql_type_of<retort::Bytes>::get(), types::LargeBinary());
}

TEST(SqlTypeTest, TypeOfValues) {
    EXPECT_TRUE(sql_type_of_value(Value()).is_null());
    EXPECT_EQ(sql_type_of_value(Value(1)), types::BigInteger());
    EXPECT_EQ(sql_type_of_value(Value(1.5)), types::Double());
    EXPECT_EQ(sql_type_of_value(Value(true)), types::Boolean());
    EXPECT_EQ(sql_type_of_value(Value("x")), types::String());
    EXPECT_EQ(sql_type_of_value(Value(Bytes{1})), types::LargeBinary());
    EXPECT_EQ(sql_type_of_value(Value(retort::Date{})), types::Date());
    EXPECT_EQ(sql_type_of_value(Value(retort::Time{})), types::Time());
    EXPECT_EQ(sql_type_of_value(Value(retort::DateTime{})), types::DateTime(false));
    EXPECT_EQ(sql_type_of_value(Value(retort::DateTime{{}, {}, 0})), types::DateTime(true));
    EXPECT_EQ(sql_type_of_value(Value(retort::Interval{})), types::Interval());
    EXPECT_EQ(sql_type_of_value(Value(retort::Uuid{})), types::Uuid());
    EXPECT_EQ(sql_type_of_value(Value(retort::Numeric("1.5"))), types::Numeric());
    EXPECT_EQ(sql_type_of_value(Value(retort::Json{})), types::Json());
}

// ---- types of the program's own

#include "retort/dialects/dialect.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"
#include "retort/migrate/ops.hpp"

namespace {
struct Celsius {
    double degrees = 0;
};
struct Unmapped {};
}  // namespace

template <>
struct retort::type_adapter<Celsius> {
    using stored = double;
    static double to_stored(Celsius c) { return c.degrees; }
    static Celsius from_stored(double d) { return {d}; }
};

TEST(CustomTypeTest, IsItsImplWithANameAndItsOwnDdl) {
    auto t = types::Custom("UnitInet", types::String(45), {{"postgresql", "INET"}, {"sqlite", "TEXT"}});
    EXPECT_EQ(t.kind, TypeKind::String);
    EXPECT_EQ(t.length, 45);
    EXPECT_TRUE(t.is_text());
    EXPECT_EQ(t.str(), "UnitInet");
    EXPECT_FALSE(t == types::String(45));  // a custom type is not its impl
    EXPECT_TRUE(t == types::Custom("UnitInet"));

    auto pg = make_dialect(URL::parse("postgresql://h/db"));
    auto dsql = make_dialect(URL::parse("auroradsql://admin@abc.dsql.us-east-1.on.aws/postgres"));
    auto lite = make_dialect(URL::parse("sqlite://"));
    EXPECT_EQ(pg->type_ddl(t), "INET");
    EXPECT_EQ(dsql->type_ddl(t), "INET");  // by family
    EXPECT_EQ(lite->type_ddl(t), "TEXT");

    // No DDL for a dialect: the impl's.
    auto u = types::Custom("UnitLabel", types::String(12), {{"postgresql", "CITEXT"}});
    EXPECT_EQ(lite->type_ddl(u), "VARCHAR(12)");
    // The dialect's own name wins over its family.
    auto v = types::Custom("UnitPoint", types::Text(), {{"postgresql", "POINT"}, {"auroradsql", "TEXT"}});
    EXPECT_EQ(pg->type_ddl(v), "POINT");
    EXPECT_EQ(dsql->type_ddl(v), "TEXT");
}

TEST(CustomTypeTest, ANameIsOneType) {
    auto a = types::Custom("UnitMoney", types::BigInteger(), {{"postgresql", "BIGINT"}});
    EXPECT_NO_THROW((void)types::Custom("UnitMoney", types::BigInteger(), {{"postgresql", "BIGINT"}}));
    EXPECT_THROW((void)types::Custom("UnitMoney", types::Integer(), {{"postgresql", "BIGINT"}}), ArgumentError);
    EXPECT_THROW((void)types::Custom("UnitMoney", types::BigInteger(), {{"postgresql", "NUMERIC"}}), ArgumentError);
    EXPECT_THROW((void)types::Custom("NoSuchUnitType"), ArgumentError);
    EXPECT_FALSE(types::find_custom("NoSuchUnitType"));
    // Built-in names, names a migration script could not carry, and empty DDL are refused.
    EXPECT_THROW((void)types::Custom("String", types::Text()), ArgumentError);
    EXPECT_THROW((void)types::Custom("Integer", types::Text()), ArgumentError);
    EXPECT_THROW((void)types::Custom("two words", types::Text()), ArgumentError);
    EXPECT_THROW((void)types::Custom("x(1)", types::Text()), ArgumentError);
    EXPECT_THROW((void)types::Custom("", types::Text()), ArgumentError);
    EXPECT_THROW((void)types::Custom("UnitNoImpl", SqlType{}), ArgumentError);
    EXPECT_THROW((void)types::Custom("UnitBadDdl", types::Text(), {{"postgresql", ""}}), ArgumentError);
    EXPECT_THROW((void)types::Custom("UnitBadDdl", types::Text(), {{"postgresql", "TEXT; DROP TABLE x"}}), ArgumentError);
    // A custom type over a custom type is stored as the inner one's impl.
    auto b = types::Custom("UnitCents", a);
    EXPECT_EQ(b.kind, TypeKind::BigInteger);
    EXPECT_EQ(b.str(), "UnitCents");
}

TEST(CustomTypeTest, MigrationScriptsNameItAndFindItAgain) {
    auto t = types::Custom("UnitMac", types::String(17), {{"postgresql", "MACADDR"}});
    EXPECT_EQ(migrate::type_text(t), "UnitMac");
    EXPECT_EQ(migrate::parse_type("UnitMac"), t);
    EXPECT_EQ(migrate::parse_type("UnitMac").custom, t.custom);
    EXPECT_THROW((void)migrate::parse_type("UnitNeverDeclared"), migrate::FormatError);
    EXPECT_THROW((void)migrate::parse_type("UnitMac(3)"), migrate::FormatError);
}

TEST(CustomTypeTest, AdaptedCppTypes) {
    static_assert(adapted_type<Celsius>);
    static_assert(!adapted_type<Unmapped>);
    static_assert(has_sql_type<Celsius>);
    static_assert(has_sql_type<std::optional<Celsius>>);
    static_assert(!has_sql_type<Unmapped>);
    static_assert(!has_sql_type<unsigned>);
    EXPECT_EQ(sql_type_of<Celsius>::get(), types::Double());
    Value v(Celsius{21.5});
    EXPECT_EQ(v.kind(), Value::Kind::Double);
    EXPECT_EQ(v.as<Celsius>().degrees, 21.5);
    EXPECT_EQ(Value(std::optional<Celsius>{}).is_null(), true);
    EXPECT_EQ(Value(std::optional<Celsius>{Celsius{3}}).as<std::optional<Celsius>>()->degrees, 3.0);
    EXPECT_THROW((void)Value("warm").as<Celsius>(), TypeError);
}
