// Ports of Alembic's tests/test_autogen_diffs.py: what autogenerate sees between the models (a MetaData) and
// the database, in which order, and what include_object / include_name leave out. Each comparison runs
// against the run's database; where the operations can run there, they are applied and the comparison is
// made again, which must then find nothing.
//
// Diffs are written as Alembic names them ("add_table item", "modify_type order.amount", "remove_index
// pw_idx"), one per change (an alter_column changing a type and the nullability is two).
#include <algorithm>
#include <retort/migrate/autogenerate.hpp>

#include "conformance/migrate/migrate_kit.hpp"

using namespace retort;
using namespace retort::migrate;
using namespace retort::testkit::mig;
using retort::testkit::test_url;

namespace conf_autogen {

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

V diffs(const Comparison& c) {
    V out;
    for (const auto& step : c.upgrade) {
        if (!step.op) continue;
        const Operation& op = *step.op;
        const std::string tc = op.table + "." + op.column.name;
        switch (op.kind) {
            case OpKind::CreateTable: out.push_back("add_table " + op.table); break;
            case OpKind::DropTable: out.push_back("remove_table " + op.table); break;
            case OpKind::AddColumn: out.push_back("add_column " + tc); break;
            case OpKind::DropColumn: out.push_back("remove_column " + tc); break;
            case OpKind::AlterColumn:
                if (op.type) out.push_back("modify_type " + tc);
                if (op.nullable) out.push_back("modify_nullable " + tc);
                if (op.server_default) out.push_back("modify_default " + tc);
                break;
            case OpKind::CreateIndex: out.push_back("add_index " + op.name); break;
            case OpKind::DropIndex: out.push_back("remove_index " + op.name); break;
            case OpKind::CreateUnique: out.push_back("add_constraint " + op.name); break;
            case OpKind::CreateForeignKey:
                out.push_back("add_fk " + op.table + "(" + joined(op.columns) + ") " + op.referred_table + "(" +
                              joined(op.referred_columns) + ")");
                break;
            case OpKind::DropConstraint:
                out.push_back((op.constraint_type == "foreign_key" ? "remove_fk " : "remove_constraint ") + op.table + " " +
                              op.name);
                break;
            case OpKind::Execute: out.push_back("execute " + op.sql); break;
            default: out.push_back("other " + op.table); break;
        }
    }
    return out;
}

// The operation of the first step of a given kind (for details).
const Operation* find_op(const std::vector<Step>& steps, OpKind kind, const std::string& table, const std::string& column = {}) {
    for (const auto& s : steps)
        if (s.op && s.op->kind == kind && s.op->table == table && (column.empty() || s.op->column.name == column)) return &*s.op;
    return nullptr;
}

class Autogen : public testkit::Conformance {
protected:
    static constexpr const char* version_table = "conf_autogen_version";

    void TearDown() override {
        drop_noted();
        testkit::Conformance::TearDown();
    }
    bool fks() const { return engine.dialect().caps().supports_foreign_keys; }
    bool sqlite() const { return engine.dialect().name() == "sqlite"; }

