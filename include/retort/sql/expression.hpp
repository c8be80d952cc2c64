// The typed SQL expression language. Expr<T> is a column expression whose values are C++ type T; its
// operators build runtime nodes (elements.hpp) and cost nothing beyond that. Comparing expressions of
// unrelated types (a string column with an int) stops compilation with a sentence saying so.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "retort/export.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/checks.hpp"
#include "retort/sql/elements.hpp"
#include "retort/sql/executable.hpp"
#include "retort/types/types.hpp"

namespace retort {

// The value type of an expression whose C++ type is not known (text(), untyped columns).
struct Any {};

template <class T>
class Expr;

namespace detail {

template <class T>
struct unopt {
    using type = T;
};
template <class T>
struct unopt<std::optional<T>> {
    using type = T;
};
template <class T>
using unopt_t = typename unopt<std::remove_cvref_t<T>>::type;

// False, but only once T is known: static_assert(always_false<T>, "...") in a branch that must not be taken.
template <class>
inline constexpr bool always_false = false;

// Expr<T> and the classes built on it (Col<T>).
template <class T>
concept expression = requires { typename std::remove_cvref_t<T>::value_type; } &&
                     std::is_base_of_v<Expr<typename std::remove_cvref_t<T>::value_type>, std::remove_cvref_t<T>>;
template <class T>
inline constexpr bool is_expr_v = expression<T>;

template <class T>
struct expr_value {
    using type = unopt_t<T>;
};
template <expression T>
struct expr_value<T> {
    using type = unopt_t<typename T::value_type>;
};
template <class T>
using expr_value_t = typename expr_value<std::remove_cvref_t<T>>::type;

// Families of C++ types that SQL compares with each other.
enum class Family { Any, Null, Number, Text, Bool, Date, Time, DateTime, Interval, Uuid, Bytes, Json, Other };

template <class T>
constexpr Family family_of() {
    using U = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<U, Any>) return Family::Any;
    else if constexpr (std::is_same_v<U, std::nullptr_t> || std::is_same_v<U, std::nullopt_t>) return Family::Null;
    else if constexpr (std::is_same_v<U, bool>) return Family::Bool;
    else if constexpr (std::is_arithmetic_v<U> || std::is_same_v<U, Numeric>) return Family::Number;
    else if constexpr (std::is_convertible_v<U, std::string_view>) return Family::Text;
    else if constexpr (std::is_same_v<U, Date>) return Family::Date;
    else if constexpr (std::is_same_v<U, Time>) return Family::Time;
    else if constexpr (std::is_same_v<U, DateTime>) return Family::DateTime;
    else if constexpr (std::is_same_v<U, Interval>) return Family::Interval;
    else if constexpr (std::is_same_v<U, Uuid>) return Family::Uuid;
    else if constexpr (std::is_same_v<U, Bytes>) return Family::Bytes;
    else if constexpr (std::is_same_v<U, Json>) return Family::Json;
    else if constexpr (std::is_array_v<U>) return Family::Text;  // string literals
    else return Family::Other;
}

template <class A, class B>
inline constexpr bool comparable_v = [] {
    constexpr Family a = family_of<expr_value_t<A>>();
    constexpr Family b = family_of<expr_value_t<B>>();
    return a == Family::Any || b == Family::Any || b == Family::Null || a == Family::Null || a == b;
}();

template <class T>
inline constexpr bool is_numeric_v = family_of<expr_value_t<T>>() == Family::Number ||
                                     family_of<expr_value_t<T>>() == Family::Any;
template <class T>
inline constexpr bool is_text_v = family_of<expr_value_t<T>>() == Family::Text ||
                                  family_of<expr_value_t<T>>() == Family::Any;

// The SQL type for a bound value compared with an expression of type T.
template <class T>
SqlType bind_type() {
    using U = unopt_t<T>;
    if constexpr (std::is_same_v<U, Any>) return SqlType{};
    else if constexpr (std::is_same_v<U, int>) return types::Integer();
    else if constexpr (std::is_integral_v<U> && !std::is_same_v<U, bool>) return types::BigInteger();
    else if constexpr (std::is_convertible_v<U, std::string_view>) return types::String();
    else return sql_type_of<U>::get();
}

RETORT_API sql::NodePtr make_bind(std::string key, Value v, SqlType t);
RETORT_API sql::NodePtr null_node();
// The node for an operand: an expression's own node, NULL, or a bound parameter typed like `like`.
template <class U>
sql::NodePtr operand(const U& v, const SqlType& like) {
    if constexpr (is_expr_v<U>) {
        return v.node();
    } else if constexpr (std::is_same_v<U, std::nullptr_t> || std::is_same_v<U, std::nullopt_t>) {
        return null_node();
    } else if constexpr (!std::is_constructible_v<Value, const U&>) {
        static_assert(always_false<U>, "retort: a value of this C++ type cannot be a bound parameter: use one of "
                                       "Retort's value types, or specialise retort::type_adapter<T> for it");
        return null_node();
    } else {
        return make_bind("", Value(v), like);
    }
}
RETORT_API const SqlType& node_type(const sql::NodePtr& n);
RETORT_API sql::NodePtr binary(sql::BinaryOp op, sql::NodePtr l, sql::NodePtr r, SqlType t, std::string escape = {});
RETORT_API sql::NodePtr unary(sql::UnaryOp op, sql::NodePtr e, SqlType t);
RETORT_API sql::NodePtr list(sql::ListOp op, std::vector<sql::NodePtr> items);
RETORT_API sql::NodePtr compare(sql::BinaryOp op, sql::NodePtr l, sql::NodePtr r);
// LIKE pattern helpers for startswith / endswith / contains: escape %, _ and the escape char itself.
RETORT_API std::string like_escape(std::string_view s, char esc);
}  // namespace detail

