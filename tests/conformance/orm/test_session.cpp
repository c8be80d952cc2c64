// Ports of test/orm/test_session.py: object states (transient, pending, persistent, deleted, detached), add,
// delete, expunge, make_transient, autoflush, is_modified, identity.
#include "conformance/kit.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_session {

struct Address;
struct User {
    std::int64_t id = 0;
    std::optional<std::string> name;
    Collection<Address> addresses;  // all (expunge and refresh-expire cascade), back_populates user
};
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> email_address;  // NOT NULL in the table
    Ref<User> user;
};

RETORT_CONFORMANCE_REGISTRY()

}  // namespace conf_session

using namespace conf_session;

template <>
void retort::orm::define(Mapping<User>& m) {
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(30)});
    m.one_to_many(&User::addresses, "addresses", on(&User::id, &Address::user_id),
                  {.back_populates = "user", .cascade = "all", .order_by = {"id"}});
}
template <>
void retort::orm::define(Mapping<Address>& m) {
    m.table("addresses");
    m.name("Address");
    m.column(&Address::id, "id", {.primary_key = true});
    m.column(&Address::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&Address::email_address, "email_address", {.type = types::String(50), .nullable = false});
    m.many_to_one(&Address::user, "user", on(&Address::user_id, &User::id), {.back_populates = "addresses"});
}

namespace conf_session {

Registry& mapped() {
    static Registry& r = (models().map<User, Address>(), models());
    return r;
}

class SessionState : public testkit::OrmConformance {
protected:
    SessionState() : OrmConformance(mapped()) {}
    std::int64_t users_named(Session& s, const std::string& name) {
        return static_cast<std::int64_t>(s.scalars(select<User>().where(col(&User::name) == std::optional<std::string>(name))).size());
    }
};

// ports: test/orm/test_session.py::SessionStateTest::test_deleted_flag
TEST_F(SessionState, DeletedFlag) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "u1"});
    sess.commit();
    sess.delete_(u1);
    sess.flush();
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_THROW(sess.add(u1), InvalidRequestError);
    EXPECT_TRUE(sess.in_transaction());
    sess.rollback();
    EXPECT_TRUE(sess.contains(u1));

    sess.delete_(u1);
    sess.commit();
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_THROW(sess.add(u1), InvalidRequestError);

    make_transient(u1);
    sess.add(u1);
    sess.commit();
    EXPECT_EQ(count_rows("users"), 1);
}

// ports: test/orm/test_session.py::SessionStateTest::test_deleted_adds_to_imap_unconditionally
// (SQLAlchemy warns that the DELETE matched no row; so does Retort, it does not raise without a version column)
TEST_F(SessionState, DeletedObjectDeletedAgain) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "u1"});
    sess.commit();
    sess.delete_(u1);
    sess.flush();
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, &sess);  // still attached until the commit
    sess.delete_(u1);
    EXPECT_TRUE(sess.contains(u1));
    EXPECT_NO_THROW(sess.commit());
    EXPECT_EQ(count_rows("users"), 0);
}

// ports: test/orm/test_session.py::SessionStateTest::test_add_delete
TEST_F(SessionState, AddDelete) {
    Session s(engine);
    auto user = make<User>(User{.name = "u1"});
    try {
        s.delete_(user);
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("is not persisted"), std::string::npos) << e.what();
    }
    s.add(user);
    s.commit();
    user = s.scalars(select<User>()).one();
    s.expunge(user);
    EXPECT_FALSE(s.contains(user));
    // Changed outside the session: the change is kept and saved.
    user->name = "fred";
    s.add(user);
    EXPECT_TRUE(s.contains(user));
    EXPECT_TRUE(testkit::among(s.dirty_objects(), user));
    s.commit();
    EXPECT_EQ(s.scalars(select<User>()).size(), 1u);
    user = s.scalars(select<User>()).one();
    EXPECT_EQ(user->name, "fred");
    // Not dirty when nothing changed.
    s.expunge_all();
    EXPECT_FALSE(s.contains(user));
    s.add(user);
    EXPECT_TRUE(s.contains(user));
    EXPECT_FALSE(testkit::among(s.dirty_objects(), user));

    Session s2(engine);
    EXPECT_THROW(s2.delete_(user), InvalidRequestError);  // attached to s
    auto u2 = s2.get<User>(user->id);
    s2.expunge(u2);
    try {
        s.delete_(u2);  // another object with its key is in s
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("another instance"), std::string::npos) << e.what();
    }
    s.expire(user);
    s.expunge(user);
    EXPECT_FALSE(s.contains(user));
    s.delete_(user);
    EXPECT_TRUE(s.contains(user));
    s.flush();
    EXPECT_FALSE(s.contains(user));
    EXPECT_EQ(s.scalars(select<User>()).size(), 0u);
}

