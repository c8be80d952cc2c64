// Ports of test/orm/test_eager_relations.py: the "joined" loader (LEFT OUTER JOINs of the related tables in the
// parent query, aliased), as a mapping's lazy= and as joinedload() chains, its ordering, cycles, LIMIT, and loading
// over objects already in the session.
#include "conformance/orm/fixtures.hpp"

using namespace retort;
using namespace retort::orm;

namespace conf_eager {
struct Stock : conf_fx::Defaults {};
struct Joined : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Joined;
    static constexpr Lazy keywords = Lazy::Joined;
    static constexpr Lazy order_address = Lazy::Joined;
};
struct JoinedByEmailDesc : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Joined;
    static std::vector<std::string> addresses_order() { return {"email_address DESC"}; }
};
struct JoinedOrphans : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Joined;
    static std::string cascade_addresses() { return "all, delete-orphan"; }
};
struct CyclicalJoined : conf_fx::Defaults {
    static constexpr Lazy addresses = Lazy::Joined;
    static constexpr Lazy user = Lazy::Joined;
    static constexpr Lazy orders = Lazy::Joined;
    static constexpr Lazy items = Lazy::Joined;
};
struct NodesJoined : conf_fx::Defaults {
    static constexpr Lazy children = Lazy::Joined;
    static std::optional<int> children_join_depth() { return 3; }
};
}  // namespace conf_eager

CONF_FX_DEFINE(conf_eager::Stock)
CONF_FX_DEFINE(conf_eager::Joined)
CONF_FX_DEFINE(conf_eager::JoinedByEmailDesc)
CONF_FX_DEFINE(conf_eager::JoinedOrphans)
CONF_FX_DEFINE(conf_eager::CyclicalJoined)
CONF_FX_DEFINE(conf_eager::NodesJoined)

namespace conf_eager {

using conf_fx::ids;
using conf_fx::user_addresses;

class EagerTest : public conf_fx::FixtureTest<Stock> {};
class JoinedTest : public conf_fx::FixtureTest<Joined> {};

// ports: test/orm/test_eager_relations.py::EagerTest::test_basic
TEST_F(JoinedTest, Basic) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>().filter(col(&UserT::id) == 7).all();
                  EXPECT_EQ(user_addresses(users), "7[1]");
                  EXPECT_EQ(users[0]->addresses[0]->email_address, "jack@bean.com");
              }),
              1u);
    Session sess2(engine);
    EXPECT_EQ(sql_count([&] { EXPECT_EQ(user_addresses(sess2.query<UserT>().order_by(col(&UserT::id)).all()), conf_fx::user_address_result); }),
              1u);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_late_compile
TEST_F(EagerTest, JoinedloadOption) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>().options(joinedload(&UserT::addresses)).filter(col(&UserT::id) == 7).all();
                  EXPECT_EQ(user_addresses(users), "7[1]");
              }),
              1u);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_no_render_in_subquery
TEST_F(JoinedTest, JoinedStatementShape) {
    // The joined loader's LEFT OUTER JOIN of an aliased addresses table, ordered by the relationship's order.
    Session sess(engine);
    record();
    (void)sess.scalars(select<UserT>().order_by(col(&UserT::id))).all();
    auto stmts = dml(take());
    ASSERT_EQ(stmts.size(), 1u);
    EXPECT_NE(stmts[0].find("LEFT OUTER JOIN addresses AS addresses_1 ON users.id = addresses_1.user_id"), std::string::npos)
        << stmts[0];
    EXPECT_NE(stmts[0].find("ORDER BY users.id, addresses_1.id"), std::string::npos) << stmts[0];
}

class JoinedOrphansTest : public conf_fx::FixtureTest<JoinedOrphans> {};

// ports: test/orm/test_eager_relations.py::EagerTest::test_no_orphan
TEST_F(JoinedOrphansTest, EagerLoadedChildIsNoOrphan) {
    Session sess(engine);
    auto user = sess.get<UserT>(7);
    ASSERT_TRUE(user->addresses.is_loaded());
    ASSERT_EQ(user->addresses.size(), 1u);
    sess.commit();
    EXPECT_EQ(count_rows("addresses"), 5);
}

class JoinedByEmailDescTest : public conf_fx::FixtureTest<JoinedByEmailDesc> {};

