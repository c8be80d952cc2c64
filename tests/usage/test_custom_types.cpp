// Types of the program's own against the live database: a C++ type stored through a type_adapter, a
// types::Custom column type with DDL of its own per dialect, round trips through the ORM and Core, dirty
// detection, filters, autogenerate's comparison and a stored value the program cannot read.
#include <algorithm>
#include <retort/migrate/autogenerate.hpp>
#include <retort/orm.hpp>

#include "usage/fixture.hpp"

using namespace retort;
using namespace retort::orm;

namespace custom_types {

enum class Species { Cat, Dog, Parrot };

// An address kept as text; PostgreSQL stores it as INET (which checks it), other databases as VARCHAR(45).
struct IpAddress {
    std::string text;
    bool operator==(const IpAddress&) const = default;
};

// Kept as an ENUM column (a native type where the dialect has one, else VARCHAR with a CHECK).
enum class Mood { Calm, Glad, Cross };

// Cents in an integer column.
struct Money {
    std::int64_t cents = 0;
    bool operator==(const Money&) const = default;
};

}  // namespace custom_types

template <>
struct retort::type_adapter<custom_types::Species> {
    using stored = std::string;
    static std::string to_stored(custom_types::Species s) {
        switch (s) {
            case custom_types::Species::Cat: return "cat";
            case custom_types::Species::Dog: return "dog";
            case custom_types::Species::Parrot: return "parrot";
        }
        return "";
    }
    static custom_types::Species from_stored(const std::string& s) {
        if (s == "cat") return custom_types::Species::Cat;
        if (s == "dog") return custom_types::Species::Dog;
        if (s == "parrot") return custom_types::Species::Parrot;
        throw DataError("'" + s + "' is not a species");
    }
    static SqlType sql_type() { return types::String(10); }
};

template <>
struct retort::type_adapter<custom_types::IpAddress> {
    using stored = std::string;
    static std::string to_stored(const custom_types::IpAddress& a) { return a.text; }
    static custom_types::IpAddress from_stored(const std::string& s) { return {s}; }
    // DSQL has no INET columns (inet is one of its query runtime types only): its own entry comes first.
    static SqlType sql_type() {
        return types::Custom("Inet", types::String(45), {{"auroradsql", "VARCHAR(45)"}, {"postgresql", "INET"}});
    }
};

template <>
struct retort::type_adapter<custom_types::Money> {
    using stored = std::int64_t;
    static std::int64_t to_stored(custom_types::Money m) { return m.cents; }
    static custom_types::Money from_stored(std::int64_t c) { return {c}; }
};

template <>
struct retort::type_adapter<custom_types::Mood> {
    using stored = std::string;
    static std::string to_stored(custom_types::Mood m) {
        switch (m) {
            case custom_types::Mood::Calm: return "calm";
            case custom_types::Mood::Glad: return "glad";
            case custom_types::Mood::Cross: return "cross";
        }
        return "";
    }
    static custom_types::Mood from_stored(const std::string& s) {
        if (s == "calm") return custom_types::Mood::Calm;
        if (s == "glad") return custom_types::Mood::Glad;
        if (s == "cross") return custom_types::Mood::Cross;
        throw DataError("'" + s + "' is not a mood");
    }
    // Not "cross": a label outside the type shows the database refusing it.
    static SqlType sql_type() { return types::Enum("ct_mood", {"calm", "glad"}); }
};

namespace custom_types {

struct Host {
    std::int64_t id = 0;
    std::string name;
    IpAddress addr;
    std::optional<IpAddress> gateway;
    Species kind = Species::Cat;
    Money price;
};

Registry& models() {
    static Registry r;
    return r;
}
Registry& retort_registry(const Host*) { return models(); }

// An enum member, in a registry of its own (its ENUM type is created and dropped with its table alone).
struct Diary {
    std::int64_t id = 0;
    Mood mood = Mood::Calm;
    std::optional<Mood> later;
};
Registry& diary_models() {
    static Registry r;
    return r;
}
Registry& retort_registry(const Diary*) { return diary_models(); }

}  // namespace custom_types

using custom_types::Diary;
using custom_types::Host;
using custom_types::IpAddress;
using custom_types::Money;
using custom_types::Mood;
using custom_types::Species;

template <>
void retort::orm::define(Mapping<Host>& m) {
    m.table("ct_hosts");
    m.name("Host");
    m.column(&Host::id, "id", {.primary_key = true});
    m.column(&Host::name, "name", {.type = types::String(40)});
    m.column(&Host::addr, "addr");
    m.column(&Host::gateway, "gateway");
    m.column(&Host::kind, "kind");
    m.column(&Host::price, "price");
}

template <>
void retort::orm::define(Mapping<Diary>& m) {
    m.table("ct_diary");
    m.column(&Diary::id, "id", {.primary_key = true, .autoincrement = false});
    m.column(&Diary::mood, "mood");
    m.column(&Diary::later, "later");
}