namespace detail {
// What an Expr<T> holds, whatever T is: its node. Copying, moving and destroying it are compiled once, in
// Retort, not in every function that builds an expression.
class RETORT_API ExprBase {
public:
    ExprBase() noexcept = default;
    explicit ExprBase(sql::NodePtr&& n) noexcept : node_(std::move(n)) {}
    explicit ExprBase(const sql::NodePtr& n) noexcept;
    ExprBase(const ExprBase& o) noexcept;
    ExprBase(ExprBase&& o) noexcept;
    ExprBase& operator=(const ExprBase& o) noexcept;
    ExprBase& operator=(ExprBase&& o) noexcept;
    ~ExprBase();

protected:
    sql::NodePtr node_;
};
}  // namespace detail

template <class T>
class Expr : protected detail::ExprBase {
public:
    using value_type = T;
    Expr() = default;
    explicit Expr(sql::NodePtr&& n) : ExprBase(std::move(n)) {}
    explicit Expr(const sql::NodePtr& n) : ExprBase(n) {}
    // Any typed expression converts to an untyped one.
    template <class U>
        requires(std::is_same_v<T, Any> && !std::is_same_v<U, Any>)
    Expr(const Expr<U>& o) : ExprBase(o.node()) {}  // NOLINT
    [[nodiscard]] const sql::NodePtr& node() const noexcept { return node_; }
    [[nodiscard]] const SqlType& type() const { return detail::node_type(node_); }

