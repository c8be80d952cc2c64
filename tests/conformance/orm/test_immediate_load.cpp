// Ports of test/orm/test_immediate_load.py: the "immediate" loader (each parent's relationship loaded right after
// the parents, with the lazy loader), as an option over any mapping and as a mapping's lazy=.
#include "conformance/orm/fixtures.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_immediate {
// test_basic_option's default strategies of User.addresses and Address.user.
template <Lazy L>
struct DefaultLazy : conf_fx::Defaults {
    static constexpr Lazy addresses = L;
    static constexpr Lazy user = L;
};
using Raise = DefaultLazy<Lazy::Raise>;
using RaiseOnSql = DefaultLazy<Lazy::RaiseOnSql>;
using Select = DefaultLazy<Lazy::Select>;
using Immediate = DefaultLazy<Lazy::Immediate>;
// test_m2one_side: Address.user immediate, User.addresses joined or selectin.
template <Lazy O2M>
struct M2OneSide : conf_fx::Defaults {
    static constexpr Lazy addresses = O2M;
    static constexpr Lazy user = Lazy::Immediate;
};
// test_o2mone_side: User.addresses immediate, Address.user immediate, joined or selectin.
template <Lazy M2O>
struct O2MOneSide : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Immediate;
    static constexpr Lazy user = M2O;
};
}  // namespace conf_immediate

CONF_FX_DEFINE(conf_immediate::Raise)
CONF_FX_DEFINE(conf_immediate::RaiseOnSql)
CONF_FX_DEFINE(conf_immediate::Select)
CONF_FX_DEFINE(conf_immediate::Immediate)
CONF_FX_DEFINE(conf_immediate::M2OneSide<retort::orm::Lazy::Joined>)
CONF_FX_DEFINE(conf_immediate::M2OneSide<retort::orm::Lazy::Selectin>)
CONF_FX_DEFINE(conf_immediate::O2MOneSide<retort::orm::Lazy::Immediate>)
CONF_FX_DEFINE(conf_immediate::O2MOneSide<retort::orm::Lazy::Joined>)
CONF_FX_DEFINE(conf_immediate::O2MOneSide<retort::orm::Lazy::Selectin>)

namespace conf_immediate {

template <class C>
class ImmediateOptionTest : public conf_fx::FixtureTest<C> {};
using DefaultLazies = ::testing::Types<Raise, RaiseOnSql, Select, Immediate>;
TYPED_TEST_SUITE(ImmediateOptionTest, DefaultLazies);

// ports: test/orm/test_immediate_load.py::ImmediateTest::test_basic_option
TYPED_TEST(ImmediateOptionTest, BasicOption) {
    using UserT = conf_fx::User<TypeParam>;
    Session sess(this->engine);
    auto result = sess.query<UserT>().options(immediateload(&UserT::addresses)).filter(col(&UserT::id) == 7).all();
    EXPECT_EQ(sess.size(), 2u);
    sess.close();
    // Loaded before the session closed: usable detached.
    EXPECT_EQ(conf_fx::user_addresses(result), "7[1]");
    EXPECT_EQ(result[0]->addresses[0]->email_address, "jack@bean.com");
}

// ports: test/orm/test_immediate_load.py::ImmediateTest::test_basic_option_m2o
TYPED_TEST(ImmediateOptionTest, BasicOptionManyToOne) {
    using AddressT = conf_fx::Address<TypeParam>;
    Session sess(this->engine);
    auto result = sess.query<AddressT>().options(immediateload(&AddressT::user)).filter(col(&AddressT::id) == 1).all();
    EXPECT_EQ(sess.size(), 2u);
    sess.close();
    ASSERT_EQ(result.size(), 1u);
    EXPECT_EQ(result[0]->email_address, "jack@bean.com");
    EXPECT_EQ(result[0]->user->id, 7);
}

class ImmediateTest : public conf_fx::FixtureTest<Immediate> {};

// ports: test/orm/test_immediate_load.py::ImmediateTest::test_basic
TEST_F(ImmediateTest, Basic) {
    Session sess(engine);
    std::vector<Ptr<UserT>> result;
    EXPECT_EQ(sql_count([&] { result = sess.query<UserT>().filter(col(&UserT::id) == 7).all(); }), 2u);
    EXPECT_EQ(sess.size(), 2u);
    sess.close();
    EXPECT_EQ(conf_fx::user_addresses(result), "7[1]");
}

template <class C>
class M2OneSideTest : public conf_fx::FixtureTest<C> {};
using O2MLazies = ::testing::Types<M2OneSide<Lazy::Joined>, M2OneSide<Lazy::Selectin>>;
TYPED_TEST_SUITE(M2OneSideTest, O2MLazies);

// ports: test/orm/test_immediate_load.py::ImmediateTest::test_m2one_side
TYPED_TEST(M2OneSideTest, ManyToOneSide) {
    // The addresses load eagerly; their immediate many-to-one back to the user comes from the identity map.
    using UserT = conf_fx::User<TypeParam>;
    Session sess(this->engine);
    auto u1 = sess.query<UserT>().filter(col(&UserT::id) == 7).one();
    sess.close();
    EXPECT_TRUE(u1->addresses.is_loaded());
    EXPECT_TRUE(u1->addresses[0].get()->user.is_loaded());
    EXPECT_TRUE(u1->addresses[0]->user == u1);
}

template <class C>
class O2MOneSideTest : public conf_fx::FixtureTest<C> {};
using M2OLazies = ::testing::Types<O2MOneSide<Lazy::Immediate>, O2MOneSide<Lazy::Joined>, O2MOneSide<Lazy::Selectin>>;
TYPED_TEST_SUITE(O2MOneSideTest, M2OLazies);

// ports: test/orm/test_immediate_load.py::ImmediateTest::test_o2mone_side
TYPED_TEST(O2MOneSideTest, OneToManySide) {
    using UserT = conf_fx::User<TypeParam>;
    Session sess(this->engine);
    auto u1 = sess.query<UserT>().filter(col(&UserT::id) == 7).one();
    sess.close();
    EXPECT_TRUE(u1->addresses.is_loaded());
    // The addresses' eager many-to-one back to the user is a cycle: not loaded by the addresses' load (except an
    // immediate one, which takes the user from the identity map, sending nothing). Detached now, it cannot load.
    auto a = u1->addresses[0];
    if (TypeParam::user == Lazy::Immediate) EXPECT_TRUE(a.get()->user.is_loaded());
    else EXPECT_FALSE(a.get()->user.is_loaded());
}

}  // namespace conf_immediate
