// Ports of test/orm/test_selectin_relations.py: the "selectin" loader (one more SELECT ... WHERE key IN (...)
// per relationship and level), as an option and as a mapping's lazy=, its ordering, chains of options, cycles,
// self-referential levels, and loading over objects already in the session.
#include "conformance/orm/fixtures.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_selectin {
struct Stock : conf_fx::Defaults {};
struct KeywordsSelectin : conf_fx::Defaults {
    static constexpr Lazy keywords = Lazy::Selectin;
};
struct ByEmail : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Selectin;
    static std::vector<std::string> addresses_order() { return {"email_address"}; }
};
struct ByEmailId : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Selectin;
    static std::vector<std::string> addresses_order() { return {"email_address", "id"}; }
};
struct ByEmailDesc : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Selectin;
    static std::vector<std::string> addresses_order() { return {"email_address DESC"}; }
};
struct AddressesSelectin : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Selectin;
    static constexpr Lazy items = Lazy::Selectin;
};
struct Cyclical : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Selectin;
    static constexpr Lazy user = Lazy::Selectin;
};
struct ScalarSelectin : conf_fx::Defaults {
    static constexpr Lazy address_scalar = Lazy::Selectin;
};
struct UserSelectin : conf_fx::Defaults {
    static constexpr Lazy user = Lazy::Selectin;
};
struct OrderAddressSelectin : conf_fx::Defaults {
    static constexpr Lazy order_address = Lazy::Selectin;
};
struct NodesDepth3 : conf_fx::Defaults {
    static constexpr Lazy children = Lazy::Selectin;
    static std::optional<int> children_join_depth() { return 3; }
};
struct NodesDepth1 : conf_fx::Defaults {
    static constexpr Lazy children = Lazy::Selectin;
    static std::optional<int> children_join_depth() { return 1; }
};
struct NodesNoDepth : conf_fx::Defaults {
    static constexpr Lazy children = Lazy::Selectin;
};
// test_mapper_pathing's mappings: User.orders, Order.items, Item.keywords.
template <Lazy O, Lazy I, Lazy K, std::size_t N>
struct Pathing : conf_fx::Defaults {
    static constexpr Lazy orders = O;
    static constexpr Lazy items = I;
    static constexpr Lazy keywords = K;
    static constexpr std::size_t count = N;
};
using P1 = Pathing<Lazy::Select, Lazy::Select, Lazy::Select, 15>;
using P2 = Pathing<Lazy::Selectin, Lazy::Select, Lazy::Select, 12>;
using P3 = Pathing<Lazy::Selectin, Lazy::Selectin, Lazy::Select, 8>;
using P4 = Pathing<Lazy::Joined, Lazy::Selectin, Lazy::Select, 7>;
using P5 = Pathing<Lazy::Select, Lazy::Select, Lazy::Selectin, 12>;
using P6 = Pathing<Lazy::Selectin, Lazy::Selectin, Lazy::Selectin, 4>;
using P7 = Pathing<Lazy::Selectin, Lazy::Selectin, Lazy::Joined, 3>;
}  // namespace conf_selectin

CONF_FX_DEFINE(conf_selectin::Stock)
CONF_FX_DEFINE(conf_selectin::KeywordsSelectin)
CONF_FX_DEFINE(conf_selectin::ByEmail)
CONF_FX_DEFINE(conf_selectin::ByEmailId)
CONF_FX_DEFINE(conf_selectin::ByEmailDesc)
CONF_FX_DEFINE(conf_selectin::AddressesSelectin)
CONF_FX_DEFINE(conf_selectin::Cyclical)
CONF_FX_DEFINE(conf_selectin::ScalarSelectin)
CONF_FX_DEFINE(conf_selectin::UserSelectin)
CONF_FX_DEFINE(conf_selectin::OrderAddressSelectin)
CONF_FX_DEFINE(conf_selectin::NodesDepth3)
CONF_FX_DEFINE(conf_selectin::NodesDepth1)
CONF_FX_DEFINE(conf_selectin::NodesNoDepth)
CONF_FX_DEFINE(conf_selectin::P1)
CONF_FX_DEFINE(conf_selectin::P2)
CONF_FX_DEFINE(conf_selectin::P3)
CONF_FX_DEFINE(conf_selectin::P4)
CONF_FX_DEFINE(conf_selectin::P5)
CONF_FX_DEFINE(conf_selectin::P6)
CONF_FX_DEFINE(conf_selectin::P7)

