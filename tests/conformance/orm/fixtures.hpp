// SQLAlchemy's test/orm/_fixtures.py for the conformance suite: users, addresses, orders, items, keywords,
// dingalings and nodes, with the same rows. SQLAlchemy's tests map these tables anew in each test with
// other loader strategies or orderings; here a configuration type C says how the relationships load and
// are ordered, and each configuration is a registry of its own (its models are User<C>, Address<C>, ...).
//
//   struct Lazy1 : conf_fx::Defaults { static constexpr Lazy addresses = Lazy::Selectin; };
//   CONF_FX_DEFINE(Lazy1)                          // at global scope: the mapping blocks of Lazy1's models
//   class MyTest : public conf_fx::FixtureTest<Lazy1> {};
#pragma once

#include <sstream>

#include "conformance/kit.hpp"

namespace conf_fx {

using retort::orm::Collection;
using retort::orm::Lazy;
using retort::orm::Ref;
using retort::orm::Registry;

// The stock mapping (_setup_stock_mapping) with every relationship lazy, and the orderings it gives.
struct Defaults {
    static constexpr Lazy addresses = Lazy::Select;  // User.addresses, order_by addresses.id
    static constexpr Lazy orders = Lazy::Select;     // User.orders, order_by orders.id
    static constexpr Lazy address_scalar = Lazy::Select;  // User.address: the addresses as one object
    static constexpr Lazy user = Lazy::Select;       // Address.user (the backref of User.addresses)
    static constexpr Lazy dingaling = Lazy::Select;  // Address.dingaling, one-to-one
    static constexpr Lazy items = Lazy::Select;      // Order.items, many-to-many, order_by items.id
    static constexpr Lazy order_address = Lazy::Select;  // Order.address, many-to-one
    static constexpr Lazy order_user = Lazy::Select;     // Order.user (the backref of User.orders)
    static constexpr Lazy keywords = Lazy::Select;   // Item.keywords, many-to-many (order_by keywords.id)
    static constexpr Lazy children = Lazy::Select;   // Node.children / Node.parent
    static constexpr Lazy parent = Lazy::Select;
    static std::vector<std::string> addresses_order() { return {"id"}; }
    static std::vector<std::string> keywords_order() { return {"id"}; }
    static std::string cascade_addresses() { return "save-update, merge"; }
    static std::optional<int> children_join_depth() { return std::nullopt; }
};

template <class C> struct User;
template <class C> struct Address;
template <class C> struct Order;
template <class C> struct Item;
template <class C> struct Keyword;
template <class C> struct Dingaling;
template <class C> struct Node;

template <class C>
struct User {
    std::int64_t id = 0;
    std::string name;
    Collection<Address<C>> addresses;
    Collection<Order<C>> orders;
    Ref<Address<C>> address;  // uselist=False over the same rows (read only in the tests)
};
template <class C>
struct Address {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string email_address;
    Ref<User<C>> user;
    Ref<Dingaling<C>> dingaling;
};
template <class C>
struct Order {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::optional<std::int64_t> address_id;
    std::optional<std::string> description;
    std::optional<std::int64_t> isopen;
    Collection<Item<C>> items;
    Ref<Address<C>> address;
    Ref<User<C>> user;
};
template <class C>
struct Item {
    std::int64_t id = 0;
    std::string description;
    Collection<Keyword<C>> keywords;
};
template <class C>
struct Keyword {
    std::int64_t id = 0;
    std::string name;
};
template <class C>
struct Dingaling {
    std::int64_t id = 0;
    std::optional<std::int64_t> address_id;
    std::optional<std::string> data;
    Ref<Address<C>> address;
};
template <class C>
struct Node {
    std::int64_t id = 0;
    std::optional<std::int64_t> parent_id;
    std::optional<std::string> data;
    Collection<Node<C>> children;
    Ref<Node<C>> parent;
};

template <class C>
Registry& registry() {
    static Registry r;
    return r;
}
// The registry hook, found by argument-dependent lookup for every model of configuration C.
template <class C> Registry& retort_registry(const User<C>*) { return registry<C>(); }
template <class C> Registry& retort_registry(const Address<C>*) { return registry<C>(); }
template <class C> Registry& retort_registry(const Order<C>*) { return registry<C>(); }
template <class C> Registry& retort_registry(const Item<C>*) { return registry<C>(); }
template <class C> Registry& retort_registry(const Keyword<C>*) { return registry<C>(); }
template <class C> Registry& retort_registry(const Dingaling<C>*) { return registry<C>(); }
template <class C> Registry& retort_registry(const Node<C>*) { return registry<C>(); }

namespace types = retort::types;
using retort::orm::Mapping;
using retort::orm::on;

template <class C>
void association_tables() {
    auto& md = registry<C>().metadata();
    if (!md.find_table("order_items"))
        md.table("order_items", {{"item_id", types::BigInteger(), {.primary_key = true, .foreign_key = "items.id"}},
                                 {"order_id", types::BigInteger(), {.primary_key = true, .foreign_key = "orders.id"}}});
    if (!md.find_table("item_keywords"))
        md.table("item_keywords", {{"item_id", types::BigInteger(), {.primary_key = true, .foreign_key = "items.id"}},
                                   {"keyword_id", types::BigInteger(), {.primary_key = true, .foreign_key = "keywords.id"}}});
}

template <class C>
void define_user(Mapping<User<C>>& m) {
    using U = User<C>;
    using A = Address<C>;
    using O = Order<C>;
    m.table("users");
    m.name("User");
    m.column(&U::id, "id", {.primary_key = true});
    m.column(&U::name, "name", {.type = types::String(30)});
    m.one_to_many(&U::addresses, "addresses", on(&U::id, &A::user_id),
                  {.lazy = C::addresses, .back_populates = "user", .cascade = C::cascade_addresses(),
                   .order_by = C::addresses_order()});
    m.one_to_many(&U::orders, "orders", on(&U::id, &O::user_id),
                  {.lazy = C::orders, .back_populates = "user", .order_by = {"id"}});
    m.one_to_one(&U::address, "address", on(&U::id, &A::user_id), {.lazy = C::address_scalar, .order_by = {"id"}});
}
template <class C>
void define_address(Mapping<Address<C>>& m) {
    using U = User<C>;
    using A = Address<C>;
    using D = Dingaling<C>;
    m.table("addresses");
    m.name("Address");
    m.column(&A::id, "id", {.primary_key = true});
    m.column(&A::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&A::email_address, "email_address", {.type = types::String(50)});
    m.many_to_one(&A::user, "user", on(&A::user_id, &U::id), {.lazy = C::user, .back_populates = "addresses"});
    m.one_to_one(&A::dingaling, "dingaling", on(&A::id, &D::address_id), {.lazy = C::dingaling, .back_populates = "address"});
}
template <class C>
void define_order(Mapping<Order<C>>& m) {
    using U = User<C>;
    using A = Address<C>;
    using O = Order<C>;
    using I = Item<C>;
    association_tables<C>();
    m.table("orders");
    m.name("Order");
    m.column(&O::id, "id", {.primary_key = true});
    m.column(&O::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&O::address_id, "address_id", {.foreign_key = "addresses.id"});
    m.column(&O::description, "description", {.type = types::String(30)});
    m.column(&O::isopen, "isopen", {.type = types::Integer()});
    m.many_to_many(&O::items, "items", "order_items", on(&O::id, "order_id"), on(&I::id, "item_id"),
                   {.lazy = C::items, .order_by = {"id"}});
    m.many_to_one(&O::address, "address", on(&O::address_id, &A::id), {.lazy = C::order_address});
    m.many_to_one(&O::user, "user", on(&O::user_id, &U::id), {.lazy = C::order_user, .back_populates = "orders"});
}
template <class C>
void define_item(Mapping<Item<C>>& m) {
    using I = Item<C>;
    using K = Keyword<C>;
    association_tables<C>();
    m.table("items");
    m.name("Item");
    m.column(&I::id, "id", {.primary_key = true});
    m.column(&I::description, "description", {.type = types::String(30)});
    m.many_to_many(&I::keywords, "keywords", "item_keywords", on(&I::id, "item_id"), on(&K::id, "keyword_id"),
                   {.lazy = C::keywords, .order_by = C::keywords_order()});
}
template <class C>
void define_keyword(Mapping<Keyword<C>>& m) {
    using K = Keyword<C>;
    m.table("keywords");
    m.name("Keyword");
    m.column(&K::id, "id", {.primary_key = true});
    m.column(&K::name, "name", {.type = types::String(30)});
}
template <class C>
void define_dingaling(Mapping<Dingaling<C>>& m) {
    using A = Address<C>;
    using D = Dingaling<C>;
    m.table("dingalings");
    m.name("Dingaling");
    m.column(&D::id, "id", {.primary_key = true});
    m.column(&D::address_id, "address_id", {.foreign_key = "addresses.id"});
    m.column(&D::data, "data", {.type = types::String(30)});
    m.many_to_one(&D::address, "address", on(&D::address_id, &A::id), {.back_populates = "dingaling"});
}
template <class C>
void define_node(Mapping<Node<C>>& m) {
    using N = Node<C>;
    m.table("nodes");
    m.name("Node");
    m.column(&N::id, "id", {.primary_key = true});
    m.column(&N::parent_id, "parent_id", {.foreign_key = "nodes.id"});
    m.column(&N::data, "data", {.type = types::String(30)});
    m.one_to_many(&N::children, "children", on(&N::id, &N::parent_id),
                  {.lazy = C::children, .back_populates = "parent", .order_by = {"id"},
                   .join_depth = C::children_join_depth()});
    m.many_to_one(&N::parent, "parent", on(&N::parent_id, &N::id), {.lazy = C::parent, .back_populates = "children"});
}

template <class C>
Registry& mapped() {
    static Registry& r = (registry<C>().template map<User<C>, Address<C>, Order<C>, Item<C>, Keyword<C>, Dingaling<C>, Node<C>>(),
                          registry<C>());
    return r;
}

// ---- rendering objects for comparisons: "7[1] 8[2,3,4]" reads "user 7 with addresses 1; user 8 with 2, 3, 4"

template <class T>
std::string ids(const Collection<T>& c) {
    std::string out = "[";
    bool first = true;
    for (auto p : c) {
        out += (first ? "" : ",") + std::to_string(p->id);
        first = false;
    }
    return out + "]";
}
template <class T>
std::string ids(const std::vector<retort::orm::Ptr<T>>& v) {
    std::string out;
    for (const auto& p : v) out += (out.empty() ? "" : " ") + std::to_string(p->id);
    return out;
}
template <class T>
std::string ids(const retort::orm::ScalarResult<T>& v) {
    return ids(v.all());
}
// Users with their addresses: "7[1] 8[2,3,4] 9[5] 10[]".
template <class C>
std::string user_addresses(const std::vector<retort::orm::Ptr<User<C>>>& users) {
    std::string out;
    for (const auto& u : users) out += (out.empty() ? "" : " ") + std::to_string(u->id) + ids(u->addresses);
    return out;
}
// Users with their orders and the orders' items: "7{1[1,2,3] 3[3,4,5] 5[5]} 8{} ...".
template <class C>
std::string user_orders_items(const std::vector<retort::orm::Ptr<User<C>>>& users) {
    std::string out;
    for (const auto& u : users) {
        out += (out.empty() ? "" : " ") + std::to_string(u->id) + "{";
        bool first = true;
        for (auto o : u->orders) {
            out += (first ? "" : " ") + std::to_string(o->id) + ids(o->items);
            first = false;
        }
        out += "}";
    }
    return out;
}
// Items with their keywords' names: "1[red,big,round] 2[...] ...".
template <class C>
std::string item_keywords(const std::vector<retort::orm::Ptr<Item<C>>>& items) {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : " ") + std::to_string(i->id) + "[";
        bool first = true;
        for (auto k : i->keywords) {
            out += (first ? "" : ",") + k->name;
            first = false;
        }
        out += "]";
    }
    return out;
}