    [[nodiscard]] Expr<bool> is_null() const { return Expr<bool>(detail::unary(sql::UnaryOp::IsNull, node_, types::Boolean())); }
    [[nodiscard]] Expr<bool> is_not_null() const {
        return Expr<bool>(detail::unary(sql::UnaryOp::IsNotNull, node_, types::Boolean()));
    }
    template <class U>
    [[nodiscard]] Expr<bool> in_(const std::vector<U>& values) const {
        static_assert(detail::comparable_v<T, U>, "retort: in_() values must be of a type comparable with the expression");
        return in_impl(values, sql::BinaryOp::In);
    }
    template <class U>
    [[nodiscard]] Expr<bool> in_(std::initializer_list<U> values) const { return in_(std::vector<U>(values)); }
    template <class U>
    [[nodiscard]] Expr<bool> not_in(const std::vector<U>& values) const {
        static_assert(detail::comparable_v<T, U>, "retort: not_in() values must be of a type comparable with the expression");
        return in_impl(values, sql::BinaryOp::NotIn);
    }
    template <class U>
    [[nodiscard]] Expr<bool> not_in(std::initializer_list<U> values) const { return not_in(std::vector<U>(values)); }
    // IN (subquery)
    [[nodiscard]] Expr<bool> in_(const class Select& sub) const;
    template <class A, class B>
    [[nodiscard]] Expr<bool> between(const A& lo, const B& hi, bool negate = false) const {
        static_assert(detail::comparable_v<T, A> && detail::comparable_v<T, B>,
                      "retort: between() bounds must be comparable with the expression");
        return Expr<bool>(std::make_shared<sql::BetweenNode>(node_, detail::operand(lo, type()),
                                                             detail::operand(hi, type()), negate));
    }
    [[nodiscard]] Expr<bool> like(std::string_view pattern, std::string_view escape = {}) const {
        return like_impl(sql::BinaryOp::Like, pattern, escape);
    }
    [[nodiscard]] Expr<bool> not_like(std::string_view pattern, std::string_view escape = {}) const {
        return like_impl(sql::BinaryOp::NotLike, pattern, escape);
    }
    [[nodiscard]] Expr<bool> ilike(std::string_view pattern, std::string_view escape = {}) const {
        return like_impl(sql::BinaryOp::ILike, pattern, escape);
    }
    [[nodiscard]] Expr<bool> not_ilike(std::string_view pattern, std::string_view escape = {}) const {
        return like_impl(sql::BinaryOp::NotILike, pattern, escape);
    }
    // LIKE 'value%' with %, _ and / in value escaped (SQLAlchemy's autoescape).
    [[nodiscard]] Expr<bool> startswith(std::string_view s) const {
        return like_impl(sql::BinaryOp::Like, detail::like_escape(s, '/') + "%", "/");
    }
    [[nodiscard]] Expr<bool> endswith(std::string_view s) const {
        return like_impl(sql::BinaryOp::Like, "%" + detail::like_escape(s, '/'), "/");
    }
    [[nodiscard]] Expr<bool> contains(std::string_view s) const {
        return like_impl(sql::BinaryOp::Like, "%" + detail::like_escape(s, '/') + "%", "/");
    }
    template <class U>
    [[nodiscard]] Expr<bool> is_distinct_from(const U& v) const {
        static_assert(detail::comparable_v<T, U>, "retort: is_distinct_from() needs comparable types");
        return Expr<bool>(detail::compare(sql::BinaryOp::IsDistinctFrom, node_, detail::operand(v, type())));
    }
    template <class U>
    [[nodiscard]] Expr<bool> is_not_distinct_from(const U& v) const {
        static_assert(detail::comparable_v<T, U>, "retort: is_not_distinct_from() needs comparable types");
        return Expr<bool>(detail::compare(sql::BinaryOp::IsNotDistinctFrom, node_, detail::operand(v, type())));
    }
    [[nodiscard]] Expr<T> asc() const { return Expr<T>(detail::unary(sql::UnaryOp::Asc, node_, type())); }
    [[nodiscard]] Expr<T> desc() const { return Expr<T>(detail::unary(sql::UnaryOp::Desc, node_, type())); }
    [[nodiscard]] Expr<T> nulls_first() const { return Expr<T>(detail::unary(sql::UnaryOp::NullsFirst, node_, type())); }
    [[nodiscard]] Expr<T> nulls_last() const { return Expr<T>(detail::unary(sql::UnaryOp::NullsLast, node_, type())); }
    [[nodiscard]] Expr<T> distinct() const { return Expr<T>(detail::unary(sql::UnaryOp::Distinct, node_, type())); }
    [[nodiscard]] Expr<T> label(std::string name) const {
        return Expr<T>(std::make_shared<sql::LabelNode>(node_, std::move(name), type()));
    }
    // CAST(expr AS type) as C++ type U.
    template <class U>
    [[nodiscard]] Expr<U> cast(SqlType t = detail::bind_type<U>()) const {
        return Expr<U>(std::make_shared<sql::CastNode>(node_, std::move(t)));
    }

private:
    template <class U>
    Expr<bool> in_impl(const std::vector<U>& values, sql::BinaryOp op) const {
        std::vector<sql::NodePtr> items;
        items.reserve(values.size());
        for (const auto& v : values) items.push_back(detail::operand(v, type()));
        return Expr<bool>(detail::binary(op, node_, detail::list(sql::ListOp::Comma, std::move(items)), types::Boolean()));
    }
    Expr<bool> like_impl(sql::BinaryOp op, std::string_view pattern, std::string_view escape) const {
        static_assert(detail::is_text_v<T>, "retort: LIKE applies to text expressions only");
        // The pattern is a bound value; the escape character goes into the SQL text, so it must be one character.
        if (!escape.empty()) sql::check_like_escape(escape);
        return Expr<bool>(detail::binary(op, node_, detail::make_bind("", Value(pattern), types::String()),
                                         types::Boolean(), std::string(escape)));
    }
};

// ---- comparison operators: Expr <op> Expr, Expr <op> value, value <op> Expr

namespace detail {
// expr OP value (value_first: value OP expr), the value bound with the expression's type: compiled into Retort.
RETORT_API Expr<bool> compare_value(sql::BinaryOp op, const sql::NodePtr& expr, Value v, bool value_first);
// The comparison of an expression with a value of type U (NULL for nullptr and std::nullopt).
template <class U>
Expr<bool> compare_with(sql::BinaryOp op, const sql::NodePtr& expr, const U& v, bool value_first) {
    if constexpr (std::is_same_v<U, std::nullptr_t> || std::is_same_v<U, std::nullopt_t>) {
        return Expr<bool>(value_first ? compare(op, null_node(), expr) : compare(op, expr, null_node()));
    } else if constexpr (!std::is_constructible_v<Value, const U&>) {
        static_assert(always_false<U>, "retort: a value of this C++ type cannot be a bound parameter: use one of "
                                       "Retort's value types, or specialise retort::type_adapter<T> for it");
        return {};
    } else {
        return compare_value(op, expr, Value(v), value_first);
    }
}
}  // namespace detail