namespace conf_selectin {

using conf_fx::ids;
using conf_fx::user_addresses;

class SelectinTest : public conf_fx::FixtureTest<Stock> {};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_basic
TEST_F(SelectinTest, Basic) {
    Session sess(engine);
    auto q = select<UserT>().options(selectinload(&UserT::addresses));
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.scalars(q.where(col(&UserT::id) == 7)).all();
                  EXPECT_EQ(user_addresses(users), "7[1]");
                  EXPECT_EQ(users[0]->addresses[0]->email_address, "jack@bean.com");
              }),
              2u);
    Session sess2(engine);
    EXPECT_EQ(sql_count([&] { EXPECT_EQ(user_addresses(sess2.scalars(q.order_by(col(&UserT::id))).all()), conf_fx::user_address_result); }),
              2u);
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_from_get
TEST_F(SelectinTest, FromGet) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto u = sess.get<UserT>(7, {.options = {selectinload(&UserT::addresses)}});
                  ASSERT_TRUE(u);
                  EXPECT_TRUE(u->addresses.is_loaded());
                  EXPECT_EQ(ids(u->addresses), "[1]");
              }),
              2u);
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_from_params
TEST_F(SelectinTest, FromParams) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto u = sess.query<UserT>()
                               .options(selectinload(&UserT::addresses))
                               .filter(col(&UserT::id) == bindparam<std::int64_t>("foo"))
                               .params({{"foo", 7}})
                               .one();
                  EXPECT_EQ(u->id, 7);
                  EXPECT_EQ(ids(u->addresses), "[1]");
              }),
              2u);
}

class KeywordsSelectinTest : public conf_fx::FixtureTest<KeywordsSelectin> {};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_many_to_many_plain
TEST_F(KeywordsSelectinTest, ManyToManyPlain) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto items = sess.scalars(select<ItemT>().order_by(col(&ItemT::id))).all();
                  EXPECT_EQ(conf_fx::item_keywords(items), conf_fx::item_keyword_result);
              }),
              2u);
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_many_to_many_with_join
// ports: test/orm/test_selectin_relations.py::EagerTest::test_many_to_many_with_join_alias
TEST_F(KeywordsSelectinTest, ManyToManyWithJoin) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto items = sess.scalars(select<ItemT>()
                                                .join(&ItemT::keywords)
                                                .where(col(&KeywordT::name) == "red")
                                                .order_by(col(&ItemT::id)))
                                   .all();
                  EXPECT_EQ(conf_fx::item_keywords(items), "1[red,big,round] 2[red,small,square]");
              }),
              2u);
    // The same through an aliased join of the association and keyword tables.
    Session sess2(engine);
    FromClause ik = alias(registry_.metadata().get_table("item_keywords"), "ik");
    FromClause ka = alias(table_of<KeywordT>(), "ka");
    auto items = sess2.scalars(select<ItemT>()
                                   .join(ik, ik.c("item_id") == col(&ItemT::id))
                                   .join(ka, ka.c("id") == ik.c("keyword_id"))
                                   .where(ka.c<std::string>("name") == "red")
                                   .order_by(col(&ItemT::id)))
                     .all();
    EXPECT_EQ(conf_fx::item_keywords(items), "1[red,big,round] 2[red,small,square]");
}