// ports: test/orm/test_eager_relations.py::EagerTest::test_orderby_desc
TEST_F(JoinedByEmailDescTest, OrderByDesc) {
    Session sess(engine);
    EXPECT_EQ(user_addresses(sess.query<UserT>().order_by(col(&UserT::id)).all()), "7[1] 8[2,4,3] 9[5] 10[]");
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_orderby_related
TEST_F(JoinedTest, OrderByRelated) {
    Session sess(engine);
    auto users = sess.query<UserT>()
                     .filter(col(&UserT::id) == col(&AddressT::user_id))
                     .order_by(col(&AddressT::email_address))
                     .all();
    EXPECT_EQ(user_addresses(users), "8[2,3,4] 9[5] 7[1]");
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_options_pathing
TEST_F(EagerTest, OptionsPathing) {
    struct Case {
        std::vector<LoaderOption> opts;
        std::size_t count;
    };
    const auto orders_items = defaultload(&UserT::orders).joinedload(&OrderT::items);
    const auto orders_items_keywords = defaultload(&UserT::orders).defaultload(&OrderT::items).joinedload(&ItemT::keywords);
    std::vector<Case> cases{
        {{orders_items}, 10},
        {{joinedload(&UserT::orders), orders_items, orders_items_keywords}, 1},
        {{orders_items_keywords}, 10},
        {{orders_items, orders_items_keywords}, 5},
    };
    for (const auto& c : cases) {
        Session sess(engine);
        auto q = select<UserT>().order_by(col(&UserT::id));
        for (const auto& o : c.opts) q = q.options(o);
        EXPECT_EQ(sql_count([&] {
                      auto users = sess.scalars(q).all();
                      EXPECT_EQ(conf_fx::user_orders_items(users), conf_fx::user_order_result);
                      std::string kw;
                      for (const auto& u : users)
                          for (auto o : u->orders)
                              for (auto i : o->items) kw += std::to_string(i->keywords.size());
                      EXPECT_EQ(kw, "333300033330");
                  }),
                  c.count);
    }
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_many_to_many
TEST_F(JoinedTest, ManyToMany) {
    Session sess(engine);
    auto q = sess.query<ItemT>().order_by(col(&ItemT::id));
    EXPECT_EQ(sql_count([&] { EXPECT_EQ(conf_fx::item_keywords(q.all()), conf_fx::item_keyword_result); }), 1u);
    Session sess2(engine);
    EXPECT_EQ(sql_count([&] {
                  auto red = sess2.query<ItemT>()
                                 .order_by(col(&ItemT::id))
                                 .join(&ItemT::keywords)
                                 .filter(col(&KeywordT::name) == "red")
                                 .all();
                  EXPECT_EQ(conf_fx::item_keywords(red), "1[red,big,round] 2[red,small,square]");
              }),
              1u);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_eager_option
TEST_F(EagerTest, EagerOption) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto red = sess.query<ItemT>()
                                 .options(joinedload(&ItemT::keywords))
                                 .join(&ItemT::keywords)
                                 .filter(col(&KeywordT::name) == "red")
                                 .order_by(col(&ItemT::id))
                                 .all();
                  EXPECT_EQ(conf_fx::item_keywords(red), "1[red,big,round] 2[red,small,square]");
              }),
              1u);
}

class CyclicalJoinedTest : public conf_fx::FixtureTest<CyclicalJoined> {};

// ports: test/orm/test_eager_relations.py::EagerTest::test_cyclical
TEST_F(CyclicalJoinedTest, CyclicalBreaksWithLazyLoader) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>().order_by(col(&UserT::id)).all();
                  EXPECT_EQ(user_addresses(users), conf_fx::user_address_result);
                  for (const auto& u : users)
                      for (auto a : u->addresses) EXPECT_TRUE(a->user == u);
              }),
              1u);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_one_and_many
TEST_F(CyclicalJoinedTest, OneAndMany) {
    // User.orders and Order.items both joined: one statement for users, orders and items.
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>().filter(col(&UserT::id) == 7).all();
                  EXPECT_EQ(conf_fx::user_orders_items(users), "7{1[1,2,3] 3[3,4,5] 5[5]}");
              }),
              1u);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_limit
