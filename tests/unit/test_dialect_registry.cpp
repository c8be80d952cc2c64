// A dialect a program defines plugs in through the registry alone: create_engine, Core and the ORM then run
// on it. This one ("loopback") answers every question by asking SQLite's dialect, and counts its
// connections; it is written only against the public headers.
#include <algorithm>
#include <atomic>

#include <gtest/gtest.h>

#include <retort/orm.hpp>
#include <retort/retort.hpp>
#include <retort/sql/compiler.hpp>

using namespace retort;

namespace {

std::atomic<int> loopback_connects{0};

class LoopbackDialect final : public Dialect {
public:
    explicit LoopbackDialect(std::shared_ptr<Dialect> inner) : Dialect("loopback", inner->caps()), inner_(std::move(inner)) {}

    ConnectParams create_connect_params(const URL& url) const override {
        // The same URL under SQLite's scheme.
        return inner_->create_connect_params(URL::create("sqlite", {}, {}, {}, {}, url.database()));
    }
    std::unique_ptr<DBAPIConnection> connect(const ConnectParams& params) const override {
        ++loopback_connects;
        return inner_->connect(params);
    }
    void on_connect(DBAPIConnection& c) const override { inner_->on_connect(c); }
    bool database_lives_in_connection(const URL& url) const override { return inner_->database_lives_in_connection(url); }
    void set_isolation_level(DBAPIConnection& c, std::string_view level) const override { inner_->set_isolation_level(c, level); }
    std::string get_isolation_level(DBAPIConnection& c) const override { return inner_->get_isolation_level(c); }
    std::string default_isolation_level() const override { return inner_->default_isolation_level(); }
    std::string begin_statement(std::string_view level) const override { return inner_->begin_statement(level); }
    std::unique_ptr<sql::SQLCompiler> statement_compiler() const override { return inner_->statement_compiler(); }
    std::unique_ptr<sql::DDLCompiler> ddl_compiler() const override { return inner_->ddl_compiler(); }
    std::string builtin_type_ddl(const SqlType& t) const override { return inner_->type_ddl(t); }
    std::vector<std::string> get_table_names(Connection& c, const std::optional<std::string>& schema) const override {
        return inner_->get_table_names(c, schema);
    }
    bool has_table(Connection& c, std::string_view table, const std::optional<std::string>& schema) const override {
        return inner_->has_table(c, table, schema);
    }
    std::vector<ReflectedColumn> get_columns(Connection& c, std::string_view table, const std::optional<std::string>& schema) const override {
        return inner_->get_columns(c, table, schema);
    }
    ReflectedPrimaryKey get_pk_constraint(Connection& c, std::string_view table, const std::optional<std::string>& schema) const override {
        return inner_->get_pk_constraint(c, table, schema);
    }
    std::vector<ReflectedForeignKey> get_foreign_keys(Connection& c, std::string_view table,
                                                      const std::optional<std::string>& schema) const override {
        return inner_->get_foreign_keys(c, table, schema);
    }
    std::vector<ReflectedIndex> get_indexes(Connection& c, std::string_view table, const std::optional<std::string>& schema) const override {
        return inner_->get_indexes(c, table, schema);
    }
    std::vector<ReflectedUnique> get_unique_constraints(Connection& c, std::string_view table,
                                                        const std::optional<std::string>& schema) const override {
        return inner_->get_unique_constraints(c, table, schema);
    }

private:
    std::shared_ptr<Dialect> inner_;
};

struct Gadget {
    std::int64_t id = 0;
    std::string name;
};
orm::Registry& gadget_models() {
    static orm::Registry r;
    return r;
}
orm::Registry& retort_registry(const Gadget*) { return gadget_models(); }

}  // namespace

template <>
void retort::orm::define(orm::Mapping<Gadget>& m) {
    m.table("gadgets");
    m.column(&Gadget::id, "id", {.primary_key = true});
    m.column(&Gadget::name, "name");
}

TEST(DialectRegistry, UnknownSchemesNameTheKnownOnes) {
    try {
        (void)create_engine("nosuchdb://host/db");
        FAIL() << "no dialect expected";
    } catch (const NoSuchModuleError& e) {
        EXPECT_NE(std::string(e.what()).find("sqlite"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("postgresql"), std::string::npos) << e.what();
    }
    EXPECT_THROW(register_dialect("Bad-Scheme", [](const URL&) { return std::shared_ptr<Dialect>(); }), ArgumentError);
    EXPECT_THROW(register_dialect("fine", nullptr), ArgumentError);
}

TEST(DialectRegistry, AProgramsDialectPlugsInByScheme) {
    register_dialect("loopback", [](const URL&) {
        return std::make_shared<LoopbackDialect>(make_dialect(URL::parse("sqlite://")));
    });
    const auto names = registered_dialects();
    EXPECT_NE(std::find(names.begin(), names.end(), "loopback"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "auroradsql"), names.end());

    const int before = loopback_connects.load();
    Engine engine = create_engine("loopback:///:memory:");
    EXPECT_EQ(engine.dialect().name(), "loopback");
    // Core: DDL, executemany, a query.
    MetaData md;
    Table& t = md.table("things", {{"id", types::BigInteger(), {.primary_key = true}}, {"label", types::String(20)}});
    md.create_all(engine);
    {
        auto conn = engine.connect();
        conn.execute(insert(t), std::vector<Params>{{{"label", "a"}}, {{"label", "b"}}, {{"label", "c"}}});
        conn.commit();
        EXPECT_EQ(conn.execute(select(func::count()).select_from(t)).scalar_one<std::int64_t>(), 3);
        // SQLite's own rule reached through the dialect's compiler: OFFSET without LIMIT.
        const auto labels = conn.execute(select(column<std::string>(t, "label")).order_by(column<std::int64_t>(t, "id")).offset(1))
                                .scalars<std::string>();
        EXPECT_EQ(labels, (std::vector<std::string>{"b", "c"}));
    }
    // The ORM, on the same (in-memory) database: the registry made one connection for the engine.
    gadget_models().map<Gadget>().create_all(engine);
    {
        orm::Session s(engine);
        auto g = s.add(Gadget{.name = "widget"});
        s.commit();
        EXPECT_GT(g->id, 0);
        EXPECT_EQ(s.get<Gadget>(g->id)->name, "widget");
    }
    EXPECT_EQ(loopback_connects.load() - before, 1);
}