    // The database side (Alembic's _get_db_schema): created now, dropped after the test.
    void create(const MetaData& m) {
        note(m);
        m.create_all(engine);
    }
    void note(const MetaData& m) {
        for (const auto* t : m.tables()) push_unique(t->name());
    }
    void push_unique(const std::string& n) {
        if (std::find(names_.begin(), names_.end(), n) == names_.end()) names_.push_back(n);
    }
    // Alembic's default object filter in these tests: only the tables a test made (the database may hold
    // other tests' tables), then the test's own include_object.
    CompareOptions with_test_tables(CompareOptions o) {
        o.version_table = version_table;
        auto user = o.include_object;
        auto names = names_;
        o.include_object = [names, user](const SchemaObject& obj, const std::string& name, const std::string& type,
                                         bool reflected, const SchemaObject* compare_to) {
            if (type == "table" && std::find(names.begin(), names.end(), name) == names.end()) return false;
            return !user || user(obj, name, type, reflected, compare_to);
        };
        return o;
    }
    Comparison compare(const MetaData& m2, CompareOptions o = {}) {
        note(m2);
        return compare_metadata(engine, m2, with_test_tables(std::move(o)));
    }
    Comparison compare(const std::vector<const MetaData*>& m2, CompareOptions o = {}) {
        for (const auto* m : m2) note(*m);
        return compare_metadata(engine, m2, with_test_tables(std::move(o)));
    }
    // Runs a comparison's upgrade as a revision on the database.
    void apply(const Comparison& c) {
        push_unique(version_table);
        Revision r = rev("autogen1");
        r.upgrade = c.upgrade;
        r.downgrade = c.downgrade;
        RevisionGraph g({r});
        MigrationOptions o;
        o.version_table = version_table;
        MigrationContext ctx(engine, o);
        ctx.upgrade(g, "head");
    }
    void drop_noted() {
        auto e = create_engine(test_url());
        const bool pg = e.dialect().name() == "postgresql";
        for (int round = 0; round < 3; ++round)
            for (auto it = names_.rbegin(); it != names_.rend(); ++it) {
                try {
                    auto conn = e.connect();
                    conn.exec_driver_sql("DROP TABLE IF EXISTS " + e.dialect().quote_identifier(*it) + (pg ? " CASCADE" : ""));
                    conn.commit();
                } catch (...) {
                }
            }
        if (pg) {  // Aurora DSQL has no enum types: the Enum was text there
            try {
                auto conn = e.connect();
                conn.exec_driver_sql("DROP TYPE IF EXISTS the_enum");
                conn.commit();
            } catch (...) {
            }
        }
    }