// ports: test/orm/test_session.py::SessionStateTest::test_already_attached
TEST_F(SessionState, AlreadyAttached) {
    Session s1(engine), s2(engine);
    auto u1 = make<User>(User{.id = 1, .name = "u1"});
    make_transient_to_detached(u1);
    s1.add(u1);
    try {
        s2.add(u1);
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("already attached"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(s2.contains(u1));
    EXPECT_EQ(s2.size(), 0u);
}

// ports: test/orm/test_session.py::SessionStateTest::test_deleted_auto_expunged
TEST_F(SessionState, DeletedObjectLeavesTheSessionAtCommit) {
    Session sess(engine);
    sess.add(User{.name = "x"});
    sess.commit();
    auto u1 = sess.scalars(select<User>()).first();
    sess.delete_(u1);
    EXPECT_FALSE(u1.state()->was_deleted);
    sess.flush();
    EXPECT_TRUE(u1.state()->was_deleted);
    EXPECT_EQ(u1.state()->status, ObjectState::Deleted);
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, &sess);
    sess.commit();
    EXPECT_EQ(u1.state()->session, nullptr);
    EXPECT_EQ(u1.state()->status, ObjectState::Detached);
}

// ports: test/orm/test_session.py::SessionStateTest::test_explicit_expunge_pending
TEST_F(SessionState, ExpungedFlushedPendingStaysOutAfterRollback) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "x"});
    sess.flush();
    sess.expunge(u1);
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, nullptr);
    sess.rollback();
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, nullptr);
}

// ports: test/orm/test_session.py::SessionStateTest::test_explicit_expunge_deleted
TEST_F(SessionState, ExpungedDeletedStaysOutAfterRollback) {
    Session sess(engine);
    sess.add(User{.name = "x"});
    sess.commit();
    auto u1 = sess.scalars(select<User>()).first();
    sess.delete_(u1);
    sess.flush();
    EXPECT_TRUE(u1.state()->was_deleted);
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, &sess);
    sess.expunge(u1);
    EXPECT_TRUE(u1.state()->was_deleted);
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, nullptr);
    sess.rollback();
    EXPECT_TRUE(u1.state()->was_deleted);
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, nullptr);
}

// ports: test/orm/test_session.py::SessionUtilTest::test_make_transient
TEST_F(SessionState, MakeTransient) {
    Session sess(engine, {.autoflush = false});
    sess.add(User{.name = "test"});
    sess.flush();
    auto u1 = sess.scalars(select<User>()).first();
    make_transient(u1);
    EXPECT_FALSE(sess.contains(u1));
    sess.add(u1);
    EXPECT_TRUE(testkit::among(sess.new_objects(), u1));
    sess.expunge(u1);

    u1 = sess.scalars(select<User>()).first();
    sess.expunge(u1);
    make_transient(u1);
    sess.add(u1);
    EXPECT_TRUE(testkit::among(sess.new_objects(), u1));
    sess.expunge(u1);
    make_transient(u1);  // twice is fine
    sess.close();

    auto u2 = make<User>(User{.name = "test2"});
    sess.add(u2);
    sess.flush();
    EXPECT_TRUE(sess.contains(u2));
    sess.delete_(u2);
    sess.flush();
    EXPECT_FALSE(sess.contains(u2));
    EXPECT_THROW(sess.add(u2), InvalidRequestError);
    make_transient(u2);
    u2->id = 0;  // (the key a transient object holds is INSERTed as given: unset it for a new one)
    sess.add(u2);
    sess.flush();
    EXPECT_TRUE(sess.contains(u2));
}