#define RETORT_CMP_OP(OP, KIND)                                                                              \
    template <detail::expression L, class R>                                                                 \
        requires(!detail::expression<R>)                                                                     \
    Expr<bool> operator OP(const L& l, const R& r) {                                                         \
        static_assert(detail::comparable_v<L, R>,                                                            \
                      "retort: these two types cannot be compared in SQL (for example a text column with "  \
                      "a number); convert one side, or cast() the expression");                             \
        return detail::compare_with(sql::BinaryOp::KIND, l.node(), r, false);                                \
    }                                                                                                        \
    template <class L, detail::expression R>                                                                 \
        requires(!detail::expression<L>)                                                                     \
    Expr<bool> operator OP(const L& l, const R& r) {                                                         \
        static_assert(detail::comparable_v<R, L>,                                                            \
                      "retort: these two types cannot be compared in SQL (for example a text column with "  \
                      "a number); convert one side, or cast() the expression");                             \
        return detail::compare_with(sql::BinaryOp::KIND, r.node(), l, true);                                 \
    }                                                                                                        \
    template <detail::expression L, detail::expression R>                                                    \
    Expr<bool> operator OP(const L& l, const R& r) {                                                         \
        static_assert(detail::comparable_v<L, R>,                                                            \
                      "retort: these two types cannot be compared in SQL (for example a text column with "  \
                      "a number); convert one side, or cast() the expression");                             \
        return Expr<bool>(detail::compare(sql::BinaryOp::KIND, l.node(), r.node()));                         \
    }
RETORT_CMP_OP(==, Eq)
RETORT_CMP_OP(!=, Ne)
RETORT_CMP_OP(<, Lt)
RETORT_CMP_OP(<=, Le)
RETORT_CMP_OP(>, Gt)
RETORT_CMP_OP(>=, Ge)
#undef RETORT_CMP_OP

// ---- arithmetic and concatenation

#define RETORT_ARITH_OP(OP, KIND)                                                                            \
    template <detail::expression L, class R>                                                                 \
    Expr<typename L::value_type> operator OP(const L& l, const R& r) {                                       \
        static_assert(detail::is_numeric_v<L> && detail::is_numeric_v<R>,                                    \
                      "retort: arithmetic needs numeric expressions on both sides");                         \
        return Expr<typename L::value_type>(                                                                 \
            detail::binary(sql::BinaryOp::KIND, l.node(), detail::operand(r, l.type()), l.type()));          \
    }                                                                                                        \
    template <class L, detail::expression R>                                                                 \
        requires(!detail::expression<L>)                                                                     \
    Expr<typename R::value_type> operator OP(const L& l, const R& r) {                                       \
        static_assert(detail::is_numeric_v<L> && detail::is_numeric_v<R>,                                    \
                      "retort: arithmetic needs numeric expressions on both sides");                         \
        return Expr<typename R::value_type>(                                                                 \
            detail::binary(sql::BinaryOp::KIND, detail::operand(l, r.type()), r.node(), r.type()));          \
    }
RETORT_ARITH_OP(+, Add)
RETORT_ARITH_OP(-, Sub)
RETORT_ARITH_OP(*, Mul)
RETORT_ARITH_OP(/, Div)
RETORT_ARITH_OP(%, Mod)
#undef RETORT_ARITH_OP

template <class T>
Expr<T> operator-(const Expr<T>& e) {
    static_assert(detail::is_numeric_v<T>, "retort: unary minus needs a numeric expression");
    return Expr<T>(detail::unary(sql::UnaryOp::Neg, e.node(), e.type()));
}

// a || b for text
template <class T, class U>
Expr<std::string> concat(const Expr<T>& l, const U& r) {
    static_assert(detail::is_text_v<T> && detail::is_text_v<U>, "retort: concat() joins text expressions");
    return Expr<std::string>(detail::binary(sql::BinaryOp::Concat, l.node(), detail::operand(r, types::String()), types::String()));
}

// ---- boolean logic

RETORT_API Expr<bool> operator&&(const Expr<bool>& a, const Expr<bool>& b);
RETORT_API Expr<bool> operator||(const Expr<bool>& a, const Expr<bool>& b);
RETORT_API Expr<bool> operator!(const Expr<bool>& a);
RETORT_API Expr<bool> and_(std::vector<Expr<bool>> clauses);
RETORT_API Expr<bool> or_(std::vector<Expr<bool>> clauses);
RETORT_API Expr<bool> not_(const Expr<bool>& e);
template <class... E>
Expr<bool> and_(const Expr<bool>& a, const E&... rest) { return and_(std::vector<Expr<bool>>{a, rest...}); }
template <class... E>
Expr<bool> or_(const Expr<bool>& a, const E&... rest) { return or_(std::vector<Expr<bool>>{a, rest...}); }

// ---- literals and parameters