    std::vector<std::string> names_;
};

// ---------------------------------------------------------------- Alembic's ModelOne

void model_one_db(MetaData& m) {
    m.table("user", {{"id", types::Integer(), {.primary_key = true}},
                     {"name", types::String(50)},
                     {"a1", types::Text()},
                     {"pw", types::String(50)}},
            {Index{.name = "pw_idx", .columns = {"pw"}}});
    m.table("address", {{"id", types::Integer(), {.primary_key = true}},
                        {"email_address", types::String(100), {.nullable = false}}});
    m.table("order", {{"order_id", types::Integer(), {.primary_key = true}},
                      {"amount", types::Numeric(8, 2), {.nullable = false, .server_default = "0"}}},
            {CheckConstraint{"amount >= 0", "ck_order_amount"}});
    m.table("extra", {{"x", types::String(1)}, {"uid", types::Integer(), {.foreign_key = "user.id"}}});
}

void model_one_models(MetaData& m) {
    m.table("user", {{"id", types::Integer(), {.primary_key = true}},
                     {"name", types::String(50), {.nullable = false}},
                     {"a1", types::Text(), {.server_default = "'x'"}}});
    m.table("address", {{"id", types::Integer(), {.primary_key = true}},
                        {"email_address", types::String(100), {.nullable = false}},
                        {"street", types::String(50)}},
            {UniqueConstraint{{"email_address"}, "uq_email"}});
    m.table("order", {{"order_id", types::Integer(), {.primary_key = true}},
                      {"amount", types::Numeric(10, 2), {.nullable = true, .server_default = "0"}},
                      {"user_id", types::Integer(), {.foreign_key = "user.id"}}},
            {CheckConstraint{"amount > -1", "ck_order_amount"}});
    // Alembic's check uses len(); length() is what these databases call it, so the revision can run.
    m.table("item", {{"id", types::Integer(), {.primary_key = true}},
                     {"description", types::String(100)},
                     {"order_id", types::Integer(), {.foreign_key = "order.order_id"}}},
            {CheckConstraint{"length(description) > 5", std::nullopt}});
}

class AutogenModelOne : public Autogen {
protected:
    void SetUp() override {
        Autogen::SetUp();
        model_one_db(db);
        create(db);
        model_one_models(m2);
    }
    MetaData db, m2;
};

// Alembic lists the changes of one table after another by table name and drops tables right after the
// new ones; Retort takes the tables in foreign-key order (order after user, which it refers to) and drops
// tables last, after the foreign keys that pointed at them (see the README's differences).
// ports: tests/test_autogen_diffs.py::AutogenerateDiffTest::test_diffs
// ports: tests/test_autogen_diffs.py::CompareMetadataTest::test_compare_metadata
TEST_F(AutogenModelOne, Diffs) {
    auto c = compare(m2);
    V expected{"add_table item",          "add_column address.street", "add_constraint uq_email",
               "modify_nullable user.name", "modify_default user.a1",  "remove_index pw_idx",
               "remove_column user.pw",   "add_column order.user_id",  "modify_type order.amount",
               "modify_nullable order.amount"};
    if (fks()) expected.push_back("add_fk order(user_id) user(id)");
    expected.push_back("remove_table extra");
    EXPECT_EQ(diffs(c), expected);

    const Operation* amount = find_op(c.upgrade, OpKind::AlterColumn, "order", "amount");
    ASSERT_NE(amount, nullptr);
    EXPECT_EQ(type_text(*amount->existing_type), "Numeric(8,2)");
    EXPECT_EQ(type_text(*amount->type), "Numeric(10,2)");
    EXPECT_EQ(amount->nullable, true);
    const Operation* name = find_op(c.upgrade, OpKind::AlterColumn, "user", "name");
    ASSERT_NE(name, nullptr);
    EXPECT_EQ(name->nullable, false);
    const Operation* a1 = find_op(c.upgrade, OpKind::AlterColumn, "user", "a1");
    ASSERT_NE(a1, nullptr);
    EXPECT_EQ(a1->server_default, std::optional<std::optional<std::string>>(std::optional<std::string>("'x'")));
    // The removed column comes back with its type on downgrade.
    const Operation* pw = find_op(c.downgrade, OpKind::AddColumn, "user", "pw");
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(pw->column.type.kind, TypeKind::String);

    if (!engine.dialect().caps().supports_alter_column_type) {
        // Aurora DSQL cannot change a column's type: the revision stops before anything of it runs, saying so;
        // without the type change the rest applies and only that difference is left.
        EXPECT_THROW(apply(c), migrate::MigrationError);
        for (auto& s : c.upgrade)
            if (s.op && s.op->kind == OpKind::AlterColumn && s.op->table == "order" && s.op->column.name == "amount")
                s.op->type.reset();
        apply(c);
        EXPECT_EQ(diffs(compare(m2)), V{"modify_type order.amount"});
        return;
    }
    // The operations run as written, and then there is nothing left to do.
    apply(c);
    EXPECT_EQ(diffs(compare(m2)), V{});
}

// ports: tests/test_autogen_diffs.py::AutogenerateDiffTest::test_include_object
TEST_F(AutogenModelOne, IncludeObject) {
    CompareOptions o;
    o.include_object = [&](const SchemaObject& obj, const std::string& name, const std::string& type, bool reflected,
                           const SchemaObject*) {
        EXPECT_EQ(obj.name, name);
        if (type == "table") {
            if (reflected)
                EXPECT_TRUE(obj.table == nullptr && obj.table_spec != nullptr);
            else
                EXPECT_TRUE(obj.table != nullptr && obj.table->metadata() == &m2);
            return name == "address" || name == "order" || name == "user";
        }
        if (type == "column") {
            if (reflected)
                EXPECT_TRUE(obj.column == nullptr && obj.column_spec != nullptr);
            else
                EXPECT_TRUE(obj.column != nullptr && obj.column->table()->metadata() == &m2);
            return name != "street";
        }
        return true;
    };
    std::set<std::string> altered;
    for (const auto& s : compare(m2, o).upgrade) {
        if (!s.op) continue;
        if (s.op->kind == OpKind::AlterColumn) altered.insert(s.op->table);
        if (s.op->kind == OpKind::AddColumn) altered.insert(s.op->column.name);
        if (s.op->kind == OpKind::CreateTable) altered.insert(s.op->table);
    }
    EXPECT_EQ(altered, (std::set<std::string>{"user_id", "order", "user"}));
}

using NameSeen = std::tuple<std::string, std::string, std::string>;  // name, type, table ("" for none)

// Records include_name's calls (for the test's own tables: the database may hold others).
IncludeName recording(std::set<NameSeen>& seen, const V& test_tables, std::function<bool(const std::string&, const std::string&)> keep) {
    return [&seen, test_tables, keep](const std::optional<std::string>& name, const std::string& type, const NameParents& p) {
        const std::string n = name.value_or("<none>");
        if (type != "table" || std::find(test_tables.begin(), test_tables.end(), n) != test_tables.end())
            seen.insert({n, type, p.table_name.value_or("")});
        if (type == "table") {
            EXPECT_FALSE(p.schema_name.has_value());
            EXPECT_EQ(p.schema_qualified_table_name, name);
            EXPECT_FALSE(p.table_name.has_value());
        }
        return keep(n, type);
    };
}

// Retort does not compare CHECK constraints, so include_name never sees ck_order_amount (Alembic lists it).
// ports: tests/test_autogen_diffs.py::AutogenerateDiffTest::test_include_name
TEST_F(AutogenModelOne, IncludeName) {
    std::set<NameSeen> seen;
    CompareOptions o;
    o.include_name = recording(seen, {"user", "address", "order", "extra", "item"}, [](const std::string& n, const std::string& type) {
        if (type == "table") return n == "address" || n == "order" || n == "user";
        if (type == "column") return n != "street";
        return true;
    });
    auto c = compare(m2, o);
    EXPECT_EQ(seen, (std::set<NameSeen>{{"<none>", "schema", ""},
                                        {"user", "table", ""},
                                        {"id", "column", "user"},
                                        {"name", "column", "user"},
                                        {"a1", "column", "user"},
                                        {"pw", "column", "user"},
                                        {"pw_idx", "index", "user"},
                                        {"order", "table", ""},
                                        {"order_id", "column", "order"},
                                        {"amount", "column", "order"},
                                        {"address", "table", ""},
                                        {"id", "column", "address"},
                                        {"email_address", "column", "address"},
                                        {"extra", "table", ""}}));
    std::set<std::string> altered;
    for (const auto& s : c.upgrade) {
        if (!s.op) continue;
        if (s.op->kind == OpKind::AlterColumn) altered.insert(s.op->table);
        if (s.op->kind == OpKind::AddColumn) altered.insert(s.op->column.name);
        if (s.op->kind == OpKind::CreateTable) altered.insert(s.op->table);
    }
    EXPECT_EQ(altered, (std::set<std::string>{"user_id", "order", "user", "street", "item"}));
}

// ports: tests/test_autogen_diffs.py::CompareMetadataTest::test_compare_metadata_include_object
TEST_F(AutogenModelOne, CompareMetadataIncludeObject) {
    CompareOptions o;
    o.include_object = [](const SchemaObject&, const std::string& name, const std::string& type, bool, const SchemaObject*) {
        if (type == "table") return name == "extra" || name == "order";
        if (type == "column") return name != "amount";
        return true;
    };
    V expected{"add_column order.user_id"};
    if (fks()) expected.push_back("add_fk order(user_id) user(id)");
    expected.push_back("remove_table extra");  // Alembic lists it first
    EXPECT_EQ(diffs(compare(m2, o)), expected);
}

// ports: tests/test_autogen_diffs.py::CompareMetadataTest::test_compare_metadata_include_name
TEST_F(AutogenModelOne, CompareMetadataIncludeName) {
    std::set<NameSeen> seen;
    CompareOptions o;
    o.include_name = recording(seen, {"user", "address", "order", "extra", "item"}, [](const std::string& n, const std::string& type) {
        if (type == "table") return n == "extra" || n == "order";
        if (type == "column") return n != "amount";
        return true;
    });
    auto c = compare(m2, o);
    EXPECT_EQ(seen, (std::set<NameSeen>{{"user", "table", ""},
                                        {"order", "table", ""},
                                        {"address", "table", ""},
                                        {"<none>", "schema", ""},
                                        {"amount", "column", "order"},
                                        {"extra", "table", ""},
                                        {"order_id", "column", "order"}}));
    // Tables and columns left out by name are not seen in the database, so the models' show as new.
    auto got = diffs(c);
    std::set<std::string> expected{"remove_table extra", "add_column order.amount", "add_table user", "add_table item",
                                   "add_column order.user_id", "add_table address"};
    if (fks()) expected.insert("add_fk order(user_id) user(id)");
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), expected);
}