class ByEmailTest : public conf_fx::FixtureTest<ByEmail> {};
class ByEmailIdTest : public conf_fx::FixtureTest<ByEmailId> {};
class ByEmailDescTest : public conf_fx::FixtureTest<ByEmailDesc> {};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_orderby
TEST_F(ByEmailTest, OrderBy) {
    Session sess(engine);
    auto users = sess.query<UserT>().order_by(col(&UserT::id)).all();
    EXPECT_EQ(user_addresses(users), "7[1] 8[3,4,2] 9[5] 10[]");
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_orderby_multi
TEST_F(ByEmailIdTest, OrderByMulti) {
    Session sess(engine);
    auto users = sess.query<UserT>().order_by(col(&UserT::id)).all();
    EXPECT_EQ(user_addresses(users), "7[1] 8[3,4,2] 9[5] 10[]");
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_orderby_desc
TEST_F(ByEmailDescTest, OrderByDesc) {
    Session sess(engine);
    auto users = sess.query<UserT>().order_by(col(&UserT::id)).all();
    EXPECT_EQ(user_addresses(users), "7[1] 8[2,4,3] 9[5] 10[]");
}

class AddressesSelectinTest : public conf_fx::FixtureTest<AddressesSelectin> {};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_orderby_related
TEST_F(AddressesSelectinTest, OrderByRelated) {
    Session sess(engine);
    auto users = sess.query<UserT>()
                     .filter(col(&UserT::id) == col(&AddressT::user_id))
                     .order_by(col(&AddressT::email_address))
                     .all();
    EXPECT_EQ(user_addresses(users), "8[2,3,4] 9[5] 7[1]");
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_limit
TEST_F(AddressesSelectinTest, Limit) {
    Session sess(engine);
    auto users = sess.query<UserT>().order_by(col(&UserT::id)).limit(2).offset(1).all();
    EXPECT_EQ(user_addresses(users), "8[2,3,4] 9[5]");
    EXPECT_EQ(conf_fx::user_orders_items(users), "8{} 9{2[1,2,3] 4[1,5]}");
    auto desc = sess.query<UserT>().order_by(col(&UserT::id).desc()).limit(2).offset(2).all();
    EXPECT_EQ(user_addresses(desc), "8[2,3,4] 7[1]");
    EXPECT_EQ(conf_fx::user_orders_items(desc), "8{} 7{1[1,2,3] 3[3,4,5] 5[5]}");
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_o2m_empty_list_present
TEST_F(AddressesSelectinTest, EmptyCollectionIsLoaded) {
    Session sess(engine);
    auto u = sess.query<UserT>().filter(col(&UserT::id) == 10).one();
    EXPECT_TRUE(u->addresses.is_loaded());
    EXPECT_EQ(sql_count([&] { EXPECT_TRUE(u->addresses.empty()); }), 0u);
}

// The seven combinations of test_options_pathing: options on User.orders, Order.items and Item.keywords, and
// the statements a full load of users, orders, items and keywords then takes.
struct PathCase {
    const char* o;
    const char* i;
    const char* k;
    std::size_t count;
};

class OptionsPathingTest : public conf_fx::FixtureTest<Stock> {
protected:
    template <class T, class R>
    static std::optional<LoaderOption> first(const char* how, R T::* mp) {
        std::string h = how;
        if (h == "selectinload") return selectinload(mp);
        if (h == "joinedload") return joinedload(mp);
        return std::nullopt;
    }
    template <class T, class R>
    static std::optional<LoaderOption> then(LoaderOption base, const char* how, R T::* mp) {
        std::string h = how;
        if (h == "selectinload") return base.selectinload(mp);
        if (h == "joinedload") return base.joinedload(mp);
        return std::nullopt;
    }
    void run(const PathCase& c) {
        SCOPED_TRACE(std::string(c.o) + "/" + c.i + "/" + c.k);
        auto q = select<UserT>();
        if (auto o = first(c.o, &UserT::orders)) q = q.options(*o);
        if (auto o = then(defaultload(&UserT::orders), c.i, &OrderT::items)) q = q.options(*o);
        if (auto o = then(defaultload(&UserT::orders).defaultload(&OrderT::items), c.k, &ItemT::keywords)) q = q.options(*o);
        {
            Session sess(engine);
            EXPECT_EQ(sql_count([&] {
                          auto users = sess.scalars(q.order_by(col(&UserT::id))).all();
                          EXPECT_EQ(conf_fx::user_orders_items(users), conf_fx::user_order_result);
                          std::string kw;
                          for (const auto& u : users)
                              for (auto o : u->orders)
                                  for (auto i : o->items) kw += std::to_string(i->id) + ":" + std::to_string(i->keywords.size()) + " ";
                          EXPECT_EQ(kw, "1:3 2:3 3:3 3:3 4:0 5:0 5:0 1:3 2:3 3:3 1:3 5:0 ");
                      }),
                      c.count);
            auto fred = sess.scalars(q.where(col(&UserT::name) == "fred").order_by(col(&UserT::id))).all();
            EXPECT_EQ(conf_fx::user_orders_items(fred), "9{2[1,2,3] 4[1,5]}");
        }
        Session sess(engine);
        auto joined = sess.scalars(q.join(&UserT::orders).where(col(&OrderT::id) == 3).order_by(col(&UserT::id))).all();
        EXPECT_EQ(conf_fx::user_orders_items(joined), "7{1[1,2,3] 3[3,4,5] 5[5]}");
    }
};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_options_pathing
TEST_F(OptionsPathingTest, OptionsPathing) {
    for (const PathCase& c : {PathCase{"lazyload", "lazyload", "lazyload", 15}, PathCase{"selectinload", "lazyload", "lazyload", 12},
                              PathCase{"selectinload", "selectinload", "lazyload", 8},
                              PathCase{"joinedload", "selectinload", "lazyload", 7},
                              PathCase{"lazyload", "lazyload", "selectinload", 12},
                              PathCase{"selectinload", "selectinload", "selectinload", 4},
                              PathCase{"selectinload", "selectinload", "joinedload", 3}})
        run(c);
}

// The same combinations as the mappings' lazy= (test_mapper_pathing), one registry each.
template <class P>
class MapperPathingTest : public conf_fx::FixtureTest<P> {};
using PathingConfigs = ::testing::Types<P1, P2, P3, P4, P5, P6, P7>;
TYPED_TEST_SUITE(MapperPathingTest, PathingConfigs);

// ports: test/orm/test_selectin_relations.py::EagerTest::test_mapper_pathing
TYPED_TEST(MapperPathingTest, MapperPathing) {
    using UserT = conf_fx::User<TypeParam>;
    Session sess(this->engine);
    EXPECT_EQ(this->sql_count([&] {
                  auto users = sess.scalars(select<UserT>().order_by(col(&UserT::id))).all();
                  EXPECT_EQ(conf_fx::user_orders_items(users), conf_fx::user_order_result);
                  for (const auto& u : users)
                      for (auto o : u->orders)
                          for (auto i : o->items) (void)i->keywords.size();
              }),
              TypeParam::count);
}

class CyclicalTest : public conf_fx::FixtureTest<Cyclical> {};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_cyclical
TEST_F(CyclicalTest, CyclicalBreaksWithLazyLoader) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.scalars(select<UserT>().order_by(col(&UserT::id))).all();
                  EXPECT_EQ(user_addresses(users), conf_fx::user_address_result);
                  // Address.user is a many-to-one to users already loaded: from the identity map.
                  for (const auto& u : users)
                      for (auto a : u->addresses) EXPECT_TRUE(a->user == u);
              }),
              2u);
}