// ports: test/orm/test_eager_relations.py::EagerTest::test_limit_2
TEST_F(CyclicalJoinedTest, Limit) {
    // Under LIMIT/OFFSET a joined collection would cut the parents' rows: Retort loads it with a second query
    // (SQLAlchemy wraps the limited query in a subquery); the objects are the same.
    Session sess(engine);
    auto users = sess.query<UserT>().order_by(col(&UserT::id)).limit(2).offset(1).all();
    EXPECT_EQ(user_addresses(users), "8[2,3,4] 9[5]");
    EXPECT_EQ(conf_fx::user_orders_items(users), "8{} 9{2[1,2,3] 4[1,5]}");
    auto desc = sess.query<UserT>().order_by(col(&UserT::id).desc()).limit(2).offset(2).all();
    EXPECT_EQ(user_addresses(desc), "8[2,3,4] 7[1]");
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_distinct
TEST_F(JoinedTest, Distinct) {
    Session sess(engine);
    auto users = sess.query<UserT>()
                     .join(table_of<OrderT>(), col(&OrderT::user_id) == col(&UserT::id))
                     .order_by(col(&UserT::id))
                     .distinct()
                     .all();
    EXPECT_EQ(user_addresses(users), "7[1] 9[5]");
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_useget_cancels_eager
TEST_F(CyclicalJoinedTest, LazyLoadCancelsEagerJoinBack) {
    // Address.user is joined; a lazy load of a user's addresses does not join users back (the user is the parent).
    Session sess(engine);
    auto u1 = sess.query<UserT>().options(lazyload(&UserT::addresses)).filter(col(&UserT::id) == 8).one();
    record();
    EXPECT_TRUE(u1->addresses[0]->user == u1);
    auto stmts = dml(take());
    ASSERT_EQ(stmts.size(), 1u);
    EXPECT_EQ(stmts[0].find("JOIN"), std::string::npos) << stmts[0];
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_one_to_many_scalar
TEST_F(EagerTest, OneToManyScalar) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto u = sess.query<UserT>().options(joinedload(&UserT::address)).filter(col(&UserT::id) == 7).all();
                  ASSERT_EQ(u.size(), 1u);
                  EXPECT_EQ(u[0]->address->id, 1);
              }),
              1u);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_one_to_many_scalar_subq_wrapping
TEST_F(EagerTest, OneToManyScalarWithLimit) {
    // A single-valued relationship joins under LIMIT too (its rows do not multiply the parent's).
    Session sess(engine);
    record();
    auto u = sess.query<UserT>().options(joinedload(&UserT::address)).filter(col(&UserT::id) == 7).limit(1).all();
    auto stmts = dml(take());
    EXPECT_NE(stmts.at(0).find("LEFT OUTER JOIN addresses AS"), std::string::npos) << stmts[0];
    EXPECT_EQ(u.at(0)->address->id, 1);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_many_to_one
TEST_F(EagerTest, ManyToOne) {
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto a = sess.query<AddressT>().options(joinedload(&AddressT::user)).filter(col(&AddressT::id) == 1).one();
                  ASSERT_TRUE(a->user);
                  auto u1 = sess.get<UserT>(7);
                  EXPECT_TRUE(a->user == u1);
              }),
              1u);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_many_to_one_null
TEST_F(JoinedTest, ManyToOneNull) {
    // A many-to-one the joined loader found empty is loaded (as none): no lazy load later.
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto o1 = sess.query<OrderT>().filter(col(&OrderT::id) == 5).one();
                  EXPECT_FALSE(o1->address);
              }),
              1u);
    Session sess2(engine);
    EXPECT_EQ(sql_count([&] {
                  auto o1 = sess2.query<OrderT>().options(lazyload(&OrderT::address)).filter(col(&OrderT::id) == 5).one();
                  EXPECT_FALSE(o1->address);  // a null key: nothing to load
              }),
              1u);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_uselist_false_warning
TEST_F(EagerTest, UselistFalseMultipleRows) {
    // SQLAlchemy warns; Retort raises.
    Session sess(engine);
    EXPECT_THROW((void)sess.query<UserT>().options(joinedload(&UserT::address)).all(), MultipleResultsFound);
}

// ports: test/orm/test_eager_relations.py::EagerTest::test_wide
TEST_F(EagerTest, Wide) {
    // Several relationships joined at once, nested: orders with items, and addresses.
    Session sess(engine);
    EXPECT_EQ(sql_count([&] {
                  auto users = sess.query<UserT>()
                                   .options(joinedload(&UserT::orders).joinedload(&OrderT::items), joinedload(&UserT::addresses))
                                   .order_by(col(&UserT::id))
                                   .all();
                  EXPECT_EQ(conf_fx::user_orders_items(users), conf_fx::user_order_result);
                  EXPECT_EQ(user_addresses(users), conf_fx::user_address_result);
              }),
              1u);
}

class JoinedLoadOnExistingTest : public conf_fx::FixtureTest<Joined> {};

// ports: test/orm/test_eager_relations.py::JoinedLoadOnExistingTest::test_populate_existing_propagate
TEST_F(JoinedLoadOnExistingTest, PopulateExistingPropagate) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.get<UserT>(8);
    u1->addresses[2]->email_address = "foofoo";
    u1->addresses.remove(u1->addresses[1]);
    u1 = sess.query<UserT>().populate_existing().filter(col(&UserT::id) == 8).one();
    EXPECT_EQ(u1->addresses.size(), 3u);
    EXPECT_EQ(u1->addresses[2]->email_address, "ed@lala.com");
}