RETORT_API Expr<Any> null();
RETORT_API Expr<bool> true_();
RETORT_API Expr<bool> false_();
// Raw SQL: a fragment written into the statement as it is (a column name, a keyword). Never build it from
// input: values go in literal() or bindparam(), names in column() or table definitions.
RETORT_API Expr<Any> literal_column(std::string sql);
template <class T>
Expr<T> literal_column(std::string sql, SqlType t = detail::bind_type<T>()) {
    return Expr<T>(std::make_shared<sql::LiteralNode>(std::move(sql), std::move(t)));
}
// A bound value as an expression.
template <class T>
Expr<detail::unopt_t<T>> literal(const T& v) {
    return Expr<detail::unopt_t<T>>(detail::make_bind("", Value(v), detail::bind_type<detail::unopt_t<T>>()));
}
// A named parameter whose value is given at execution: conn.execute(stmt, {{"name", v}}).
template <class T>
Expr<T> bindparam(std::string name, SqlType t = detail::bind_type<T>()) {
    return Expr<T>(std::make_shared<sql::BindNode>(std::move(name), Value{}, std::move(t), false));
}
// A named parameter with a default value that execute() parameters may override.
template <class T>
Expr<detail::unopt_t<T>> bindparam(std::string name, const T& value) {
    return Expr<detail::unopt_t<T>>(
        std::make_shared<sql::BindNode>(std::move(name), Value(value), detail::bind_type<detail::unopt_t<T>>(), true));
}

// A table column as a typed expression; ArgumentError when the column's SQL type does not fit T.
template <class T = Any>
Expr<T> column(const Table& t, std::string_view name);
namespace detail {
RETORT_API void check_column_type(const Column& c, Family f);
}
template <class T>
Expr<T> column(const Table& t, std::string_view name) {
    const Column& c = t.c(name);
    if constexpr (!std::is_same_v<T, Any>) detail::check_column_type(c, detail::family_of<detail::unopt_t<T>>());
    return Expr<T>(c.ptr());
}

// ---- functions, CASE, CAST

namespace func {
// Any SQL function: func::call<int>("length", name). The name is written into the SQL as it is, so it must be
// identifier[.identifier] (sql::check_function_name; ArgumentError otherwise); the arguments are bound.
template <class R, class... A>
Expr<R> call(std::string name, const A&... args) {
    sql::check_function_name(name);
    std::vector<sql::NodePtr> nodes{detail::operand(args, SqlType{})...};
    return Expr<R>(std::make_shared<sql::FuncNode>(std::move(name), std::move(nodes), detail::bind_type<R>()));
}
RETORT_API Expr<std::int64_t> count();  // count(*)
template <class T>
Expr<std::int64_t> count(const Expr<T>& e) { return call<std::int64_t>("count", e); }
template <class T>
Expr<T> max(const Expr<T>& e) { return call<T>("max", e); }
template <class T>
Expr<T> min(const Expr<T>& e) { return call<T>("min", e); }
template <class T>
Expr<T> sum(const Expr<T>& e) { return call<T>("sum", e); }
template <class T>
Expr<double> avg(const Expr<T>& e) { return call<double>("avg", e); }
template <class T, class... A>
Expr<T> coalesce(const Expr<T>& e, const A&... rest) { return call<T>("coalesce", e, rest...); }
template <class T>
Expr<std::string> lower(const Expr<T>& e) { return call<std::string>("lower", e); }
template <class T>
Expr<std::string> upper(const Expr<T>& e) { return call<std::string>("upper", e); }
template <class T>
Expr<std::int64_t> length(const Expr<T>& e) { return call<std::int64_t>("length", e); }
RETORT_API Expr<DateTime> now();
// Window function: func::over(func::call<std::int64_t>("row_number"), {partition...}, {order...}).
template <class T>
Expr<T> over(const Expr<T>& f, std::vector<sql::NodePtr> partition_by = {}, std::vector<sql::NodePtr> order_by = {}) {
    auto n = std::make_shared<sql::FuncNode>(static_cast<const sql::FuncNode&>(*f.node()));
    n->over = true;
    n->partition_by = std::move(partition_by);
    n->over_order_by = std::move(order_by);
    return Expr<T>(std::move(n));
}
}  // namespace func

template <class T>
struct When {
    Expr<bool> cond;
    Expr<T> then;
};

// CASE WHEN c1 THEN v1 ... ELSE e END
template <class T>
Expr<T> case_(std::vector<std::pair<Expr<bool>, Expr<T>>> whens, std::optional<Expr<T>> else_ = std::nullopt) {
    SqlType t = whens.empty() ? SqlType{} : whens.front().second.type();
    auto n = std::make_shared<sql::CaseNode>(t);
    for (auto& [c, v] : whens) n->whens.emplace_back(c.node(), v.node());
    if (else_) n->else_ = else_->node();
    return Expr<T>(std::move(n));
}

template <class U, class T>
Expr<U> cast(const Expr<T>& e, SqlType t = detail::bind_type<U>()) {
    return Expr<U>(std::make_shared<sql::CastNode>(e.node(), std::move(t)));
}