// ports: test/orm/test_session.py::SessionUtilTest::test_make_transient_plus_rollback
TEST_F(SessionState, MakeTransientPlusRollback) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "test"});
    sess.commit();
    sess.delete_(u1);
    sess.flush();
    make_transient(u1);
    sess.rollback();
    EXPECT_EQ(u1.state()->status, ObjectState::Transient);
    EXPECT_EQ(u1.state()->session, nullptr);
}

// ports: test/orm/test_session.py::SessionUtilTest::test_make_transient_to_detached
TEST_F(SessionState, MakeTransientToDetached) {
    Session sess(engine);
    sess.add(User{.id = 1, .name = "test"});
    sess.commit();
    sess.close();
    auto u2 = make<User>(User{.id = 1});
    make_transient_to_detached(u2);
    EXPECT_EQ(u2.state()->status, ObjectState::Detached);
    sess.add(u2);
    EXPECT_EQ(u2->name, "test");
}

// ports: test/orm/test_session.py::SessionUtilTest::test_make_transient_to_detached_no_session_allowed
// ports: test/orm/test_session.py::SessionUtilTest::test_make_transient_to_detached_no_key_allowed
TEST_F(SessionState, MakeTransientToDetachedNeedsATransientObject) {
    Session sess(engine);
    auto u1 = sess.add(User{.id = 1, .name = "test"});
    try {
        make_transient_to_detached(u1);
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("Given object must be transient"), std::string::npos) << e.what();
    }
    sess.commit();
    sess.expunge(u1);
    EXPECT_THROW(make_transient_to_detached(u1), InvalidRequestError);
}

// ports: test/orm/test_session.py::SessionUtilTest::test_delete_all
TEST_F(SessionState, DeleteAll) {
    Session sess(engine);
    sess.add(User{.id = 1, .name = "u1"});
    sess.add(User{.id = 2, .name = "u2"});
    sess.commit();
    sess.close();
    auto all = sess.scalars(select<User>().order_by(col(&User::id))).all();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(sess.contains(all[0]) && sess.contains(all[1]));
    sess.delete_all(all[0], all[1]);
    sess.flush();
    EXPECT_FALSE(sess.contains(all[0]) || sess.contains(all[1]));
    EXPECT_EQ(sess.scalars(select<User>()).size(), 0u);
}

// ports: test/orm/test_session.py::SessionUtilTest::test_get
TEST_F(SessionState, GetUsesTheIdentityMap) {
    Session s(engine);
    s.execute(orm::insert<User>(), std::vector<Params>{{{"id", 7}, {"name", "7"}}, {{"id", 19}, {"name", "19"}}});
    EXPECT_TRUE(s.get<User>(std::int64_t{19}));
    auto u = s.get<User>(std::int64_t{7});
    record();
    auto u2 = s.get<User>(std::int64_t{7});
    EXPECT_TRUE(dml(take()).empty());
    ASSERT_TRUE(u);
    EXPECT_TRUE(u == u2);
    s.expunge_all();
    u2 = s.get<User>(std::int64_t{7});
    EXPECT_FALSE(u == u2);
}

// ports: test/orm/test_session.py::SessionStateTest::test_autoflush
TEST_F(SessionState, AutoflushOnAJoinedConnection) {
    auto conn1 = engine.connect();
    auto conn2 = engine.connect();
    Session sess(conn1, {.autoflush = true});
    auto u = sess.add(User{.name = "ed"});
    auto u2 = sess.scalars(select<User>().where(col(&User::name) == std::optional<std::string>("ed"))).one();
    EXPECT_TRUE(u2 == u);
    EXPECT_EQ(conn1.exec_driver_sql("select count(1) from users").scalar_one<std::int64_t>(), 1);
    if (!testkit::is_sqlite())  // (SQLite: the second connection would wait for the first one's write lock)
        EXPECT_EQ(conn2.exec_driver_sql("select count(1) from users").scalar_one<std::int64_t>(), 0);
    conn2.rollback();
    // No transaction was begun on conn1 before the session: the session's commit commits it.
    sess.commit();
    EXPECT_EQ(conn1.exec_driver_sql("select count(1) from users").scalar_one<std::int64_t>(), 1);
    conn1.commit();
    EXPECT_EQ(count_rows("users"), 1);
    sess.close();
}

