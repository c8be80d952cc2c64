// Ports of test/orm/test_unitofwork.py: what a flush writes for one-to-many, many-to-one and many-to-many
// changes, row switches (a new object taking over the row of a deleted one), passive deletes.
#include <map>

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

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_child_move_2
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

// ports: test/orm/test_unitofwork.py::SaveTest::test_history_get
// (the parent is loaded anew, its delete-orphan collection unloaded: the delete loads it to delete the children)
TEST_F(Uow, DeleteOfReloadedParentDeletesItsUnloadedChildren) {
    Session sess(engine);
    sess.add(T5{.id = 1, .data = "u1",
                .t6s = {make<T6>(T6{.id = 1, .data = "u1@e1"}), make<T6>(T6{.id = 2, .data = "u1@e2"})}});
    sess.flush();
    sess.expunge_all();
    auto u = sess.get<T5>(std::int64_t{1});
    sess.delete_(u);
    sess.flush();
    EXPECT_EQ(sess.connection().exec_driver_sql("SELECT COUNT(*) FROM t5").scalar_one<std::int64_t>(), 0);
    EXPECT_EQ(sess.connection().exec_driver_sql("SELECT COUNT(*) FROM t6").scalar_one<std::int64_t>(), 0);
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

// SQLAlchemy's fixture tables (users, addresses, items, keywords) and the small tables of test_unitofwork.py's own
// test classes, mapped the way each of its tests maps them. A mapping of users and addresses other than the plain
// one-to-many gets tables of its own (one_users, m2o_users, bi_users ...), so that each model pair has exactly the
// relationships its test has.
namespace conf_uowfx {

// users / addresses: User.addresses, a one-to-many without a backref.
struct Address;
struct User {
    std::int64_t id = 0;
    std::string name;
    Collection<Address> addresses;
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string email_address;
};
// User.address as one object (uselist=False).
struct OneAddress;
struct OneUser {
    std::int64_t id = 0;
    std::string name;
    Ref<OneAddress> address;
};
struct OneAddress {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string email_address;
};
// Address.user, a many-to-one without a backref.
struct ToUser {
    std::int64_t id = 0;
    std::string name;
};
struct ToAddress {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string email_address;
    Ref<ToUser> user;
};
// Address.user (joined) with the backref User.addresses.
struct BiAddress;
struct BiUser {
    std::int64_t id = 0;
    std::string name;
    Collection<BiAddress> addresses;
};
struct BiAddress {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string email_address;
    Ref<BiUser> user;
};
// items / keywords through item_keywords: Item.keywords, joined, ordered by the keyword's name.
struct Keyword {
    std::int64_t id = 0;
    std::string name;
};
struct Item {
    std::int64_t id = 0;
    std::string description;
    Collection<Keyword> keywords;
};
// A many-to-many whose association table has a column of its own (assoc.foo, a Boolean defaulting to true).
struct XKeyword {
    std::int64_t keyword_id = 0;
    std::optional<std::string> name;
};
struct XItem {
    std::int64_t item_id = 0;
    std::optional<std::string> item_name;
    Collection<XKeyword> keywords;
};
// t1_t: a Boolean column.
struct Flag {
    std::int64_t id = 0;
    std::string name;
    std::optional<bool> value;
};
// multipk2 and multipk3: composite primary keys the program sets.
struct Entry2 {
    std::string pk_col_1;
    std::string pk_col_2;
    std::optional<std::string> data;
};
struct Entry3 {
    std::string primary;
    std::string secondary;
    Date assigned;
    std::optional<std::string> data;
};
// people / peoplesites: a one-to-many whose foreign key is the child's primary key.
struct PersonSite;
struct Person {
    std::string person;
    std::optional<std::string> firstname;
    std::optional<std::string> lastname;
    Collection<PersonSite> sites;
};
struct PersonSite {
    std::string person;
    std::optional<std::string> site;
};
// A self-referencing table whose foreign key deletes the children in the database (ON DELETE CASCADE).
struct Node {
    std::int64_t id = 0;
    std::optional<std::int64_t> parent_id;
};
// book: a column named like the key's bind parameter would be (book_id beside id).
struct Book {
    std::int64_t id = 0;
    std::optional<std::string> book_id;
    std::optional<std::string> title;
};
// A binary column.
struct Blob {
    std::int64_t id = 0;
    std::optional<Bytes> data;
};
// uni_t1 / uni_t2: text that is not ASCII, in a unique column, and the children referring to their parent by it.
struct UniChild;
struct UniParent {
    std::int64_t id = 0;
    std::optional<std::string> txt;
    Collection<UniChild> t2s;
};
struct UniChild {
    std::int64_t id = 0;
    std::optional<std::string> txt;
};

// multipk1: a composite key whose first column the database numbers.
struct Entry1 {
    std::int64_t multi_id = 0;
    std::int64_t multi_rev = 0;
    std::string name;
    std::optional<std::string> value;
};
// t1 of PartialNullPKTest: a two-column key whose columns may be NULL (SQLite lets a key column hold NULL).
struct NullKey {
    std::optional<std::string> col1;
    std::optional<std::string> col2;
    std::optional<std::string> col3;
};
// An association object: Item.keywords holds the rows of the association table, each naming its keyword.
struct AKeyword {
    std::int64_t id = 0;
    std::string name;
};
struct IKAssociation {
    std::int64_t item_id = 0;
    std::int64_t keyword_id = 0;
    Ref<AKeyword> keyword;
};
struct AItem {
    std::int64_t id = 0;
    std::string description;
    Collection<IKAssociation> keywords;
};

// default_t of DefaultTest: a server default, and two client defaults (an empty member leaves the column to them).
struct Hoho {
    std::int64_t id = 0;
    std::optional<std::string> hoho;
    std::optional<std::int64_t> counter;
    std::optional<std::string> foober;
};
// The same table with its secondary rows, joined on the server-made column (no foreign key: it is not unique).
struct Secondary {
    std::int64_t id = 0;
    std::optional<std::string> data;
    std::optional<std::string> hoho;
};
struct RHoho {
    std::int64_t id = 0;
    std::optional<std::string> hoho;
    Collection<Secondary> secondaries;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_uowfx

namespace fx = conf_uowfx;

template <>
void retort::orm::define(Mapping<fx::User>& m) {
    m.table("users");
    m.name("User");
    m.column(&fx::User::id, "id", {.primary_key = true});
    m.column(&fx::User::name, "name", {.type = types::String(30)});
    m.one_to_many(&fx::User::addresses, "addresses", on(&fx::User::id, &fx::Address::user_id), {.order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<fx::Address>& m) {
    m.table("addresses");
    m.name("Address");
    m.column(&fx::Address::id, "id", {.primary_key = true});
    m.column(&fx::Address::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&fx::Address::email_address, "email_address", {.type = types::String(50)});
}
template <>
void retort::orm::define(Mapping<fx::OneUser>& m) {
    m.table("one_users");
    m.name("OneUser");
    m.column(&fx::OneUser::id, "id", {.primary_key = true});
    m.column(&fx::OneUser::name, "name", {.type = types::String(30)});
    m.one_to_one(&fx::OneUser::address, "address", on(&fx::OneUser::id, &fx::OneAddress::user_id));
}
template <>
void retort::orm::define(Mapping<fx::OneAddress>& m) {
    m.table("one_addresses");
    m.name("OneAddress");
    m.column(&fx::OneAddress::id, "id", {.primary_key = true});
    m.column(&fx::OneAddress::user_id, "user_id", {.foreign_key = "one_users.id"});
    m.column(&fx::OneAddress::email_address, "email_address", {.type = types::String(50)});
}
template <>
void retort::orm::define(Mapping<fx::ToUser>& m) {
    m.table("m2o_users");
    m.name("ToUser");
    m.column(&fx::ToUser::id, "id", {.primary_key = true});
    m.column(&fx::ToUser::name, "name", {.type = types::String(30)});
}
template <>
void retort::orm::define(Mapping<fx::ToAddress>& m) {
    m.table("m2o_addresses");
    m.name("ToAddress");
    m.column(&fx::ToAddress::id, "id", {.primary_key = true});
    m.column(&fx::ToAddress::user_id, "user_id", {.foreign_key = "m2o_users.id"});
    m.column(&fx::ToAddress::email_address, "email_address", {.type = types::String(50)});
    m.many_to_one(&fx::ToAddress::user, "user", on(&fx::ToAddress::user_id, &fx::ToUser::id));
}
template <>
void retort::orm::define(Mapping<fx::BiUser>& m) {
    m.table("bi_users");
    m.name("BiUser");
    m.column(&fx::BiUser::id, "id", {.primary_key = true});
    m.column(&fx::BiUser::name, "name", {.type = types::String(30)});
    m.one_to_many(&fx::BiUser::addresses, "addresses", on(&fx::BiUser::id, &fx::BiAddress::user_id),
                  {.back_populates = "user"});
}
template <>
void retort::orm::define(Mapping<fx::BiAddress>& m) {
    m.table("bi_addresses");
    m.name("BiAddress");
    m.column(&fx::BiAddress::id, "id", {.primary_key = true});
    m.column(&fx::BiAddress::user_id, "user_id", {.foreign_key = "bi_users.id"});
    m.column(&fx::BiAddress::email_address, "email_address", {.type = types::String(50)});
    m.many_to_one(&fx::BiAddress::user, "user", on(&fx::BiAddress::user_id, &fx::BiUser::id),
                  {.lazy = Lazy::Joined, .back_populates = "addresses"});
}
template <>
void retort::orm::define(Mapping<fx::Keyword>& m) {
    m.table("keywords");
    m.name("Keyword");
    m.column(&fx::Keyword::id, "id", {.primary_key = true});
    m.column(&fx::Keyword::name, "name", {.type = types::String(30)});
}
template <>
void retort::orm::define(Mapping<fx::Item>& m) {
    m.table("items");
    m.name("Item");
    m.column(&fx::Item::id, "id", {.primary_key = true});
    m.column(&fx::Item::description, "description", {.type = types::String(30)});
    m.many_to_many(&fx::Item::keywords, "keywords", "item_keywords", on(&fx::Item::id, "item_id"),
                   on(&fx::Keyword::id, "keyword_id"), {.lazy = Lazy::Joined, .order_by = {"name"}});
}
template <>
void retort::orm::define(Mapping<fx::XKeyword>& m) {
    m.table("x_keywords");
    m.name("XKeyword");
    m.column(&fx::XKeyword::keyword_id, "keyword_id", {.primary_key = true});
    m.column(&fx::XKeyword::name, "name", {.type = types::String(50)});
}
template <>
void retort::orm::define(Mapping<fx::XItem>& m) {
    m.table("x_items");
    m.name("XItem");
    m.column(&fx::XItem::item_id, "item_id", {.primary_key = true});
    m.column(&fx::XItem::item_name, "item_name", {.type = types::String(50)});
    m.many_to_many(&fx::XItem::keywords, "keywords", "assoc", on(&fx::XItem::item_id, "item_id"),
                   on(&fx::XKeyword::keyword_id, "keyword_id"), {.lazy = Lazy::Joined});
}
template <>
void retort::orm::define(Mapping<fx::Flag>& m) {
    m.table("t1_t");
    m.name("T");
    m.column(&fx::Flag::id, "id", {.primary_key = true});
    m.column(&fx::Flag::name, "name", {.type = types::String(30)});
    m.column(&fx::Flag::value, "value", {.type = types::Boolean()});
}
template <>
void retort::orm::define(Mapping<fx::Entry2>& m) {
    m.table("multipk2");
    m.name("Entry2");
    m.column(&fx::Entry2::pk_col_1, "pk_col_1", {.type = types::String(30), .primary_key = true});
    m.column(&fx::Entry2::pk_col_2, "pk_col_2", {.type = types::String(30), .primary_key = true});
    m.column(&fx::Entry2::data, "data", {.type = types::String(30)});
}
template <>
void retort::orm::define(Mapping<fx::Entry3>& m) {
    m.table("multipk3");
    m.name("Entry3");
    m.column(&fx::Entry3::primary, "pri_code", {.type = types::String(30), .primary_key = true});
    m.column(&fx::Entry3::secondary, "sec_code", {.type = types::String(30), .primary_key = true});
    m.column(&fx::Entry3::assigned, "date_assigned", {.primary_key = true});
    m.column(&fx::Entry3::data, "data", {.type = types::String(30)});
}
template <>
void retort::orm::define(Mapping<fx::Person>& m) {
    m.table("people");
    m.name("Person");
    m.column(&fx::Person::person, "person", {.type = types::String(10), .primary_key = true});
    m.column(&fx::Person::firstname, "firstname", {.type = types::String(10)});
    m.column(&fx::Person::lastname, "lastname", {.type = types::String(10)});
    m.one_to_many(&fx::Person::sites, "sites", on(&fx::Person::person, &fx::PersonSite::person));
}
template <>
void retort::orm::define(Mapping<fx::PersonSite>& m) {
    m.table("peoplesites");
    m.name("PersonSite");
    m.column(&fx::PersonSite::person, "person",
             {.type = types::String(10), .primary_key = true, .foreign_key = "people.person"});
    m.column(&fx::PersonSite::site, "site", {.type = types::String(10)});
}
template <>
void retort::orm::define(Mapping<fx::Node>& m) {
    m.table("a_nodes");
    m.name("A");
    m.column(&fx::Node::id, "id", {.primary_key = true, .autoincrement = false});
    m.column(&fx::Node::parent_id, "parent_id", {.foreign_key = "a_nodes.id", .ondelete = "CASCADE"});
}
template <>
void retort::orm::define(Mapping<fx::Book>& m) {
    m.table("book");
    m.name("Book");
    m.column(&fx::Book::id, "id", {.primary_key = true});
    m.column(&fx::Book::book_id, "book_id", {.type = types::String(50)});
    m.column(&fx::Book::title, "title", {.type = types::String(50)});
}
template <>
void retort::orm::define(Mapping<fx::Blob>& m) {
    m.table("bin_t1");
    m.name("Foo");
    m.column(&fx::Blob::id, "id", {.primary_key = true});
    m.column(&fx::Blob::data, "data");
}
template <>
void retort::orm::define(Mapping<fx::UniParent>& m) {
    m.table("uni_t1");
    m.name("Test");
    m.column(&fx::UniParent::id, "id", {.primary_key = true});
    m.column(&fx::UniParent::txt, "txt", {.type = types::String(50), .unique = true});
    m.one_to_many(&fx::UniParent::t2s, "t2s", on(&fx::UniParent::txt, &fx::UniChild::txt));
}
template <>
void retort::orm::define(Mapping<fx::UniChild>& m) {
    m.table("uni_t2");
    m.name("Test2");
    m.column(&fx::UniChild::id, "id", {.primary_key = true});
    m.column(&fx::UniChild::txt, "txt", {.type = types::String(50), .foreign_key = "uni_t1.txt"});
}

template <>
void retort::orm::define(Mapping<fx::Entry1>& m) {
    m.table("multipk1");
    m.name("Entry1");
    m.column(&fx::Entry1::multi_id, "multi_id", {.primary_key = true, .autoincrement = true});
    m.column(&fx::Entry1::multi_rev, "multi_rev", {.primary_key = true, .autoincrement = false});
    m.column(&fx::Entry1::name, "name", {.type = types::String(50), .nullable = false});
    m.column(&fx::Entry1::value, "value", {.type = types::String(100)});
}
template <>
void retort::orm::define(Mapping<fx::NullKey>& m) {
    m.table("t1");
    m.name("T1");
    m.column(&fx::NullKey::col1, "col1", {.type = types::String(10), .primary_key = true, .nullable = true});
    m.column(&fx::NullKey::col2, "col2", {.type = types::String(10), .primary_key = true, .nullable = true});
    m.column(&fx::NullKey::col3, "col3", {.type = types::String(50)});
}
template <>
void retort::orm::define(Mapping<fx::AKeyword>& m) {
    m.table("a_keywords");
    m.name("Keyword");
    m.column(&fx::AKeyword::id, "id", {.primary_key = true});
    m.column(&fx::AKeyword::name, "name", {.type = types::String(30)});
}
template <>
void retort::orm::define(Mapping<fx::IKAssociation>& m) {
    m.table("a_item_keywords");
    m.name("IKAssociation");
    m.column(&fx::IKAssociation::item_id, "item_id", {.primary_key = true, .foreign_key = "a_items.id"});
    m.column(&fx::IKAssociation::keyword_id, "keyword_id", {.primary_key = true, .foreign_key = "a_keywords.id"});
    m.many_to_one(&fx::IKAssociation::keyword, "keyword", on(&fx::IKAssociation::keyword_id, &fx::AKeyword::id),
                  {.lazy = Lazy::Joined});
}
template <>
void retort::orm::define(Mapping<fx::AItem>& m) {
    m.table("a_items");
    m.name("Item");
    m.column(&fx::AItem::id, "id", {.primary_key = true});
    m.column(&fx::AItem::description, "description", {.type = types::String(30)});
    m.one_to_many(&fx::AItem::keywords, "keywords", on(&fx::AItem::id, &fx::IKAssociation::item_id),
                  {.lazy = Lazy::Joined});
}

template <>
void retort::orm::define(Mapping<fx::Hoho>& m) {
    m.table("default_t");
    m.name("Hoho");
    m.column(&fx::Hoho::id, "id", {.primary_key = true});
    m.column(&fx::Hoho::hoho, "hoho", {.type = types::String(30), .server_default = "'im hoho'"});
    m.column(&fx::Hoho::counter, "counter", {.default_value = Value(7)});
    m.column(&fx::Hoho::foober, "foober", {.type = types::String(30), .default_value = Value("im foober")});
}
template <>
void retort::orm::define(Mapping<fx::RHoho>& m) {
    m.table("rdefault_t");
    m.name("RHoho");
    m.column(&fx::RHoho::id, "id", {.primary_key = true});
    m.column(&fx::RHoho::hoho, "hoho", {.type = types::String(30), .server_default = "'im hoho'"});
    m.one_to_many(&fx::RHoho::secondaries, "secondaries", on(&fx::RHoho::hoho, &fx::Secondary::hoho),
                  {.order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<fx::Secondary>& m) {
    m.table("secondary_table");
    m.name("Secondary");
    m.column(&fx::Secondary::id, "id", {.primary_key = true});
    m.column(&fx::Secondary::data, "data", {.type = types::String(50)});
    m.column(&fx::Secondary::hoho, "hoho", {.type = types::String(30)});
}

namespace conf_uowfx {

Registry& mapped() {
    static Registry& r = []() -> Registry& {
        auto& md = models().metadata();
        md.table("item_keywords",
                 {{"item_id", types::BigInteger(), {.nullable = false, .foreign_key = "items.id"}},
                  {"keyword_id", types::BigInteger(), {.nullable = false, .foreign_key = "keywords.id"}}});
        md.table("assoc", {{"item_id", types::BigInteger(), {.foreign_key = "x_items.item_id"}},
                           {"keyword_id", types::BigInteger(), {.foreign_key = "x_keywords.keyword_id"}},
                           {"foo", types::Boolean(), {.default_value = Value(true)}}});
        models().map<User, Address, OneUser, OneAddress, ToUser, ToAddress, BiUser, BiAddress, Keyword, Item, XKeyword,
                     XItem, Flag, Entry2, Entry3, Person, PersonSite, Node, Book, Blob, UniParent, UniChild, Entry1,
                     AKeyword, IKAssociation, AItem, Hoho, RHoho, Secondary>();
        // t1's key columns may hold NULL only on SQLite; the other databases make every key column NOT NULL.
        models().map<NullKey>();
        return models();
    }();
    return r;
}

class UowFixture : public testkit::OrmConformance {
protected:
    UowFixture() : OrmConformance(mapped()) {}
    // One value of a row, read over a fresh connection (what is committed) or the session's.
    template <class V>
    static V one_value(Connection& conn, const std::string& sql) {
        return conn.exec_driver_sql(sql).scalar_one<V>();
    }
    static std::int64_t count_in(Session& s, const std::string& table, const std::string& where = {}) {
        std::string q = "SELECT COUNT(*) FROM " + table;
        if (!where.empty()) q += " WHERE " + where;
        return s.connection().exec_driver_sql(q).scalar_one<std::int64_t>();
    }
    // The number of statements of the ORM's own making that `fn` sends.
    template <class F>
    std::size_t sql_count(F&& fn) {
        record();
        fn();
        return dml(take()).size();
    }
    static std::string str(std::int64_t v) { return std::to_string(v); }
    static std::string dump(const std::vector<std::string>& v) { return ::testing::PrintToString(v); }
    // The position of the first statement starting with `prefix`, or -1.
    static int index_of(const std::vector<std::string>& stmts, std::string_view prefix) {
        for (std::size_t i = 0; i < stmts.size(); ++i)
            if (stmts[i].starts_with(prefix)) return static_cast<int>(i);
        return -1;
    }
};
class UowOneToMany : public UowFixture {};
class UowManyToOne : public UowFixture {};
class UowManyToMany : public UowFixture {};
class UowSave : public UowFixture {};
class UowKeys : public UowFixture {};

// ---- OneToManyTest

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_one_to_many_2
TEST_F(UowOneToMany, ModifyParentAndMoveChildren) {
    Session sess(engine);
    auto a1 = make<Address>(Address{.email_address = "emailaddress1"});
    auto u1 = make<User>(User{.name = "user1", .addresses = {a1}});
    auto a2 = make<Address>(Address{.email_address = "emailaddress2"});
    auto u2 = make<User>(User{.name = "user2", .addresses = {a2}});
    auto a3 = make<Address>(Address{.email_address = "emailaddress3"});
    sess.add_all(u1, u2, a3);
    sess.flush();
    // user2 changes itself; user1 gains address3 and loses address1: user1's row is not updated, the rows of
    // address1 and address3 are.
    u2->name = "user2modified";
    u1->addresses.push_back(a3);
    u1->addresses.remove(a1);
    record();
    sess.flush();
    auto stmts = dml(take());
    ASSERT_FALSE(stmts.empty());
    EXPECT_EQ(stmts[0], "UPDATE users SET name = ? WHERE users.id = ?") << dump(stmts);
    // The two addresses' UPDATEs: one statement run for both rows (PostgreSQL's form joins a VALUES list).
    for (std::size_t i = 1; i < stmts.size(); ++i) {
        EXPECT_TRUE(stmts[i].starts_with("UPDATE addresses SET user_id = ")) << dump(stmts);
        EXPECT_NE(stmts[i].find("WHERE addresses.id = "), std::string::npos) << dump(stmts);
    }
    EXPECT_GE(stmts.size(), 2u);
    EXPECT_EQ(starting(stmts, "UPDATE users").size(), 1u) << dump(stmts);
    EXPECT_FALSE(a1->user_id.has_value());
    EXPECT_EQ(a3->user_id, u1->id);
    EXPECT_EQ(a2->user_id, u2->id);
    EXPECT_EQ(count_in(sess, "addresses", "user_id IS NULL"), 1);
    EXPECT_EQ(count_in(sess, "addresses", "user_id = " + str(u1->id) + " AND id = " + str(a3->id)), 1);
    EXPECT_EQ(count_in(sess, "users", "name = 'user2modified'"), 1);
    EXPECT_EQ(count_in(sess, "users", "name = 'user1'"), 1);
}

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_child_move
TEST_F(UowOneToMany, ChildMovedThenFirstParentDeleted) {
    Session sess(engine);
    auto a = make<Address>(Address{.email_address = "address1"});
    auto u1 = sess.add(User{.name = "user1", .addresses = {a}});
    auto u2 = sess.add(User{.name = "user2"});
    sess.flush();
    u1->addresses.remove(a);
    u2->addresses.push_back(a);
    // Deleting user1 nulls the foreign key of its children; the address moved away is no longer one of them.
    sess.delete_(u1);
    sess.flush();
    const auto u2id = u2->id;
    sess.expunge_all();
    auto got = sess.get<User>(u2id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->addresses.size(), 1u);
    EXPECT_EQ(count_in(sess, "addresses", "user_id = " + str(u2id)), 1);
}

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_o2m_delete_parent
TEST_F(UowOneToMany, DeleteParentOfScalarChild) {
    Session sess(engine);
    auto a = make<OneAddress>(OneAddress{.email_address = "myonlyaddress@foo.com"});
    auto u = sess.add(OneUser{.name = "one2onetester", .address = a});
    sess.flush();
    sess.delete_(u);
    sess.flush();
    // The child stays, without its parent; the parent is gone from the identity map.
    EXPECT_NE(a->id, 0);
    EXPECT_FALSE(a->user_id.has_value());
    EXPECT_TRUE(sess.contains(a));
    EXPECT_FALSE(sess.contains(u));
    EXPECT_EQ(count_in(sess, "one_addresses", "user_id IS NULL"), 1);
    EXPECT_EQ(count_in(sess, "one_users"), 0);
}

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_one_to_one
TEST_F(UowOneToMany, ScalarChildUpdates) {
    Session sess(engine);
    auto u = sess.add(OneUser{.name = "one2onetester",
                              .address = make<OneAddress>(OneAddress{.email_address = "myonlyaddress@foo.com"})});
    sess.flush();
    EXPECT_EQ(count_in(sess, "one_addresses", "user_id = " + str(u->id)), 1);
    u->name = "imnew";
    sess.flush();
    EXPECT_EQ(count_in(sess, "one_users", "name = 'imnew'"), 1);
    u->address->email_address = "imnew@foo.com";
    sess.flush();
    EXPECT_EQ(count_in(sess, "one_addresses", "email_address = 'imnew@foo.com' AND user_id = " + str(u->id)), 1);
}

// ports: test/orm/test_unitofwork.py::OneToManyTest::test_bidirectional
TEST_F(UowOneToMany, BidirectionalSaveThenDeleteParent) {
    Session sess(engine);
    auto u = make<BiUser>(BiUser{.name = "test"});
    auto a = make<BiAddress>(BiAddress{.email_address = "testaddress"});
    a->user = u;  // the backref puts the address in u.addresses, and adding u takes it in
    EXPECT_TRUE(u->addresses.contains(a));
    sess.add(u);
    sess.flush();
    EXPECT_EQ(count_in(sess, "bi_addresses", "user_id = " + str(u->id)), 1);
    sess.delete_(u);
    sess.flush();
    EXPECT_EQ(count_in(sess, "bi_users"), 0);
    EXPECT_EQ(count_in(sess, "bi_addresses", "user_id IS NULL"), 1);
}

// ---- ManyToOneTest

// ports: test/orm/test_unitofwork.py::ManyToOneTest::test_m2o_one_to_one
TEST_F(UowManyToOne, NewParentForOneChildAndColumnChangeOfAnother) {
    Session sess(engine);
    const std::vector<std::pair<std::string, std::string>> data = {{"thesub", "bar@foo.com"},
                                                                   {"assdkfj", "thesdf@asdf.com"},
                                                                   {"n4knd", "asf3@bar.org"},
                                                                   {"v88f4", "adsd5@llala.net"},
                                                                   {"asdf8d", "theater@foo.com"}};
    std::vector<Ptr<ToAddress>> objects;
    for (const auto& [name, email] : data) {
        auto a = make<ToAddress>(ToAddress{.email_address = email});
        a->user = make<ToUser>(ToUser{.name = name});
        objects.push_back(sess.add(a));
    }
    sess.flush();
    objects[2]->email_address = "imnew@foo.bar";
    objects[3]->user = make<ToUser>(ToUser{.name = "imnewlyadded"});
    record();
    sess.flush();
    auto stmts = dml(take());
    // The new user's INSERT, then one UPDATE of each address (each its own columns).
    const int ins = index_of(stmts, "INSERT INTO m2o_users");
    const int upd_email = index_of(stmts, "UPDATE m2o_addresses SET email_address = ? WHERE m2o_addresses.id = ?");
    const int upd_user = index_of(stmts, "UPDATE m2o_addresses SET user_id = ? WHERE m2o_addresses.id = ?");
    ASSERT_GE(ins, 0) << dump(stmts);
    ASSERT_GE(upd_email, 0) << dump(stmts);
    ASSERT_GE(upd_user, 0) << dump(stmts);
    EXPECT_LT(ins, upd_user) << dump(stmts);
    EXPECT_EQ(starting(stmts, "UPDATE").size(), 2u) << dump(stmts);
    EXPECT_EQ(starting(stmts, "INSERT").size(), 1u) << dump(stmts);
    EXPECT_TRUE(starting(stmts, "DELETE").empty()) << dump(stmts);
    EXPECT_EQ(objects[3]->user_id, objects[3]->user->id);
    EXPECT_EQ(count_in(sess, "m2o_addresses", "id = " + str(objects[2]->id) + " AND email_address = 'imnew@foo.bar'"), 1);
    EXPECT_EQ(count_in(sess, "m2o_addresses",
                       "id = " + str(objects[3]->id) + " AND user_id = " + str(objects[3]->user->id)),
              1);
    auto& a = objects[4];
    auto r = sess.connection().exec_driver_sql(
        "SELECT m2o_users.id, m2o_users.name, m2o_addresses.id, m2o_addresses.user_id, m2o_addresses.email_address "
        "FROM m2o_users, m2o_addresses WHERE m2o_users.id = m2o_addresses.user_id AND m2o_addresses.id = " +
        str(a->id));
    int rows = 0;
    for (RowView row : r) {
        ++rows;
        EXPECT_EQ(row.get<std::int64_t>(0), a->user->id);
        EXPECT_EQ(row.get<std::string>(1), "asdf8d");
        EXPECT_EQ(row.get<std::int64_t>(2), a->id);
        EXPECT_EQ(row.get<std::int64_t>(3), a->user_id.value_or(-1));
        EXPECT_EQ(row.get<std::string>(4), "theater@foo.com");
    }
    EXPECT_EQ(rows, 1);
}

// ports: test/orm/test_unitofwork.py::ManyToOneTest::test_many_to_one_1
TEST_F(UowManyToOne, SetParentToNone) {
    Session sess(engine);
    auto a1 = make<ToAddress>(ToAddress{.email_address = "emailaddress1"});
    auto u1 = make<ToUser>(ToUser{.name = "user1"});
    a1->user = u1;
    sess.add(a1);
    sess.flush();
    const auto a1id = a1->id, u1id = u1->id;
    sess.expunge_all();
    auto la1 = sess.get<ToAddress>(a1id);
    auto lu1 = sess.get<ToUser>(u1id);
    EXPECT_EQ(la1->user.get(), lu1);
    la1->user = nullptr;
    sess.flush();
    sess.expunge_all();
    la1 = sess.get<ToAddress>(a1id);
    lu1 = sess.get<ToUser>(u1id);
    EXPECT_FALSE(la1->user);
    EXPECT_TRUE(lu1);
    EXPECT_EQ(count_in(sess, "m2o_addresses", "user_id IS NULL"), 1);
}

// ports: test/orm/test_unitofwork.py::ManyToOneTest::test_many_to_one_2
TEST_F(UowManyToOne, ParentPassedToAnotherChild) {
    Session sess(engine);
    auto a1 = make<ToAddress>(ToAddress{.email_address = "emailaddress1"});
    auto a2 = make<ToAddress>(ToAddress{.email_address = "emailaddress2"});
    auto u1 = make<ToUser>(ToUser{.name = "user1"});
    a1->user = u1;
    sess.add_all(a1, a2);
    sess.flush();
    const auto a1id = a1->id, a2id = a2->id, u1id = u1->id;
    sess.expunge_all();
    auto la1 = sess.get<ToAddress>(a1id);
    auto la2 = sess.get<ToAddress>(a2id);
    auto lu1 = sess.get<ToUser>(u1id);
    EXPECT_EQ(la1->user.get(), lu1);
    la1->user = nullptr;
    la2->user = lu1;
    sess.flush();
    sess.expunge_all();
    la1 = sess.get<ToAddress>(a1id);
    la2 = sess.get<ToAddress>(a2id);
    lu1 = sess.get<ToUser>(u1id);
    EXPECT_FALSE(la1->user);
    EXPECT_EQ(la2->user.get(), lu1);
}

// ports: test/orm/test_unitofwork.py::ManyToOneTest::test_many_to_one_3
TEST_F(UowManyToOne, ChildPassedToAnotherParent) {
    Session sess(engine);
    auto a1 = make<ToAddress>(ToAddress{.email_address = "emailaddress1"});
    auto u1 = make<ToUser>(ToUser{.name = "user1"});
    auto u2 = make<ToUser>(ToUser{.name = "user2"});
    a1->user = u1;
    sess.add_all(a1, u1, u2);
    sess.flush();
    const auto a1id = a1->id, u1id = u1->id, u2id = u2->id;
    sess.expunge_all();
    auto la1 = sess.get<ToAddress>(a1id);
    auto lu1 = sess.get<ToUser>(u1id);
    auto lu2 = sess.get<ToUser>(u2id);
    EXPECT_EQ(la1->user.get(), lu1);
    la1->user = lu2;
    sess.flush();
    sess.expunge_all();
    la1 = sess.get<ToAddress>(a1id);
    lu1 = sess.get<ToUser>(u1id);
    lu2 = sess.get<ToUser>(u2id);
    EXPECT_EQ(la1->user.get(), lu2);
    EXPECT_NE(la1->user.get(), lu1);
}

// ports: test/orm/test_unitofwork.py::SaveTest2::test_m2o_nonmatch
TEST_F(UowManyToOne, NewParentsInsertedBeforeTheirChildren) {
    Session sess(engine);
    auto a1 = make<ToAddress>(ToAddress{.email_address = "a1", .user = make<ToUser>(ToUser{.name = "u1"})});
    auto a2 = make<ToAddress>(ToAddress{.email_address = "a2", .user = make<ToUser>(ToUser{.name = "u2"})});
    sess.add_all(a1, a2);
    record();
    sess.flush();
    auto stmts = dml(take());
    const auto users = starting(stmts, "INSERT INTO m2o_users");
    const auto addrs = starting(stmts, "INSERT INTO m2o_addresses");
    ASSERT_FALSE(users.empty()) << dump(stmts);
    ASSERT_FALSE(addrs.empty()) << dump(stmts);
    EXPECT_LT(index_of(stmts, "INSERT INTO m2o_users"), index_of(stmts, "INSERT INTO m2o_addresses")) << dump(stmts);
    if (engine.dialect().caps().supports_returning) {
        // One batched INSERT per table, the keys come back with RETURNING.
        EXPECT_EQ(stmts.size(), 2u) << dump(stmts);
    } else if (!engine.dialect().caps().prefetch_key_sequences) {
        // Without RETURNING: one INSERT per row, each key read from the cursor.
        EXPECT_EQ(stmts.size(), 4u) << dump(stmts);
    }
    EXPECT_TRUE(starting(stmts, "UPDATE").empty()) << dump(stmts);
    EXPECT_EQ(a1->user_id, a1->user->id);
    EXPECT_EQ(a2->user_id, a2->user->id);
    EXPECT_EQ(count_in(sess, "m2o_addresses a JOIN m2o_users u ON u.id = a.user_id",
                       "(a.email_address = 'a1' AND u.name = 'u1') OR (a.email_address = 'a2' AND u.name = 'u2')"),
              2);
}

// ---- ManyToManyTest

namespace {
std::vector<std::string> names_of(const Collection<Keyword>& ks) {
    std::vector<std::string> out;
    for (const auto& k : ks) out.push_back(k->name);
    return out;
}
}  // namespace

// ports: test/orm/test_unitofwork.py::ManyToManyTest::test_many_to_many
TEST_F(UowManyToMany, SaveUpdateAndDeleteAssociationRows) {
    using V = std::vector<std::string>;
    const std::vector<std::pair<std::string, V>> data = {
        {"mm_item1", {"big", "green", "purple", "round"}},
        {"mm_item2", {"blue", "imnew", "round", "small"}},
        {"mm_item3", {}},
        {"mm_item4", {"big", "blue"}},
        {"mm_item5", {"big", "exacting", "green"}},
        {"mm_item6", {"red", "round", "small"}},
    };
    Session sess(engine);
    std::map<std::string, Ptr<Keyword>> kws;
    for (const auto& k : sess.scalars(select<Keyword>())) kws[k->name] = k;
    std::vector<Ptr<Item>> objects;
    for (const auto& [desc, names] : data) {
        auto item = make<Item>(Item{.description = desc});
        objects.push_back(item);
        for (const auto& n : names) {
            auto& kw = kws[n];
            if (!kw) kw = make<Keyword>(Keyword{.name = n});
            item->keywords.push_back(kw);
        }
    }
    for (const auto& o : objects) sess.add(o);
    sess.flush();
    EXPECT_EQ(count_in(sess, "keywords"), 9);  // each name once
    V descs;
    for (const auto& d : data) descs.push_back(d.first);
    {
        // Loaded anew (another session): each item with its keywords, ordered by name.
        Session other(engine);
        sess.commit();
        auto result = other.scalars(
            select<Item>().where(col(&Item::description).in_(descs)).order_by(col(&Item::description))).all();
        ASSERT_EQ(result.size(), data.size());
        for (std::size_t i = 0; i < data.size(); ++i) {
            EXPECT_EQ(result[i]->description, data[i].first);
            EXPECT_EQ(names_of(result[i]->keywords), data[i].second) << data[i].first;
        }
    }

    objects[4]->description = "item4updated";
    auto k = make<Keyword>(Keyword{.name = "yellow"});
    objects[5]->keywords.push_back(k);
    record();
    sess.flush();
    auto stmts = dml(take());
    EXPECT_EQ(starting(stmts, "UPDATE"), V{"UPDATE items SET description = ? WHERE items.id = ?"}) << dump(stmts);
    EXPECT_EQ(starting(stmts, "INSERT INTO keywords").size(), 1u) << dump(stmts);
    EXPECT_EQ(starting(stmts, "INSERT INTO item_keywords"), V{"INSERT INTO item_keywords (item_id, keyword_id) VALUES (?, ?)"})
        << dump(stmts);
    EXPECT_LT(index_of(stmts, "INSERT INTO keywords"), index_of(stmts, "INSERT INTO item_keywords")) << dump(stmts);
    EXPECT_TRUE(starting(stmts, "DELETE").empty()) << dump(stmts);
    EXPECT_EQ(count_in(sess, "item_keywords", "item_id = " + str(objects[5]->id) + " AND keyword_id = " + str(k->id)), 1);

    objects[2]->keywords.push_back(k);
    auto removed = objects[5]->keywords[1];
    const auto dkid = removed->id;
    objects[5]->keywords.remove(removed);
    record();
    sess.flush();
    stmts = dml(take());
    // The association row of the removed keyword goes first, then the new one comes.
    ASSERT_EQ(stmts.size(), 2u) << dump(stmts);
    EXPECT_EQ(stmts[0], "DELETE FROM item_keywords WHERE item_keywords.item_id = ? AND item_keywords.keyword_id = ?");
    EXPECT_EQ(stmts[1], "INSERT INTO item_keywords (item_id, keyword_id) VALUES (?, ?)");
    EXPECT_EQ(count_in(sess, "item_keywords", "item_id = " + str(objects[5]->id) + " AND keyword_id = " + str(dkid)), 0);
    EXPECT_EQ(count_in(sess, "item_keywords", "item_id = " + str(objects[2]->id) + " AND keyword_id = " + str(k->id)), 1);

    // Deleting an item deletes its association rows (and leaves the keywords).
    const auto item3 = objects[3]->id;
    sess.delete_(objects[3]);
    sess.flush();
    EXPECT_EQ(count_in(sess, "items", "id = " + str(item3)), 0);
    EXPECT_EQ(count_in(sess, "item_keywords", "item_id = " + str(item3)), 0);
    EXPECT_EQ(count_in(sess, "keywords"), 10);
}

// ports: test/orm/test_unitofwork.py::ManyToManyTest::test_many_to_many_remove
TEST_F(UowManyToMany, EmptiedCollectionDeletesAssociationRows) {
    Session sess(engine);
    auto i = sess.add(Item{.description = "i1",
                           .keywords = {make<Keyword>(Keyword{.name = "k1"}), make<Keyword>(Keyword{.name = "k2"})}});
    sess.flush();
    EXPECT_EQ(count_in(sess, "item_keywords"), 2);
    i->keywords.clear();
    sess.flush();
    EXPECT_EQ(count_in(sess, "item_keywords"), 0);
    EXPECT_EQ(count_in(sess, "keywords"), 2);
}

// ports: test/orm/test_unitofwork.py::ManyToManyTest::test_many_to_many_update
TEST_F(UowManyToMany, CollectionEmptiedThenRefilled) {
    Session sess(engine);
    auto k1 = make<Keyword>(Keyword{.name = "keyword 1"});
    auto k2 = make<Keyword>(Keyword{.name = "keyword 2"});
    auto k3 = make<Keyword>(Keyword{.name = "keyword 3"});
    auto item = sess.add(Item{.description = "item 1", .keywords = {k1, k2, k3}});
    sess.flush();
    item->keywords.clear();
    item->keywords.push_back(k1);
    item->keywords.push_back(k2);
    sess.flush();
    const auto id = item->id, k1id = k1->id, k2id = k2->id;
    sess.expunge_all();
    auto got = sess.get<Item>(id);
    ASSERT_EQ(got->keywords.size(), 2u);
    EXPECT_EQ(got->keywords[0]->id, k1id);
    EXPECT_EQ(got->keywords[1]->id, k2id);
    EXPECT_EQ(count_in(sess, "item_keywords"), 2);
}

// ports: test/orm/test_unitofwork.py::SaveTest3::test_manytomany_xtracol_delete
TEST_F(UowManyToMany, AssociationTableWithExtraColumn) {
    Session sess(engine);
    auto i = sess.add(XItem{.item_id = 1, .keywords = {make<XKeyword>(XKeyword{.keyword_id = 1}),
                                                       make<XKeyword>(XKeyword{.keyword_id = 2})}});
    sess.flush();
    EXPECT_EQ(count_in(sess, "assoc"), 2);
    // The extra column takes its default in the association rows.
    EXPECT_EQ(count_in(sess, "assoc", "foo IS NULL"), 0);
    i->keywords.clear();
    sess.flush();
    EXPECT_EQ(count_in(sess, "assoc"), 0);
}

// ---- SaveTest

// ports: test/orm/test_unitofwork.py::SaveTest::test_basic
TEST_F(UowSave, SaveReloadAndUpdate) {
    auto u = make<User>(User{.name = "savetester"});
    auto u2 = make<User>(User{.name = "savetester2"});
    {
        Session sess(engine);
        sess.add_all(u, u2);
        sess.flush();
        // The identity map gives back the same object.
        EXPECT_EQ(sess.get<User>(u->id), u);
        sess.expunge_all();
        // After expunge_all() the row is loaded into another object.
        auto nu = sess.get<User>(u->id);
        ASSERT_TRUE(nu);
        EXPECT_NE(nu, u);
        EXPECT_EQ(nu->id, u->id);
        EXPECT_EQ(nu->name, "savetester");
        sess.commit();
    }
    Session sess(engine);
    sess.add(u);
    u->name = "modifiedname";
    EXPECT_TRUE(testkit::among(sess.dirty_objects(), u));
    sess.flush();
    auto list = sess.scalars(select<User>().where(col(&User::id).in_({u->id, u2->id})).order_by(col(&User::name))).all();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0]->id, u->id);
    EXPECT_EQ(list[0]->name, "modifiedname");
    EXPECT_EQ(list[1]->id, u2->id);
    EXPECT_EQ(list[1]->name, "savetester2");
}

// ports: test/orm/test_unitofwork.py::SaveTest::test_lazyattr_commit
TEST_F(UowSave, UnloadedCollectionSurvivesAFlush) {
    Session sess(engine);
    sess.add(User{.name = "u1",
                  .addresses = {make<Address>(Address{.email_address = "u1@e1"}),
                                make<Address>(Address{.email_address = "u1@e2"}),
                                make<Address>(Address{.email_address = "u1@e3"}),
                                make<Address>(Address{.email_address = "u1@e4"})}});
    sess.flush();
    sess.expunge_all();
    auto u = sess.scalars(select<User>()).one();
    u->name = "newname";
    sess.flush();
    EXPECT_FALSE(u->addresses.is_loaded());
    EXPECT_EQ(u->addresses.size(), 4u);
}

// ports: test/orm/test_unitofwork.py::SaveTest::test_dont_update_blanks
TEST_F(UowSave, BlankStringSetAgainSendsNothing) {
    Session sess(engine);
    auto u = sess.add(User{.name = ""});
    sess.flush();
    const auto id = u->id;
    sess.expunge_all();
    auto got = sess.get<User>(id);
    got->name = "";
    EXPECT_EQ(sql_count([&] { sess.flush(); }), 0u);
}

// ports: test/orm/test_unitofwork.py::ColumnCollisionTest::test_naming
TEST_F(UowSave, ColumnNamedLikeTheKeysParameter) {
    {
        Session sess(engine);
        auto b1 = sess.add(Book{.book_id = "abc", .title = "def"});
        sess.flush();
        b1->title = "ghi";
        sess.flush();
        sess.commit();
    }
    Session sess(engine);
    auto b = sess.scalars(select<Book>()).first();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->book_id, "abc");
    EXPECT_EQ(b->title, "ghi");
}

// ports: test/orm/test_unitofwork.py::BinaryHistTest::test_binary_equality
TEST_F(UowSave, SameBytesSetAgainSendsNothing) {
    const Bytes data = {'m', 0x18};
    Session sess(engine);
    sess.add(Blob{.data = data});
    sess.flush();
    sess.expire_all();
    auto f1 = sess.scalars(select<Blob>()).first();
    ASSERT_TRUE(f1);
    EXPECT_EQ(f1->data, data);
    f1->data = data;
    EXPECT_FALSE(sess.is_modified(f1));
    EXPECT_EQ(sql_count([&] { sess.flush(); }), 0u);
}

// ports: test/orm/test_unitofwork.py::UnicodeTest::test_basic
TEST_F(UowSave, NonAsciiText) {
    const std::string txt = "\u0160\u0110\u0106\u010c\u017d";
    Session sess(engine);
    auto t1 = sess.add(UniParent{.id = 1, .txt = txt});
    EXPECT_EQ(t1->txt, txt);
    sess.commit();
    EXPECT_EQ(t1->txt, txt);  // reloaded after the commit
    EXPECT_EQ(count_rows("uni_t1", "txt = '" + txt + "'"), 1);
}

// ports: test/orm/test_unitofwork.py::UnicodeTest::test_relationship
TEST_F(UowSave, NonAsciiTextAsForeignKey) {
    const std::string txt = "\u0160\u0110\u0106\u010c\u017d";
    std::int64_t id = 0;
    {
        Session sess(engine, {.expire_on_commit = false});
        auto t1 = sess.add(UniParent{.txt = txt, .t2s = {make<UniChild>(), make<UniChild>()}});
        sess.commit();
        id = t1->id;
    }
    Session sess(engine);
    auto t1 = sess.scalars(select<UniParent>().where(col(&UniParent::id) == id)).one();
    EXPECT_EQ(t1->t2s.size(), 2u);
    EXPECT_EQ(count_rows("uni_t2", "txt = '" + txt + "'"), 2);
}

// ports: test/orm/test_unitofwork.py::BooleanColTest::test_boolean
TEST_F(UowSave, BooleanColumn) {
    Session sess(engine);
    auto t1 = make<Flag>(Flag{.name = "t1", .value = true});
    auto t2 = make<Flag>(Flag{.name = "t2", .value = false});
    auto t3 = make<Flag>(Flag{.name = "t3", .value = true});
    sess.add_all(t1, t2, t3);
    sess.flush();
    using V = std::vector<std::string>;
    auto names = [&](std::optional<bool> value) {
        auto q = select<Flag>().order_by(col(&Flag::id));
        if (value) q = q.where(col(&Flag::value) == *value);
        V out;
        for (const auto& t : sess.scalars(q)) out.push_back(t->name + "=" + (t->value ? (*t->value ? "1" : "0") : "null"));
        return out;
    };
    for (bool clear : {false, true}) {
        if (clear) sess.expunge_all();
        EXPECT_EQ(names(std::nullopt), (V{"t1=1", "t2=0", "t3=1"}));
        if (clear) sess.expunge_all();
        EXPECT_EQ(names(true), (V{"t1=1", "t3=1"}));
        if (clear) sess.expunge_all();
        EXPECT_EQ(names(false), (V{"t2=0"}));
    }
    auto t2b = sess.get<Flag>(t2->id);
    t2b->value = true;
    sess.flush();
    EXPECT_EQ(names(true), (V{"t1=1", "t2=1", "t3=1"}));
    t2b->value = false;
    sess.flush();
    EXPECT_EQ(names(true), (V{"t1=1", "t3=1"}));
}

// ---- PKTest, ForeignPKTest, BatchDeleteIgnoresRowcountTest

// ports: test/orm/test_unitofwork.py::PKTest::test_manual_pk
TEST_F(UowKeys, CompositeTextKey) {
    Session sess(engine);
    sess.add(Entry2{.pk_col_1 = "pk1", .pk_col_2 = "pk1_related", .data = "im the data"});
    sess.flush();
    EXPECT_EQ(count_in(sess, "multipk2", "pk_col_1 = 'pk1' AND pk_col_2 = 'pk1_related' AND data = 'im the data'"), 1);
    sess.expunge_all();
    auto e = sess.get<Entry2>(std::vector<Value>{Value("pk1"), Value("pk1_related")});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, "im the data");
}

// ports: test/orm/test_unitofwork.py::PKTest::test_key_pks
TEST_F(UowKeys, CompositeKeyWithADate) {
    const Date today{2024, 2, 29};
    Session sess(engine);
    sess.add(Entry3{.primary = "pk1", .secondary = "pk2", .assigned = today, .data = "some more data"});
    sess.flush();
    EXPECT_EQ(count_in(sess, "multipk3", "pri_code = 'pk1' AND sec_code = 'pk2' AND data = 'some more data'"), 1);
    sess.expunge_all();
    auto e = sess.get<Entry3>(std::vector<Value>{Value("pk1"), Value("pk2"), Value(today)});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->assigned, today);
    EXPECT_EQ(e->data, "some more data");
}

// ports: test/orm/test_unitofwork.py::ForeignPKTest::test_basic
TEST_F(UowKeys, ForeignKeyThatIsThePrimaryKey) {
    Session sess(engine);
    auto p = sess.add(Person{.person = "im the key", .firstname = "asdf"});
    auto ps = make<PersonSite>(PersonSite{.site = "asdf"});
    p->sites.push_back(ps);
    sess.flush();
    // The parent's key is copied into the child's key column.
    EXPECT_EQ(ps->person, "im the key");
    EXPECT_EQ(count_in(sess, "people", "person = 'im the key'"), 1);
    EXPECT_EQ(count_in(sess, "peoplesites", "person = 'im the key'"), 1);
}

// ports: test/orm/test_unitofwork.py::BatchDeleteIgnoresRowcountTest::test_delete_both
TEST_F(UowKeys, DeleteOfRowsTheDatabaseAlreadyCascadedTo) {
    if (!engine.dialect().caps().supports_foreign_keys) GTEST_SKIP() << "no foreign keys in DDL: no ON DELETE CASCADE";
    Session sess(engine);
    auto a1 = sess.add(Node{.id = 1});
    auto a2 = sess.add(Node{.id = 2, .parent_id = 1});
    sess.flush();
    sess.delete_(a1);
    sess.delete_(a2);
    // Whichever row goes first, the other may be gone already (ON DELETE CASCADE): no error for that.
    EXPECT_NO_THROW(sess.flush());
    EXPECT_FALSE(sess.contains(a1));
    EXPECT_FALSE(sess.contains(a2));
    EXPECT_EQ(count_in(sess, "a_nodes"), 0);
}

// ports: test/orm/test_unitofwork.py::ManyToManyTest::test_association
TEST_F(UowManyToMany, AssociationObjects) {
    Session sess(engine);
    // Items with association objects naming keywords, the keywords already in the session reused.
    auto fixture = [&] {
        std::map<std::string, Ptr<AKeyword>> kw;
        for (const auto& k : sess.scalars(select<AKeyword>())) kw[k->name] = k;
        for (const char* n : {"big", "green", "purple", "round", "huge", "violet", "yellow", "blue"})
            if (!kw[n]) kw[n] = make<AKeyword>(AKeyword{.name = n});
        auto item = [&](const char* desc, std::initializer_list<const char*> names) {
            auto i = make<AItem>(AItem{.description = desc});
            for (const char* n : names) i->keywords.push_back(make<IKAssociation>(IKAssociation{.keyword = kw[n]}));
            return i;
        };
        return std::vector<Ptr<AItem>>{item("a_item1", {"big", "green", "purple", "round"}),
                                       item("a_item2", {"huge", "violet", "yellow"}), item("a_item3", {"big", "blue"})};
    };
    for (const auto& i : fixture()) sess.add(i);
    sess.flush();
    EXPECT_EQ(count_in(sess, "a_keywords"), 8);
    EXPECT_EQ(count_in(sess, "a_item_keywords"), 9);
    // What is stored, loaded anew, is what the fixture describes.
    auto describe = [](const Ptr<AItem>& i) {
        std::vector<std::string> names;
        for (const auto& a : i->keywords) names.push_back(a->keyword->name);
        std::sort(names.begin(), names.end());
        std::string out = i->description + ":";
        for (const auto& n : names) out += " " + n;
        return out;
    };
    std::vector<std::string> expected, got;
    for (const auto& i : fixture()) expected.push_back(describe(i));
    sess.expunge_all();
    for (const auto& i : sess.scalars(select<AItem>().order_by(col(&AItem::description)))) got.push_back(describe(i));
    EXPECT_EQ(got, expected);
    EXPECT_EQ(got.size(), 3u);
}

// ports: test/orm/test_unitofwork.py::PKTest::test_primary_key
TEST_F(UowKeys, CompositeKeyNumberedByTheDatabase) {
    // SQLite numbers only a one-column integer key.
    if (engine.dialect().name() == "sqlite") GTEST_SKIP() << "SQLite numbers only a one-column integer key";
    Session sess(engine);
    auto e = sess.add(Entry1{.multi_rev = 2, .name = "entry1", .value = "this is entry 1"});
    sess.flush();
    EXPECT_NE(e->multi_id, 0);
    const auto id = e->multi_id;
    sess.expunge_all();
    auto e2 = sess.get<Entry1>(std::vector<Value>{Value(id), Value(std::int64_t{2})});
    ASSERT_TRUE(e2);
    EXPECT_NE(e2, e);
    EXPECT_EQ(e2.state()->key, e.state()->key);
    EXPECT_EQ(e2->name, "entry1");
}

class UowNullKey : public UowFixture {
protected:
    void SetUp() override {
        UowFixture::SetUp();
        if (engine.dialect().name() != "sqlite") GTEST_SKIP() << "only SQLite lets a primary key column hold NULL";
    }
};

// ports: test/orm/test_unitofwork.py::PartialNullPKTest::test_key_switch
TEST_F(UowNullKey, KeyChangeOfARowWithANullKeyColumn) {
    Session s(engine);
    s.add(NullKey{.col1 = "1"});
    auto t1 = s.scalars(select<NullKey>()).first();
    ASSERT_TRUE(t1);
    t1->col2 = "5";
    try {
        s.commit();
        ADD_FAILURE() << "an UPDATE keyed by a NULL was sent";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("NULL"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("t1.col2"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_unitofwork.py::PartialNullPKTest::test_plain_update
TEST_F(UowNullKey, UpdateOfARowWithANullKeyColumn) {
    Session s(engine);
    s.add(NullKey{.col1 = "1"});
    auto t1 = s.scalars(select<NullKey>()).first();
    ASSERT_TRUE(t1);
    t1->col3 = "hi";
    try {
        s.commit();
        ADD_FAILURE() << "an UPDATE keyed by a NULL was sent";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("NULL"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("t1.col2"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_unitofwork.py::PartialNullPKTest::test_delete
TEST_F(UowNullKey, DeleteOfARowWithANullKeyColumn) {
    Session s(engine);
    s.add(NullKey{.col1 = "1"});
    auto t1 = s.scalars(select<NullKey>()).first();
    ASSERT_TRUE(t1);
    s.delete_(t1);
    try {
        s.commit();
        ADD_FAILURE() << "a DELETE keyed by a NULL was sent";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("NULL"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("t1.col2"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_unitofwork.py::PartialNullPKTest::test_total_null
TEST_F(UowNullKey, InsertWithAnAllNullKey) {
    Session s(engine);
    s.add(NullKey{});
    try {
        s.commit();
        ADD_FAILURE() << "an object with no key at all was inserted";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("NULL"), std::string::npos) << e.what();
    }
}

// ports: test/orm/test_unitofwork.py::PartialNullPKTest::test_dont_complain_if_no_update
TEST_F(UowNullKey, NoComplaintWithoutAChange) {
    Session s(engine);
    auto t = s.add(NullKey{.col1 = "1"});
    s.commit();
    t->col1 = "1";  // reloads the expired row first, found by col1 = '1' AND col2 IS NULL
    EXPECT_EQ(t->col1, "1");
    EXPECT_FALSE(t->col2.has_value());
    EXPECT_NO_THROW(s.commit());
    EXPECT_EQ(count_rows("t1", "col1 = '1' AND col2 IS NULL"), 1);
}

// ports: test/orm/test_unitofwork.py::HistoryTest::test_backref
TEST_F(UowOneToMany, BackrefSetBeforeAddIsSavedAndLoadedBack) {
    Session sess(engine);
    auto u = make<BiUser>(BiUser{.name = "u1"});
    auto a = make<BiAddress>(BiAddress{.email_address = "u1@e"});
    a->user = u;
    sess.add(u);
    ASSERT_EQ(u->addresses.size(), 1u);
    EXPECT_EQ(u->addresses[0], a);
    sess.commit();
    sess.expunge_all();
    auto lu = sess.scalars(select<BiUser>()).one();
    ASSERT_EQ(lu->addresses.size(), 1u);
    EXPECT_EQ(lu->addresses[0]->user.get(), lu);
    EXPECT_EQ(lu->addresses[0]->email_address, "u1@e");
}

// ---- DefaultTest

class UowDefaults : public UowFixture {};

// ports: test/orm/test_unitofwork.py::DefaultTest::test_insert
TEST_F(UowDefaults, ServerAndClientDefaultsReachTheObjects) {
    const std::string hohoval = "im hoho", althohoval = "im different hoho";
    Session sess(engine, {.expire_on_commit = false});
    auto h1 = make<Hoho>(Hoho{.hoho = althohoval});
    auto h2 = make<Hoho>(Hoho{.counter = 12});
    auto h3 = make<Hoho>(Hoho{.hoho = althohoval, .counter = 12});
    auto h4 = make<Hoho>(Hoho{});
    auto h5 = make<Hoho>(Hoho{.foober = "im the new foober"});
    sess.add_all(h1, h2, h3, h4, h5);
    sess.commit();
    auto check = [&](const Ptr<Hoho>& a, const Ptr<Hoho>& b, const Ptr<Hoho>& c, const Ptr<Hoho>& d,
                     const Ptr<Hoho>& e) {
        EXPECT_EQ(a->hoho, althohoval);
        EXPECT_EQ(c->hoho, althohoval);
        EXPECT_EQ(b->hoho, hohoval);
        EXPECT_EQ(d->hoho, hohoval);
        EXPECT_EQ(e->hoho, hohoval);
        EXPECT_EQ(b->counter, 12);
        EXPECT_EQ(c->counter, 12);
        EXPECT_EQ(a->counter, 7);
        EXPECT_EQ(d->counter, 7);
        EXPECT_EQ(e->counter, 7);
        EXPECT_EQ(b->foober, "im foober");
        EXPECT_EQ(c->foober, "im foober");
        EXPECT_EQ(d->foober, "im foober");
        EXPECT_EQ(e->foober, "im the new foober");
    };
    // The objects hold what the database made (read back with the INSERT, or on first use).
    check(h1, h2, h3, h4, h5);
    sess.expunge_all();
    auto all = sess.scalars(select<Hoho>().order_by(col(&Hoho::id))).all();
    ASSERT_EQ(all.size(), 5u);
    check(all[0], all[1], all[2], all[3], all[4]);
}

// ports: test/orm/test_unitofwork.py::DefaultTest::test_insert_nopostfetch
TEST_F(UowDefaults, GivenValuesNeedNoFetch) {
    Session sess(engine);
    auto h1 = sess.add(Hoho{.hoho = "15", .counter = 15});
    sess.flush();
    EXPECT_EQ(sql_count([&] {
                  EXPECT_EQ(h1->hoho, "15");
                  EXPECT_EQ(h1->counter, 15);
                  EXPECT_EQ(h1->foober, "im foober");
              }),
              0u);
}

// ports: test/orm/test_unitofwork.py::DefaultTest::test_eager_defaults
TEST_F(UowDefaults, ServerDefaultReadBackWithTheInsert) {
    Session sess(engine);
    auto h1 = sess.add(Hoho{});
    const std::size_t n = sql_count([&] { sess.flush(); });
    const std::size_t read = sql_count([&] { EXPECT_EQ(h1->hoho, "im hoho"); });
    if (engine.dialect().caps().supports_returning) {
        // The INSERT returns what the server made.
        EXPECT_EQ(n, 1u);
        EXPECT_EQ(read, 0u);
    } else {
        // Without RETURNING (Retort has no eager_defaults): the INSERT, and one SELECT on first use.
        EXPECT_EQ(n, 1u);
        EXPECT_EQ(read, 1u);
    }
    auto h2 = sess.add(Hoho{.hoho = "im hoho", .counter = 5});
    sess.flush();
    EXPECT_EQ(h2->hoho, "im hoho");
    EXPECT_EQ(h2->counter, 5);
}

// ports: test/orm/test_unitofwork.py::DefaultTest::test_used_in_relationship
TEST_F(UowDefaults, ServerDefaultAsTheTargetOfAForeignKey) {
    Session sess(engine);
    auto h1 = sess.add(RHoho{.secondaries = {make<Secondary>(Secondary{.data = "s1"})}});
    sess.flush();
    const auto id = h1->id;
    sess.expunge_all();
    auto describe = [](const Ptr<RHoho>& h) {
        std::string out = h->hoho.value_or("null") + ":";
        for (const auto& s : h->secondaries) out += " " + s->data.value_or("null") + "/" + s->hoho.value_or("null");
        return out;
    };
    EXPECT_EQ(describe(sess.get<RHoho>(id)), "im hoho: s1/im hoho");
    auto h = sess.get<RHoho>(id);
    h->secondaries.push_back(make<Secondary>(Secondary{.data = "s2"}));
    sess.flush();
    sess.expunge_all();
    EXPECT_EQ(describe(sess.get<RHoho>(id)), "im hoho: s1/im hoho s2/im hoho");
}

}  // namespace conf_uowfx