class ScalarSelectinTest : public conf_fx::FixtureTest<ScalarSelectin> {};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_one_to_many_scalar
TEST_F(ScalarSelectinTest, OneToManyScalar) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto u = sess.query<UserT>().filter(col(&UserT::id) == 7).all();
                  ASSERT_EQ(u.size(), 1u);
                  ASSERT_TRUE(u[0]->address);
                  EXPECT_EQ(u[0]->address->id, 1);
              }),
              2u);
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_one_to_many_scalar_none
TEST_F(ScalarSelectinTest, OneToManyScalarNone) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto u = sess.query<UserT>().filter(col(&UserT::id) == 10).all();
                  ASSERT_EQ(u.size(), 1u);
                  EXPECT_FALSE(u[0]->address);
              }),
              2u);
}

// ports: test/orm/test_selectin_relations.py::EagerTest::test_uselist_false_warning
// ports: test/orm/test_selectin_relations.py::UselistFalseMultipleRowsTest::test_multiple_rows_uselist_false_warns
TEST_F(SelectinTest, UselistFalseMultipleRows) {
    // SQLAlchemy warns; Retort raises (user 8 has three addresses for its one-to-one "address").
    Session sess(engine);
    EXPECT_THROW((void)sess.query<UserT>().options(selectinload(&UserT::address)).all(), MultipleResultsFound);
}

class UserSelectinTest : public conf_fx::FixtureTest<UserSelectin> {};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_many_to_one
TEST_F(UserSelectinTest, ManyToOne) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto a = sess.query<AddressT>().filter(col(&AddressT::id) == 1).one();
                  ASSERT_TRUE(a->user);
                  auto u1 = sess.get<UserT>(7);
                  EXPECT_TRUE(a->user == u1);
              }),
              2u);
}