// ports: test/orm/test_session.py::SessionStateTest::test_with_no_autoflush
TEST_F(SessionState, NoAutoflushBlock) {
    Session sess(engine);
    auto u = sess.add(User{.name = "ed"});
    {
        auto guard = sess.no_autoflush();
        EXPECT_EQ(sess.scalars(select<User>()).size(), 0u);
    }
    EXPECT_TRUE(testkit::among(sess.new_objects(), u));
    EXPECT_EQ(sess.scalars(select<User>()).size(), 1u);
    EXPECT_FALSE(testkit::among(sess.new_objects(), u));
}

// ports: test/orm/test_session.py::SessionStateTest::test_with_no_autoflush_after_exception
TEST_F(SessionState, NoAutoflushRestoredAfterException) {
    Session sess(engine);
    try {
        auto guard = sess.no_autoflush();
        throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
    }
    EXPECT_TRUE(sess.options().autoflush);
}

// ports: test/orm/test_session.py::SessionStateTest::test_autoflush_exception_addition
// (the failed autoflush surfaces as the database error; the session then needs rollback())
TEST_F(SessionState, FailedAutoflushRaisesTheDatabaseError) {
    Session s(engine);
    auto u1 = s.add(User{.name = "first"});
    s.commit();
    u1->addresses.push_back(make<Address>());  // email_address is NOT NULL
    EXPECT_THROW((void)s.scalars(select<User>()).first(), DBAPIError);
    EXPECT_THROW((void)s.scalars(select<User>()).first(), PendingRollbackError);
    s.rollback();
    EXPECT_EQ(s.scalars(select<User>()).size(), 1u);
}

// ports: test/orm/test_session.py::SessionStateWFixtureTest::test_autoflush_rollback
TEST_F(SessionState, RollbackRestoresLoadedState) {
    {
        Session s(engine);
        s.add(User{.name = "ed", .addresses = {make<Address>(Address{.email_address = "a1"}), make<Address>(Address{.email_address = "a2"}),
                                                make<Address>(Address{.email_address = "a3"})}});
        s.commit();
    }
    Session sess(engine);
    auto u = sess.scalars(select<User>()).one();
    auto newad = make<Address>(Address{.email_address = "a new address"});
    u->addresses.push_back(newad);
    u->name = "some new name";
    EXPECT_EQ(u->name, "some new name");
    EXPECT_EQ(u->addresses.size(), 4u);
    EXPECT_TRUE(u->addresses.contains(newad));
    sess.rollback();
    EXPECT_EQ(u->name, "ed");
    EXPECT_EQ(u->addresses.size(), 3u);
    EXPECT_FALSE(u->addresses.contains(newad));
    // Pending objects are not expired: they keep their values.
    EXPECT_EQ(newad->email_address, "a new address");
}

// ports: test/orm/test_session.py::SessionStateWFixtureTest::test_expunge_cascade
TEST_F(SessionState, ExpungeCascades) {
    {
        Session s(engine);
        s.add(User{.name = "ed", .addresses = {make<Address>(Address{.email_address = "a1"}), make<Address>(Address{.email_address = "a2"})}});
        s.commit();
    }
    Session session(engine);
    auto u = session.scalars(select<User>()).one();
    std::vector<Ptr<Address>> addrs;
    for (auto a : u->addresses) {
        (void)a->user.get();
        addrs.push_back(a);
    }
    session.expunge(u);
    EXPECT_EQ(u.state()->session, nullptr);
    for (const auto& a : addrs) EXPECT_EQ(a.state()->session, nullptr);
}

// ports: test/orm/test_session.py::IsModifiedTest::test_is_modified
TEST_F(SessionState, IsModified) {
    Session s(engine);
    s.add(User{.name = "fred"});
    s.flush();
    s.expunge_all();
    auto user = s.scalars(select<User>()).one();
    EXPECT_FALSE(testkit::among(s.dirty_objects(), user));
    EXPECT_FALSE(s.is_modified(user));
    // Set to the value it had: not modified (Retort compares values, so the object is not listed dirty either).
    user->name = "fred";
    EXPECT_FALSE(s.is_modified(user));
    user->name = "ed";
    EXPECT_TRUE(testkit::among(s.dirty_objects(), user));
    EXPECT_TRUE(s.is_modified(user));
    s.flush();
    EXPECT_FALSE(testkit::among(s.dirty_objects(), user));
    EXPECT_FALSE(s.is_modified(user));
    user->addresses.push_back(make<Address>(Address{.email_address = "x"}));
    EXPECT_TRUE(testkit::among(s.dirty_objects(), user));
    EXPECT_TRUE(s.is_modified(user));
    EXPECT_FALSE(s.is_modified(user, false));
}