// ports: tests/test_autogen_diffs.py::AutogenerateDiffTest::test_dont_barf_on_already_reflected
TEST_F(AutogenModelOne, DroppedTablesAfterWhatReferredToThem) {
    MetaData kept;
    kept.table("address", {{"id", types::Integer(), {.primary_key = true}},
                           {"email_address", types::String(100), {.nullable = false}}});
    kept.table("order", {{"order_id", types::Integer(), {.primary_key = true}},
                         {"amount", types::Numeric(8, 2), {.nullable = false, .server_default = "0"}}},
               {CheckConstraint{"amount >= 0", "ck_order_amount"}});
    auto c = compare(kept);
    EXPECT_EQ(diffs(c), (V{"remove_table extra", "remove_index pw_idx", "remove_table user"}));
    apply(c);
    EXPECT_EQ(diffs(compare(kept)), V{});
}

// ports: tests/test_autogen_diffs.py::AutogenerateDiffTest::test_add_execute_sql_op
TEST_F(AutogenModelOne, AddExecuteSqlOp) {
    auto c = compare(m2);
    Operation exec;
    exec.kind = OpKind::Execute;
    exec.sql = "STATEMENT";
    c.upgrade.push_back(Step{exec, {}});
    EXPECT_EQ(diffs(c).back(), "execute STATEMENT");
    // and it survives the revision file
    Revision r = rev("withexec");
    r.upgrade = c.upgrade;
    auto parsed = parse_revision(render_revision(r));
    EXPECT_EQ(diffs(Comparison{parsed.upgrade, {}, {}}).back(), "execute STATEMENT");
}