// The canned results of _fixtures.CannedResults, rendered as above.
inline const std::string user_address_result = "7[1] 8[2,3,4] 9[5] 10[]";
inline const std::string user_order_result = "7{1[1,2,3] 3[3,4,5] 5[5]} 8{} 9{2[1,2,3] 4[1,5]} 10{}";
inline const std::string item_keyword_result = "1[red,big,round] 2[red,small,square] 3[green,big,round] 4[] 5[]";

// The fixture rows (_fixtures.py's users, addresses, orders, ...), one function for every configuration.
inline void insert_stock_rows(retort::Engine& engine, retort::MetaData& md) {
    using retort::Value;
    auto conn = engine.connect();
    auto put = [&](const char* table, std::vector<std::string> cols, std::vector<std::vector<Value>> rows) {
        std::vector<retort::Params> sets;
        for (auto& r : rows) {
            retort::Params p;
            for (std::size_t i = 0; i < cols.size(); ++i) p.emplace_back(cols[i], r[i]);
            sets.push_back(std::move(p));
        }
        conn.execute(retort::insert(md.get_table(table)), sets);
    };
    const Value null;
    put("users", {"id", "name"}, {{7, "jack"}, {8, "ed"}, {9, "fred"}, {10, "chuck"}});
    put("addresses", {"id", "user_id", "email_address"},
        {{1, 7, "jack@bean.com"}, {2, 8, "ed@wood.com"}, {3, 8, "ed@bettyboop.com"}, {4, 8, "ed@lala.com"},
         {5, 9, "fred@fred.com"}});
    put("orders", {"id", "user_id", "description", "isopen", "address_id"},
        {{1, 7, "order 1", 0, 1}, {2, 9, "order 2", 0, 4}, {3, 7, "order 3", 1, 1}, {4, 9, "order 4", 1, 4},
         {5, 7, "order 5", 0, null}});
    put("dingalings", {"id", "address_id", "data"}, {{1, 2, "ding 1/2"}, {2, 5, "ding 2/5"}});
    put("items", {"id", "description"}, {{1, "item 1"}, {2, "item 2"}, {3, "item 3"}, {4, "item 4"}, {5, "item 5"}});
    put("order_items", {"item_id", "order_id"},
        {{1, 1}, {2, 1}, {3, 1}, {1, 2}, {2, 2}, {3, 2}, {3, 3}, {4, 3}, {5, 3}, {1, 4}, {5, 4}, {5, 5}});
    put("keywords", {"id", "name"},
        {{1, "blue"}, {2, "red"}, {3, "green"}, {4, "big"}, {5, "small"}, {6, "round"}, {7, "square"}});
    put("item_keywords", {"keyword_id", "item_id"},
        {{2, 1}, {2, 2}, {4, 1}, {6, 1}, {5, 2}, {3, 3}, {4, 3}, {7, 2}, {6, 3}});
    conn.commit();
}

