// MySQL's SQL where it differs from the common form: NULL-safe comparison with <=>, OFFSET only after a LIMIT,
// CAST's own type names, upserts as ON DUPLICATE KEY UPDATE; and its DDL: AUTO_INCREMENT keys, expression
// defaults in parentheses, InnoDB utf8mb4 tables, DROP INDEX ... ON table.
#include <cctype>
#include <string>
#include <string_view>

#include "detail/text.hpp"
#include "dialects/mysql/mysql_dialect.hpp"
#include "retort/error.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/compiler.hpp"
#include "retort/sql/elements.hpp"

namespace retort::mysql {

namespace {

using namespace retort::sql;

class MySQLCompiler final : public SQLCompiler {
public:
    using SQLCompiler::SQLCompiler;

protected:
    void render_limit_offset(const NodePtr& limit, const NodePtr& offset) override {
        if (limit) {
            out_ += " LIMIT ";
            visit_expr(limit, 100);
        }
        if (offset) {
            if (!limit) out_ += " LIMIT 18446744073709551615";  // MySQL's way to say "no limit"
            out_ += " OFFSET ";
            visit_expr(offset, 100);
        }
    }

    void render_is_distinct(const BinaryNode& b) override {
        // a <=> b is true when both are NULL or equal: IS NOT DISTINCT FROM.
        const bool distinct = b.op == BinaryOp::IsDistinctFrom;
        out_ += distinct ? "NOT (" : "(";
        visit_expr(b.left, 6);  // tighter than comparison
        out_ += " <=> ";
        visit_expr(b.right, 6);
        out_ += ')';
    }

    void render_cast(const NodePtr& expr, const SqlType& type) override {
        out_ += "CAST(";
        visit_expr(expr, 0);
        out_ += " AS ";
        out_ += cast_type(type);
        out_ += ')';
    }

    void render_excluded(const std::string& column) override {
        out_ += "VALUES(";
        out_ += dialect_.quote_identifier(column);
        out_ += ')';
    }

    void render_on_conflict(const InsertNode& ins) override {
        const OnConflict& oc = *ins.on_conflict;
        if (!oc.constraint.empty() || !oc.target_where.empty() || !oc.where.empty())
            throw CompileError("MySQL's ON DUPLICATE KEY UPDATE has no conflict constraint name, target WHERE or "
                               "update WHERE");
        // Any unique key's conflict takes the update (MySQL names no target).
        out_ += " ON DUPLICATE KEY UPDATE ";
        if (oc.do_nothing) {
            // Nothing changes: a column set to itself (the first key column, else the first column).
            const Table& t = *ins.table;
            auto pk = t.primary_key();
            const std::string& name = !pk.empty() ? pk[0]->name() : t.columns().front()->name();
            out_ += dialect_.quote_identifier(name) + " = " + dialect_.quote_identifier(name);
            return;
        }
        for (std::size_t i = 0; i < oc.set.size(); ++i) {
            if (i) out_ += ", ";
            out_ += dialect_.quote_identifier(oc.set[i].column->name());
            out_ += " = ";
            visit_value_of(*oc.set[i].column, oc.set[i].value);
        }
    }

private:
    // The types CAST takes: CHAR, SIGNED, DECIMAL, DOUBLE, DATE, TIME, DATETIME, BINARY, JSON.
    std::string cast_type(const SqlType& t) const {
        switch (t.kind) {
            case TypeKind::Integer:
            case TypeKind::BigInteger:
            case TypeKind::SmallInteger:
            case TypeKind::Boolean: return "SIGNED";
            case TypeKind::String: return t.length > 0 ? "CHAR(" + std::to_string(t.length) + ")" : "CHAR";
            case TypeKind::Text:
            case TypeKind::Enum:
            case TypeKind::Interval:
            case TypeKind::Uuid: return "CHAR";
            case TypeKind::Float:
            case TypeKind::Double: return "DOUBLE";
            case TypeKind::Numeric:
                if (t.precision <= 0) return "DECIMAL(65, 30)";
                return "DECIMAL(" + std::to_string(t.precision) + ", " + std::to_string(std::max(t.scale, 0)) + ")";
            case TypeKind::Date: return "DATE";
            case TypeKind::Time: return "TIME(6)";
            case TypeKind::DateTime: return "DATETIME(6)";
            case TypeKind::LargeBinary: return "BINARY";
            case TypeKind::Json:
            case TypeKind::Jsonb: return "JSON";
            case TypeKind::Null: break;
        }
        return dialect_.type_ddl(t);
    }
};

// Server defaults MySQL takes bare; anything else (a function call, an expression) goes in parentheses.
bool is_plain_literal(std::string_view s) {
    const std::string up = retort::detail::to_upper(s);
    return up == "NULL" || up == "TRUE" || up == "FALSE" || up.starts_with("CURRENT_TIMESTAMP") || up == "NOW()" ||
           retort::detail::is_string_or_number_literal(s);
}

class MySQLDDLCompiler final : public DDLCompiler {
public:
    using DDLCompiler::DDLCompiler;