// ---------------------------------------------------------------- types and server defaults

// (The model side of this, a column of no type, cannot be declared in Retort: every column has a type.)
// ports: tests/test_autogen_diffs.py::AutogenerateDiffTest::test_skip_null_type_comparison_reflected
TEST_F(Autogen, SkipNullTypeComparison) {
    if (!sqlite()) GTEST_SKIP() << "only SQLite has columns without a declared type";
    MetaData m1;
    m1.table("sometable", {{"id", types::Integer(), {.primary_key = true}}, {"somecol", types::Integer()}});
    note(m1);
    {
        auto conn = engine.connect();
        conn.exec_driver_sql("CREATE TABLE sometable (id INTEGER PRIMARY KEY, somecol)");
        conn.commit();
    }
    EXPECT_EQ(diffs(compare(m1)), V{});
}

class AutogenDefaults : public Autogen {
protected:
    // A table t1 with column x of type and default, compared with the models' default.
    V changes(const SqlType& type, const std::string& db_default, const std::optional<std::string>& model_default) {
        MetaData m1, m2;
        m1.table("t1", {{"x", type, {.server_default = db_default}}});
        m2.table("t1", {{"x", type, {.server_default = model_default}}});
        create(m1);
        auto c = compare(m2);
        m1.drop_all(engine);
        return diffs(c);
    }
};

// ports: tests/test_autogen_diffs.py::CompareServerDefaultTest::test_server_default_yes_positives
TEST_F(AutogenDefaults, YesPositives) {
    const V one{"modify_default t1.x"};
    EXPECT_EQ(changes(types::String(30), "'some default'", "'some new default'"), one);
    EXPECT_EQ(changes(types::String(30), "'//slash'", "'s//l//ash'"), one);
    EXPECT_EQ(changes(types::Integer(), "15", "20"), one);
}

// ports: tests/test_autogen_diffs.py::CompareServerDefaultTest::test_server_default_no_false_positives
TEST_F(AutogenDefaults, NoFalsePositives) {
    for (const char* d : {"'some default'", "'//slash'", "'has '' quote'"}) EXPECT_EQ(changes(types::String(30), d, d), V{}) << d;
    EXPECT_EQ(changes(types::Integer(), "15", "15"), V{});
    EXPECT_EQ(changes(types::DateTime(), "(now())", "(now())"), V{});
    if (sqlite()) return;
    for (const char* d : {"substring('name',1,3)", "substring('name', 1, 3)"})
        EXPECT_EQ(changes(types::String(30), d, d), V{}) << d;
}

// ports: tests/test_autogen_diffs.py::CompareMetadataToInspectorTest::test_introspected_columns_match_metadata_columns
TEST_F(Autogen, IntrospectedColumnsMatchMetadataColumns) {
    std::vector<SqlType> all{types::Integer(),    types::String(1),   types::String(32),   types::Text(),
                             types::Float(),      types::Numeric(),   types::Numeric(10, 2), types::DateTime(),
                             types::Boolean(),    types::BigInteger(), types::SmallInteger(), types::Date(),
                             types::LargeBinary(), types::Double(),   types::Time(),        types::Uuid(),
                             types::Json(),       types::Enum("the_enum", {"one", "two", "three"})};
    if (!sqlite()) {
        all.push_back(types::DateTime(true));
        all.push_back(types::Jsonb());
        all.push_back(types::Interval());
    }
    for (const auto& type : all) {
        MetaData m;
        m.table("sometable", {{"col", type}});
        create(m);
        EXPECT_EQ(diffs(compare(m)), V{}) << type_text(type);
        m.drop_all(engine);
    }
}

