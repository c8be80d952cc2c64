// Ports of test/orm/test_relationships.py: lazy="raise" and "raise_on_sql", as mappings and as raiseload()
// options (RaiseLoadTest); and what flushes write and loads read for joins other than one plain foreign key
// (composite and self-referential keys, keys that are foreign keys, two foreign key paths, back_populates).
#include "conformance/orm/fixtures.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_rel {
struct Stock : conf_fx::Defaults {};
struct RaiseAddresses : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Raise;
};
}  // namespace conf_rel

CONF_FX_DEFINE(conf_rel::Stock)
CONF_FX_DEFINE(conf_rel::RaiseAddresses)

namespace conf_rel {

class RaiseLoadTest : public conf_fx::FixtureTest<Stock> {};
class RaiseMappingTest : public conf_fx::FixtureTest<RaiseAddresses> {};

template <class F>
std::string raised(F&& f) {
    try {
        f();
    } catch (const RaiseLoadError& e) {
        return e.what();
    }
    return "";
}

// ports: test/orm/test_relationships.py::RaiseLoadTest::test_o2m_raiseload_mapper
TEST_F(RaiseMappingTest, OneToManyRaiseMapping) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto x = sess.query<UserT>().filter(col(&UserT::id) == 7).all();
                  EXPECT_EQ(raised([&] { (void)x[0]->addresses.size(); }),
                            "'User.addresses' is not available due to lazy='raise'");
                  EXPECT_EQ(x[0]->id, 7);
              }),
              1u);
}

// ports: test/orm/test_relationships.py::RaiseLoadTest::test_o2m_raiseload_option
TEST_F(RaiseLoadTest, OneToManyRaiseOption) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto x = sess.query<UserT>().options(raiseload(&UserT::addresses)).filter(col(&UserT::id) == 7).all();
                  EXPECT_EQ(raised([&] { (void)x[0]->addresses.size(); }),
                            "'User.addresses' is not available due to lazy='raise'");
              }),
              1u);
}

// ports: test/orm/test_relationships.py::RaiseLoadTest::test_o2m_raiseload_lazyload_option
TEST_F(RaiseMappingTest, LazyloadOptionOverridesRaise) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto x = sess.query<UserT>().options(lazyload(&UserT::addresses)).filter(col(&UserT::id) == 7).all();
                  EXPECT_EQ(conf_fx::ids(x[0]->addresses), "[1]");
              }),
              2u);
}

// ports: test/orm/test_relationships.py::RaiseLoadTest::test_m2o_raiseload_option
TEST_F(RaiseLoadTest, ManyToOneRaiseOption) {
    Session sess(engine);
    auto a1 = sess.query<AddressT>().filter(col(&AddressT::id) == 1).options(raiseload(&AddressT::user)).first();
    EXPECT_EQ(sql_count([&] {
                  EXPECT_EQ(raised([&] { (void)a1->user.get(); }), "'Address.user' is not available due to lazy='raise'");
              }),
              0u);
}

// ports: test/orm/test_relationships.py::RaiseLoadTest::test_m2o_raise_on_sql_option
TEST_F(RaiseLoadTest, ManyToOneRaiseOnSqlOption) {
    Session sess(engine);
    auto a1 = sess.query<AddressT>().filter(col(&AddressT::id) == 1).options(raiseload(&AddressT::user, true)).first();
    // The user is not in the identity map: loading it would send SQL.
    EXPECT_EQ(sql_count([&] {
                  EXPECT_EQ(raised([&] { (void)a1->user.get(); }),
                            "'Address.user' is not available due to lazy='raise_on_sql'");
              }),
              0u);
    sess.close();
    // With the user in the identity map it loads from there, sending nothing.
    auto u1 = sess.query<UserT>().order_by(col(&UserT::id)).first();
    a1 = sess.query<AddressT>().filter(col(&AddressT::id) == 1).options(raiseload(&AddressT::user, true)).first();
    EXPECT_FALSE(a1->user.is_loaded());
    EXPECT_EQ(sql_count([&] { EXPECT_TRUE(a1->user == u1); }), 0u);
}

// ports: test/orm/test_relationships.py::RaiseLoadTest::test_raiseload_from_eager_load
TEST_F(RaiseLoadTest, RaiseloadBelowEagerLoad) {
    Session sess(engine);
    auto u1 = sess.query<UserT>()
                  .options(joinedload(&UserT::addresses).raiseload(&AddressT::dingaling))
                  .filter(col(&UserT::id) == 7)
                  .first();
    EXPECT_TRUE(u1->addresses.is_loaded());
    EXPECT_EQ(raised([&] { (void)u1->addresses[0]->dingaling.get(); }),
              "'Address.dingaling' is not available due to lazy='raise'");
}