namespace {

class CustomTypes : public testkit::Usage {
protected:
    void SetUp() override {
        Usage::SetUp();
        auto& md2 = mapped_metadata<Host>();
        md2.drop_all(engine);
        engine.on_before_execute([this](const ExecuteEvent& e) { sql.emplace_back(e.statement); });
        md2.create_all(engine);
    }
    void TearDown() override {
        mapped_metadata<Host>().drop_all(create_engine(testkit::test_url()));
        Usage::TearDown();
    }
    std::string statement_starting(std::string_view prefix) const {
        for (const auto& s : sql)
            if (s.starts_with(prefix)) return s;
        return {};
    }
    std::vector<std::string> sql;
};

TEST_F(CustomTypes, ColumnTypesComeFromTheAdapterAndTheCustomTypesDdl) {
    const Table& t = *mapped_metadata<Host>().find_table("ct_hosts");
    EXPECT_EQ(t.c("addr").type.str(), "Inet");
    EXPECT_EQ(t.c("kind").type, types::String(10));
    EXPECT_EQ(t.c("price").type, types::BigInteger());
    EXPECT_TRUE(t.c("gateway").nullable());
    EXPECT_FALSE(t.c("addr").nullable());

    const std::string create = statement_starting("CREATE TABLE");
    ASSERT_FALSE(create.empty());
    if (testkit::is_dsql()) {
        // The entry for the dialect itself wins over the one for its family (postgresql).
        EXPECT_NE(create.find("addr VARCHAR(45) NOT NULL"), std::string::npos) << create;
        EXPECT_NE(create.find("gateway VARCHAR(45)"), std::string::npos) << create;
    } else if (testkit::is_postgresql()) {
        // The custom DDL is given for the postgresql family.
        EXPECT_NE(create.find("addr INET NOT NULL"), std::string::npos) << create;
        EXPECT_NE(create.find("gateway INET"), std::string::npos) << create;
    } else {
        EXPECT_NE(create.find("addr VARCHAR(45) NOT NULL"), std::string::npos) << create;
    }
    EXPECT_NE(create.find("kind VARCHAR(10) NOT NULL"), std::string::npos) << create;
    EXPECT_NE(create.find("price BIGINT NOT NULL"), std::string::npos) << create;

    // The database holds the column as declared.
    Inspector insp(engine);
    auto cols = insp.get_columns("ct_hosts");
    auto addr = std::find_if(cols.begin(), cols.end(), [](const ReflectedColumn& c) { return c.name == "addr"; });
    ASSERT_NE(addr, cols.end());
    if (testkit::is_postgresql()) EXPECT_EQ(addr->type_text, testkit::is_dsql() ? "character varying(45)" : "inet");
}

TEST_F(CustomTypes, OrmRoundTripDirtyDetectionAndFilters) {
    std::int64_t id = 0;
    {
        Session s(engine);
        auto h = s.add(Host{.name = "web", .addr = {"10.0.0.7"}, .kind = Species::Dog, .price = {1999}});
        s.add(Host{.name = "db", .addr = {"10.0.0.8"}, .gateway = IpAddress{"10.0.0.1"}, .kind = Species::Parrot});
        s.commit();
        id = h->id;
    }
    {
        Session s(engine);
        auto h = s.get<Host>(id);
        ASSERT_TRUE(h);
        EXPECT_EQ(h->addr, IpAddress{"10.0.0.7"});
        EXPECT_EQ(h->gateway, std::nullopt);
        EXPECT_EQ(h->kind, Species::Dog);
        EXPECT_EQ(h->price, Money{1999});

        // Filters bind the adapted value.
        auto parrots = s.scalars(select<Host>().where(col(&Host::kind) == Species::Parrot)).all();
        ASSERT_EQ(parrots.size(), 1u);
        EXPECT_EQ(parrots[0]->name, "db");
        ASSERT_TRUE(parrots[0]->gateway);
        EXPECT_EQ(parrots[0]->gateway->text, "10.0.0.1");
        auto by_addr = s.scalars(select<Host>().where(col(&Host::addr) == IpAddress{"10.0.0.8"})).all();
        ASSERT_EQ(by_addr.size(), 1u);

        // Only what changed is written: the adapted members compare by their stored form.
        sql.clear();
        h->kind = Species::Cat;
        h->price = Money{2500};
        s.commit();
        const std::string update = statement_starting("UPDATE");
        ASSERT_FALSE(update.empty());
        EXPECT_NE(update.find("kind"), std::string::npos) << update;
        EXPECT_NE(update.find("price"), std::string::npos) << update;
        EXPECT_EQ(update.find("addr"), std::string::npos) << update;
        EXPECT_EQ(update.find("name"), std::string::npos) << update;

        sql.clear();
        h->addr = IpAddress{"10.0.0.7"};  // the same value: nothing to write
        s.commit();
        EXPECT_TRUE(statement_starting("UPDATE").empty());
    }
}

// Core: typed columns of adapted types in a TableDef, bound and fetched.
struct Gadgets : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<Species> kind = col<Species>("kind");
    Col<Money> price = col<Money>("price");
    Col<std::optional<IpAddress>> addr = col<std::optional<IpAddress>>("addr");
};