// The row proposed for insertion in ON CONFLICT DO UPDATE (excluded.col).
template <class T>
Expr<T> excluded(const Expr<T>& col) {
    const auto& c = static_cast<const Column&>(*col.node());
    auto n = std::make_shared<sql::DerivedColumnNode>(nullptr, c.name(), c.type);
    n->excluded = true;
    return Expr<T>(std::move(n));
}
RETORT_API Expr<Any> excluded(const Table& t, std::string_view column);

// ---- FROM elements: tables, aliases, subqueries, CTEs, joins

// A FROM element to select from or join to.
class RETORT_API FromClause {
public:
    FromClause(const Table& t) : node_(t.ptr()) {}  // NOLINT: tables are FROM clauses
    explicit FromClause(sql::NodePtr n) : node_(std::move(n)) {}
    [[nodiscard]] const sql::NodePtr& node() const noexcept { return node_; }
    // A column of this FROM element by name (aliases, subqueries and CTEs expose their columns so).
    template <class T = Any>
    [[nodiscard]] Expr<T> c(std::string_view name) const {
        return Expr<T>(column_node(name));
    }
    [[nodiscard]] sql::NodePtr column_node(std::string_view name) const;

protected:
    sql::NodePtr node_;
};

// table AS name
RETORT_API FromClause alias(const Table& t, std::string name);
// A column of an aliased table, typed like the original column.
template <class T>
Expr<T> aliased(const FromClause& a, const Expr<T>& col) {
    return Expr<T>(a.column_node(static_cast<const Column&>(*col.node()).name()));
}
// JOIN: the ON clause is inferred from foreign keys when not given.
RETORT_API FromClause join(const FromClause& left, const FromClause& right, std::optional<Expr<bool>> on = std::nullopt,
                           bool isouter = false, bool full = false);
RETORT_API FromClause outerjoin(const FromClause& left, const FromClause& right,
                                std::optional<Expr<bool>> on = std::nullopt);

// ---- statements

class Compound;
class TableDef;
namespace detail {
// The node of a FROM element given as a Table, a TableDef or a FromClause.
template <class F>
sql::NodePtr from_node(const F& f) {
    if constexpr (std::is_base_of_v<TableDef, F>) return f.table().ptr();
    else if constexpr (std::is_base_of_v<Table, F>) return f.ptr();
    else return f.node();
}
}  // namespace detail

class RETORT_API Select : public Executable {
public:
    Select();
    explicit Select(std::vector<sql::NodePtr> columns);

    [[nodiscard]] Select where(const Expr<bool>& criterion) const;
    [[nodiscard]] Select filter(const Expr<bool>& criterion) const { return where(criterion); }
    [[nodiscard]] Select join(const FromClause& target, std::optional<Expr<bool>> on = std::nullopt,
                              bool isouter = false, bool full = false) const;
    [[nodiscard]] Select outerjoin(const FromClause& target, std::optional<Expr<bool>> on = std::nullopt) const {
        return join(target, std::move(on), true);
    }
    [[nodiscard]] Select select_from(const FromClause& f) const;
    template <class... E>
    [[nodiscard]] Select group_by(const E&... e) const { return group_by_nodes({e.node()...}); }
    [[nodiscard]] Select having(const Expr<bool>& criterion) const;
    template <class... E>
    [[nodiscard]] Select order_by(const E&... e) const { return order_by_nodes({&e.node()...}); }
    [[nodiscard]] Select limit(std::int64_t n) const;
    [[nodiscard]] Select offset(std::int64_t n) const;
    [[nodiscard]] Select distinct(bool on = true) const;
    template <class... E>
    [[nodiscard]] Select distinct_on(const E&... e) const { return distinct_on_nodes({e.node()...}); }
    [[nodiscard]] Select with_for_update() const;
    template <class... E>
    [[nodiscard]] Select add_columns(const E&... e) const { return add_column_nodes({e.node()...}); }

    // Correlation of this SELECT when it is nested in another statement (SQLAlchemy's rules). Without either
    // call, a subquery leaves out the FROM elements of the statement directly around it when it has others
    // left. correlate(a, b) leaves out exactly those (at any enclosing level) and nothing else; correlate()
    // with nothing correlates nothing. correlate_except(a) leaves out every enclosing FROM element but a;
    // correlate_except() with nothing leaves them all out.
    template <class... F>
    [[nodiscard]] Select correlate(const F&... froms) const { return correlate_nodes({detail::from_node(froms)...}); }
    template <class... F>
    [[nodiscard]] Select correlate_except(const F&... froms) const {
        return correlate_except_nodes({detail::from_node(froms)...});
    }

    // As a FROM element: SELECT ... FROM (this) AS name
    [[nodiscard]] FromClause subquery(std::string name) const;
    // WITH name AS (this)
    [[nodiscard]] FromClause cte(std::string name, bool recursive = false) const;
    // (SELECT ...) as a value
    template <class T>
    [[nodiscard]] Expr<T> scalar_subquery() const { return Expr<T>(scalar_node()); }
    [[nodiscard]] Expr<bool> exists() const;