class OrderAddressSelectinTest : public conf_fx::FixtureTest<OrderAddressSelectin> {};

// ports: test/orm/test_selectin_relations.py::EagerTest::test_m2o_none_value_present
TEST_F(OrderAddressSelectinTest, ManyToOneNoneValuePresent) {
    Session sess(engine, {.autoflush = false});
    auto q = sess.query<OrderT>().filter(col(&OrderT::id).in_({4, 5})).order_by(col(&OrderT::id));
    auto orders = q.all();
    ASSERT_EQ(orders.size(), 2u);
    auto o4 = orders[0], o5 = orders[1];
    EXPECT_TRUE(o4->address.is_loaded());
    EXPECT_TRUE(o4->address);
    EXPECT_TRUE(o5->address.is_loaded());
    EXPECT_FALSE(o5->address);
    // A value set in memory is not overwritten by the next query...
    o5->address = make<AddressT>(AddressT{.id = 100, .email_address = "new"});
    (void)q.all();
    EXPECT_TRUE(o5->address);
    // ...unless with populate_existing.
    o5->address = make<AddressT>(AddressT{.id = 101, .email_address = "new2"});
    (void)q.populate_existing().all();
    EXPECT_TRUE(o5->address.is_loaded());
    EXPECT_FALSE(o5->address);
}

class LoadOnExistingTest : public conf_fx::FixtureTest<AddressesSelectin> {};

// ports: test/orm/test_selectin_relations.py::LoadOnExistingTest::test_runs_query_on_refresh
TEST_F(LoadOnExistingTest, RunsQueryOnRefresh) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.get<UserT>(8);
    EXPECT_TRUE(u1->addresses.is_loaded());
    sess.expire(u1);
    EXPECT_EQ(sql_count([&] { EXPECT_EQ(u1->id, 8); }), 2u);
    EXPECT_TRUE(u1->addresses.is_loaded());
}

// ports: test/orm/test_selectin_relations.py::LoadOnExistingTest::test_populate_existing_propagate
TEST_F(LoadOnExistingTest, PopulateExistingPropagate) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.get<UserT>(8);
    u1->addresses[2]->email_address = "foofoo";
    u1->addresses.remove(u1->addresses[1]);
    u1 = sess.query<UserT>().populate_existing().filter(col(&UserT::id) == 8).one();
    // The collection is as the rows say again, and so are the attributes of its members.
    EXPECT_EQ(u1->addresses.size(), 3u);
    EXPECT_EQ(u1->addresses[2]->email_address, "ed@lala.com");
    // Nothing is left to flush.
    record();
    sess.flush();
    EXPECT_TRUE(dml(take()).empty());
}

class StockExistingTest : public conf_fx::FixtureTest<Stock> {};

// ports: test/orm/test_selectin_relations.py::LoadOnExistingTest::test_loads_second_level_collection_to_scalar
TEST_F(StockExistingTest, LoadsSecondLevelCollectionToScalar) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.get<UserT>(8);
    auto a1 = make<AddressT>(AddressT{.id = 100, .email_address = "new"});
    u1->addresses.push_back(a1);
    auto a2 = u1->addresses[0];
    a2->email_address = "foo";
    (void)sess.query<UserT>()
        .options(selectinload(&UserT::addresses).selectinload(&AddressT::dingaling))
        .filter(col(&UserT::id) == 8)
        .all();
    // The loaded collection keeps its new member; the others' dingaling is loaded. The new (pending) one has
    // nothing to load: a new object's relationships hold what was set in memory (SQLAlchemy leaves them unset).
    EXPECT_TRUE(u1->addresses[u1->addresses.size() - 1] == a1);
    for (auto a : u1->addresses) {
        if (a == a1) EXPECT_FALSE(a.get()->dingaling);
        else EXPECT_TRUE(a.get()->dingaling.is_loaded());
    }
    EXPECT_EQ(a2->email_address, "foo");
}

