// Ports of test/orm/test_versioning.py: optimistic locking with a version column (counter, generator, manual,
// server-side).
#include "conformance/kit.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_versioning {

struct Foo {
    std::int64_t id = 0;
    std::int64_t version_id = 0;
    std::string value;
};
// Versions made by a generator (text: a counter written in letters here, to tell them apart).
struct Bar {
    std::int64_t id = 0;
    std::string version_id;
    std::string value;
};
// The program sets the version itself.
struct Baz {
    std::int64_t id = 0;
    std::int64_t vid = 0;
    std::string value;
};

// The database moves the version (a trigger here).
struct Srv {
    std::int64_t id = 0;
    std::int64_t version_id = 0;
    std::string value;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_versioning

using namespace conf_versioning;

template <>
void retort::orm::define(Mapping<Foo>& m) {
    m.table("version_table");
    m.name("Foo");
    m.column(&Foo::id, "id", {.primary_key = true});
    m.version(&Foo::version_id, "version_id");
    m.column(&Foo::value, "value", {.type = types::String(40)});
}
template <>
void retort::orm::define(Mapping<Bar>& m) {
    m.table("version_table_gen");
    m.name("Bar");
    m.column(&Bar::id, "id", {.primary_key = true});
    m.version(&Bar::version_id, "version_id",
              {.generator = [](const Value& cur) { return Value(cur.is_null() ? std::string("v") : cur.as<std::string>() + "v"); },
               .type = types::String(40)});
    m.column(&Bar::value, "value", {.type = types::String(40)});
}
template <>
void retort::orm::define(Mapping<Baz>& m) {
    m.table("version_table_manual");
    m.name("Baz");
    m.column(&Baz::id, "id", {.primary_key = true});
    m.version(&Baz::vid, "vid", {.manual = true});
    m.column(&Baz::value, "value", {.type = types::String(40)});
}

template <>
void retort::orm::define(Mapping<Srv>& m) {
    m.table("version_srv");
    m.name("Srv");
    m.column(&Srv::id, "id", {.primary_key = true});
    m.version(&Srv::version_id, "version_id", {.server_side = true, .server_default = "1"});
    m.column(&Srv::value, "value", {.type = types::String(40)});
}

namespace conf_versioning {

Registry& mapped() {
    static Registry& r = (models().map<Foo, Bar, Baz, Srv>(), models());
    return r;
}

class Versioning : public testkit::OrmConformance {
protected:
    Versioning() : OrmConformance(mapped()) {}
    std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> rows() {
        std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> out;
        auto conn = engine.connect();
        for (RowView r : conn.exec_driver_sql("SELECT id, value, version_id FROM version_table ORDER BY id"))
            out.emplace_back(r.get<std::int64_t>(0), r.get<std::string>(1), r.get<std::int64_t>(2));
        return out;
    }
};

// ports: test/orm/test_versioning.py::VersioningTest::test_basic
// (Retort: a session holding an old version is one with expire_on_commit off; a write through an expired object
// reloads it first. On SQLite a session's read transaction is ended (commit) before another session writes.)
TEST_F(Versioning, Basic) {
    Session s1(engine, {.expire_on_commit = false});
    auto f1 = s1.add(Foo{.value = "f1"});
    auto f2 = s1.add(Foo{.value = "f2"});
    s1.commit();
    f1->value = "f1rev2";
    s1.commit();
    Session s2(engine);
    auto f1_s = s2.get<Foo>(f1->id);
    f1_s->value = "f1rev3";
    s2.commit();
    f1->value = "f1rev3mine";
    try {
        s1.commit();
        FAIL() << "no StaleDataError";
    } catch (const StaleDataError& e) {
        EXPECT_NE(std::string(e.what()).find("UPDATE statement on table 'version_table' expected to update 1 row(s); 0 were matched"),
                  std::string::npos)
            << e.what();
    }
    s1.rollback();
    // The session goes on after the rollback.
    f1 = s1.get<Foo>(f1.get()->id);
    f2 = s1.get<Foo>(f2.get()->id);
    s1.commit();
    f1_s->value = "f1rev4";
    s2.commit();
    s1.delete_(f1);
    s1.delete_(f2);
    try {
        s1.commit();
        FAIL() << "no StaleDataError";
    } catch (const StaleDataError& e) {
        EXPECT_NE(std::string(e.what()).find("DELETE statement on table 'version_table' expected to delete 2 row(s); 1 were matched"),
                  std::string::npos)
            << e.what();
    }
    s1.rollback();
    EXPECT_EQ(count_rows("version_table"), 2);
}

// ports: test/orm/test_versioning.py::VersioningTest::test_multiple_updates
TEST_F(Versioning, MultipleUpdates) {
    Session s1(engine);
    auto f1 = s1.add(Foo{.value = "f1"});
    auto f2 = s1.add(Foo{.value = "f2"});
    s1.commit();
    f1->value = "f1rev2";
    f2->value = "f2rev2";
    s1.commit();
    auto got = rows();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], std::make_tuple(f1->id, std::string("f1rev2"), std::int64_t{2}));
    EXPECT_EQ(got[1], std::make_tuple(f2->id, std::string("f2rev2"), std::int64_t{2}));
}