    [[nodiscard]] Compound union_(const Select& other) const;
    [[nodiscard]] Compound union_all(const Select& other) const;
    [[nodiscard]] Compound intersect(const Select& other) const;
    [[nodiscard]] Compound except_(const Select& other) const;

    [[nodiscard]] const sql::SelectNode& data() const { return static_cast<const sql::SelectNode&>(*node_); }
    Select group_by_nodes(std::vector<sql::NodePtr> n) const;
    Select order_by_nodes(std::initializer_list<const sql::NodePtr*> n) const;
    Select distinct_on_nodes(std::vector<sql::NodePtr> n) const;
    Select add_column_nodes(std::vector<sql::NodePtr> n) const;
    Select correlate_nodes(std::vector<sql::NodePtr> n) const;
    Select correlate_except_nodes(std::vector<sql::NodePtr> n) const;
    sql::NodePtr scalar_node() const;

private:
    std::shared_ptr<sql::SelectNode> copy() const;
};

class RETORT_API Compound : public Executable {
public:
    Compound(sql::CompoundOp op, std::vector<sql::NodePtr> selects);
    template <class... E>
    [[nodiscard]] Compound order_by(const E&... e) const { return order_by_nodes({&e.node()...}); }
    [[nodiscard]] Compound limit(std::int64_t n) const;
    [[nodiscard]] Compound offset(std::int64_t n) const;
    [[nodiscard]] FromClause subquery(std::string name) const;
    [[nodiscard]] FromClause cte(std::string name, bool recursive = false) const;
    Compound order_by_nodes(std::initializer_list<const sql::NodePtr*> n) const;

private:
    std::shared_ptr<sql::CompoundNode> copy() const;
};

namespace detail {
RETORT_API void add_select_item(std::vector<sql::NodePtr>& cols, const FromClause& f);
}  // namespace detail
class TableDef;
namespace detail {
template <class E>
void add_select_item(std::vector<sql::NodePtr>& cols, const E& e) {
    if constexpr (std::is_base_of_v<Table, E>) add_select_item(cols, FromClause(e));
    else if constexpr (std::is_base_of_v<TableDef, E>) add_select_item(cols, FromClause(e.table()));
    else if constexpr (std::is_same_v<E, FromClause>) add_select_item(cols, e);
    else cols.push_back(e.node());
}
}  // namespace detail

// SELECT of columns, expressions or whole tables: select(users.id, users.name), select(users_table).
template <class... E>
Select select(const E&... cols) {
    std::vector<sql::NodePtr> nodes;
    (detail::add_select_item(nodes, cols), ...);
    return Select(std::move(nodes));
}

class RETORT_API Insert : public Executable {
public:
    explicit Insert(const Table& t);
    // Column values by name: .values({{"name", "Joe"}, {"city", "Seattle"}}).
    [[nodiscard]] Insert values(const Params& values) const;
    // Several rows in one statement (each row names the same columns in the same order).
    [[nodiscard]] Insert multi_values(const std::vector<Params>& rows) const;
    // A typed column value or expression.
    template <class T, class U>
    [[nodiscard]] Insert value(const Expr<T>& col, const U& v) const {
        static_assert(detail::comparable_v<T, U>, "retort: the value's type does not fit the column");
        return value_node(col, detail::operand(v, col.type()));
    }
    template <class... E>
    [[nodiscard]] Insert returning(const E&... e) const { return returning_nodes({e.node()...}); }
    // INSERT INTO t (columns) SELECT ...; with include_defaults, the other columns that have a client-side default
    // get it through the SELECT too (one value for every row, as in SQLAlchemy).
    [[nodiscard]] Insert from_select(const std::vector<std::string>& columns, const Select& s,
                                     bool include_defaults = true) const;
    // ON CONFLICT (target) DO NOTHING
    [[nodiscard]] Insert on_conflict_do_nothing(std::vector<std::string> target = {}) const;
    // ON CONFLICT (target) DO UPDATE SET ... [WHERE ...]; values may use excluded(col).
    [[nodiscard]] Insert on_conflict_do_update(std::vector<std::string> target,
                                               std::vector<std::pair<std::string, Expr<Any>>> set,
                                               std::optional<Expr<bool>> where = std::nullopt) const;
    Insert value_node(const Expr<Any>& col, sql::NodePtr v) const;
    template <class T>
    Insert value_node(const Expr<T>& col, sql::NodePtr v) const { return value_node(Expr<Any>(col.node()), std::move(v)); }
    Insert returning_nodes(std::vector<sql::NodePtr> n) const;
    [[nodiscard]] const sql::InsertNode& data() const { return static_cast<const sql::InsertNode&>(*node_); }

private:
    std::shared_ptr<sql::InsertNode> copy() const;
};

