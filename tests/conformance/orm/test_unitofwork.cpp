// Ports of test/orm/test_unitofwork.py: what a flush writes for one-to-many, many-to-one and many-to-many
// changes, row switches (a new object taking over the row of a deleted one), passive deletes.
#include "conformance/kit.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_uow {

struct T6;
struct T7;
struct T5 {
    std::int64_t id = 0;
    std::string data;
    Collection<T6> t6s;  // all, delete-orphan
    Collection<T7> t7s;  // many-to-many through t5t7, all
};
struct T6 {
    std::int64_t id = 0;
    std::string data;
    std::optional<std::int64_t> t5id;  // NOT NULL in the table
    Ref<T5> t5;
};
struct T7 {
    std::int64_t id = 0;
    std::string data;
};

// One-to-many without cascade, with a child table whose foreign key cascades the delete in the database.
struct Child;
struct Parent {
    std::int64_t id = 0;
    std::string name;
    Collection<Child> children;  // passive_deletes, cascade "all, delete-orphan"
};
struct Child {
    std::int64_t id = 0;
    std::optional<std::int64_t> parent_id;
    std::string name;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_uow

using namespace conf_uow;

template <>
void retort::orm::define(Mapping<T5>& m) {
    m.table("t5");
    m.name("T5");
    m.column(&T5::id, "id", {.primary_key = true, .autoincrement = false});
    m.column(&T5::data, "data", {.type = types::String(30)});
    m.one_to_many(&T5::t6s, "t6s", on(&T5::id, &T6::t5id), {.back_populates = "t5", .cascade = "all, delete-orphan", .order_by = {"id"}});
    m.many_to_many(&T5::t7s, "t7s", "t5t7", on(&T5::id, "t5id"), on(&T7::id, "t7id"), {.cascade = "all", .order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<T6>& m) {
    m.table("t6");
    m.name("T6");
    m.column(&T6::id, "id", {.primary_key = true, .autoincrement = false});
    m.column(&T6::data, "data", {.type = types::String(30)});
    m.column(&T6::t5id, "t5id", {.nullable = false, .foreign_key = "t5.id"});
    m.many_to_one(&T6::t5, "t5", on(&T6::t5id, &T5::id), {.back_populates = "t6s"});
}
template <>
void retort::orm::define(Mapping<T7>& m) {
    m.table("t7");
    m.name("T7");
    m.column(&T7::id, "id", {.primary_key = true, .autoincrement = false});
    m.column(&T7::data, "data", {.type = types::String(30)});
}
template <>
void retort::orm::define(Mapping<Parent>& m) {
    m.table("mytable");
    m.name("Parent");
    m.column(&Parent::id, "id", {.primary_key = true});
    m.column(&Parent::name, "name", {.type = types::String(30)});
    m.one_to_many(&Parent::children, "children", on(&Parent::id, &Child::parent_id),
                  {.cascade = "all, delete-orphan", .passive_deletes = true});
}
template <>
void retort::orm::define(Mapping<Child>& m) {
    m.table("myothertable");
    m.name("Child");
    m.column(&Child::id, "id", {.primary_key = true});
    m.column(&Child::parent_id, "parent_id", {.foreign_key = "mytable.id", .ondelete = "CASCADE"});
    m.column(&Child::name, "name", {.type = types::String(30)});
}

namespace conf_uow {

Registry& mapped() {
    static Registry& r = [] () -> Registry& {
        models().metadata().table("t5t7", {{"t5id", types::BigInteger(), {.nullable = false, .foreign_key = "t5.id"}},
                                           {"t7id", types::BigInteger(), {.nullable = false, .foreign_key = "t7.id"}}});
        models().map<T5, T6, T7, Parent, Child>();
        return models();
    }();
    return r;
}

class Uow : public testkit::OrmConformance {
protected:
    Uow() : OrmConformance(mapped()) {}
    std::vector<std::string> column_of(const std::string& sql) {
        std::vector<std::string> out;
        auto conn = engine.connect();
        for (RowView r : conn.exec_driver_sql(sql)) out.push_back(r.get<std::string>(0));
        return out;
    }
    using V = std::vector<std::string>;
};

// ports: test/orm/test_unitofwork.py::RowSwitchTest::test_onetomany
TEST_F(Uow, RowSwitchOneToMany) {
    Session sess(engine);
    auto o5 = sess.add(T5{.id = 1, .data = "some t5"});
    o5->t6s.push_back(make<T6>(T6{.id = 1, .data = "some t6"}));
    o5->t6s.push_back(make<T6>(T6{.id = 2, .data = "some other t6"}));
    sess.flush();
    sess.delete_(o5);
    auto o6 = make<T5>(T5{.id = 1, .data = "some other t5",
                          .t6s = {make<T6>(T6{.id = 3, .data = "third t6"}), make<T6>(T6{.id = 4, .data = "fourth t6"})}});
    sess.add(o6);
    record();
    sess.flush();
    auto stmts = dml(take());
    EXPECT_EQ(starting(stmts, "UPDATE t5").size(), 1u) << ::testing::PrintToString(stmts);
    EXPECT_TRUE(starting(stmts, "DELETE FROM t5 ").empty()) << ::testing::PrintToString(stmts);
    sess.commit();
    EXPECT_EQ(column_of("SELECT data FROM t5"), V{"some other t5"});
    EXPECT_EQ(column_of("SELECT data FROM t6 ORDER BY id"), (V{"third t6", "fourth t6"}));
    EXPECT_EQ(count_rows("t6", "t5id = 1"), 2);
}

// ports: test/orm/test_unitofwork.py::RowSwitchTest::test_manytomany
TEST_F(Uow, RowSwitchManyToMany) {
    Session sess(engine);
    auto o5 = sess.add(T5{.id = 1, .data = "some t5"});
    o5->t7s.push_back(make<T7>(T7{.id = 1, .data = "some t7"}));
    o5->t7s.push_back(make<T7>(T7{.id = 2, .data = "some other t7"}));
    sess.commit();
    EXPECT_EQ(count_rows("t5t7"), 2);
    auto o6 = make<T5>(T5{.id = 1, .data = "some other t5",
                          .t7s = {make<T7>(T7{.id = 3, .data = "third t7"}), make<T7>(T7{.id = 4, .data = "fourth t7"})}});
    sess.delete_(o5);
    EXPECT_TRUE(testkit::among(sess.deleted_objects(), o5));
    EXPECT_TRUE(testkit::among(sess.deleted_objects(), o5->t7s[0]));
    EXPECT_TRUE(testkit::among(sess.deleted_objects(), o5->t7s[1]));
    sess.add(o6);
    sess.flush();
    sess.commit();
    EXPECT_EQ(column_of("SELECT data FROM t5"), V{"some other t5"});
    EXPECT_EQ(column_of("SELECT data FROM t7 ORDER BY id"), (V{"third t7", "fourth t7"}));
    EXPECT_EQ(count_rows("t5t7", "t5id = 1"), 2);
    EXPECT_EQ(count_rows("t5t7", "t7id IN (3, 4)"), 2);
}

// ports: test/orm/test_unitofwork.py::RowSwitchTest::test_manytoone
TEST_F(Uow, RowSwitchManyToOne) {
    Session sess(engine);
    auto o5 = make<T5>(T5{.id = 1, .data = "some t5"});
    auto o6 = sess.add(T6{.id = 1, .data = "some t6", .t5 = o5});
    sess.flush();
    auto o6b = make<T6>(T6{.id = 1, .data = "some other t6", .t5 = make<T5>(T5{.id = 2, .data = "some other t5"})});
    sess.delete_(o6);
    sess.add(o6b);
    sess.flush();
    sess.commit();
    EXPECT_EQ(column_of("SELECT data FROM t6"), V{"some other t6"});
    EXPECT_EQ(count_rows("t6", "t5id = 2"), 1);
}

// ports: test/orm/test_unitofworkv2.py::RowswitchM2OTest::test_set_none_replaces_m2o
TEST_F(Uow, RowSwitchOfAChildReplacedInTheCollection) {
    Session sess(engine);
    sess.add(T5{.id = 1, .data = "a", .t6s = {make<T6>(T6{.id = 1, .data = "b"})}});
    sess.commit();
    auto a1 = sess.scalars(select<T5>()).first();
    a1->t6s = {make<T6>(T6{.id = 1, .data = "b2"})};
    sess.commit();
    ASSERT_EQ(a1->t6s.size(), 1u);
    EXPECT_EQ(a1->t6s[0]->data, "b2");
    EXPECT_EQ(column_of("SELECT data FROM t6"), V{"b2"});
}

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_child_move
TEST_F(Uow, ChildMove) {
    Session sess(engine);
    auto a = make<T6>(T6{.id = 1, .data = "a"});
    auto u1 = sess.add(T5{.id = 1, .data = "u1", .t6s = {a}});
    auto u2 = sess.add(T5{.id = 2, .data = "u2"});
    sess.flush();
    u1->t6s.remove(a);
    u2->t6s.push_back(a);
    sess.flush();
    sess.expunge_all();
    auto got = sess.get<T5>(std::int64_t{2});
    ASSERT_EQ(got->t6s.size(), 1u);
    EXPECT_EQ(got->t6s[0]->data, "a");
    EXPECT_EQ(sess.get<T5>(std::int64_t{1})->t6s.size(), 0u);
}

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_one_to_many_1
TEST_F(Uow, OneToManyListChanges) {
    Session sess(engine);
    auto u = sess.add(T5{.id = 1, .data = "one2manytester"});
    auto a = make<T6>(T6{.id = 1, .data = "one2many@test.org"});
    auto a2 = make<T6>(T6{.id = 2, .data = "lala@test.org"});
    u->t6s.push_back(a);
    u->t6s.push_back(a2);
    sess.commit();
    EXPECT_EQ(count_rows("t6", "t5id = 1"), 2);
    a2->data = "somethingnew";
    sess.flush();
    EXPECT_EQ(sess.connection().exec_driver_sql("SELECT data FROM t6 WHERE id = 2").scalar_one<std::string>(), "somethingnew");
    sess.commit();
    EXPECT_EQ(column_of("SELECT data FROM t6 WHERE id = 2"), V{"somethingnew"});
}

// ports: test/orm/test_unitofwork.py::PassiveDeletesTest::test_basic
TEST_F(Uow, PassiveDeletesLeaveChildrenToTheDatabase) {
    if (!engine.dialect().caps().supports_foreign_keys) GTEST_SKIP() << "no foreign keys in DDL: no ON DELETE CASCADE";
    Session sess(engine);
    auto mc = sess.add(Parent{.name = "t1"});
    for (int i = 0; i < 4; ++i) mc->children.push_back(make<Child>(Child{.name = "a"}));
    sess.commit();
    const auto id = mc->id;
    EXPECT_EQ(count_rows("myothertable"), 4);
    sess.expunge_all();
    auto p = sess.get<Parent>(id);
    record();
    sess.delete_(p);
    sess.commit();
    auto stmts = dml(take());
    // No SELECT of the children, no DELETE of them: the database's ON DELETE CASCADE does it.
    EXPECT_TRUE(starting(stmts, "SELECT myothertable").empty()) << ::testing::PrintToString(stmts);
    EXPECT_TRUE(starting(stmts, "DELETE FROM myothertable").empty()) << ::testing::PrintToString(stmts);
    EXPECT_EQ(count_rows("mytable"), 0);
    EXPECT_EQ(count_rows("myothertable"), 0);
}

// ports: test/orm/test_unitofwork.py::PassiveDeletesTest::test_backwards_pd
// (loaded children are still deleted by the ORM with passive_deletes: only unloaded ones are left alone)
TEST_F(Uow, PassiveDeletesStillDeleteLoadedChildren) {
    Session sess(engine);
    auto mc = sess.add(Parent{.name = "t1"});
    for (int i = 0; i < 2; ++i) mc->children.push_back(make<Child>(Child{.name = "a"}));
    sess.commit();
    EXPECT_EQ(mc->children.size(), 2u);  // loaded
    sess.delete_(mc);
    sess.commit();
    EXPECT_EQ(count_rows("mytable"), 0);
    EXPECT_EQ(count_rows("myothertable"), 0);
}

// ports: test/orm/test_unitofwork.py::SaveTest::test_dont_update_blanks
TEST_F(Uow, NoUpdateWithoutChanges) {
    Session sess(engine);
    auto u = sess.add(T5{.id = 1, .data = "x"});
    sess.flush();
    u->data = "x";
    record();
    sess.flush();
    EXPECT_TRUE(dml(take()).empty());
}

// ports: test/orm/test_unitofwork.py::PKTest::test_manual_pk
TEST_F(Uow, ManualPrimaryKey) {
    Session sess(engine);
    sess.add(T7{.id = 42, .data = "x"});
    sess.commit();
    EXPECT_EQ(count_rows("t7", "id = 42"), 1);
    sess.expunge_all();
    EXPECT_EQ(sess.get<T7>(std::int64_t{42})->data, "x");
}

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_o2m_delete_parent
// (the child's foreign key is NOT NULL and the relationship has delete-orphan: the child is deleted with it)
TEST_F(Uow, DeleteParentDeletesNotNullChildren) {
    Session sess(engine);
    auto u = sess.add(T5{.id = 1, .data = "p", .t6s = {make<T6>(T6{.id = 1, .data = "c"})}});
    sess.commit();
    sess.delete_(u);
    sess.commit();
    EXPECT_EQ(count_rows("t5"), 0);
    EXPECT_EQ(count_rows("t6"), 0);
}

}  // namespace conf_uow