class AutogenTypes : public Autogen {
protected:
    bool changed(const SqlType& a, const SqlType& b) {
        MetaData m1, m2;
        m1.table("sometable", {{"col", a}});
        m2.table("sometable", {{"col", b}});
        create(m1);
        bool out = !compare(m2).empty();
        m1.drop_all(engine);
        return out;
    }
};

// ports: tests/test_autogen_diffs.py::CompareMetadataToInspectorTest::test_string_comparisons
TEST_F(AutogenTypes, StringComparisons) {
    EXPECT_FALSE(changed(types::String(32), types::String(32)));
    EXPECT_TRUE(changed(types::Text(), types::String(255)));
    EXPECT_TRUE(changed(types::String(6), types::String(12)));
    EXPECT_TRUE(changed(types::Integer(), types::String(10)));
    EXPECT_TRUE(changed(types::String(10), types::Integer()));
}

// ports: tests/test_autogen_diffs.py::CompareMetadataToInspectorTest::test_datetime_comparisons
TEST_F(AutogenTypes, DatetimeComparisons) {
    EXPECT_FALSE(changed(types::DateTime(), types::DateTime(false)));
    if (sqlite()) GTEST_SKIP() << "SQLite has no time zone in its date-time types";
    if (testkit::is_mysql()) GTEST_SKIP() << "MySQL's DATETIME has no time zone: both are DATETIME(6)";
    EXPECT_TRUE(changed(types::DateTime(), types::DateTime(true)));
    EXPECT_TRUE(changed(types::DateTime(true), types::DateTime(false)));
}

// ports: tests/test_autogen_diffs.py::CompareMetadataToInspectorTest::test_numeric_comparisons
TEST_F(AutogenTypes, NumericComparisons) {
    EXPECT_FALSE(changed(types::Integer(), types::Integer()));
    EXPECT_TRUE(changed(types::Integer(), types::Numeric(8, 0)));
    EXPECT_TRUE(changed(types::Numeric(8, 0), types::Numeric(8, 2)));
    EXPECT_TRUE(changed(types::BigInteger(), types::Integer()));
    EXPECT_TRUE(changed(types::SmallInteger(), types::Integer()));
}

// ---------------------------------------------------------------- keys, version table, order

// ports: tests/test_autogen_diffs.py::PKConstraintUpgradesIgnoresNullableTest::test_no_change
TEST_F(Autogen, PrimaryKeyIgnoresNullable) {
    MetaData m;
    m.table("person_to_role",
            {{"person_id", types::Integer(), {.autoincrement = false}}, {"role_id", types::Integer(), {.autoincrement = false}}},
            {PrimaryKeyConstraint{{"person_id", "role_id"}, std::nullopt}});
    create(m);
    EXPECT_EQ(diffs(compare(m)), V{});
}

class AutogenVersionTable : public Autogen {
protected:
    void check(const std::string& name) {
        MetaData db;
        db.table(name, {{"x", types::Integer()}});
        create(db);
        CompareOptions o;
        MetaData empty;
        note(empty);
        auto opts = with_test_tables(o);
        opts.version_table = name;
        EXPECT_EQ(diffs(compare_metadata(engine, empty, opts)), V{});  // not dropped
        MetaData declared;  // declared in the models: not created nor altered either
        declared.table(name, {{"x", types::Integer()}, {"y", types::Integer()}});
        EXPECT_EQ(diffs(compare_metadata(engine, declared, opts)), V{});
    }
};

// ports: tests/test_autogen_diffs.py::AutogenVersionTableTest::test_no_version_table
// ports: tests/test_autogen_diffs.py::AutogenVersionTableTest::test_version_table_in_target
TEST_F(AutogenVersionTable, DefaultName) { check("retort_version"); }

// ports: tests/test_autogen_diffs.py::AutogenCustomVersionTableTest::test_no_version_table
// ports: tests/test_autogen_diffs.py::AutogenCustomVersionTableTest::test_version_table_in_target
TEST_F(AutogenVersionTable, CustomName) { check("my_version_table"); }

