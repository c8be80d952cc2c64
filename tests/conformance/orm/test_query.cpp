// Ports of test/orm/test_query.py (the legacy Query: all, first, one, one_or_none, count, filter_by, limit and
// offset, populate_existing), of test/orm/test_session.py's get / get_one, and of
// test/orm/dml/test_orm_upd_del_basic.py (Query.update / Query.delete with synchronize_session). Also the seeds'
// idioms: sessionmaker and iterating a session's objects.
#include "conformance/orm/fixtures.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_query {
struct Stock : conf_fx::Defaults {};

// test_orm_upd_del_basic.py's users: id, name, age (column age_int).
struct Person {
    std::int64_t id = 0;
    std::string name;
    std::optional<std::int64_t> age;
};
Registry& retort_registry(const Person*);
}  // namespace conf_query

CONF_FX_DEFINE(conf_query::Stock)

template <>
void retort::orm::define(Mapping<conf_query::Person>& m) {
    using conf_query::Person;
    m.table("users");
    m.name("User");
    m.column(&Person::id, "id", {.primary_key = true});
    m.column(&Person::name, "name", {.type = types::String(32)});
    m.column(&Person::age, "age_int");
}

namespace conf_query {
Registry& people() {
    static Registry r;
    return r;
}
Registry& retort_registry(const Person*) { return people(); }

using conf_fx::ids;

class QueryTest : public conf_fx::FixtureTest<Stock> {};

// ports: test/orm/test_query.py::FilterTest::test_basic
TEST_F(QueryTest, All) {
    Session sess(engine);
    EXPECT_EQ(ids(sess.query<UserT>().order_by(col(&UserT::id)).all()), "7 8 9 10");
}

// ports: test/orm/test_query.py::FilterTest::test_limit_offset
TEST_F(QueryTest, LimitOffset) {
    Session sess(engine);
    EXPECT_EQ(ids(sess.query<UserT>().order_by(col(&UserT::id)).limit(2).offset(1).all()), "8 9");
    EXPECT_EQ(ids(sess.query<UserT>().order_by(col(&UserT::id)).limit(0).all()), "");
}

// ports: test/orm/test_query.py::SliceTest::test_first
TEST_F(QueryTest, First) {
    Session sess(engine);
    record();
    EXPECT_EQ(sess.query<UserT>().order_by(col(&UserT::id)).first()->id, 7);
    auto stmts = dml(take());
    ASSERT_EQ(stmts.size(), 1u);
    EXPECT_NE(stmts[0].find("LIMIT"), std::string::npos) << stmts[0];
    EXPECT_FALSE(sess.query<UserT>().filter(col(&UserT::id) == 27).first());
}

// ports: test/orm/test_query.py::ImmediateTest::test_one
TEST_F(QueryTest, One) {
    Session sess(engine);
    EXPECT_THROW((void)sess.query<UserT>().filter(col(&UserT::id) == 99).one(), NoResultFound);
    EXPECT_EQ(sess.query<UserT>().filter(col(&UserT::id) == 7).one()->id, 7);
    EXPECT_THROW((void)sess.query<UserT>().one(), MultipleResultsFound);
    // A join repeating one user per address: still one object...
    EXPECT_EQ(sess.query<UserT>().join(&UserT::addresses).filter(col(&UserT::id) == 8).one()->id, 8);
    // ...but two identities over many rows are several.
    EXPECT_THROW((void)sess.query<UserT>()
                     .join(&UserT::addresses)
                     .filter(col(&UserT::id).in_({8, 9}))
                     .order_by(col(&UserT::id))
                     .one(),
                 MultipleResultsFound);
}

// ports: test/orm/test_query.py::ImmediateTest::test_one_or_none
TEST_F(QueryTest, OneOrNone) {
    Session sess(engine);
    EXPECT_FALSE(sess.query<UserT>().filter(col(&UserT::id) == 99).one_or_none());
    EXPECT_EQ(sess.query<UserT>().filter(col(&UserT::id) == 7).one_or_none()->id, 7);
    EXPECT_THROW((void)sess.query<UserT>().one_or_none(), MultipleResultsFound);
}

// ports: test/orm/test_query.py::CountTest::test_basic
// ports: test/orm/test_query.py::CountTest::test_loader_options_ignored
TEST_F(QueryTest, Count) {
    Session sess(engine);
    EXPECT_EQ(sess.query<UserT>().count(), 4);
    EXPECT_EQ(sess.query<UserT>().filter(col(&UserT::name).like("%ed")).count(), 2);
    EXPECT_EQ(sess.query<UserT>().options(joinedload(&UserT::addresses)).count(), 4);
}

// ports: test/orm/test_query.py::CountTest::test_count_char
TEST_F(QueryTest, CountStatement) {
    Session sess(engine);
    record();
    (void)sess.query<UserT>().count();
    auto stmts = dml(take());
    ASSERT_EQ(stmts.size(), 1u);
    EXPECT_EQ(stmts[0], "SELECT count(*) FROM (SELECT users.id, users.name FROM users) AS anon_1");
}

// ports: test/orm/test_query.py::FilterTest::test_filter_by
TEST_F(QueryTest, FilterBy) {
    Session sess(engine);
    EXPECT_EQ(ids(sess.query<UserT>().filter_by(&UserT::name, "ed").all()), "8");
    EXPECT_EQ(ids(sess.query<UserT>().filter_by(&UserT::name, "ed").filter_by(&UserT::id, 8).all()), "8");
}

// ports: test/orm/test_query.py::QueryTest::test_populate_existing
// ports: test/orm/test_query.py::QueryTest::test_populate_existing_future
TEST_F(QueryTest, PopulateExisting) {
    Session sess(engine, {.autoflush = false});
    auto userlist = sess.query<UserT>().order_by(col(&UserT::id)).all();
    auto u = userlist[0];
    u->name = "foo";
    auto a = make<AddressT>(AddressT{.id = 100, .email_address = "ed"});
    u->addresses.push_back(a);
    EXPECT_TRUE(u->addresses.contains(a));
    (void)sess.scalars(select<UserT>().execution_options({.populate_existing = true})).all();
    EXPECT_FALSE(sess.is_modified(u));
    EXPECT_EQ(u->name, "jack");
    EXPECT_FALSE(u->addresses.contains(a));

    u->addresses[0]->email_address = "lala";
    u->orders[1]->items[2]->description = "item 12";
    // A lazy load does not change child objects...
    (void)sess.query<UserT>().populate_existing().all();
    EXPECT_EQ(u->addresses[0]->email_address, "lala");
    EXPECT_EQ(u->orders[1]->items[2]->description, "item 12");
    // ...an eager load does.
    (void)sess.query<UserT>()
        .options(joinedload(&UserT::addresses), joinedload(&UserT::orders).joinedload(&OrderT::items))
        .populate_existing()
        .all();
    EXPECT_EQ(u->addresses[0]->email_address, "jack@bean.com");
    EXPECT_EQ(u->orders[1]->items[2]->description, "item 5");
}

// Iterating a query runs it.
TEST_F(QueryTest, Iterate) {
    Session sess(engine);
    std::string names;
    for (auto u : sess.query<UserT>().order_by(col(&UserT::id))) names += u->name + " ";
    EXPECT_EQ(names, "jack ed fred chuck ");
}

// ports: test/orm/test_session.py::SessionUtilTest::test_get
TEST_F(QueryTest, Get) {
    Session sess(engine);
    EXPECT_TRUE(sess.get<UserT>(9));
    auto u = sess.get<UserT>(7);
    auto u2 = sess.query<UserT>().get(7);
    EXPECT_TRUE(u);
    EXPECT_TRUE(u == u2);
    sess.expunge_all();
    u2 = sess.get<UserT>(7);
    EXPECT_FALSE(u == u2);
    EXPECT_THROW((void)sess.get<UserT>(std::vector<Value>{7, 8}), ArgumentError);
}

// ports: test/orm/test_session.py::SessionUtilTest::test_get_one
// ports: test/orm/test_session.py::SessionUtilTest::test_get_one_2
TEST_F(QueryTest, GetOne) {
    Session sess(engine);
    auto u = sess.get_one<UserT>(7);
    auto u2 = sess.get_one<UserT>(7);
    EXPECT_TRUE(u == u2);
    sess.expunge_all();
    u2 = sess.get_one<UserT>(7);
    EXPECT_FALSE(u == u2);
    EXPECT_EQ(u2->name, "jack");
    EXPECT_THROW((void)sess.get_one<UserT>(2), NoResultFound);
}

// A sessionmaker: sessions with the factory's engine and options (seed 003's Session = sessionmaker(bind=engine)).
TEST_F(QueryTest, SessionMakerIdioms) {
    SessionMaker make_session(engine, {.expire_on_commit = false});
    Session s1 = make_session();
    EXPECT_FALSE(s1.options().expire_on_commit);
    auto u = s1.query<UserT>().filter(col(&UserT::id) == 7).one();
    s1.commit();
    EXPECT_EQ(sql_count([&] { EXPECT_EQ(u->name, "jack"); }), 0u);  // not expired by the commit
    Session s2 = make_session({.autoflush = false});
    EXPECT_FALSE(s2.options().autoflush);
    make_session.configure({.autoflush = true, .expire_on_commit = true});
    Session s3 = make_session();
    EXPECT_TRUE(s3.options().expire_on_commit);
    auto conn = engine.connect();
    {
        Session s4 = make_session(conn);
        EXPECT_EQ(s4.query<UserT>().count(), 4);
    }
    auto maker = sessionmaker(engine);
    Session s5 = maker();
    EXPECT_EQ(s5.query<UserT>().count(), 4);
}

// Iterating a session's objects (seed 003's [obj for obj in session]): the new ones, then the identity map's.
TEST_F(QueryTest, IterateSession) {
    Session sess(engine);
    auto ben = sess.add(UserT{.id = 100, .name = "ben"});
    std::vector<AnyPtr> objs;
    for (AnyPtr obj : sess.objects()) objs.push_back(obj);
    ASSERT_EQ(objs.size(), 1u);
    EXPECT_TRUE(objs[0] == ben);
    EXPECT_TRUE(objs[0].as<UserT>() == ben);
    EXPECT_FALSE(objs[0].as<AddressT>());
    EXPECT_NE(objs[0].describe().find("User"), std::string::npos) << objs[0].describe();
    sess.flush();
    auto a = sess.get<AddressT>(1);
    std::size_t users = 0, addresses = 0;
    for (AnyPtr obj : sess.objects()) {
        if (obj.is<UserT>()) ++users;
        if (obj.is<AddressT>()) ++addresses;
    }
    EXPECT_EQ(users, 1u);
    EXPECT_EQ(addresses, 1u);
    EXPECT_EQ(sess.objects().size(), 2u);
}

// ---- Query.update() / Query.delete() (test_orm_upd_del_basic.py's UpdateDeleteTest)

class UpdateDeleteTest : public testkit::OrmConformance {
protected:
    UpdateDeleteTest() : OrmConformance((people().map<Person>(), people())) {}
    void SetUp() override {
        OrmConformance::SetUp();
        auto conn = engine.connect();
        conn.execute(insert(table_of<Person>()), std::vector<Params>{{{"id", 1}, {"name", "john"}, {"age_int", 25}},
                                                                     {{"id", 2}, {"name", "jack"}, {"age_int", 47}},
                                                                     {{"id", 3}, {"name", "jill"}, {"age_int", 29}},
                                                                     {{"id", 4}, {"name", "jane"}, {"age_int", 37}}});
        conn.commit();
    }
    std::vector<Ptr<Person>> everyone(Session& s) { return s.query<Person>().order_by(col(&Person::id)).all(); }
    static std::string ages(const std::vector<Ptr<Person>>& ps) {
        std::string out;
        for (const auto& p : ps) out += (out.empty() ? "" : " ") + (p->age ? std::to_string(*p->age) : "null");
        return out;
    }
    // The ages in the database, read over a connection of its own.
    std::string db_ages() {
        auto conn = engine.connect();
        std::string out;
        for (RowView r : conn.exec_driver_sql("SELECT age_int FROM users ORDER BY id"))
            out += (out.empty() ? "" : " ") + std::to_string(r.get<std::int64_t>(0));
        return out;
    }
    Ptr<Person> john, jack, jill, jane;
    void load(Session& s) {
        auto all = everyone(s);
        john = all[0], jack = all[1], jill = all[2], jane = all[3];
    }
};

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_delete
// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_delete_with_fetch_strategy
TEST_F(UpdateDeleteTest, Delete) {
    for (Synchronize sync : {Synchronize::Auto, Synchronize::Evaluate, Synchronize::Fetch}) {
        SetUp();
        Session sess(engine);
        load(sess);
        (void)sess.query<Person>().filter(col(&Person::name) == "john" || col(&Person::name) == "jill").delete_(sync);
        EXPECT_FALSE(sess.contains(john));
        EXPECT_FALSE(sess.contains(jill));
        EXPECT_EQ(ids(everyone(sess)), "2 4");
        sess.commit();
        TearDown();
    }
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_delete_rollback
// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_delete_rollback_with_fetch
TEST_F(UpdateDeleteTest, DeleteRollback) {
    for (Synchronize sync : {Synchronize::Evaluate, Synchronize::Fetch}) {
        Session sess(engine);
        load(sess);
        (void)sess.query<Person>().filter(col(&Person::name) == "john" || col(&Person::name) == "jill").delete_(sync);
        EXPECT_FALSE(sess.contains(john));
        EXPECT_FALSE(sess.contains(jill));
        sess.rollback();
        EXPECT_TRUE(sess.contains(john));
        EXPECT_TRUE(sess.contains(jill));
    }
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_delete_without_session_sync
TEST_F(UpdateDeleteTest, DeleteWithoutSessionSync) {
    Session sess(engine);
    load(sess);
    (void)sess.query<Person>().filter(col(&Person::name) == "john" || col(&Person::name) == "jill").delete_(false);
    EXPECT_TRUE(sess.contains(john));
    EXPECT_TRUE(sess.contains(jill));
    EXPECT_EQ(count_rows("users"), 4);  // not committed yet
    sess.commit();
    EXPECT_EQ(count_rows("users"), 2);
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_delete_invalid_evaluation
TEST_F(UpdateDeleteTest, DeleteInvalidEvaluation) {
    Session sess(engine);
    load(sess);
    auto max_name = retort::select(func::max(col(&Person::name))).scalar_subquery<std::string>();
    EXPECT_THROW((void)sess.query<Person>().filter(col(&Person::name) == max_name).delete_(Synchronize::Evaluate),
                 InvalidRequestError);
    (void)sess.query<Person>().filter(col(&Person::name) == max_name).delete_(Synchronize::Fetch);
    EXPECT_FALSE(sess.contains(john));
    EXPECT_EQ(ids(everyone(sess)), "2 3 4");
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_update
TEST_F(UpdateDeleteTest, Update) {
    Session sess(engine);
    load(sess);
    (void)sess.query<Person>().filter(col(&Person::age) > 29).update({{col(&Person::age), col(&Person::age) - 10}},
                                                                    Synchronize::Evaluate);
    EXPECT_EQ(ages({john, jack, jill, jane}), "25 37 29 27");
    EXPECT_EQ(db_ages(), "25 47 29 37");  // not committed yet
    EXPECT_EQ(ages(everyone(sess)), "25 37 29 27");
    (void)sess.query<Person>().filter(col(&Person::age) > 29).update({{col(&Person::age), col(&Person::age) - 10}},
                                                                    Synchronize::Evaluate);
    EXPECT_EQ(ages({john, jack, jill, jane}), "25 27 29 27");
    (void)sess.query<Person>().filter(col(&Person::age) > 27).update({{"age_int", Value()}}, Synchronize::Evaluate);
    EXPECT_EQ(ages({john, jack, jill, jane}), "25 27 null 27");
    (void)sess.query<Person>().filter(col(&Person::age) == 25).update({{col(&Person::age), col(&Person::age) - 10}},
                                                                     Synchronize::Fetch);
    EXPECT_EQ(ages({john, jack, jill, jane}), "15 27 null 27");
    sess.commit();
    EXPECT_EQ(ages(everyone(sess)), "15 27 null 27");
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_update_without_load
TEST_F(UpdateDeleteTest, UpdateWithoutLoad) {
    Session sess(engine);
    (void)sess.query<Person>().filter(col(&Person::id) == 3).update({{"age_int", 44}}, Synchronize::Fetch);
    EXPECT_EQ(ages(everyone(sess)), "25 47 44 37");
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_update_changes_resets_dirty
TEST_F(UpdateDeleteTest, UpdateChangesResetsDirty) {
    Session sess(engine, {.autoflush = false});
    load(sess);
    john->age = 50;
    jack->age = 37;
    // Without autoflush the 50 and 37 are not written; the UPDATE's rows win.
    (void)sess.query<Person>().filter(col(&Person::age) > 29).update({{col(&Person::age), col(&Person::age) - 10}},
                                                                    Synchronize::Evaluate);
    for (const auto& p : {john, jack, jill, jane}) EXPECT_FALSE(sess.is_modified(p));
    EXPECT_EQ(ages({john, jack, jill, jane}), "25 37 29 27");
    john->age = 25;
    EXPECT_FALSE(sess.is_modified(john));
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_update_with_expire_strategy
TEST_F(UpdateDeleteTest, UpdateFetch) {
    Session sess(engine);
    load(sess);
    (void)sess.query<Person>().filter(col(&Person::age) > 29).update({{col(&Person::age), col(&Person::age) - 10}},
                                                                    Synchronize::Fetch);
    EXPECT_EQ(ages({john, jack, jill, jane}), "25 37 29 27");
    EXPECT_EQ(ages(everyone(sess)), "25 37 29 27");
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_update_returns_rowcount
// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_delete_returns_rowcount
TEST_F(UpdateDeleteTest, ReturnsRowcount) {
    for (Synchronize sync : {Synchronize::Auto, Synchronize::Fetch, Synchronize::Evaluate}) {
        Session sess(engine);
        EXPECT_EQ(sess.query<Person>().filter(col(&Person::age) > 29).update({{col(&Person::age), col(&Person::age) + 0}}, sync), 2);
        sess.rollback();
    }
    Session sess(engine);
    EXPECT_EQ(sess.query<Person>().filter(col(&Person::age) > 26).delete_(false), 3);
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_update_all
// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_delete_all
TEST_F(UpdateDeleteTest, UpdateAndDeleteAll) {
    Session sess(engine);
    load(sess);
    (void)sess.query<Person>().update({{"age_int", 42}}, Synchronize::Evaluate);
    EXPECT_EQ(ages({john, jack, jill, jane}), "42 42 42 42");
    EXPECT_EQ(ages(everyone(sess)), "42 42 42 42");
    (void)sess.query<Person>().delete_(Synchronize::Evaluate);
    for (const auto& p : {john, jack, jill, jane}) EXPECT_FALSE(sess.contains(p));
    EXPECT_EQ(sess.query<Person>().count(), 0);
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_autoflush_before_evaluate_update
// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_autoflush_before_fetch_update
// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_autoflush_before_evaluate_delete
// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_autoflush_before_fetch_delete
TEST_F(UpdateDeleteTest, AutoflushFirst) {
    for (Synchronize sync : {Synchronize::Evaluate, Synchronize::Fetch}) {
        Session sess(engine);
        auto j = sess.query<Person>().filter_by(&Person::name, "john").one();
        j->name = "j2";
        (void)sess.query<Person>().filter_by(&Person::name, "j2").update({{"age_int", 42}}, sync);
        EXPECT_EQ(*j->age, 42);
        sess.rollback();
    }
    for (Synchronize sync : {Synchronize::Evaluate, Synchronize::Fetch}) {
        Session sess(engine);
        auto j = sess.query<Person>().filter_by(&Person::name, "john").one();
        j->name = "j2";
        (void)sess.query<Person>().filter_by(&Person::name, "j2").delete_(sync);
        EXPECT_FALSE(sess.contains(j));
        sess.rollback();
    }
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_evaluate_before_update
TEST_F(UpdateDeleteTest, EvaluateBeforeUpdate) {
    Session sess(engine);
    auto j = sess.query<Person>().filter_by(&Person::name, "john").one();
    sess.expire(j);
    (void)sess.query<Person>()
        .filter_by(&Person::name, "john")
        .filter_by(&Person::age, 25)
        .update({{"name", "j2"}, {"age_int", 40}}, Synchronize::Evaluate);
    EXPECT_EQ(j->name, "j2");
    EXPECT_EQ(*j->age, 40);
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_evaluate_before_delete
TEST_F(UpdateDeleteTest, EvaluateBeforeDelete) {
    Session sess(engine);
    auto j = sess.query<Person>().filter_by(&Person::name, "john").one();
    auto ji = sess.query<Person>().filter_by(&Person::name, "jill").one();
    auto ja = sess.query<Person>().filter_by(&Person::name, "jane").one();
    sess.expire(ji);
    sess.expire(j);
    (void)sess.query<Person>().filter(col(&Person::age) == 25 || col(&Person::age) == 37).delete_(Synchronize::Evaluate);
    EXPECT_FALSE(sess.contains(ja));  // evaluated: deleted
    EXPECT_TRUE(sess.contains(ji));   // expired: not evaluated, still there
    EXPECT_TRUE(sess.contains(j));
    EXPECT_EQ(*ji->age, 29);
    EXPECT_THROW((void)j->name, ObjectDeletedError);  // its row is gone
}

// ports: test/orm/dml/test_orm_upd_del_basic.py::UpdateDeleteTest::test_illegal_operations
TEST_F(UpdateDeleteTest, IllegalOperations) {
    Session sess(engine);
    auto q = sess.query<Person>();
    for (const auto& bad : {q.limit(2), q.offset(2), q.order_by(col(&Person::id)), q.distinct(),
                            q.join(table_of<Person>(), col(&Person::id) == col(&Person::id))}) {
        EXPECT_THROW((void)bad.update({{"name", "ed"}}), InvalidRequestError);
        EXPECT_THROW((void)bad.delete_(), InvalidRequestError);
    }
}

}  // namespace conf_query
