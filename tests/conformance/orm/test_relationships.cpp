// Ports of test/orm/test_relationships.py (RaiseLoadTest): lazy="raise" and "raise_on_sql", as mappings and as
// raiseload() options.
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