// ports: tests/test_autogen_diffs.py::AutogenerateDiffOrderTest::test_diffs_order
TEST_F(Autogen, DiffsOrder) {
    MetaData m;
    // the child first: the order comes from the foreign key, not from definition order
    m.table("child", {{"parent_id", types::Integer(), {.foreign_key = "parent.id"}}});
    m.table("parent", {{"id", types::Integer(), {.primary_key = true}}});
    auto c = compare(m);
    EXPECT_EQ(diffs(c), (V{"add_table parent", "add_table child"}));
    apply(c);
    EXPECT_EQ(diffs(compare(m)), V{});
}

// ---------------------------------------------------------------- several MetaData

// ports: tests/test_autogen_diffs.py::MultipleMetaDataTest::test_multiple
// ports: tests/test_autogen_diffs.py::MultipleMetaDataTest::test_non_list_sequence
TEST_F(Autogen, MultipleMetaData) {
    MetaData m1a, m1b, m1c, m2a, m2b, m2c;
    m1a.table("a", {{"id", types::Integer(), {.primary_key = true}}});
    m1b.table("b1", {{"id", types::Integer(), {.primary_key = true}}});
    m1b.table("b2", {{"id", types::Integer(), {.primary_key = true}}});
    m1c.table("c1", {{"id", types::Integer(), {.primary_key = true}}, {"x", types::Integer()}});
    m2a.table("a", {{"id", types::Integer(), {.primary_key = true}}, {"q", types::Integer()}});
    m2b.table("b1", {{"id", types::Integer(), {.primary_key = true}}});
    m2c.table("c1", {{"id", types::Integer(), {.primary_key = true}}});
    m2c.table("c2", {{"id", types::Integer(), {.primary_key = true}}});
    for (const auto* m : {&m1a, &m1b, &m1c}) create(*m);
    // Alembic: add_table c2, remove_table b2, add_column a.q, remove_column c1.x (Retort drops tables last)
    auto c = compare({&m2a, &m2b, &m2c});
    EXPECT_EQ(diffs(c), (V{"add_table c2", "add_column a.q", "remove_column c1.x", "remove_table b2"}));
    apply(c);
    EXPECT_EQ(diffs(compare({&m2a, &m2b, &m2c})), V{});
}

// ports: tests/test_autogen_diffs.py::MultipleMetaDataTest::test_empty_list
TEST_F(Autogen, MultipleMetaDataEmptyList) { EXPECT_EQ(diffs(compare(std::vector<const MetaData*>{})), V{}); }

// ports: tests/test_autogen_diffs.py::MultipleMetaDataTest::test_raise_on_dupe
TEST_F(Autogen, MultipleMetaDataRaiseOnDupe) {
    MetaData m1a, m1b, m2a, m2b;
    m1a.table("a", {{"id", types::Integer(), {.primary_key = true}}});
    for (const char* n : {"b1", "b2", "b3"}) m1b.table(n, {{"id", types::Integer(), {.primary_key = true}}});
    m2a.table("a", {{"id", types::Integer(), {.primary_key = true}}});
    m2b.table("a", {{"id", types::Integer(), {.primary_key = true}}});
    m2b.table("b1", {{"id", types::Integer(), {.primary_key = true}}});
    m2a.table("b2", {{"id", types::Integer(), {.primary_key = true}}});
    m2b.table("b2", {{"id", types::Integer(), {.primary_key = true}}});
    create(m1a);
    create(m1b);
    try {
        (void)compare({&m2a, &m2b});
        FAIL() << "no error";
    } catch (const ArgumentError& e) {
        EXPECT_STREQ(e.what(), "Duplicate table keys across multiple MetaData objects: \"a\", \"b2\"");
    }
}

// ---------------------------------------------------------------- foreign keys