// A collection with raise_on_sql always needs SQL: it raises; a null many-to-one key loads as none.
TEST_F(RaiseLoadTest, RaiseOnSqlCollectionAndNullKey) {
    Session sess(engine);
    auto u = sess.query<UserT>().options(raiseload(&UserT::addresses, true)).filter(col(&UserT::id) == 7).one();
    EXPECT_EQ(raised([&] { (void)u->addresses.size(); }), "'User.addresses' is not available due to lazy='raise_on_sql'");
    auto o5 = sess.query<OrderT>().options(raiseload(&OrderT::address, true)).filter(col(&OrderT::id) == 5).one();
    EXPECT_EQ(sql_count([&] { EXPECT_FALSE(o5->address); }), 0u);
}

}  // namespace conf_rel

// Relationships whose join is not the plain single-column foreign key: composite keys (a composite foreign key
// that refers to its own table), several relationships to one table, foreign keys that are primary keys, a
// foreign key to a unique non-key column, two foreign key paths between the same tables.
namespace conf_relj {

// company_t / employee_t: an employee's key is (company_id, emp_id); its manager is the employee of the same
// company whose emp_id is reports_to_id (a composite foreign key whose company_id is also part of the key).
struct Employee;
struct Company {
    std::int64_t company_id = 0;
    std::string name;
    Collection<Employee> employees;
};
struct Employee {
    std::int64_t company_id = 0;
    std::int64_t emp_id = 0;
    std::string name;
    std::optional<std::int64_t> reports_to_id;
    Ref<Company> company;
    Ref<Employee> reports_to;
    Collection<Employee> employees;  // the ones reporting to it
};

// tbl_a -> tbl_c -> tbl_d <- tbl_b: D depends on two parents, C on one; both collections delete their orphans.
struct TC;
struct TD;
struct TA {
    std::int64_t id = 0;
    std::string name;
    Collection<TC> c_rows;
};
struct TB {
    std::int64_t id = 0;
    std::string name;
};
struct TC {
    std::int64_t id = 0;
    std::optional<std::int64_t> tbl_a_id;  // NOT NULL
    std::string name;
    Ref<TA> a_row;
    Collection<TD> d_rows;
};
struct TD {
    std::int64_t id = 0;
    std::optional<std::int64_t> tbl_c_id;  // NOT NULL
    std::optional<std::int64_t> tbl_b_id;
    std::string name;
    Ref<TC> c_row;
    Ref<TB> b_row;
};

// m2o_a.bid -> m2o_b.id, with the many-to-one A.b and no other side.
struct MB {
    std::int64_t id = 0;
};
struct MA {
    std::int64_t id = 0;
    std::optional<std::int64_t> bid;
    Ref<MB> b;
};

// fk_a / fk_b: B's primary key is its foreign key to A. A.b: the one B, cascade "all, delete-orphan".
struct FkB;
struct FkA {
    std::int64_t id = 0;
    std::optional<std::int64_t> foo;
    Ref<FkB> b;
};
struct FkB {
    std::int64_t id = 0;
};
// The same shape (fk2_a / fk2_b) with A.bs a collection cascading save-update only.
struct Fk2B;
struct Fk2A {
    std::int64_t id = 0;
    std::optional<std::int64_t> foo;
    Collection<Fk2B> bs;
};
struct Fk2B {
    std::int64_t id = 0;
};
// And (fk3_a / fk3_b) with B.a, a many-to-one cascading save-update only.
struct Fk3A {
    std::int64_t id = 0;
    std::optional<std::int64_t> foo;
};
struct Fk3B {
    std::int64_t id = 0;
    Ref<Fk3A> a;
};

// uq_a.ident is unique (not the key); uq_b.a_ident refers to it. B.a with the backref A.bs.
struct UqB;
struct UqA {
    std::int64_t id = 0;
    std::string ident;
    Collection<UqB> bs;
};
struct UqB {
    std::int64_t id = 0;
    std::string a_ident;
    Ref<UqA> a;
};

// amb_a / amb_b: two foreign keys of amb_b refer to amb_a; A.bs joins on aid_1 only.
struct AmbB;
struct AmbA {
    std::int64_t id = 0;
    Collection<AmbB> bs;
};
struct AmbB {
    std::int64_t id = 0;
    std::optional<std::int64_t> aid_1;
    std::optional<std::int64_t> aid_2;
};

// users / addresses with User.addresses and Address.user declared each with back_populates naming the other.
struct MbAddress;
struct MbUser {
    std::int64_t id = 0;
    std::string name;
    Collection<MbAddress> addresses;
};
struct MbAddress {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string email_address;
    Ref<MbUser> user;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_relj

using namespace conf_relj;

template <>
void retort::orm::define(Mapping<Company>& m) {
    m.table("company_t");
    m.name("Company");
    m.column(&Company::company_id, "company_id", {.primary_key = true});
    m.column(&Company::name, "name", {.type = types::String(30)});
    // No join given: the foreign key of employee_t to company_t.
    m.one_to_many(&Company::employees, "employees", {.back_populates = "company", .order_by = {"emp_id"}});
}
template <>
void retort::orm::define(Mapping<Employee>& m) {
    m.table("employee_t");
    m.name("Employee");
    m.column(&Employee::company_id, "company_id", {.primary_key = true, .autoincrement = false});
    m.column(&Employee::emp_id, "emp_id", {.primary_key = true, .autoincrement = false});
    m.column(&Employee::name, "name", {.type = types::String(30)});
    m.column(&Employee::reports_to_id, "reports_to_id");
    m.constraint(ForeignKeyConstraint{.columns = {"company_id"}, .referred_table = "company_t",
                                      .referred_columns = {"company_id"}});
    m.constraint(ForeignKeyConstraint{.columns = {"company_id", "reports_to_id"}, .referred_table = "employee_t",
                                      .referred_columns = {"company_id", "emp_id"}});
    // No joins given: each follows the foreign key to its target's table (the composite one for the two
    // self-referential sides).
    m.many_to_one(&Employee::company, "company", {.back_populates = "employees"});
    m.many_to_one(&Employee::reports_to, "reports_to", {.back_populates = "employees"});
    m.one_to_many(&Employee::employees, "employees", {.back_populates = "reports_to", .order_by = {"emp_id"}});
}
template <>
void retort::orm::define(Mapping<TA>& m) {
    m.table("tbl_a");
    m.name("A");
    m.column(&TA::id, "id", {.primary_key = true});
    m.column(&TA::name, "name", {.type = types::String(128)});
    m.one_to_many(&TA::c_rows, "c_rows", {.back_populates = "a_row", .cascade = "all, delete-orphan"});
}
template <>
void retort::orm::define(Mapping<TB>& m) {
    m.table("tbl_b");
    m.name("B");
    m.column(&TB::id, "id", {.primary_key = true});
    m.column(&TB::name, "name", {.type = types::String(128)});
}
template <>
void retort::orm::define(Mapping<TC>& m) {
    m.table("tbl_c");
    m.name("C");
    m.column(&TC::id, "id", {.primary_key = true});
    m.column(&TC::tbl_a_id, "tbl_a_id", {.nullable = false, .foreign_key = "tbl_a.id"});
    m.column(&TC::name, "name", {.type = types::String(128)});
    m.many_to_one(&TC::a_row, "a_row", {.back_populates = "c_rows"});
    m.one_to_many(&TC::d_rows, "d_rows", {.back_populates = "c_row", .cascade = "all, delete-orphan"});
}
template <>
void retort::orm::define(Mapping<TD>& m) {
    m.table("tbl_d");
    m.name("D");
    m.column(&TD::id, "id", {.primary_key = true});
    m.column(&TD::tbl_c_id, "tbl_c_id", {.nullable = false, .foreign_key = "tbl_c.id"});
    m.column(&TD::tbl_b_id, "tbl_b_id", {.foreign_key = "tbl_b.id"});
    m.column(&TD::name, "name", {.type = types::String(128)});
    m.many_to_one(&TD::c_row, "c_row", {.back_populates = "d_rows"});
    m.many_to_one(&TD::b_row, "b_row");
}
template <>
void retort::orm::define(Mapping<MB>& m) {
    m.table("m2o_b");
    m.name("B");
    m.column(&MB::id, "id", {.primary_key = true});
}
template <>
void retort::orm::define(Mapping<MA>& m) {
    m.table("m2o_a");
    m.name("A");
    m.column(&MA::id, "id", {.primary_key = true});
    m.column(&MA::bid, "bid", {.foreign_key = "m2o_b.id"});
    m.many_to_one(&MA::b, "b");
}
template <>
void retort::orm::define(Mapping<FkA>& m) {
    m.table("fk_a");
    m.name("A");
    m.column(&FkA::id, "id", {.primary_key = true});
    m.column(&FkA::foo, "foo");
    m.one_to_one(&FkA::b, "b", {.cascade = "all, delete-orphan"});
}
template <>
void retort::orm::define(Mapping<FkB>& m) {
    m.table("fk_b");
    m.name("B");
    m.column(&FkB::id, "id", {.primary_key = true, .autoincrement = false, .foreign_key = "fk_a.id"});
}
template <>
void retort::orm::define(Mapping<Fk2A>& m) {
    m.table("fk2_a");
    m.name("A");
    m.column(&Fk2A::id, "id", {.primary_key = true});
    m.column(&Fk2A::foo, "foo");
    m.one_to_many(&Fk2A::bs, "bs", {.cascade = "save-update"});
}
template <>
void retort::orm::define(Mapping<Fk2B>& m) {
    m.table("fk2_b");
    m.name("B");
    m.column(&Fk2B::id, "id", {.primary_key = true, .autoincrement = false, .foreign_key = "fk2_a.id"});
}
template <>
void retort::orm::define(Mapping<Fk3A>& m) {
    m.table("fk3_a");
    m.name("A");
    m.column(&Fk3A::id, "id", {.primary_key = true});
    m.column(&Fk3A::foo, "foo");
}
template <>
void retort::orm::define(Mapping<Fk3B>& m) {
    m.table("fk3_b");
    m.name("B");
    m.column(&Fk3B::id, "id", {.primary_key = true, .autoincrement = false, .foreign_key = "fk3_a.id"});
    m.many_to_one(&Fk3B::a, "a", {.cascade = "save-update"});
}
template <>
void retort::orm::define(Mapping<UqA>& m) {
    m.table("uq_a");
    m.name("A");
    m.column(&UqA::id, "id", {.primary_key = true});
    m.column(&UqA::ident, "ident", {.type = types::String(10), .nullable = false, .unique = true});
    m.one_to_many(&UqA::bs, "bs", {.back_populates = "a"});
}
template <>
void retort::orm::define(Mapping<UqB>& m) {
    m.table("uq_b");
    m.name("B");
    m.column(&UqB::id, "id", {.primary_key = true});
    m.column(&UqB::a_ident, "a_ident", {.type = types::String(10), .nullable = false, .foreign_key = "uq_a.ident"});
    m.many_to_one(&UqB::a, "a", {.back_populates = "bs"});
}
template <>
void retort::orm::define(Mapping<AmbA>& m) {
    m.table("amb_a");
    m.name("A");
    m.column(&AmbA::id, "id", {.primary_key = true, .autoincrement = false});
    m.one_to_many(&AmbA::bs, "bs", on(&AmbA::id, &AmbB::aid_1), {.order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<AmbB>& m) {
    m.table("amb_b");
    m.name("B");
    m.column(&AmbB::id, "id", {.primary_key = true, .autoincrement = false});
    m.column(&AmbB::aid_1, "aid_1", {.foreign_key = "amb_a.id"});
    m.column(&AmbB::aid_2, "aid_2", {.foreign_key = "amb_a.id"});
}
template <>
void retort::orm::define(Mapping<MbUser>& m) {
    m.table("mb_users");
    m.name("User");
    m.column(&MbUser::id, "id", {.primary_key = true});
    m.column(&MbUser::name, "name", {.type = types::String(30)});
    m.one_to_many(&MbUser::addresses, "addresses", on(&MbUser::id, &MbAddress::user_id), {.back_populates = "user"});
}
template <>
void retort::orm::define(Mapping<MbAddress>& m) {
    m.table("mb_addresses");
    m.name("Address");
    m.column(&MbAddress::id, "id", {.primary_key = true});
    m.column(&MbAddress::user_id, "user_id");  // no foreign key in the schema: the join says it
    m.column(&MbAddress::email_address, "email_address", {.type = types::String(50)});
    m.many_to_one(&MbAddress::user, "user", on(&MbAddress::user_id, &MbUser::id), {.back_populates = "addresses"});
}

namespace conf_relj {

Registry& mapped() {
    static Registry& r = []() -> Registry& {
        models().map<Company, Employee, TA, TB, TC, TD, MA, MB, FkA, FkB, Fk2A, Fk2B, Fk3A, Fk3B, UqA, UqB, AmbA,
                     AmbB, MbUser, MbAddress>();
        return models();
    }();
    return r;
}

class RelJoin : public testkit::OrmConformance {
protected:
    RelJoin() : OrmConformance(mapped()) {}
    // The rows of a query of integer columns over a fresh connection, each row's columns joined by commas
    // ("NULL" for a null).
    std::vector<std::string> rows_of(const std::string& sql) {
        std::vector<std::string> out;
        auto conn = engine.connect();
        for (RowView r : conn.exec_driver_sql(sql)) {
            std::string line;
            for (int i = 0; i < r.size(); ++i) {
                if (i) line += ",";
                line += r.is_null(i) ? "NULL" : std::to_string(r.get<std::int64_t>(i));
            }
            out.push_back(line);
        }
        return out;
    }
    using V = std::vector<std::string>;
};

}  // namespace conf_relj

namespace conf_relj {

template <class T>
std::vector<std::string> names(const Collection<T>& c) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < c.size(); ++i) out.push_back(c[i]->name);
    return out;
}

// ports: test/orm/test_relationships.py::CompositeSelfRefFKTest::test_very_implicit
// (both self-referential sides follow the composite foreign key (company_id, reports_to_id); setting the manager
// to none would blank out company_id, a part of the primary key: the flush refuses, as SQLAlchemy's does when
// company_id is among the relationship's foreign columns)
TEST_F(RelJoin, CompositeSelfReferentialForeignKey) {
    {
        Session sess(engine);
        auto c1 = make<Company>(Company{.name = "c1"});
        auto c2 = make<Company>(Company{.name = "c2"});
        auto emp = [](const char* name, const Ptr<Company>& c, std::int64_t id) {
            return make<Employee>(Employee{.emp_id = id, .name = name, .company = c});
        };
        auto emp_of = [](const char* name, const Ptr<Company>& c, std::int64_t id, const Ptr<Employee>& boss) {
            return make<Employee>(Employee{.emp_id = id, .name = name, .company = c, .reports_to = boss});
        };
        auto e1 = emp("emp1", c1, 1);
        emp_of("emp2", c1, 2, e1);
        auto e3 = emp_of("emp3", c1, 3, e1);
        emp_of("emp4", c1, 4, e3);
        auto e5 = emp("emp5", c2, 1);
        emp_of("emp6", c2, 2, e5);
        emp_of("emp7", c2, 3, e5);
        sess.add(c1);
        sess.add(c2);
        sess.commit();
    }
    const auto ids = rows_of("SELECT company_id FROM company_t ORDER BY name");
    ASSERT_EQ(ids.size(), 2u);
    const std::string k1 = ids[0], k2 = ids[1];
    EXPECT_EQ(rows_of("SELECT company_id, emp_id, reports_to_id FROM employee_t ORDER BY name"),
              (V{k1 + ",1,NULL", k1 + ",2,1", k1 + ",3,1", k1 + ",4,3", k2 + ",1,NULL", k2 + ",2,1", k2 + ",3,1"}));

    Session sess(engine);
    auto c1 = sess.query<Company>().filter(col(&Company::name) == "c1").one();
    auto c2 = sess.query<Company>().filter(col(&Company::name) == "c2").one();
    auto e1 = sess.query<Employee>().filter(col(&Employee::name) == "emp1").one();
    auto e5 = sess.query<Employee>().filter(col(&Employee::name) == "emp5").one();
    auto t1 = sess.get<Employee>(std::vector<Value>{Value(c1->company_id), Value(e1->emp_id)});
    ASSERT_TRUE(t1);
    EXPECT_EQ(t1->name, "emp1");
    auto t5 = sess.get<Employee>(std::vector<Value>{Value(c2->company_id), Value(e5->emp_id)});
    ASSERT_TRUE(t5);
    EXPECT_EQ(t5->name, "emp5");
    EXPECT_EQ(names(t1->employees), (V{"emp2", "emp3"}));
    EXPECT_EQ(names(t5->employees), (V{"emp6", "emp7"}));
    // emp_id 1 is emp1 in c1 and emp5 in c2: the manager is found by both columns.
    EXPECT_EQ(sess.get<Employee>(std::vector<Value>{Value(c1->company_id), Value(std::int64_t{3})})->reports_to->name,
              "emp1");
    EXPECT_EQ(sess.get<Employee>(std::vector<Value>{Value(c2->company_id), Value(std::int64_t{3})})->reports_to->name,
              "emp5");
    EXPECT_EQ(names(c2->employees), (V{"emp5", "emp6", "emp7"}));

    auto e3 = sess.query<Employee>().filter(col(&Employee::name) == "emp3").one();
    e3->reports_to = nullptr;
    try {
        sess.flush();
        ADD_FAILURE() << "the flush blanked out a primary key column";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("company_id"), std::string::npos) << e.what();
    }
    sess.rollback();
    EXPECT_EQ(rows_of("SELECT company_id, emp_id, reports_to_id FROM employee_t WHERE name = 'emp3'"), V{k1 + ",3,1"});
}

// Moving an employee to another manager of its company writes reports_to_id and leaves company_id as it is.
TEST_F(RelJoin, CompositeSelfReferentialMove) {
    Session sess(engine);
    auto c1 = make<Company>(Company{.name = "c1"});
    auto e1 = make<Employee>(Employee{.emp_id = 1, .name = "emp1", .company = c1});
    auto e2 = make<Employee>(Employee{.emp_id = 2, .name = "emp2", .company = c1, .reports_to = e1});
    auto e3 = make<Employee>(Employee{.emp_id = 3, .name = "emp3", .company = c1, .reports_to = e2});
    sess.add(c1);
    sess.commit();
    const auto cid = c1->company_id;
    const std::string k1 = std::to_string(cid);
    e3->reports_to = e1;
    sess.commit();
    EXPECT_EQ(rows_of("SELECT company_id, emp_id, reports_to_id FROM employee_t ORDER BY emp_id"),
              (V{k1 + ",1,NULL", k1 + ",2,1", k1 + ",3,1"}));
    sess.close();
    auto r1 = sess.get<Employee>(std::vector<Value>{Value(cid), Value(std::int64_t{1})});
    EXPECT_EQ(names(r1->employees), (V{"emp2", "emp3"}));
    EXPECT_TRUE(sess.get<Employee>(std::vector<Value>{Value(cid), Value(std::int64_t{2})})->employees.empty());
}

void two_parent_rows(Engine& engine) {
    Session sess(engine);
    auto a = make<TA>(TA{.name = "a1"});
    auto b = make<TB>(TB{.name = "b1"});
    auto c = make<TC>(TC{.name = "c1", .a_row = a});
    for (const char* n : {"d1", "d2", "d3"}) make<TD>(TD{.name = n, .c_row = c, .b_row = b});
    sess.add(a);
    sess.add(b);
    sess.commit();
}

// ports: test/orm/test_relationships.py::DependencyTwoParentTest::test_DeleteRootTable
TEST_F(RelJoin, DeleteRootOfTwoParentChain) {
    two_parent_rows(engine);
    EXPECT_EQ(count_rows("tbl_d", "tbl_b_id IS NOT NULL AND tbl_c_id IS NOT NULL"), 3);
    Session sess(engine);
    auto a = sess.query<TA>().filter(col(&TA::name) == "a1").one();
    sess.delete_(a);
    sess.flush();
    sess.commit();
    EXPECT_EQ(count_rows("tbl_a"), 0);
    EXPECT_EQ(count_rows("tbl_c"), 0);
    EXPECT_EQ(count_rows("tbl_d"), 0);
    EXPECT_EQ(count_rows("tbl_b"), 1);
}

// ports: test/orm/test_relationships.py::DependencyTwoParentTest::test_DeleteMiddleTable
TEST_F(RelJoin, DeleteMiddleOfTwoParentChain) {
    two_parent_rows(engine);
    Session sess(engine);
    auto c = sess.query<TC>().filter(col(&TC::name) == "c1").one();
    sess.delete_(c);
    sess.flush();
    sess.commit();
    EXPECT_EQ(count_rows("tbl_c"), 0);
    EXPECT_EQ(count_rows("tbl_d"), 0);
    EXPECT_EQ(count_rows("tbl_a"), 1);
    EXPECT_EQ(count_rows("tbl_b"), 1);
}

// ports: test/orm/test_relationships.py::M2ODontOverwriteFKTest::test_joinedload_doesnt_produce_bogus_event
TEST_F(RelJoin, ForeignKeySetAfterEagerLoadOfNoneKept) {
    Session sess(engine);
    auto b1 = sess.add(MB{});
    sess.flush();
    sess.add(MA{});
    sess.commit();
    auto a1 = sess.query<MA>().options(joinedload(&MA::b)).first();
    ASSERT_TRUE(a1);
    EXPECT_FALSE(a1->b);
    a1->bid = b1->id;
    sess.flush();
    EXPECT_EQ(a1->bid, b1->id);
    sess.commit();
    EXPECT_EQ(rows_of("SELECT bid FROM m2o_a"), V{std::to_string(b1->id)});
}

// ports: test/orm/test_relationships.py::M2ODontOverwriteFKTest::test_init_doesnt_produce_scalar_event
TEST_F(RelJoin, ForeignKeySetAfterReadingNoneKept) {
    Session sess(engine);
    auto b1 = sess.add(MB{});
    sess.flush();
    auto a1 = make<MA>(MA{});
    EXPECT_FALSE(a1->b);
    a1->bid = b1->id;
    sess.add(a1);
    sess.flush();
    EXPECT_EQ(a1->bid, b1->id);
    sess.commit();
    EXPECT_EQ(rows_of("SELECT bid FROM m2o_a"), V{std::to_string(b1->id)});
}

// ports: test/orm/test_relationships.py::M2ODontOverwriteFKTest::test_scalar_relationship_overrides_fk
TEST_F(RelJoin, ManyToOneSetToNoneOverridesForeignKey) {
    Session sess(engine);
    auto b1 = sess.add(MB{});
    sess.flush();
    auto a1 = make<MA>(MA{});
    a1->bid = b1->id;
    a1->b = nullptr;  // set last: the relationship wins over the column
    sess.add(a1);
    sess.flush();
    EXPECT_FALSE(a1->bid);
    sess.commit();
    EXPECT_EQ(rows_of("SELECT bid FROM m2o_a"), V{"NULL"});
}

// ports: test/orm/test_relationships.py::FKsAsPksTest::test_onetoone_switch
TEST_F(RelJoin, OneToOneWhoseForeignKeyIsThePrimaryKey) {
    std::int64_t id = 0;
    {
        Session sess(engine);
        auto a1 = sess.add(FkA{});
        sess.commit();
        id = a1->id;
    }
    {
        Session sess(engine);
        auto a1 = sess.query<FkA>().first();
        a1->b = make<FkB>(FkB{});
        sess.commit();
    }
    EXPECT_EQ(rows_of("SELECT id FROM fk_b"), V{std::to_string(id)});
    Session sess(engine);
    auto a1 = sess.get<FkA>(id);
    ASSERT_TRUE(a1->b);
    EXPECT_EQ(a1->b->id, id);
}

// ports: test/orm/test_relationships.py::FKsAsPksTest::test_no_delete_PK_AtoB
// (deleting A without its B would leave B without a primary key: the flush refuses)
TEST_F(RelJoin, DeleteParentWouldBlankChildPrimaryKey) {
    Session sess(engine);
    auto a1 = make<Fk2A>(Fk2A{});
    a1->bs.push_back(make<Fk2B>(Fk2B{}));
    sess.add(a1);
    sess.commit();
    sess.delete_(a1);
    EXPECT_THROW(sess.flush(), InvalidRequestError);
    sess.rollback();
    EXPECT_EQ(count_rows("fk2_a"), 1);
    EXPECT_EQ(count_rows("fk2_b"), 1);
}

// ports: test/orm/test_relationships.py::FKsAsPksTest::test_no_delete_PK_BtoA
TEST_F(RelJoin, ManyToOneSetToNoneWouldBlankPrimaryKey) {
    Session sess(engine);
    auto b1 = make<Fk3B>(Fk3B{});
    b1->a = make<Fk3A>(Fk3A{});
    sess.add(b1);
    sess.commit();
    const auto id = b1->id;
    b1->a = nullptr;
    EXPECT_THROW(sess.flush(), InvalidRequestError);
    sess.rollback();
    EXPECT_EQ(rows_of("SELECT id FROM fk3_b"), V{std::to_string(id)});
}

// ports: test/orm/test_relationships.py::FKsAsPksTest::test_delete_cascade_AtoB
// (A's one B, cascade "all, delete-orphan": deleting A deletes B, with no blanking of B's key)
TEST_F(RelJoin, DeleteCascadeToChildKeyedByParent) {
    Session sess(engine);
    auto a1 = make<FkA>(FkA{});
    auto b1 = make<FkB>(FkB{});
    a1->b = b1;
    sess.add(a1);
    sess.flush();
    sess.delete_(a1);
    sess.flush();
    EXPECT_FALSE(sess.contains(a1));
    EXPECT_FALSE(sess.contains(b1));
    sess.commit();
    EXPECT_EQ(count_rows("fk_a"), 0);
    EXPECT_EQ(count_rows("fk_b"), 0);
}

// ports: test/orm/test_relationships.py::FKsAsPksTest::test_delete_manual_AtoB
TEST_F(RelJoin, DeleteBothParentAndChildKeyedByIt) {
    Session sess(engine);
    auto a1 = make<Fk2A>(Fk2A{});
    auto b1 = make<Fk2B>(Fk2B{});
    a1->bs.push_back(b1);
    sess.add(a1);
    sess.add(b1);
    sess.flush();
    sess.delete_(a1);
    sess.delete_(b1);
    sess.flush();
    EXPECT_FALSE(sess.contains(a1));
    EXPECT_FALSE(sess.contains(b1));
    sess.commit();
    EXPECT_EQ(count_rows("fk2_a"), 0);
    EXPECT_EQ(count_rows("fk2_b"), 0);
}

// ports: test/orm/test_relationships.py::FKsAsPksTest::test_delete_manual_BtoA
TEST_F(RelJoin, DeleteBothChildAndParentItRefersTo) {
    Session sess(engine);
    auto b1 = make<Fk3B>(Fk3B{});
    auto a1 = make<Fk3A>(Fk3A{});
    b1->a = a1;
    sess.add(b1);
    sess.add(a1);
    sess.flush();
    sess.delete_(b1);
    sess.delete_(a1);
    sess.flush();
    EXPECT_FALSE(sess.contains(a1));
    EXPECT_FALSE(sess.contains(b1));
    sess.commit();
    EXPECT_EQ(count_rows("fk3_a"), 0);
    EXPECT_EQ(count_rows("fk3_b"), 0);
}

// ports: test/orm/test_relationships.py::UniqueColReferenceSwitchTest::test_switch_parent
TEST_F(RelJoin, SwitchParentOnUniqueNonKeyColumn) {
    Session sess(engine);
    auto a1 = sess.add(UqA{.ident = "uuid1"});
    sess.add(UqA{.ident = "uuid2"});
    a1->bs = {make<UqB>(UqB{}), make<UqB>(UqB{})};
    sess.flush();
    EXPECT_EQ(sess.connection().exec_driver_sql("SELECT COUNT(*) FROM uq_b WHERE a_ident = 'uuid1'").scalar_one<std::int64_t>(),
              2);
    sess.expire_all();
    auto as = sess.query<UqA>().order_by(col(&UqA::id)).all();
    ASSERT_EQ(as.size(), 2u);
    std::vector<Ptr<UqB>> bs;
    for (std::size_t i = 0; i < as[0]->bs.size(); ++i) bs.push_back(as[0]->bs[i]);
    ASSERT_EQ(bs.size(), 2u);
    for (auto& b : bs) b->a = as[1];
    sess.delete_(as[0]);
    sess.flush();
    sess.commit();
    EXPECT_EQ(count_rows("uq_a"), 1);
    EXPECT_EQ(count_rows("uq_b", "a_ident = 'uuid2'"), 2);
    sess.close();
    EXPECT_EQ(sess.query<UqA>().one()->bs.size(), 2u);
}

// ports: test/orm/test_relationships.py::AmbiguousFKResolutionTest::test_with_fks_o2m
// (amb_b has two foreign keys to amb_a; the join names aid_1: the flush writes aid_1 and the load reads by it)
TEST_F(RelJoin, JoinChoosesOneOfTwoForeignKeys) {
    Session sess(engine);
    auto a = sess.add(AmbA{.id = 1});
    a->bs.push_back(make<AmbB>(AmbB{.id = 1}));
    sess.add(AmbB{.id = 2, .aid_2 = 1});
    sess.commit();
    EXPECT_EQ(rows_of("SELECT id, aid_1, aid_2 FROM amb_b ORDER BY id"), (V{"1,1,NULL", "2,NULL,1"}));
    sess.close();
    auto got = sess.get<AmbA>(std::int64_t{1});
    ASSERT_EQ(got->bs.size(), 1u);
    EXPECT_EQ(got->bs[0]->id, 1);
    auto eager = sess.query<AmbA>().options(selectinload(&AmbA::bs)).populate_existing().one();
    ASSERT_EQ(eager->bs.size(), 1u);
    EXPECT_EQ(eager->bs[0]->id, 1);
}

// ports: test/orm/test_relationships.py::ManualBackrefTest::test_o2m
TEST_F(RelJoin, BackPopulatesBothWays) {
    Session sess(engine);
    auto u1 = make<MbUser>(MbUser{.name = "u1"});
    auto a1 = make<MbAddress>(MbAddress{.email_address = "foo"});
    u1->addresses.push_back(a1);
    EXPECT_TRUE(a1->user == u1);
    sess.add(u1);
    sess.flush();
    sess.expire_all();
    EXPECT_TRUE(sess.query<MbAddress>().one() == a1);
    EXPECT_TRUE(a1->user == u1);
    EXPECT_TRUE(u1->addresses.contains(a1));
    sess.commit();
    EXPECT_EQ(count_rows("mb_addresses", "user_id = " + std::to_string(u1->id)), 1);
}

}  // namespace conf_relj
