// Ports of test/orm/test_froms.py: contains_eager(), filling relationships from the query's own JOINs.
#include "conformance/orm/fixtures.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_froms {
struct Stock : conf_fx::Defaults {};
}  // namespace conf_froms

CONF_FX_DEFINE(conf_froms::Stock)

namespace conf_froms {

using conf_fx::user_addresses;

class InstancesTest : public conf_fx::FixtureTest<Stock> {};

// ports: test/orm/test_froms.py::InstancesTest::test_contains_eager_one
TEST_F(InstancesTest, ContainsEagerOne) {
    Session sess(engine);
    auto q = sess.query<UserT>()
                 .outerjoin(&UserT::addresses)
                 .options(contains_eager(&UserT::addresses))
                 .order_by(col(&UserT::id), col(&AddressT::id));
    record();
    auto users = q.all();
    auto stmts = dml(take());
    ASSERT_EQ(stmts.size(), 1u);
    // No joined loader's own JOIN: the query's LEFT OUTER JOIN is the one, its columns in the SELECT.
    EXPECT_TRUE(stmts[0].starts_with("SELECT users.id, users.name, addresses.id, addresses.user_id, addresses.email_address FROM "
                                     "users LEFT OUTER JOIN addresses ON users.id = addresses.user_id"))
        << stmts[0];
    EXPECT_EQ(sql_count([&] { EXPECT_EQ(user_addresses(users), conf_fx::user_address_result); }), 0u);
}

// ports: test/orm/test_froms.py::InstancesTest::test_contains_eager_two
// ports: test/orm/test_froms.py::InstancesTest::test_contains_eager_aliased
TEST_F(InstancesTest, ContainsEagerAliased) {
    Session sess(engine);
    FromClause adalias = alias(table_of<AddressT>(), "adalias");
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>()
                                   .options(contains_eager(&UserT::addresses, adalias))
                                   .join(adalias, adalias.c("user_id") == col(&UserT::id))
                                   .order_by(col(&UserT::id), adalias.c("id"))
                                   .all();
                  // An inner join: the user without addresses is not in the result.
                  EXPECT_EQ(user_addresses(users), "7[1] 8[2,3,4] 9[5]");
              }),
              1u);
}

// ports: test/orm/test_froms.py::InstancesTest::test_contains_eager_four
TEST_F(InstancesTest, ContainsEagerFilteredRows) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.scalars(select<UserT>()
                                                .join(&UserT::addresses, true)
                                                .where(col(&UserT::id) < 10)
                                                .order_by(col(&UserT::id), col(&AddressT::id))
                                                .options(contains_eager(&UserT::addresses)))
                                   .all();
                  EXPECT_EQ(user_addresses(users), "7[1] 8[2,3,4] 9[5]");
              }),
              1u);
}

// ports: test/orm/test_froms.py::InstancesTest::test_contains_eager_multi_alias
// ports: test/orm/test_froms.py::InstancesTest::test_contains_eager_multi_aliased
TEST_F(InstancesTest, ContainsEagerMultiAliased) {
    Session sess(engine);
    FromClause oalias = alias(table_of<OrderT>(), "o1");
    FromClause oi = alias(registry_.metadata().get_table("order_items"), "oi");
    FromClause ialias = alias(table_of<ItemT>(), "i1");
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>()
                                   .options(contains_eager(&UserT::orders, oalias).contains_eager(&OrderT::items, ialias))
                                   .join(oalias, oalias.c("user_id") == col(&UserT::id))
                                   .join(oi, oi.c("order_id") == oalias.c("id"))
                                   .join(ialias, ialias.c("id") == oi.c("item_id"))
                                   .order_by(col(&UserT::id), oalias.c("id"), ialias.c("id"))
                                   .all();
                  EXPECT_EQ(conf_fx::user_orders_items(users), "7{1[1,2,3] 3[3,4,5] 5[5]} 9{2[1,2,3] 4[1,5]}");
              }),
              1u);
}

// ports: test/orm/test_froms.py::InstancesTest::test_contains_eager_chaining
TEST_F(InstancesTest, ContainsEagerChaining) {
    // Inner joins to addresses and their dingalings: only addresses that have one are in the collections.
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>()
                                   .join(&UserT::addresses)
                                   .join(table_of<DingalingT>(), col(&DingalingT::address_id) == col(&AddressT::id))
                                   .options(contains_eager(&UserT::addresses).contains_eager(&AddressT::dingaling))
                                   .order_by(col(&UserT::id))
                                   .all();
                  ASSERT_EQ(users.size(), 2u);
                  EXPECT_EQ(users[0]->name, "ed");
                  ASSERT_EQ(users[0]->addresses.size(), 1u);
                  EXPECT_EQ(users[0]->addresses[0]->email_address, "ed@wood.com");
                  EXPECT_EQ(*users[0]->addresses[0]->dingaling->data, "ding 1/2");
                  EXPECT_EQ(users[1]->name, "fred");
                  EXPECT_EQ(users[1]->addresses[0]->email_address, "fred@fred.com");
                  EXPECT_EQ(*users[1]->addresses[0]->dingaling->data, "ding 2/5");
              }),
              1u);
}

// ports: test/orm/test_froms.py::InstancesTest::test_contains_eager_chaining_aliased_endpoint
TEST_F(InstancesTest, ContainsEagerChainingAliasedEndpoint) {
    Session sess(engine);
    FromClause da = alias(table_of<DingalingT>(), "foob");
    auto users = sess.query<UserT>()
                     .join(&UserT::addresses)
                     .join(da, da.c("address_id") == col(&AddressT::id))
                     .options(contains_eager(&UserT::addresses).contains_eager(&AddressT::dingaling, da))
                     .order_by(col(&UserT::id))
                     .all();
    ASSERT_EQ(users.size(), 2u);
    EXPECT_EQ(sql_count([&] {
                  EXPECT_EQ(*users[0]->addresses[0]->dingaling->data, "ding 1/2");
                  EXPECT_EQ(*users[1]->addresses[0]->dingaling->data, "ding 2/5");
              }),
              0u);
}

// ports: test/orm/test_froms.py::InstancesTest::test_mixed_eager_contains_with_limit
TEST_F(InstancesTest, MixedEagerAndContains) {
    // contains_eager for the joined orders, joinedload for the addresses, in one statement.
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>()
                                   .outerjoin(&UserT::orders)
                                   .options(joinedload(&UserT::addresses), contains_eager(&UserT::orders))
                                   .order_by(col(&UserT::id), col(&OrderT::id))
                                   .all();
                  EXPECT_EQ(user_addresses(users), conf_fx::user_address_result);
                  std::string orders;
                  for (const auto& u : users) orders += std::to_string(u->id) + conf_fx::ids(u->orders);
                  EXPECT_EQ(orders, "7[1,3,5]8[]9[2,4]10[]");
              }),
              1u);
}

}  // namespace conf_froms