// ports: test/orm/test_selectin_relations.py::LoadOnExistingTest::test_loads_second_level_collection_to_collection
TEST_F(StockExistingTest, LoadsSecondLevelCollectionToCollection) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.get<UserT>(7);
    (void)u1->orders.size();
    auto o1 = make<OrderT>(OrderT{.id = 100});
    u1->orders.push_back(o1);
    (void)sess.query<UserT>()
        .options(selectinload(&UserT::orders).selectinload(&OrderT::items))
        .filter(col(&UserT::id) == 7)
        .all();
    // The new order has nothing to load (its collection is what was set in memory: empty).
    for (auto o : u1->orders) {
        if (o == o1) EXPECT_TRUE(o.get()->items.empty());
        else EXPECT_TRUE(o.get()->items.is_loaded());
    }
}

// ports: test/orm/test_selectin_relations.py::LoadOnExistingTest::test_load_two_levels_collection_to_scalar
TEST_F(StockExistingTest, LoadTwoLevelsCollectionToScalar) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.query<UserT>().filter(col(&UserT::id) == 8).options(selectinload(&UserT::addresses)).one();
    (void)sess.query<UserT>()
        .filter(col(&UserT::id) == 8)
        .options(selectinload(&UserT::addresses).selectinload(&AddressT::dingaling))
        .first();
    EXPECT_TRUE(u1->addresses[0].get()->dingaling.is_loaded());
}

// ports: test/orm/test_selectin_relations.py::LoadOnExistingTest::test_load_two_levels_collection_to_collection
TEST_F(StockExistingTest, LoadTwoLevelsCollectionToCollection) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.query<UserT>().filter(col(&UserT::id) == 7).options(selectinload(&UserT::orders)).one();
    (void)sess.query<UserT>()
        .filter(col(&UserT::id) == 7)
        .options(selectinload(&UserT::orders).selectinload(&OrderT::items))
        .first();
    EXPECT_TRUE(u1->orders[0].get()->items.is_loaded());
}

// ports: test/orm/test_selectin_relations.py::SelectinM2ONoRelatedRowTest::test_missing_and_null_fk
TEST_F(SelectinTest, ManyToOneNullKey) {
    // Order 5 has no address (a null key): loaded as none, with no query for it. (The fixture's foreign keys
    // are enforced, so the other half of the original, a key naming no row, cannot be set up here.)
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto orders = sess.query<OrderT>()
                                    .filter(col(&OrderT::id).in_({4, 5}))
                                    .order_by(col(&OrderT::id))
                                    .options(selectinload(&OrderT::address))
                                    .all();
                  ASSERT_EQ(orders.size(), 2u);
                  EXPECT_EQ(orders[0]->address->id, 4);
                  EXPECT_TRUE(orders[1]->address.is_loaded());
                  EXPECT_FALSE(orders[1]->address);
              }),
              2u);
}

// ports: test/orm/test_selectin_relations.py::M2MOmitJoinTest::test_m2m_selectin_no_duplicate_children
TEST_F(SelectinTest, ManyToManyNoDuplicateChildren) {
    Session sess(engine);
    auto items = sess.query<ItemT>().order_by(col(&ItemT::id)).options(selectinload(&ItemT::keywords)).all();
    // Keyword "red" belongs to items 1 and 2: the same object in both collections, once in each.
    auto red1 = items[0]->keywords[0];
    auto red2 = items[1]->keywords[0];
    EXPECT_TRUE(red1 == red2);
    EXPECT_EQ(items[0]->keywords.size(), 3u);
    EXPECT_EQ(items[1]->keywords.size(), 3u);
}

// ports: test/orm/test_selectin_relations.py::ChunkingTest::test_dont_emit_for_redundant_m2o
TEST_F(SelectinTest, NoQueryForManyToOneInIdentityMap) {
    Session sess(engine);
    (void)sess.query<UserT>().all();
    // Every address's user is in the identity map already: the selectin loader sends nothing.
    EXPECT_EQ(sql_count([&] {
                  auto addrs = sess.query<AddressT>().options(selectinload(&AddressT::user)).all();
                  for (const auto& a : addrs) EXPECT_TRUE(a->user.is_loaded());
              }),
              1u);
}

// ---- self-referential (SelfReferentialTest): n1 {n11 {n111, n112}, n12 {n121, n122, n123}, n13}, n2 {n21 {n211, n212}}