// ports: test/orm/test_session.py::IsModifiedTest::test_is_modified_passive_off
TEST_F(SessionState, IsModifiedEmitsNoSql) {
    Session s(engine);
    auto u = s.add(User{.name = "fred", .addresses = {make<Address>(Address{.email_address = "foo"})}});
    s.commit();
    (void)u->id;
    record();
    EXPECT_FALSE(s.is_modified(u));
    EXPECT_TRUE(dml(take()).empty());
}

// ports: test/orm/test_session.py::NoCyclesOnTransientDetachedTest::test_transient_to_pending
// ports: test/orm/test_session.py::NoCyclesOnTransientDetachedTest::test_detached_to_dirty_deleted
TEST_F(SessionState, StateTransitions) {
    Session sess(engine);
    auto u1 = make<User>(User{.name = "u1"});
    EXPECT_EQ(u1.state()->status, ObjectState::Transient);
    sess.add(u1);
    EXPECT_EQ(u1.state()->status, ObjectState::Pending);
    sess.commit();
    EXPECT_EQ(u1.state()->status, ObjectState::Persistent);
    sess.close();
    EXPECT_EQ(u1.state()->status, ObjectState::Detached);
    // A detached object deleted: attached again and marked.
    sess.delete_(u1);
    EXPECT_EQ(u1.state()->status, ObjectState::Persistent);
    EXPECT_TRUE(testkit::among(sess.deleted_objects(), u1));
    // add() takes the delete back.
    sess.add(u1);
    EXPECT_FALSE(testkit::among(sess.deleted_objects(), u1));
    sess.commit();
    EXPECT_EQ(count_rows("users"), 1);
}

