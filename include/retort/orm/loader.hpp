// Loader options (SQLAlchemy's selectinload, joinedload, ...): how a query loads relationships, per query.
//
//   select<User>().options(selectinload(&User::orders).selectinload(&Order::items))
//   select<User>().join(&User::addresses).options(contains_eager(&User::addresses))
//
// An option is a path of relationships from the queried model, each step with how it loads; a chain goes
// one relationship deeper with each call (defaultload leaves a step as its mapping says and only leads on).
// Options along a lazy path are kept: lazyload(&User::orders).selectinload(&Order::items) loads the items of
// a user's orders with one query when the orders are first used.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "retort/export.hpp"
#include "retort/orm/mapper.hpp"
#include "retort/sql/expression.hpp"

namespace retort::orm {

// One step of a loader option: a relationship, and how it loads.
struct RETORT_API LoadStep {
    std::function<const RelationshipProp*()> resolve;
    std::optional<Lazy> strategy;     // none: as the mapping says (defaultload)
    bool contains_eager = false;      // filled from the rows of the query's own JOIN
    std::optional<FromClause> alias;  // contains_eager: the joined alias (the target's table when none)
};

namespace detail {
template <class T, class R>
LoadStep load_step(R T::* mp) {
    static_assert(is_relationship_v<R>, "retort: a loader option (selectinload(), joinedload(), raiseload(), ...) "
                                        "names a relationship member, a Ref<T> or Collection<T>, not a column");
    return LoadStep{[mp] {
                        const auto* r = mapper_of<T>().relationship_for(detail::member_key(mp), typeid(R));
                        if (!r) throw_no_table("loader option: the member is not a mapped relationship");
                        return r;
                    },
                    std::nullopt, false, std::nullopt};
}
}  // namespace detail

class RETORT_API LoaderOption {
public:
    LoaderOption() = default;
    explicit LoaderOption(LoadStep s) { path.push_back(std::move(s)); }

    // One relationship further along the path.
    template <class T, class R>
    [[nodiscard]] LoaderOption selectinload(R T::* mp) const { return then(mp, Lazy::Selectin); }
    template <class T, class R>
    [[nodiscard]] LoaderOption joinedload(R T::* mp) const { return then(mp, Lazy::Joined); }
    template <class T, class R>
    [[nodiscard]] LoaderOption lazyload(R T::* mp) const { return then(mp, Lazy::Select); }
    template <class T, class R>
    [[nodiscard]] LoaderOption immediateload(R T::* mp) const { return then(mp, Lazy::Immediate); }
    template <class T, class R>
    [[nodiscard]] LoaderOption noload(R T::* mp) const { return then(mp, Lazy::NoLoad); }
    template <class T, class R>
    [[nodiscard]] LoaderOption raiseload(R T::* mp, bool sql_only = false) const {
        return then(mp, sql_only ? Lazy::RaiseOnSql : Lazy::Raise);
    }
    template <class T, class R>
    [[nodiscard]] LoaderOption defaultload(R T::* mp) const { return then(mp, std::nullopt); }
    template <class T, class R>
    [[nodiscard]] LoaderOption contains_eager(R T::* mp, std::optional<FromClause> alias = std::nullopt) const {
        LoaderOption o = then(mp, std::nullopt);
        o.path.back().contains_eager = true;
        o.path.back().alias = std::move(alias);
        return o;
    }

    std::vector<LoadStep> path;

private:
    template <class T, class R>
    LoaderOption then(R T::* mp, std::optional<Lazy> how) const {
        LoaderOption o = *this;
        LoadStep s = detail::load_step(mp);
        s.strategy = how;
        o.path.push_back(std::move(s));
        return o;
    }
};

namespace detail {
template <class T, class R>
LoaderOption loader(R T::* mp, std::optional<Lazy> how) {
    LoadStep s = load_step(mp);
    s.strategy = how;
    return LoaderOption(std::move(s));
}
}  // namespace detail

// The related objects with one more query per relationship (WHERE key IN (...)), in batches of 500 keys.
template <class T, class R>
LoaderOption selectinload(R T::* mp) { return detail::loader(mp, Lazy::Selectin); }
// In the same query, through a LEFT OUTER JOIN (a collection under LIMIT/OFFSET loads as selectinload).
template <class T, class R>
LoaderOption joinedload(R T::* mp) { return detail::loader(mp, Lazy::Joined); }
// On first use (the default).
template <class T, class R>
LoaderOption lazyload(R T::* mp) { return detail::loader(mp, Lazy::Select); }
// Right after the parents load, one lazy load per parent (a many-to-one from the identity map sends nothing).
template <class T, class R>
LoaderOption immediateload(R T::* mp) { return detail::loader(mp, Lazy::Immediate); }
// Never from the database: empty unless set in memory.
template <class T, class R>
LoaderOption noload(R T::* mp) { return detail::loader(mp, Lazy::NoLoad); }
// First use raises RaiseLoadError; with sql_only, only when loading would send SQL (a many-to-one whose target
// is in the identity map, or whose key is null, still loads).
template <class T, class R>
LoaderOption raiseload(R T::* mp, bool sql_only = false) {
    return detail::loader(mp, sql_only ? Lazy::RaiseOnSql : Lazy::Raise);
}
// As the mapping says, only to lead a chain: defaultload(&User::orders).selectinload(&Order::items).
template <class T, class R>
LoaderOption defaultload(R T::* mp) { return detail::loader(mp, std::nullopt); }
// Fills the relationship from the query's own JOIN to its target (the target's columns are added to the
// SELECT): select<User>().join(&User::addresses).where(...).options(contains_eager(&User::addresses)). Only the
// joined rows fill it, so a filtered join gives a filtered collection. With an alias, from that alias's columns.
template <class T, class R>
LoaderOption contains_eager(R T::* mp, std::optional<FromClause> alias = std::nullopt) {
    LoaderOption o = detail::loader(mp, std::nullopt);
    o.path.back().contains_eager = true;
    o.path.back().alias = std::move(alias);
    return o;
}

}  // namespace retort::orm