    [[nodiscard]] std::string create_table(const Table& t, bool if_not_exists,
                                           std::span<const std::size_t> leave_out_fks) const override {
        check_foreign_key_types(t);
        return DDLCompiler::create_table(t, if_not_exists, leave_out_fks) + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    }

    [[nodiscard]] std::string drop_index(const Table& t, const Index& ix, bool if_exists) const override {
        return std::string("DROP INDEX ") + (if_exists ? "IF EXISTS " : "") +
               dialect_.quote_identifier(index_name(t, ix)) + " ON " + table_name(t);
    }

private:
    static bool is_integer(TypeKind k) {
        return k == TypeKind::Integer || k == TypeKind::BigInteger || k == TypeKind::SmallInteger;
    }
    // InnoDB refuses a foreign key between integers of different sizes with an opaque "incorrectly formed"
    // (errno 150); where both tables are known, the mismatch is named before anything is sent.
    static void check_foreign_key_types(const Table& t) {
        const MetaData* md = t.metadata();
        if (!md) return;
        for (const auto& fk : t.foreign_keys()) {
            const Table* ref = md->find_table(fk.referred_table);
            if (!ref && t.schema() && fk.referred_table.find('.') == std::string::npos)
                ref = md->find_table(*t.schema() + "." + fk.referred_table);
            if (!ref) continue;
            for (std::size_t i = 0; i < fk.columns.size() && i < fk.referred_columns.size(); ++i) {
                const Column* from = t.find_column(fk.columns[i]);
                const Column* to = ref->find_column(fk.referred_columns[i]);
                if (!from || !to || !is_integer(from->type.kind) || !is_integer(to->type.kind)) continue;
                if (from->type.kind == to->type.kind) continue;
                auto name = [](TypeKind k) {
                    return k == TypeKind::BigInteger ? "BIGINT" : k == TypeKind::SmallInteger ? "SMALLINT" : "INTEGER";
                };
                throw CompileError("foreign key " + t.name() + "." + from->name() + " (" + name(from->type.kind) +
                                   ") refers to " + ref->name() + "." + to->name() + " (" + name(to->type.kind) +
                                   "): MySQL needs both of the same integer type; declare them alike");
            }
        }
    }

protected:
    [[nodiscard]] std::string autoincrement_type(const Table&, const Column& c) const override {
        const std::string type = c.type.kind == TypeKind::BigInteger     ? "BIGINT"
                                 : c.type.kind == TypeKind::SmallInteger ? "SMALLINT"
                                                                         : "INTEGER";
        return type + " AUTO_INCREMENT";
    }
    [[nodiscard]] std::string server_default_sql(const std::string& sql) const override {
        // gen_random_uuid(), the portable spelling of a server-made UUID key, is MySQL's uuid() in the 32 hex
        // digits a Uuid column holds here (CHAR(32)).
        if (retort::detail::to_lower(retort::detail::remove_space(sql)) == "gen_random_uuid()")
            return "(replace(uuid(),'-',''))";
        return is_plain_literal(sql) ? sql : "(" + sql + ")";
    }
};

}  // namespace

std::unique_ptr<sql::SQLCompiler> MySQLDialect::statement_compiler() const {
    return std::make_unique<MySQLCompiler>(*this);
}

std::unique_ptr<sql::DDLCompiler> MySQLDialect::ddl_compiler() const {
    return std::make_unique<MySQLDDLCompiler>(*this);
}

}  // namespace retort::mysql