class RETORT_API Update : public Executable {
public:
    explicit Update(const Table& t);
    [[nodiscard]] Update values(const Params& values) const;
    template <class T, class U>
    [[nodiscard]] Update value(const Expr<T>& col, const U& v) const {
        static_assert(detail::comparable_v<T, U>, "retort: the value's type does not fit the column");
        return value_node(Expr<Any>(col.node()), detail::operand(v, col.type()));
    }
    [[nodiscard]] Update where(const Expr<bool>& criterion) const;
    template <class... E>
    [[nodiscard]] Update returning(const E&... e) const { return returning_nodes({e.node()...}); }
    Update value_node(const Expr<Any>& col, sql::NodePtr v) const;
    Update returning_nodes(std::vector<sql::NodePtr> n) const;

private:
    std::shared_ptr<sql::UpdateNode> copy() const;
};

class RETORT_API Delete : public Executable {
public:
    explicit Delete(const Table& t);
    [[nodiscard]] Delete where(const Expr<bool>& criterion) const;
    template <class... E>
    [[nodiscard]] Delete returning(const E&... e) const { return returning_nodes({e.node()...}); }
    Delete returning_nodes(std::vector<sql::NodePtr> n) const;

private:
    std::shared_ptr<sql::DeleteNode> copy() const;
};

inline Insert insert(const Table& t) { return Insert(t); }
inline Update update(const Table& t) { return Update(t); }
inline Delete delete_(const Table& t) { return Delete(t); }

// Raw SQL with ":name" parameters: text("SELECT * FROM users WHERE id = :id"). The text is sent as written, so
// never build it from input; values go in its parameters. A ":name" inside a string literal ('...', E'...',
// $tag$...$tag$), a quoted identifier or a comment is text, not a parameter; "::" is PostgreSQL's cast and
// "\:" a literal colon.
class RETORT_API TextClause : public Executable {
public:
    explicit TextClause(std::string sql);
    // Default values for the named parameters (execute() parameters override them).
    [[nodiscard]] TextClause bindparams(const Params& values) const;
    // The text as a typed expression (inside a larger statement).
    template <class T = Any>
    [[nodiscard]] Expr<T> as_expr() const { return Expr<T>(node_); }
};
inline TextClause text(std::string sql) { return TextClause(std::move(sql)); }

template <class T>
Expr<bool> Expr<T>::in_(const Select& sub) const {
    return Expr<bool>(detail::binary(sql::BinaryOp::In, node_, sub.node(), types::Boolean()));
}

// ---- typed table definitions

// A column of a typed table definition: an expression that is also the column.
template <class T>
class Col : public Expr<T> {
public:
    Col() = default;
    explicit Col(std::shared_ptr<const Column> c) : Expr<T>(std::move(c)) {}
    [[nodiscard]] const Column& column() const { return static_cast<const Column&>(*this->node()); }
    [[nodiscard]] const std::string& name() const { return column().name(); }
};

// Base of typed table definitions:
//   struct Users : retort::TableDef {
//       using TableDef::TableDef;
//       Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
//       Col<std::string> name = col<std::string>("name", {.type = types::String(50)});
//       Col<std::optional<std::string>> email = col<std::optional<std::string>>("email");
//   };
//   Users users(metadata, "users");
// A std::optional<T> member makes a nullable column, a plain T a NOT NULL one (unless options say).
class RETORT_API TableDef {
public:
    TableDef(MetaData& md, std::string name, std::optional<std::string> schema = std::nullopt)
        : table_(&md.new_table(std::move(name), std::move(schema))) {}
    TableDef(const TableDef&) = delete;
    TableDef& operator=(const TableDef&) = delete;
    [[nodiscard]] Table& table() const noexcept { return *table_; }
    operator const Table&() const noexcept { return *table_; }  // NOLINT: a definition is its table
    operator FromClause() const { return FromClause(*table_); }  // NOLINT

protected:
    template <class T>
    Col<T> col(std::string name, ColumnOptions opts = {}) {
        if constexpr (!has_sql_type<detail::unopt_t<T>>) {
            static_assert(detail::always_false<T>,
                          "retort: Col<T> needs a C++ type Retort can store: one of its value types (bool, short, "
                          "int, long, long long, float, double, std::string, Date, Time, DateTime, Interval, Uuid, "
                          "Numeric, Json, Bytes, or std::optional of one), or one with a retort::type_adapter<T>");
            return Col<T>();
        } else {
            return Col<T>(
                add_column(std::move(name), &sql_type_of<detail::unopt_t<T>>::get, detail::is_optional<T>::value, opts)
                    .ptr());
        }
    }
    void constraint(TableItem item);

private:
    // The column: of the options' type when given, else the inferred one; nullable when the C++ type is optional
    // and the options do not say otherwise.
    Column& add_column(std::string&& name, SqlType (*inferred)(), bool optional, ColumnOptions& opts);
    Table* table_;
};

}  // namespace retort