TEST_F(CustomTypes, CoreBindsAndFetchesAdaptedValues) {
    Gadgets g{md, "ct_gadgets"};
    md.create_all(engine);
    auto conn = engine.connect();
    conn.execute(insert(g), std::vector<Params>{{{"kind", Species::Dog}, {"price", Money{100}}, {"addr", IpAddress{"10.1.1.1"}}},
                                                {{"kind", Species::Cat}, {"price", Money{250}}, {"addr", nullptr}}});
    conn.commit();
    auto row = conn.execute(select(g.kind, g.price, g.addr).where(g.kind == Species::Dog)).one();
    EXPECT_EQ(row.get<Species>(0), Species::Dog);
    EXPECT_EQ(row.get<Money>(1), Money{100});
    EXPECT_EQ(row.get<std::optional<IpAddress>>(2), IpAddress{"10.1.1.1"});
    EXPECT_EQ(conn.execute(select(g.price).where(g.kind == Species::Cat)).scalar_one<Money>(), Money{250});
    EXPECT_EQ(conn.execute(select(g.addr).where(g.kind == Species::Cat)).scalar_one<std::optional<IpAddress>>(), std::nullopt);
}

TEST_F(CustomTypes, AStoredValueTheProgramCannotReadIsAnErrorAndLosesNothing) {
    {
        Session s(engine);
        s.add(Host{.name = "ok", .addr = {"192.168.1.1"}, .kind = Species::Cat});
        s.commit();
    }
    {
        auto conn = engine.connect();
        conn.exec_driver_sql("INSERT INTO ct_hosts (name, addr, kind, price) VALUES ('odd', '192.168.1.2', 'lizard', 0)");
        conn.commit();
    }
    Session s(engine);
    EXPECT_THROW((void)s.scalars(select<Host>().where(col(&Host::name) == "odd")).all(), DataError);
    auto ok = s.scalars(select<Host>().where(col(&Host::name) == "ok")).all();
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0]->kind, Species::Cat);
}

TEST_F(CustomTypes, AutogenerateSeesTheCustomColumnAsUnchanged) {
    auto cmp = migrate::compare_metadata(engine, mapped_metadata<Host>());
    EXPECT_TRUE(cmp.empty());
}

TEST_F(CustomTypes, PostgresqlChecksTheValueItsOwnTypeHolds) {
    if (!testkit::is_postgresql() || testkit::is_dsql()) GTEST_SKIP() << "INET is PostgreSQL's (DSQL has no INET columns)";
    Session s(engine);
    s.add(Host{.name = "bad", .addr = {"not an address"}, .kind = Species::Cat});
    EXPECT_THROW(s.commit(), DBAPIError);
}

// An enum member maps through a type_adapter whose sql_type() is types::Enum (what the build's message for an enum
// member without one says to write): the column is an ENUM, values round-trip and filter, and the database refuses
// a label outside the type.
class EnumMembers : public testkit::Usage {
protected:
    void SetUp() override {
        Usage::SetUp();
        mapped_metadata<Diary>().drop_all(engine);
        mapped_metadata<Diary>().create_all(engine);
    }
    void TearDown() override {
        mapped_metadata<Diary>().drop_all(create_engine(testkit::test_url()));
        Usage::TearDown();
    }
};

TEST_F(EnumMembers, AnEnumThroughATypeAdapterIsAnEnumColumn) {
    const Table& t = *mapped_metadata<Diary>().find_table("ct_diary");
    EXPECT_EQ(t.c("mood").type.kind, TypeKind::Enum);
    EXPECT_FALSE(t.c("mood").nullable());
    EXPECT_TRUE(t.c("later").nullable());
    {
        Session s(engine);
        s.add(Diary{.id = 1, .mood = Mood::Glad});
        s.add(Diary{.id = 2, .mood = Mood::Calm, .later = Mood::Glad});
        s.commit();
    }
    {
        Session s(engine);
        auto glad = s.scalars(select<Diary>().where(col(&Diary::mood) == Mood::Glad)).all();
        ASSERT_EQ(glad.size(), 1u);
        EXPECT_EQ(glad[0]->id, 1);
        EXPECT_FALSE(glad[0]->later);
        auto d = s.get<Diary>(2);
        ASSERT_TRUE(d);
        EXPECT_TRUE(d->mood == Mood::Calm);
        ASSERT_TRUE(d->later);
        EXPECT_TRUE(*d->later == Mood::Glad);
    }
    Session s(engine);
    s.add(Diary{.id = 3, .mood = Mood::Cross});
    EXPECT_THROW(s.commit(), DBAPIError);
}

}  // namespace