// ports: test/orm/test_session.py::SessionStateTest::test_identity_conflict
TEST_F(SessionState, IdentityConflictOnAdd) {
    Session s(engine);
    auto u1 = s.add(User{.name = "ed"});
    s.flush();
    s.expunge(u1);
    auto u2 = s.scalars(select<User>()).first();
    ASSERT_FALSE(u2 == u1);
    try {
        s.add(u1);
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("another instance"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(s.contains(u1));
    EXPECT_TRUE(s.contains(u2));
}

// ports: test/orm/test_session.py::SessionStateTest::test_no_double_save
TEST_F(SessionState, NoDoubleSave) {
    Session sess(engine);
    auto u = make<User>(User{.name = "u"});
    sess.add(u);
    sess.add(u);
    sess.flush();
    EXPECT_EQ(count_rows("users"), 0);  // (flushed, not committed: another connection sees nothing)
    sess.commit();
    EXPECT_EQ(count_rows("users"), 1);
}

// ports: test/orm/test_session.py::SessionInterface::test_unmapped_instance
// (Retort: expunge of an object that is not in the session is an InvalidRequestError)
TEST_F(SessionState, ExpungeOfAnObjectNotInTheSession) {
    Session sess(engine);
    auto u = make<User>(User{.name = "u"});
    EXPECT_THROW(sess.expunge(u), InvalidRequestError);
    EXPECT_THROW(sess.expire(u), InvalidRequestError);
    EXPECT_THROW(sess.refresh(u), InvalidRequestError);
}

// ports: test/orm/test_session.py::TransScopingTest::test_autobegin_flush
TEST_F(SessionState, FlushBeginsATransactionOnlyWhenItWrites) {
    Session s(engine);
    EXPECT_FALSE(s.in_transaction());
    s.flush();  // nothing to write
    EXPECT_FALSE(s.in_transaction());
    s.add(User{.id = 1, .name = "name"});
    s.flush();
    EXPECT_TRUE(s.in_transaction());
    s.commit();
    EXPECT_FALSE(s.in_transaction());
    EXPECT_EQ(count_rows("users"), 1);
}

// ports: test/orm/test_session.py::TransScopingTest::test_autobegin_within_flush
TEST_F(SessionState, FlushAfterACommitBeginsANewTransaction) {
    Session s(engine);
    s.add(User{.name = "u1"});
    s.commit();
    auto u1 = s.scalars(select<User>()).first();
    s.commit();
    u1->name = "newname";
    s.flush();
    auto name_in_db = [&] {
        return s.connection().exec_driver_sql("SELECT name FROM users").scalar_one<std::string>();
    };
    EXPECT_EQ(name_in_db(), "newname");
    EXPECT_TRUE(s.in_transaction());
    s.rollback();
    EXPECT_FALSE(s.in_transaction());
    EXPECT_EQ(name_in_db(), "u1");
    EXPECT_EQ(u1->name, "u1");
}

// ports: test/orm/test_session.py::TransScopingTest::test_autobegin_begin_method
TEST_F(SessionState, BeginTwiceRaises) {
    Session s(engine);
    auto tx = s.begin();
    try {
        auto again = s.begin();
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("already begun"), std::string::npos) << e.what();
    }
    tx.rollback();
}

// ports: test/orm/test_session.py::TransScopingTest::test_autobegin_attr_change
// (every combination: a transaction begun or not, expire_on_commit, what changes after the commit; the rollback
// always leaves the object with its committed value)
TEST_F(SessionState, RollbackAfterAChangeFollowingACommit) {
    for (bool begin : {false, true})
        for (bool expire_on_commit : {false, true})
            for (bool modify_unconditional : {false, true})
                for (const std::string case_ : {"nothing", "modify", "add", "delete"}) {
                    SCOPED_TRACE("begin=" + std::to_string(begin) + " expire_on_commit=" + std::to_string(expire_on_commit) +
                                 " modify=" + std::to_string(modify_unconditional) + " case=" + case_);
                    {
                        auto conn = engine.connect();
                        conn.exec_driver_sql("DELETE FROM users");
                        conn.commit();
                    }
                    Session s(engine, {.expire_on_commit = expire_on_commit});
                    auto u = s.add(User{.name = "x"});
                    auto u2 = s.add(User{.name = "d"});
                    auto u3 = s.add(User{.name = "e"});
                    s.commit();
                    std::optional<SessionTransaction> tx;
                    if (begin) tx.emplace(s.begin());
                    if (case_ == "add")
                        s.add(User{.name = "q"});
                    else if (case_ == "delete")
                        s.delete_(u2);
                    else if (case_ == "modify")
                        u3->name = "m";
                    if (modify_unconditional) u->name = "y";
                    s.rollback();
                    EXPECT_EQ(u->name, "x");
                    EXPECT_EQ(u3->name, "e");
                    EXPECT_TRUE(s.contains(u2));
                    EXPECT_EQ(users_named(s, "q"), 0);
                }
}

// ports: test/orm/test_session.py::SessionStateTest::test_duplicate_update
TEST_F(SessionState, DuplicateUpdate) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "u1"});
    sess.flush();
    ASSERT_NE(u1->id, 0);
    sess.expunge(u1);
    EXPECT_FALSE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, nullptr);
    auto u2 = sess.get<User>(u1->id);
    ASSERT_TRUE(u2);
    EXPECT_FALSE(u2 == u1);
    EXPECT_TRUE(sess.contains(u2));
    try {
        sess.add(u1);
        FAIL() << "no error";
    } catch (const InvalidRequestError& e) {
        EXPECT_NE(std::string(e.what()).find("another instance"), std::string::npos) << e.what();
    }
    sess.expunge(u2);
    EXPECT_FALSE(sess.contains(u2));
    EXPECT_EQ(u2.state()->session, nullptr);
    u1->name = "John";
    u2->name = "Doe";
    sess.add(u1);
    EXPECT_TRUE(sess.contains(u1));
    EXPECT_EQ(u1.state()->session, &sess);
    sess.flush();
    sess.expunge_all();
    auto u3 = sess.get<User>(u1->id);
    EXPECT_FALSE(u3 == u1);
    EXPECT_FALSE(u3 == u2);
    EXPECT_EQ(u3->name, "John");
}