template <class C>
class NodesTest : public conf_fx::FixtureTest<C> {
protected:
    using N = conf_fx::Node<C>;
    bool insert_rows() const override { return false; }
    void SetUp() override {
        conf_fx::FixtureTest<C>::SetUp();
        Session sess(this->engine);
        auto node = [&](const char* d, std::initializer_list<Ptr<N>> kids) {
            auto n = make<N>(N{.data = d});
            for (const auto& k : kids) n->children.push_back(k);
            return n;
        };
        auto leaf = [&](const char* d) { return node(d, {}); };
        auto n1 = node("n1", {node("n11", {leaf("n111"), leaf("n112")}), node("n12", {leaf("n121"), leaf("n122"), leaf("n123")}),
                              leaf("n13")});
        auto n2 = node("n2", {node("n21", {leaf("n211"), leaf("n212")})});
        sess.add(n1);
        sess.add(n2);
        sess.commit();
    }
    // "n1{n11{n111 n112} n12{...} n13}" from what is loaded, without loading more.
    static std::string loaded(const Ptr<N>& n) {
        std::string out = *n->data;
        if (!n->children.is_loaded()) return out;
        if (n->children.empty()) return out;
        out += "{";
        bool first = true;
        for (auto c : n->children) {
            out += (first ? "" : " ") + loaded(c);
            first = false;
        }
        return out + "}";
    }
};

class NodesDepth3Test : public NodesTest<NodesDepth3> {};
class NodesDepth1Test : public NodesTest<NodesDepth1> {};
class NodesNoDepthTest : public NodesTest<NodesNoDepth> {};
class NodesOptionsTest : public NodesTest<Stock> {};

// ports: test/orm/test_selectin_relations.py::SelfReferentialTest::test_basic
TEST_F(NodesDepth3Test, SelfReferentialJoinDepth) {
    Session sess(engine);
    std::string out;
    EXPECT_EQ(sql_count([&] {
                  auto d = sess.query<N>().filter(col(&N::data).in_({"n1", "n2"})).order_by(col(&N::data)).all();
                  for (const auto& n : d) out += loaded(n) + " ";
              }),
              4u);
    EXPECT_EQ(out, "n1{n11{n111 n112} n12{n121 n122 n123} n13} n2{n21{n211 n212}} ");
}

// ports: test/orm/test_selectin_relations.py::SelfReferentialTest::test_lazy_fallback_doesnt_affect_eager
TEST_F(NodesDepth1Test, LazyFallbackDoesntAffectEager) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto all = sess.query<N>().order_by(col(&N::data)).all();
                  auto n11 = all[1];
                  EXPECT_EQ(*n11->data, "n11");
                  EXPECT_EQ(loaded(n11), "n11{n111 n112}");
                  auto n12 = all[4];
                  EXPECT_EQ(*n12->data, "n12");
                  EXPECT_EQ(loaded(n12), "n12{n121 n122 n123}");
              }),
              2u);
}

// ports: test/orm/test_selectin_relations.py::SelfReferentialTest::test_options
TEST_F(NodesOptionsTest, ChainedOptions) {
    Session sess(engine);
    std::string out;
    EXPECT_EQ(sql_count([&] {
                  auto d = sess.query<N>()
                               .filter(col(&N::data) == "n1")
                               .order_by(col(&N::id))
                               .options(selectinload(&N::children).selectinload(&N::children))
                               .first();
                  out = loaded(d);
              }),
              3u);
    EXPECT_EQ(out, "n1{n11{n111 n112} n12{n121 n122 n123} n13}");
}

// ports: test/orm/test_selectin_relations.py::SelfReferentialTest::test_no_depth
TEST_F(NodesNoDepthTest, NoJoinDepthNoEagerLoad) {
    // A self-referential lazy="selectin" without join_depth does not load eagerly: each level is a lazy load.
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto d = sess.query<N>().filter(col(&N::data).in_({"n1", "n2"})).order_by(col(&N::data)).all();
                  EXPECT_FALSE(d[0]->children.is_loaded());
                  std::string n1;
                  for (auto c : d[0]->children) n1 += *c->data + " ";
                  EXPECT_EQ(n1, "n11 n12 n13 ");
                  EXPECT_EQ(d[0]->children[1]->children.size(), 3u);
                  EXPECT_EQ(d[1]->children.size(), 1u);
              }),
              4u);
}

}  // namespace conf_selectin