// ports: test/orm/test_versioning.py::VersioningTest::test_bump_version
// (a version the program sets is kept, and the statement still checks the one loaded)
TEST_F(Versioning, BumpVersionByHand) {
    Session s1(engine);
    auto f1 = s1.add(Foo{.value = "f1"});
    s1.commit();
    EXPECT_EQ(f1->version_id, 1);
    f1->version_id = 2;
    s1.commit();
    EXPECT_EQ(f1->version_id, 2);
    // Skip an id: kept.
    f1->version_id = 4;
    f1->value = "something new";
    s1.commit();
    EXPECT_EQ(f1->version_id, 4);
    f1->version_id = 5;
    s1.delete_(f1);
    s1.commit();
    EXPECT_EQ(count_rows("version_table"), 0);
}

// ports: test/orm/test_versioning.py::VersioningTest::test_merge_correct_version
// ports: test/orm/test_versioning.py::VersioningTest::test_merge_incorrect_version
TEST_F(Versioning, MergeChecksTheVersion) {
    Session s1(engine, {.expire_on_commit = false});
    auto f1 = s1.add(Foo{.value = "f1"});
    s1.commit();
    const auto id = f1->id;
    Session s2(engine);
    auto m = s2.merge(Foo{.id = id, .version_id = 1, .value = "f2"});
    EXPECT_EQ(m->value, "f2");
    s2.commit();
    Session s3(engine);
    try {
        (void)s3.merge(Foo{.id = id, .version_id = 1, .value = "f3"});  // the row is at version 2 now
        FAIL() << "no StaleDataError";
    } catch (const StaleDataError& e) {
        EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_versioning.py::VersioningTest::test_merge_no_version
TEST_F(Versioning, MergeWithoutVersionTakesTheExistingOne) {
    Session s1(engine, {.expire_on_commit = false});
    auto f1 = s1.add(Foo{.value = "f1"});
    s1.commit();
    f1->value = "f1rev2";
    s1.commit();
    Session s2(engine);
    auto m = s2.merge(Foo{.id = f1->id, .value = "f3"});  // version 0: unset
    s2.commit();
    EXPECT_EQ(m->version_id, 3);
    EXPECT_EQ(count_rows("version_table", "value = 'f3'"), 1);
}

// ports: test/orm/test_versioning.py::NoBumpOnRelationshipTest::test_no_counter
// (an object without changes is not UPDATEd, so its version stays)
TEST_F(Versioning, NoChangeNoBump) {
    Session s(engine);
    auto f = s.add(Foo{.value = "x"});
    s.commit();
    f->value = "x";  // the same value
    s.commit();
    EXPECT_EQ(f->version_id, 1);
}

// ports: test/orm/test_versioning.py::AlternateGeneratorTest::test_row_switch
TEST_F(Versioning, GeneratorMakesTheVersions) {
    Session s(engine, {.expire_on_commit = false});
    auto b = s.add(Bar{.value = "b"});
    s.commit();
    EXPECT_EQ(b->version_id, "v");
    b->value = "b2";
    s.commit();
    EXPECT_EQ(b->version_id, "vv");
    Session s2(engine);
    auto b2 = s2.get<Bar>(b->id);
    b2->value = "b3";
    s2.commit();
    b->value = "stale";
    EXPECT_THROW(s.commit(), StaleDataError);
    s.rollback();
    EXPECT_EQ(b->version_id, "vvv");
}

// ports: test/orm/test_versioning.py::ManualVersionTest::test_insert
// ports: test/orm/test_versioning.py::ManualVersionTest::test_update
// ports: test/orm/test_versioning.py::ManualVersionTest::test_update_concurrent_check
TEST_F(Versioning, ManualVersions) {
    Session s(engine, {.expire_on_commit = false});
    auto a = s.add(Baz{.vid = 1, .value = "a"});
    s.commit();
    EXPECT_EQ(count_rows("version_table_manual", "vid = 1"), 1);
    a->vid = 2;
    a->value = "b";
    s.commit();
    EXPECT_EQ(a->vid, 2);
    EXPECT_EQ(count_rows("version_table_manual", "vid = 2 AND value = 'b'"), 1);
    // Changed behind the session's back: the UPDATE names version 2 and finds none.
    {
        auto conn = engine.connect();
        conn.exec_driver_sql("UPDATE version_table_manual SET vid = 3");
        conn.commit();
    }
    a->vid = 4;
    a->value = "c";
    EXPECT_THROW(s.commit(), StaleDataError);
    s.rollback();
}

// ports: test/orm/test_versioning.py::ManualVersionTest::test_update_version_conditional
TEST_F(Versioning, ManualVersionLeftAsIsIsNotChanged) {
    Session s(engine);
    auto a = s.add(Baz{.vid = 1, .value = "a"});
    s.commit();
    a->value = "b";  // the program did not move the version
    s.commit();
    EXPECT_EQ(a->vid, 1);
    EXPECT_EQ(count_rows("version_table_manual", "vid = 1 AND value = 'b'"), 1);
}

// ports: test/orm/test_versioning.py::VersioningTest::test_versioncheck_not_versioned
TEST_F(Versioning, StaleDeleteOfAVersionedRow) {
    Session s1(engine, {.expire_on_commit = false});
    auto f1 = s1.add(Foo{.value = "f1"});
    s1.commit();
    Session s2(engine);
    auto f1b = s2.get<Foo>(f1->id);
    f1b->value = "moved on";
    s2.commit();
    s1.delete_(f1);
    EXPECT_THROW(s1.commit(), StaleDataError);
    s1.rollback();
    EXPECT_EQ(count_rows("version_table"), 1);
}

// ports: test/orm/test_versioning.py::ServerVersioningTest::test_update_col
// ports: test/orm/test_versioning.py::ServerVersioningTest::test_insert_col
// ports: test/orm/test_versioning.py::ServerVersioningTest::test_concurrent_mod_err_noexpire_on_commit
TEST_F(Versioning, ServerSideVersion) {
    if (testkit::is_dsql()) GTEST_SKIP() << "Aurora DSQL has no triggers";
    {
        auto conn = engine.connect();
        if (testkit::is_sqlite()) {
            conn.exec_driver_sql("CREATE TRIGGER srv_bump AFTER UPDATE ON version_srv FOR EACH ROW "
                                 "WHEN NEW.version_id = OLD.version_id BEGIN "
                                 "UPDATE version_srv SET version_id = OLD.version_id + 1 WHERE id = NEW.id; END");
        } else if (testkit::is_mysql()) {
            conn.exec_driver_sql("CREATE TRIGGER srv_bump BEFORE UPDATE ON version_srv FOR EACH ROW "
                                 "SET NEW.version_id = OLD.version_id + 1");
        } else {
            conn.exec_driver_sql("CREATE OR REPLACE FUNCTION srv_bump() RETURNS trigger AS $$ BEGIN "
                                 "NEW.version_id := OLD.version_id + 1; RETURN NEW; END $$ LANGUAGE plpgsql");
            conn.exec_driver_sql("CREATE TRIGGER srv_bump BEFORE UPDATE ON version_srv FOR EACH ROW EXECUTE FUNCTION srv_bump()");
        }
        conn.commit();
    }
    Session s(engine, {.expire_on_commit = false});
    auto f = s.add(Srv{.value = "f1"});
    s.flush();
    EXPECT_EQ(f.get()->version_id, 1);  // the server default, read back at the INSERT (not left to a reload)
    EXPECT_EQ(f->version_id, 1);
    f->value = "f2";
    s.flush();
    EXPECT_EQ(f->version_id, 2);  // moved by the database, read back
    f->value = "f3";
    s.commit();
    EXPECT_EQ(f->version_id, 3);
    s.commit();  // (ends the read: on SQLite another session's write would wait for it)
    // Someone else moves the row on: this session's next UPDATE names version 3 and finds none.
    Session s2(engine);
    auto f_other = s2.get<Srv>(f->id);
    f_other->value = "theirs";
    s2.commit();
    f->value = "mine";
    EXPECT_THROW(s.commit(), StaleDataError);
    s.rollback();
    EXPECT_EQ(count_rows("version_srv", "value = 'theirs' AND version_id = 4"), 1);
}

}  // namespace conf_versioning