// A test over configuration C's models with the fixture rows inserted (run_inserts = "each").
template <class C>
class FixtureTest : public retort::testkit::OrmConformance {
protected:
    FixtureTest() : OrmConformance(mapped<C>()) {}
    using UserT = User<C>;
    using AddressT = Address<C>;
    using OrderT = Order<C>;
    using ItemT = Item<C>;
    using KeywordT = Keyword<C>;
    using DingalingT = Dingaling<C>;
    using NodeT = Node<C>;

    void SetUp() override {
        OrmConformance::SetUp();
        if (insert_rows()) insert_data();
    }
    virtual bool insert_rows() const { return true; }

    void insert_data() { insert_stock_rows(engine, registry_.metadata()); }

    // The number of statements of the ORM's own making that `fn` sends.
    template <class F>
    std::size_t sql_count(F&& fn) {
        record();
        fn();
        return dml(take()).size();
    }
};

}  // namespace conf_fx

// The mapping blocks of configuration C's models (at global scope, once per configuration).
#define CONF_FX_DEFINE(C)                                                                                   \
    template <>                                                                                            \
    void retort::orm::define(retort::orm::Mapping<conf_fx::User<C>>& m) { conf_fx::define_user<C>(m); }    \
    template <>                                                                                            \
    void retort::orm::define(retort::orm::Mapping<conf_fx::Address<C>>& m) { conf_fx::define_address<C>(m); } \
    template <>                                                                                            \
    void retort::orm::define(retort::orm::Mapping<conf_fx::Order<C>>& m) { conf_fx::define_order<C>(m); }  \
    template <>                                                                                            \
    void retort::orm::define(retort::orm::Mapping<conf_fx::Item<C>>& m) { conf_fx::define_item<C>(m); }    \
    template <>                                                                                            \
    void retort::orm::define(retort::orm::Mapping<conf_fx::Keyword<C>>& m) { conf_fx::define_keyword<C>(m); } \
    template <>                                                                                            \
    void retort::orm::define(retort::orm::Mapping<conf_fx::Dingaling<C>>& m) {                             \
        conf_fx::define_dingaling<C>(m);                                                                   \
    }                                                                                                      \
    template <>                                                                                            \
    void retort::orm::define(retort::orm::Mapping<conf_fx::Node<C>>& m) { conf_fx::define_node<C>(m); }