// ports: test/orm/test_eager_relations.py::JoinedLoadOnExistingTest::test_no_crash_on_existing
TEST_F(JoinedLoadOnExistingTest, NoCrashOnExisting) {
    Session sess(engine);
    auto u1 = sess.query<UserT>().filter(col(&UserT::id) == 7).one();
    (void)sess.query<UserT>().filter(col(&UserT::id) == 7).all();
    EXPECT_EQ(ids(u1->addresses), "[1]");
}

class JoinedStockExistingTest : public conf_fx::FixtureTest<Stock> {};

// ports: test/orm/test_eager_relations.py::JoinedLoadOnExistingTest::test_loads_second_level_collection_to_scalar
TEST_F(JoinedStockExistingTest, LoadsSecondLevelCollectionToScalar) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.get<UserT>(8);
    auto a1 = make<AddressT>(AddressT{.id = 100, .email_address = "new"});
    u1->addresses.push_back(a1);
    auto a2 = u1->addresses[0];
    a2->email_address = "foo";
    (void)sess.query<UserT>()
        .options(joinedload(&UserT::addresses).joinedload(&AddressT::dingaling))
        .filter(col(&UserT::id) == 8)
        .all();
    EXPECT_TRUE(u1->addresses[u1->addresses.size() - 1] == a1);
    for (auto a : u1->addresses)
        if (!(a == a1)) EXPECT_TRUE(a.get()->dingaling.is_loaded());
    EXPECT_EQ(a2->email_address, "foo");
}

// ports: test/orm/test_eager_relations.py::JoinedLoadOnExistingTest::test_load_two_levels_collection_to_collection
TEST_F(JoinedStockExistingTest, LoadTwoLevelsCollectionToCollection) {
    Session sess(engine, {.autoflush = false});
    auto u1 = sess.query<UserT>().filter(col(&UserT::id) == 7).options(joinedload(&UserT::orders)).one();
    (void)sess.query<UserT>()
        .filter(col(&UserT::id) == 7)
        .options(joinedload(&UserT::orders).joinedload(&OrderT::items))
        .first();
    EXPECT_TRUE(u1->orders[0].get()->items.is_loaded());
}

// ---- self-referential (SelfReferentialEagerTest)

class NodesJoinedTest : public conf_fx::FixtureTest<NodesJoined> {
protected:
    using N = NodeT;
    bool insert_rows() const override { return false; }
    void SetUp() override {
        conf_fx::FixtureTest<NodesJoined>::SetUp();
        Session sess(engine);
        auto node = [&](const char* d, std::initializer_list<Ptr<N>> kids) {
            auto n = make<N>(N{.data = d});
            for (const auto& k : kids) n->children.push_back(k);
            return n;
        };
        auto leaf = [&](const char* d) { return node(d, {}); };
        sess.add(node("n1", {node("n11", {leaf("n111"), leaf("n112")}), node("n12", {leaf("n121"), leaf("n122"), leaf("n123")}),
                             leaf("n13")}));
        sess.add(node("n2", {node("n21", {leaf("n211"), leaf("n212")})}));
        sess.commit();
    }
    static std::string loaded(const Ptr<N>& n) {
        std::string out = *n->data;
        if (!n->children.is_loaded() || n->children.empty()) return out;
        out += "{";
        bool first = true;
        for (auto c : n->children) {
            out += (first ? "" : " ") + loaded(c);
            first = false;
        }
        return out + "}";
    }
};

// ports: test/orm/test_eager_relations.py::SelfReferentialEagerTest::test_basic
TEST_F(NodesJoinedTest, SelfReferentialJoinDepth) {
    Session sess(engine);
    std::string out;
    EXPECT_EQ(sql_count([&] {
                  auto d = sess.query<N>().filter(col(&N::data).in_({"n1", "n2"})).order_by(col(&N::data)).all();
                  for (const auto& n : d) out += loaded(n) + " ";
              }),
              1u);
    EXPECT_EQ(out, "n1{n11{n111 n112} n12{n121 n122 n123} n13} n2{n21{n211 n212}} ");
}

// ports: test/orm/test_eager_relations.py::SelfReferentialEagerTest::test_options
TEST_F(NodesJoinedTest, ChainedOptions) {
    Session sess(engine);
    std::string out;
    EXPECT_EQ(sql_count([&] {
                  auto d = sess.query<N>()
                               .filter(col(&N::data) == "n1")
                               .order_by(col(&N::id))
                               .options(joinedload(&N::children).joinedload(&N::children))
                               .first();
                  out = loaded(d);
              }),
              2u);  // LIMIT 1 (first()): the top collection loads with a second query
    EXPECT_EQ(out, "n1{n11{n111 n112} n12{n121 n122 n123} n13}");
}

}  // namespace conf_eager