// ports: test/orm/test_session.py::SessionStateTest::test_session_close_resets_only
TEST_F(SessionState, SessionUsableAfterClose) {
    Session s(engine);
    auto u1 = s.add(User{.name = "u1"});
    EXPECT_TRUE(s.contains(u1));
    s.close();
    EXPECT_FALSE(s.contains(u1));
    EXPECT_EQ(u1.state()->status, ObjectState::Transient);
    auto u2 = s.add(User{.name = "u2"});
    EXPECT_TRUE(s.contains(u2));
    s.commit();
    EXPECT_EQ(count_rows("users"), 1);
    EXPECT_EQ(count_rows("users", "name = 'u2'"), 1);
}

// ports: test/orm/test_session.py::NoCyclesOnTransientDetachedTest::test_move_persistent_dirty
// (the object is committed first, so that its row is there for the second session's UPDATE)
TEST_F(SessionState, DirtyObjectMovedToAnotherSessionKeepsItsChange) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "ed"});
    sess.commit();
    u1->name = "edchanged";
    EXPECT_TRUE(sess.is_modified(u1));
    sess.close();
    EXPECT_EQ(u1.state()->status, ObjectState::Detached);
    EXPECT_EQ(u1->name, "edchanged");
    Session s2(engine);
    s2.add(u1);
    EXPECT_TRUE(s2.is_modified(u1));
    EXPECT_TRUE(testkit::among(s2.dirty_objects(), u1));
    s2.commit();
    EXPECT_EQ(count_rows("users", "name = 'edchanged'"), 1);
}

// ports: test/orm/test_session.py::NoCyclesOnTransientDetachedTest::test_detached_to_clean_persistent
// ports: test/orm/test_session.py::NoCyclesOnTransientDetachedTest::test_detached_to_dirty_persistent
TEST_F(SessionState, DetachedObjectAddedBack) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "ed"});
    sess.flush();
    sess.expunge(u1);
    sess.add(u1);
    EXPECT_FALSE(sess.is_modified(u1));
    EXPECT_FALSE(testkit::among(sess.dirty_objects(), u1));
    sess.expunge(u1);
    u1->name = "edchanged";
    sess.add(u1);
    EXPECT_TRUE(sess.is_modified(u1));
    EXPECT_TRUE(testkit::among(sess.dirty_objects(), u1));
    sess.commit();
    EXPECT_EQ(count_rows("users", "name = 'edchanged'"), 1);
}

// ports: test/orm/test_session.py::NoCyclesOnTransientDetachedTest::test_persistent_dirty_to_expired
TEST_F(SessionState, ExpireDropsAChange) {
    Session sess(engine);
    auto u1 = sess.add(User{.name = "ed"});
    sess.flush();
    u1->name = "edchanged";
    EXPECT_TRUE(sess.is_modified(u1));
    sess.expire(u1);
    EXPECT_FALSE(sess.is_modified(u1));
    EXPECT_EQ(u1->name, "ed");
    sess.commit();
    EXPECT_EQ(count_rows("users", "name = 'ed'"), 1);
}

// ports: test/orm/test_session.py::DisposedStates::test_flush
// ports: test/orm/test_session.py::DisposedStates::test_expunge_all
// (Retort has no weak identity map: objects no handle refers to stay in the session until expunge_all() or close();
// a changed one is still written, and an object kept by a handle stays readable after expunge_all())
TEST_F(SessionState, ObjectsWithoutHandles) {
    Session sess(engine);
    for (const char* name : {"t1", "t2", "t3", "t4", "t5"}) sess.add(User{.name = name});
    sess.commit();
    auto o1 = sess.scalars(select<User>().where(col(&User::name) == std::optional<std::string>("t1"))).one();
    {
        auto o5 = sess.scalars(select<User>().where(col(&User::name) == std::optional<std::string>("t5"))).one();
        o5->name = "t5modified";
    }
    o1->name = "t1modified";
    sess.flush();
    sess.expunge_all();
    EXPECT_EQ(o1->name, "t1modified");
    EXPECT_EQ(o1.state()->status, ObjectState::Detached);
    sess.commit();
    EXPECT_EQ(count_rows("users", "name IN ('t1modified', 't5modified')"), 2);
    sess.close();
    EXPECT_EQ(o1->name, "t1modified");
    sess.add(o1);
    o1->name = "again";
    sess.commit();
    EXPECT_EQ(count_rows("users", "name = 'again'"), 1);
    EXPECT_EQ(sess.scalars(select<User>()).size(), 5u);
}

}  // namespace conf_session
