// Relationship loader strategies (SQLAlchemy's LoaderStrategy classes): how a relationship loads with the
// objects of a query, and what happens when a program first uses one that is not loaded. Each strategy is one
// class in src/orm/loading.cpp; a Lazy value names it (the loader options selectinload(), raiseload(), ... and
// RelationshipOptions::lazy pick it by that value), and strategy_of() finds it.
#pragma once

#include <unordered_set>
#include <vector>

#include "orm/session_impl.hpp"

namespace retort::orm::loading {

struct Choice;
struct JoinNode;

// One relationship of one level of loaded objects, as a query's objects are populated.
struct StrategyStep {
    Session& s;
    Session::Impl& impl;
    const MapperBase& m;
    const RelationshipProp& r;
    const Choice& choice;
    bool refresh;                                      // populate_existing
    std::vector<const MapperBase*>& path;  // down to the relationship's target (m's path and r's target)
    int depth;
    // Out: the distinct objects the relationship now holds, to load their own relationships; and the joins a
    // query of this strategy planned for the level below.
    std::vector<InstanceState*>& targets;
    StateSet& seen;
    std::vector<JoinNode>& joins;
    std::vector<JoinNode>*& next_joins;
};

class RETORT_API LoaderStrategy {
public:
    virtual ~LoaderStrategy() = default;
    [[nodiscard]] virtual Lazy lazy() const noexcept = 0;
    // As SQLAlchemy's lazy= names it ("select", "selectin", "joined", ...).
    [[nodiscard]] virtual const char* name() const noexcept = 0;
    // Loads with the query's objects (rather than on first use); its loads carry the deeper loader options.
    [[nodiscard]] virtual bool eager() const noexcept { return false; }
    // Whether the query itself reads the targets (a LEFT OUTER JOIN): `limited` when the query has LIMIT/OFFSET,
    // `for_update` when it locks its rows.
    [[nodiscard]] virtual bool joins_into_query(const RelationshipProp&, bool /*limited*/, bool /*for_update*/) const {
        return false;
    }
    // After the query's rows, for `todo` (objects of step.m that do not hold the relationship yet).
    virtual void after_rows(StrategyStep& step, const std::vector<InstanceState*>& todo) const = 0;
    // First use of a relationship that is not loaded: true when the Session is to load it now; false leaves it as
    // it is (noload); raises for raiseload.
    virtual bool on_first_use(detail::RelationBase& base, bool collection) const;
    // Whether that load may run SQL (false: raiseload(sql_only), which loads a many-to-one from the identity map).
    [[nodiscard]] virtual bool sql_on_first_use() const noexcept { return true; }
    // The strategy that loads the relationship again after expire() or refresh() named it.
    [[nodiscard]] virtual Lazy on_refresh() const noexcept { return lazy(); }
};

// The strategy of a Lazy value. Exported (RETORT_API) for Retort's own tests, which call it directly.
[[nodiscard]] RETORT_API const LoaderStrategy& strategy_of(Lazy how) noexcept;

}  // namespace retort::orm::loading