// ports: tests/test_autogen_diffs.py::AutogenFKTest::test_drop_fk_with_mixed_case_name
TEST_F(Autogen, DropForeignKeyWithMixedCaseName) {
    if (!fks()) GTEST_SKIP() << "no foreign keys on " << engine.dialect().name();
    if (sqlite()) GTEST_SKIP() << "SQLite does not keep foreign-key names";
    for (const std::string prefix : {"FK", "fk"})
        for (bool convention : {true, false}) {
            const std::string expected_name = prefix + "_child_parent_id_parent";
            NamingConvention nc{{"ix", "ix_%(column_0_label)s"}};
            if (convention) nc["fk"] = prefix + "_%(table_name)s_%(column_0_name)s_%(referred_table_name)s";
            MetaData m1(nc), m2(nc);
            m1.table("parent", {{"id", types::Integer(), {.primary_key = true}}, {"name", types::String(50)}});
            m1.table("child",
                     {{"id", types::Integer(), {.primary_key = true}}, {"name", types::String(50)}, {"parent_id", types::Integer()}},
                     {ForeignKeyConstraint{{"parent_id"}, "parent", {"id"}, convention ? std::nullopt : std::optional(expected_name)}});
            m2.table("parent", {{"id", types::Integer(), {.primary_key = true}}, {"name", types::String(50)}});
            m2.table("child",
                     {{"id", types::Integer(), {.primary_key = true}}, {"name", types::String(50)}, {"parent_id", types::Integer()}});
            create(m1);
            auto c = compare(m2);
            V want{"remove_fk child " + expected_name};
            // InnoDB made an index for the key, named after it, which would outlive it: it is dropped with it.
            if (testkit::is_mysql()) want.push_back("remove_index " + expected_name);
            EXPECT_EQ(diffs(c), want) << prefix << convention;
            apply(c);  // the quoted name is dropped
            EXPECT_EQ(diffs(compare(m2)), V{});
            drop_noted();
        }
}

class AutogenPlaceholder : public Autogen {
protected:
    // include_name leaving out the parent table the database's foreign key points at.
    static CompareOptions without_parent() {
        CompareOptions o;
        o.include_name = [](const std::optional<std::string>& name, const std::string& type, const NameParents&) {
            return !(type == "table" && name == "parent");
        };
        return o;
    }
};

// ports: tests/test_autogen_diffs.py::AutogenPlaceholderTableTest::test_fk_to_filtered_table_single_column
TEST_F(AutogenPlaceholder, ForeignKeyToFilteredTable) {
    if (!fks()) GTEST_SKIP() << "no foreign keys on " << engine.dialect().name();
    MetaData m1, m2;
    m1.table("parent", {{"id", types::Integer(), {.primary_key = true}}, {"data", types::String(50)}});
    m1.table("child", {{"id", types::Integer(), {.primary_key = true}}, {"parent_id", types::Integer()}},
             {ForeignKeyConstraint{{"parent_id"}, "parent", {"id"}}});
    m2.table("child", {{"id", types::Integer(), {.primary_key = true}}, {"parent_id", types::Integer()}});
    create(m1);
    auto d = diffs(compare(m2, without_parent()));
    // On MySQL the index InnoDB made for the key goes with it.
    ASSERT_EQ(d.size(), testkit::is_mysql() ? 2u : 1u) << ::testing::PrintToString(d);
    EXPECT_EQ(d[0].rfind("remove_fk child", 0), 0u) << d[0];
    if (testkit::is_mysql()) EXPECT_EQ(d[1].rfind("remove_index ", 0), 0u) << d[1];
}

// ports: tests/test_autogen_diffs.py::AutogenPlaceholderTableTest::test_fk_to_filtered_table_composite
TEST_F(AutogenPlaceholder, CompositeForeignKeyToFilteredTable) {
    if (!fks()) GTEST_SKIP() << "no foreign keys on " << engine.dialect().name();
    MetaData m1, m2;
    m1.table("parent", {{"id", types::Integer()}, {"version", types::Integer()}},
             {PrimaryKeyConstraint{{"id", "version"}, std::nullopt}});
    m1.table("child",
             {{"id", types::Integer(), {.primary_key = true}}, {"parent_id", types::Integer()}, {"parent_version", types::Integer()}},
             {ForeignKeyConstraint{{"parent_id", "parent_version"}, "parent", {"id", "version"}}});
    m2.table("child",
             {{"id", types::Integer(), {.primary_key = true}}, {"parent_id", types::Integer()}, {"parent_version", types::Integer()}});
    create(m1);
    auto d = diffs(compare(m2, without_parent()));
    // On MySQL the index InnoDB made for the key goes with it.
    ASSERT_EQ(d.size(), testkit::is_mysql() ? 2u : 1u) << ::testing::PrintToString(d);
    EXPECT_EQ(d[0].rfind("remove_fk child", 0), 0u) << d[0];
    if (testkit::is_mysql()) EXPECT_EQ(d[1].rfind("remove_index ", 0), 0u) << d[1];
}

}  // namespace conf_autogen
