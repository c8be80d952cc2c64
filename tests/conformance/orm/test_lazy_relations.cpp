// Ports of test/orm/test_lazy_relations.py: the lazy loader (lazy="select") of one-to-many, many-to-one,
// one-to-one and many-to-many relationships, and its use of the identity map.
#include "conformance/orm/fixtures.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_lazy {
struct Stock : conf_fx::Defaults {};
struct ByEmail : conf_fx::Defaults {
    static std::vector<std::string> addresses_order() { return {"email_address"}; }
};
struct ByEmailDesc : conf_fx::Defaults {
    static std::vector<std::string> addresses_order() { return {"email_address DESC"}; }
};
struct Orphans : conf_fx::Defaults {
    static std::string cascade_addresses() { return "all, delete-orphan"; }
};
}  // namespace conf_lazy

CONF_FX_DEFINE(conf_lazy::Stock)
CONF_FX_DEFINE(conf_lazy::ByEmail)
CONF_FX_DEFINE(conf_lazy::ByEmailDesc)
CONF_FX_DEFINE(conf_lazy::Orphans)

namespace conf_lazy {

using conf_fx::ids;

class LazyTest : public conf_fx::FixtureTest<Stock> {};
class LazyOrderTest : public conf_fx::FixtureTest<ByEmail> {};
class LazyOrderDescTest : public conf_fx::FixtureTest<ByEmailDesc> {};
class LazyOrphanTest : public conf_fx::FixtureTest<Orphans> {};

// ports: test/orm/test_lazy_relations.py::LazyTest::test_basic
TEST_F(LazyTest, Basic) {
    Session sess(engine);
    auto users = sess.scalars(select<UserT>().where(col(&UserT::id) == 7)).all();
    ASSERT_EQ(users.size(), 1u);
    EXPECT_FALSE(users[0]->addresses.is_loaded());
    ASSERT_EQ(users[0]->addresses.size(), 1u);
    EXPECT_EQ(users[0]->addresses[0]->id, 1);
    EXPECT_EQ(users[0]->addresses[0]->email_address, "jack@bean.com");
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_needs_parent
TEST_F(LazyTest, NeedsParent) {
    Session sess(engine);
    auto u = sess.scalars(select<UserT>().where(col(&UserT::id) == 7)).first();
    sess.expunge(u);
    EXPECT_THROW((void)u->addresses.size(), DetachedInstanceError);
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_orderby
TEST_F(LazyOrderTest, OrderBy) {
    Session sess(engine);
    auto users = sess.scalars(select<UserT>().order_by(col(&UserT::id))).all();
    EXPECT_EQ(conf_fx::user_addresses(users), "7[1] 8[3,4,2] 9[5] 10[]");
    EXPECT_EQ(users[1]->addresses[0]->email_address, "ed@bettyboop.com");
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_orderby_desc
TEST_F(LazyOrderDescTest, OrderByDesc) {
    Session sess(engine);
    auto users = sess.scalars(select<UserT>().order_by(col(&UserT::id))).all();
    EXPECT_EQ(conf_fx::user_addresses(users), "7[1] 8[2,4,3] 9[5] 10[]");
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_orderby_secondary
TEST_F(LazyTest, OrderBySecondaryTable) {
    // The query orders by a column of another table; the legacy Query returns each user once.
    Session sess(engine);
    auto users = sess.query<UserT>()
                     .filter(col(&UserT::id) == col(&AddressT::user_id))
                     .order_by(col(&AddressT::email_address))
                     .all();
    EXPECT_EQ(conf_fx::user_addresses(users), "8[2,3,4] 9[5] 7[1]");
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_no_orphan
TEST_F(LazyOrphanTest, LazyLoadedChildIsNoOrphan) {
    // A child that a lazy load brought in belongs to its parent: the flush deletes nothing.
    Session sess(engine);
    auto user = sess.get<UserT>(7);
    ASSERT_EQ(user->addresses.size(), 1u);
    sess.flush();
    sess.commit();
    EXPECT_EQ(count_rows("addresses"), 5);
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_limit
TEST_F(LazyTest, Limit) {
    Session sess(engine);
    auto users = sess.scalars(select<UserT>().order_by(col(&UserT::id)).limit(2).offset(1)).all();
    EXPECT_EQ(conf_fx::user_addresses(users), "8[2,3,4] 9[5]");
    EXPECT_EQ(conf_fx::user_orders_items(users), "8{} 9{2[1,2,3] 4[1,5]}");
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_distinct
TEST_F(LazyTest, Distinct) {
    // Many rows per user (a join with duplicates), DISTINCT: each user once, relationships complete.
    Session sess(engine);
    auto users = sess.scalars(select<UserT>()
                                  .join(table_of<OrderT>(), col(&OrderT::user_id) == col(&UserT::id))
                                  .order_by(col(&UserT::id))
                                  .distinct())
                     .all();
    EXPECT_EQ(conf_fx::user_addresses(users), "7[1] 9[5]");
    EXPECT_EQ(conf_fx::user_orders_items(users), "7{1[1,2,3] 3[3,4,5] 5[5]} 9{2[1,2,3] 4[1,5]}");
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_uselist_false_warning
TEST_F(LazyTest, UselistFalseMultipleRows) {
    // SQLAlchemy warns when a uselist=False relationship finds several rows; Retort raises.
    Session sess(engine);
    auto u8 = sess.scalars(select<UserT>().where(col(&UserT::id) == 8)).one();
    EXPECT_THROW((void)u8->address.get(), MultipleResultsFound);
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_one_to_many_scalar
TEST_F(LazyTest, OneToManyScalar) {
    Session sess(engine);
    auto users = sess.scalars(select<UserT>().where(col(&UserT::id) == 7)).all();
    ASSERT_EQ(users.size(), 1u);
    ASSERT_TRUE(users[0]->address);
    EXPECT_EQ(users[0]->address->id, 1);
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_many_to_many
TEST_F(LazyTest, ManyToMany) {
    Session sess(engine);
    auto items = sess.scalars(select<ItemT>().order_by(col(&ItemT::id))).all();
    EXPECT_EQ(conf_fx::item_keywords(items), conf_fx::item_keyword_result);
    auto red = sess.scalars(select<ItemT>()
                                .join(&ItemT::keywords)
                                .where(col(&KeywordT::name) == "red")
                                .order_by(col(&ItemT::id)))
                   .all();
    EXPECT_EQ(conf_fx::item_keywords(red), "1[red,big,round] 2[red,small,square]");
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_uses_get
TEST_F(LazyTest, ManyToOneUsesIdentityMap) {
    Session sess(engine);
    auto a1 = sess.scalars(select<AddressT>().where(col(&AddressT::email_address) == "ed@wood.com")).one();
    auto u1 = sess.get<UserT>(8);
    // The lazy load of a1.user finds the user in the identity map: no SQL.
    EXPECT_EQ(sql_count([&] { EXPECT_TRUE(a1->user == u1); }), 0u);
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_use_get_lambda_key_wont_go_stale
TEST_F(LazyTest, ManyToOneKeyNotStale) {
    {
        Session sess(engine);
        auto a1 = sess.get<AddressT>(2);
        EXPECT_EQ(a1->user->id, 8);
    }
    {
        Session sess(engine);
        auto a1 = sess.get<AddressT>(2);
        EXPECT_EQ(a1->user->id, 8);
    }
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_many_to_one
TEST_F(LazyTest, ManyToOne) {
    Session sess(engine);
    auto a = sess.scalars(select<AddressT>().where(col(&AddressT::id) == 1)).one();
    ASSERT_TRUE(a->user);
    auto u1 = sess.get<UserT>(7);
    EXPECT_TRUE(a->user == u1);
}

// ports: test/orm/test_lazy_relations.py::LazyTest::test_backrefs_dont_lazyload
TEST_F(LazyTest, BackrefsDontLazyLoad) {
    Session sess(engine, {.autoflush = false});
    auto ad = sess.scalars(select<AddressT>().where(col(&AddressT::id) == 1)).one();
    EXPECT_EQ(ad->user->id, 7);
    // Setting the loaded many-to-one does not load the old user's collection.
    EXPECT_EQ(sql_count([&] {
                  ad->user = nullptr;
                  EXPECT_FALSE(ad->user);
              }),
              0u);
    auto u1 = sess.scalars(select<UserT>().where(col(&UserT::id) == 7)).one();
    EXPECT_EQ(sql_count([&] { EXPECT_FALSE(u1->addresses.contains(ad)); }), 1u);

    // A new address pointed at a user whose collection is not loaded: no SQL now, and the collection
    // holds the new address once it is loaded (the pending change joins the loaded rows).
    auto u2 = sess.scalars(select<UserT>().where(col(&UserT::id) == 8)).one();
    auto ad2 = make<AddressT>(AddressT{.id = 100, .email_address = "new"});
    EXPECT_EQ(sql_count([&] {
                  ad2->user = u2;
                  EXPECT_TRUE(ad2->user == u2);
              }),
              0u);
    EXPECT_EQ(sql_count([&] { EXPECT_TRUE(u2->addresses.contains(ad2)); }), 1u);
    EXPECT_EQ(u2->addresses.size(), 4u);
}

// ports: test/orm/test_lazy_relations.py::GetterStateTest::test_no_use_get_params_missing
TEST_F(LazyTest, ManyToOneWithoutKeyEmitsNoSql) {
    Session sess(engine);
    auto a1 = sess.add(AddressT{.id = 100, .email_address = "a1"});
    sess.flush();
    EXPECT_EQ(sql_count([&] { EXPECT_FALSE(a1->user); }), 0u);
}

// ports: test/orm/test_lazy_relations.py::GetterStateTest::test_get_populated_passive_return_never_set
TEST_F(LazyTest, ManyToOneAfterExpireAll) {
    // A many-to-one set in memory and flushed loads again after expire_all, to the same object.
    Session sess(engine);
    auto a1 = sess.add(AddressT{.id = 100, .email_address = "a1"});
    auto ed = sess.add(UserT{.id = 100, .name = "ed"});
    a1->user = ed;
    sess.flush();
    sess.expire_all();
    EXPECT_TRUE(a1->user == ed);
    EXPECT_EQ(a1->user->name, "ed");
}

// ports: test/orm/test_lazy_relations.py::M2OGetTest::test_m2o_noload
TEST_F(LazyTest, ManyToOneNullKeyNoLoad) {
    Session sess(engine);
    auto ad1 = sess.add(AddressT{.id = 12, .email_address = "somenewaddress"});
    sess.flush();
    sess.expunge_all();
    auto ad2 = sess.get<AddressT>(1);
    auto ad3 = sess.get<AddressT>(ad1.get()->id);
    EXPECT_EQ(sql_count([&] {
                  EXPECT_EQ(ad2->user->name, "jack");  // one lazy load
                  EXPECT_FALSE(ad3->user);             // none
              }),
              1u);
}

}  // namespace conf_lazy
