// Each Lazy value has its loader strategy class, which says how it loads.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "orm/strategies.hpp"
#include "retort/error.hpp"

using namespace retort;
using namespace retort::orm;

TEST(LoaderStrategies, EachLazyValueHasItsClass) {
    const Lazy all[] = {Lazy::Select, Lazy::Selectin, Lazy::Joined, Lazy::Raise,
                        Lazy::NoLoad, Lazy::RaiseOnSql, Lazy::Immediate};
    std::set<std::string> names, eager;
    for (Lazy l : all) {
        const auto& s = loading::strategy_of(l);
        EXPECT_EQ(s.lazy(), l);
        names.insert(s.name());
        if (s.eager()) eager.insert(s.name());
    }
    EXPECT_EQ(names, (std::set<std::string>{"select", "selectin", "joined", "raise", "noload", "raise_on_sql", "immediate"}));
    EXPECT_EQ(eager, (std::set<std::string>{"selectin", "joined", "immediate"}));
}

TEST(LoaderStrategies, OnlyJoinedReadsTheTargetsInTheQueryItself) {
    RelationshipProp one;  // many-to-one
    RelationshipProp many;
    many.kind = RelKind::OneToMany;
    const auto& joined = loading::strategy_of(Lazy::Joined);
    EXPECT_TRUE(joined.joins_into_query(one, false, false));
    EXPECT_TRUE(joined.joins_into_query(one, true, false));    // a many-to-one under LIMIT still joins
    EXPECT_FALSE(joined.joins_into_query(many, true, false));  // a collection under LIMIT: selectin instead
    EXPECT_TRUE(joined.joins_into_query(many, false, false));
    EXPECT_FALSE(joined.joins_into_query(one, false, true));   // FOR UPDATE locks no outer-joined rows
    EXPECT_FALSE(loading::strategy_of(Lazy::Selectin).joins_into_query(one, false, false));
}

TEST(LoaderStrategies, FirstUse) {
    RelationshipProp r;
    r.name = "user";
    orm::detail::RefBase ref;
    ref.prop = &r;
    EXPECT_TRUE(loading::strategy_of(Lazy::Select).on_first_use(ref, false));
    EXPECT_THROW((void)loading::strategy_of(Lazy::Raise).on_first_use(ref, false), RaiseLoadError);
    EXPECT_FALSE(loading::strategy_of(Lazy::NoLoad).on_first_use(ref, false));
    orm::detail::CollectionBase coll;
    coll.prop = &r;
    coll.loaded = false;
    EXPECT_FALSE(loading::strategy_of(Lazy::NoLoad).on_first_use(coll, true));
    EXPECT_TRUE(coll.loaded);  // noload: an empty collection, loaded
    EXPECT_FALSE(loading::strategy_of(Lazy::RaiseOnSql).sql_on_first_use());
    EXPECT_TRUE(loading::strategy_of(Lazy::Select).sql_on_first_use());
    // expire()/refresh() of a raise or noload relationship loads it again with select.
    EXPECT_EQ(loading::strategy_of(Lazy::Raise).on_refresh(), Lazy::Select);
    EXPECT_EQ(loading::strategy_of(Lazy::NoLoad).on_refresh(), Lazy::Select);
    EXPECT_EQ(loading::strategy_of(Lazy::Selectin).on_refresh(), Lazy::Selectin);
}
