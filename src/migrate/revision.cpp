// The revision graph: resolution of targets, traversal and the version table's heads, with the semantics
// of Alembic's RevisionMap and HeadMaintainer (see revision.hpp for the words and the target forms).
#include "retort/migrate/revision.hpp"

#include <algorithm>
#include <charconv>
#include <regex>

#include "detail/text.hpp"

namespace retort::migrate {

namespace {

using detail::join;

template <class T>
bool has(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

template <class T>
void push_unique(std::vector<T>& v, const T& x) {
    if (!has(v, x)) v.push_back(x);
}

// "-3" / "+2" / "7" -> the number; nullopt when the text is not an integer.
std::optional<int> integer(const std::string& s) {
    if (s.empty()) return std::nullopt;
    std::size_t start = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    if (start == s.size()) return std::nullopt;
    int v = 0;
    auto [p, ec] = std::from_chars(s.data() + start, s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return s[0] == '-' ? -v : v;
}

// Relative targets: [label@][symbol](+|-)N.
struct Relative {
    std::optional<std::string> label, symbol;
    std::string relative;  // "+2", "-1"
    int steps = 0;
};

std::optional<Relative> parse_relative(const std::string& target) {
    static const std::regex pattern(R"(^(?:(.+?)@)?(\w+)?([+-]\d+)$)");
    std::smatch m;
    if (!std::regex_match(target, m, pattern)) return std::nullopt;
    Relative r;
    if (m[1].matched && m[1].length() > 0) r.label = m[1].str();
    if (m[2].matched) r.symbol = m[2].str();
    r.relative = m[3].str();
    auto n = integer(r.relative);
    if (!n) throw RevisionError("bad relative target '" + target + "'");
    r.steps = *n;
    return r;
}

std::string didnt_produce(const std::string& relative, int steps) {
    return "Relative revision " + relative + " didn't produce " + std::to_string(std::abs(steps)) + " migrations";
}

}  // namespace

// ---------------------------------------------------------------- errors and specs

MultipleHeadsError::MultipleHeadsError(std::vector<std::string> h, std::string arg)
    : RevisionError("Multiple heads are present for given argument '" + arg + "'; " + join(h, ", ")),
      heads(std::move(h)),
      argument(std::move(arg)) {}

RangeNotAncestorError::RangeNotAncestorError(std::string l, std::string u)
    : RevisionError("Revision " + (l.empty() ? std::string("base") : l) + " is not an ancestor of revision " +
                    (u.empty() ? std::string("base") : u)),
      lower(std::move(l)),
      upper(std::move(u)) {}

CycleDetected::CycleDetected(const std::string& kind, std::vector<std::string> revs)
    : RevisionError(kind + " is detected in revisions (" + join(revs, ", ") + ")"), revisions(std::move(revs)) {}

RevisionSpec::RevisionSpec(std::string one) {
    if (!one.empty()) {
        items_.push_back(std::move(one));
        scalar_ = true;
    }
}

std::string RevisionSpec::text() const { return items_.empty() ? std::string("base") : join(items_, ", "); }

struct RevisionGraph::Collected {
    std::set<int> revisions;
    std::vector<int> heads;
};

// ---------------------------------------------------------------- building

RevisionGraph::RevisionGraph(std::vector<Revision> revisions) : revs_(std::move(revisions)) { build(); }

void RevisionGraph::add_revision(Revision revision) {
    revs_.push_back(std::move(revision));
    build();
}

void RevisionGraph::build() {
    nodes_.assign(revs_.size(), Node{});
    index_.clear();
    labels_.clear();
    keys_.clear();
    order_.clear();
    const int n = static_cast<int>(revs_.size());
    for (int i = 0; i < n; ++i) {
        const Revision& r = revs_[static_cast<std::size_t>(i)];
        if (!valid_revision_id(r.id))
            throw RevisionError("bad revision id '" + r.id + "': letters, digits and '_' only");
        if (has(r.parents, r.id)) throw LoopDetected(r.id);
        if (has(r.depends_on, r.id)) throw DependencyLoopDetected(r.id);
        if (auto it = index_.find(r.id); it != index_.end())
            throw RevisionError("revision " + r.id + " is defined twice (" +
                                revs_[static_cast<std::size_t>(it->second)].path.string() + " and " + r.path.string() + ")");
        index_.emplace(r.id, i);
        keys_.push_back(r.id);
    }
    for (int i = 0; i < n; ++i)
        for (const auto& label : revs_[static_cast<std::size_t>(i)].branch_labels) {
            if (!valid_revision_id(label))
                throw RevisionError("bad branch label '" + label + "': letters, digits and '_' only");
            if (auto hit = lookup(label))
                throw RevisionError("Branch name '" + label + "' in revision " + id_of(i) + " already used by revision " +
                                    id_of(*hit));
            labels_.emplace(label, i);
            keys_.push_back(label);
        }
    for (int i = 0; i < n; ++i) {
        const Revision& r = revs_[static_cast<std::size_t>(i)];
        Node& node = nodes_[static_cast<std::size_t>(i)];
        for (const auto& p : r.parents) {
            auto it = index_.find(p);
            if (it == index_.end())
                throw RevisionError("revision " + r.id + " names parent " + p + ", which is not in the versions folder");
            push_unique(node.parents, it->second);
        }
        for (const auto& d : r.depends_on) {
            auto hit = lookup(d);
            if (!hit)
                throw RevisionError("revision " + r.id + " depends on " + d + ", which is no revision or branch label");
            push_unique(node.deps, *hit);
        }
        node.all_down = node.parents;
        for (int d : node.deps) push_unique(node.all_down, d);
    }
    for (int i = 0; i < n; ++i) {
        const Node& node = nodes_[static_cast<std::size_t>(i)];
        for (int d : node.all_down) {
            Node& down = nodes_[static_cast<std::size_t>(d)];
            push_unique(down.all_next, i);
            if (has(node.parents, d)) push_unique(down.next, i);
        }
    }
    // Dependencies an ancestor (through parents) already has are implied by that ancestor.
    for (int i = 0; i < n; ++i) {
        Node& node = nodes_[static_cast<std::size_t>(i)];
        node.norm_deps = node.deps;
        if (!node.deps.empty())
            for (int a : ancestor_set({i}, false, false))
                if (a != i)
                    for (int d : nodes_[static_cast<std::size_t>(a)].deps)
                        node.norm_deps.erase(std::remove(node.norm_deps.begin(), node.norm_deps.end(), d), node.norm_deps.end());
        node.norm_down = node.parents;
        for (int d : node.norm_deps) push_unique(node.norm_down, d);
    }

    // Cycles: every revision must lie between a head and a base, first through parents, then through
    // depends_on as well.
    if (n > 0) {
        auto check = [&](bool deps) {
            std::vector<int> tops, bottoms;
            for (int i = 0; i < n; ++i) {
                const Node& node = nodes_[static_cast<std::size_t>(i)];
                if ((deps ? node.all_next : node.next).empty()) tops.push_back(i);
                if (node.parents.empty() && (!deps || revs_[static_cast<std::size_t>(i)].depends_on.empty()))
                    bottoms.push_back(i);
            }
            auto fail = [&](std::vector<std::string> ids) {
                if (deps) throw DependencyCycleDetected(std::move(ids));
                throw CycleDetected(std::move(ids));
            };
            if (tops.empty() || bottoms.empty()) fail(std::vector<std::string>(keys_.begin(), keys_.begin() + n));
            auto reach = [&](const std::vector<int>& from, bool down) {
                std::set<int> seen;
                std::vector<int> todo = from;
                while (!todo.empty()) {
                    int r = todo.back();
                    todo.pop_back();
                    if (!seen.insert(r).second) continue;
                    const Node& node = nodes_[static_cast<std::size_t>(r)];
                    const auto& links = down ? (deps ? node.all_down : node.parents) : (deps ? node.all_next : node.next);
                    todo.insert(todo.end(), links.begin(), links.end());
                }
                return seen;
            };
            auto below = reach(tops, true), above = reach(bottoms, false);
            std::vector<std::string> lost;
            for (int i = 0; i < n; ++i)
                if (!below.count(i) || !above.count(i)) lost.push_back(id_of(i));
            std::sort(lost.begin(), lost.end());
            if (!lost.empty()) fail(std::move(lost));
        };
        check(false);
        check(true);
    }

    // Branch labels: a labelled revision's descendants carry its labels; so do its ancestors down to the
    // previous branch point or merge point, when the line above it runs without branching up to its end.
    for (int i = 0; i < n; ++i) {
        const auto& own = revs_[static_cast<std::size_t>(i)].branch_labels;
        if (own.empty()) continue;
        for (int d : descendant_set({i}, false, false)) nodes_[static_cast<std::size_t>(d)].labels.insert(own.begin(), own.end());
        auto splits = [&](int r) {
            const Node& node = nodes_[static_cast<std::size_t>(r)];
            return node.all_next.size() > 1 || node.parents.size() > 1;
        };
        bool clean = true;
        for (int r = i;;) {
            if (splits(r)) {
                clean = false;
                break;
            }
            const auto& next = nodes_[static_cast<std::size_t>(r)].next;
            if (next.empty()) break;
            r = next[0];
        }
        if (!clean) continue;
        for (int r = i; !splits(r);) {
            Node& node = nodes_[static_cast<std::size_t>(r)];
            node.labels.insert(own.begin(), own.end());
            if (node.parents.empty()) break;
            r = node.parents[0];
        }
    }

    // Parents and dependencies first, ties in declaration order.
    std::vector<std::size_t> missing(revs_.size());
    for (int i = 0; i < n; ++i) missing[static_cast<std::size_t>(i)] = nodes_[static_cast<std::size_t>(i)].all_down.size();
    std::set<int> ready;
    for (int i = 0; i < n; ++i)
        if (missing[static_cast<std::size_t>(i)] == 0) ready.insert(i);
    while (!ready.empty()) {
        int r = *ready.begin();
        ready.erase(ready.begin());
        order_.push_back(id_of(r));
        for (int c : nodes_[static_cast<std::size_t>(r)].all_next)
            if (--missing[static_cast<std::size_t>(c)] == 0) ready.insert(c);
    }
}

// ---------------------------------------------------------------- look-ups

int RevisionGraph::idx(const std::string& id) const {
    auto it = index_.find(id);
    if (it == index_.end()) throw ResolutionError("no revision '" + id + "'", id);
    return it->second;
}

std::optional<int> RevisionGraph::lookup(const std::string& key) const {
    if (auto it = index_.find(key); it != index_.end()) return it->second;
    if (auto it = labels_.find(key); it != labels_.end()) return it->second;
    return std::nullopt;
}

std::vector<std::string> RevisionGraph::ids_of(const std::vector<int>& v) const {
    std::vector<std::string> out;
    for (int i : v)
        if (i >= 0) out.push_back(id_of(i));
    return out;
}

const Revision& RevisionGraph::get(const std::string& id) const { return revs_[static_cast<std::size_t>(idx(id))]; }

std::set<int> RevisionGraph::ancestor_set(const std::vector<int>& targets, bool include_dependencies, bool check) const {
    return reachable_set(targets, false, include_dependencies, check);
}

std::set<int> RevisionGraph::descendant_set(const std::vector<int>& targets, bool include_dependencies, bool check) const {
    return reachable_set(targets, true, include_dependencies, check);
}

// The revisions reachable from the targets, down (parents) or up (children), with or without dependencies;
// with `check`, a target reachable from another is an error.
std::set<int> RevisionGraph::reachable_set(const std::vector<int>& targets, bool up, bool include_dependencies,
                                           bool check) const {
    std::set<int> seen;
    for (int t : targets) {
        if (t < 0) continue;
        std::vector<int> todo{t};
        std::set<int> per_target;
        while (!todo.empty()) {
            int r = todo.back();
            todo.pop_back();
            if (check) per_target.insert(r);
            if (!seen.insert(r).second) continue;
            const Node& node = nodes_[static_cast<std::size_t>(r)];
            const auto& next = up ? (include_dependencies ? node.all_next : node.next)
                                  : (include_dependencies ? node.norm_down : node.parents);
            todo.insert(todo.end(), next.begin(), next.end());
        }
        if (check) {
            std::vector<std::string> overlaps;
            for (int o : targets)
                if (o != t && per_target.count(o)) push_unique(overlaps, id_of(o));
            if (!overlaps.empty())
                throw RevisionError("Requested revision " + id_of(t) + " overlaps with other requested revisions " +
                                    join(overlaps, ", "));
        }
    }
    return seen;
}

std::pair<std::vector<std::string>, std::optional<std::string>> RevisionGraph::resolve_number(const std::string& target) const {
    std::optional<std::string> label;
    std::string id = target;
    if (auto at = target.find('@'); at != std::string::npos) {
        if (at > 0) label = target.substr(0, at);
        id = target.substr(at + 1);
    }
    if (id == "heads") {
        if (label) return {ids_of(filter_lineage(get_revs(RevisionSpec(heads())), *label, false)), label};
        return {real_heads(), label};
    }
    if (id == "head") {
        auto h = current_head_idx(label);
        if (h) return {{id_of(*h)}, label};
        return {{}, label};
    }
    if (id == "base" || id.empty()) return {{}, label};
    return {{id}, label};
}

std::optional<int> RevisionGraph::current_head_idx(const std::optional<std::string>& label) const {
    std::vector<int> hs;
    for (const auto& h : heads()) hs.push_back(idx(h));
    if (label) hs = filter_lineage(hs, *label, false);
    if (hs.size() > 1) throw MultipleHeadsError(ids_of(hs), label ? *label + "@head" : std::string("head"));
    if (hs.empty()) return std::nullopt;
    return hs[0];
}

std::vector<int> RevisionGraph::get_revs(const RevisionSpec& spec) const {
    std::vector<int> out;
    if (!spec.scalar()) {
        for (const auto& s : spec.items()) {
            auto part = get_revs(RevisionSpec(s));
            out.insert(out.end(), part.begin(), part.end());
        }
        return out;
    }
    auto [ids, label] = resolve_number(spec.items()[0]);
    if (ids.size() == 1)
        if (auto n = integer(ids[0]); n && *n < 0) {
            // label@-n: n down from the heads (of that branch).
            for (int h : get_revs(RevisionSpec("heads"))) {
                if (label && !nodes_[static_cast<std::size_t>(h)].labels.count(*label)) continue;
                out.push_back(walk(h, *n, std::nullopt, true));
            }
            return out;
        }
    for (const auto& id : ids) out.push_back(revision_for_ident(id, label));
    return out;
}

int RevisionGraph::get_rev(const std::string& target) const {
    auto [ids, label] = resolve_number(target);
    if (ids.size() > 1) throw MultipleHeadsError(ids, target);
    return revision_for_ident(ids.empty() ? std::nullopt : std::optional<std::string>(ids[0]), label);
}

int RevisionGraph::resolve_branch(const std::string& label) const {
    if (auto hit = lookup(label)) return *hit;
    try {
        return revision_for_ident(label, std::nullopt);
    } catch (const ResolutionError&) {
        throw ResolutionError("No such branch: '" + label + "'", label);
    }
}

int RevisionGraph::revision_for_ident(const std::optional<std::string>& id,
                                      const std::optional<std::string>& check_branch) const {
    int branch_rev = kNone;
    if (check_branch) branch_rev = resolve_branch(*check_branch);
    if (!id) return kNone;
    int rev = kNone;
    if (auto hit = lookup(*id)) {
        rev = *hit;
    } else {
        // A prefix of an id or label at least four characters long.
        std::vector<std::string> candidates;
        for (const auto& key : keys_)
            if (key.size() > 3 && key.rfind(*id, 0) == 0) candidates.push_back(key);
        if (branch_rev != kNone) {
            std::vector<std::string> kept;
            for (const auto& key : candidates)
                if (shares_lineage(*lookup(key), {branch_rev}, false)) kept.push_back(key);
            candidates = std::move(kept);
        }
        if (candidates.empty())
            throw ResolutionError("No such revision or branch '" + *id + "'" +
                                      (id->size() < 4 ? "; please ensure at least four characters are present for "
                                                        "partial revision identifier matches"
                                                      : ""),
                                  *id);
        if (candidates.size() > 1) {
            std::string listed;
            for (std::size_t i = 0; i < candidates.size() && i < 3; ++i) listed += (i ? ", '" : "'") + candidates[i] + "'";
            throw ResolutionError("Multiple revisions start with '" + *id + "': " + listed + "...", *id);
        }
        rev = *lookup(candidates[0]);
    }
    if (check_branch && !shares_lineage(rev, {branch_rev}, false))
        throw ResolutionError("Revision " + id_of(rev) + " is not a member of branch '" + *check_branch + "'", *id);
    return rev;
}

bool RevisionGraph::shares_lineage(int target, const std::vector<int>& against, bool include_dependencies) const {
    if (against.empty()) return true;
    auto line = descendant_set({target}, include_dependencies, false);
    auto below = ancestor_set({target}, include_dependencies, false);
    line.insert(below.begin(), below.end());
    return std::any_of(against.begin(), against.end(), [&](int a) { return line.count(a) != 0; });
}

std::vector<int> RevisionGraph::filter_lineage(const std::vector<int>& targets, const std::string& check_against,
                                               bool include_dependencies) const {
    auto [ids, label] = resolve_number(check_against);
    std::vector<int> shares;
    if (label) shares.push_back(revision_for_ident(label, std::nullopt));
    for (const auto& id : ids) shares.push_back(revision_for_ident(id, std::nullopt));
    std::vector<int> out;
    for (int t : targets)
        if (t >= 0 && shares_lineage(t, shares, include_dependencies)) out.push_back(t);
    return out;
}

int RevisionGraph::walk(int start, int steps, const std::optional<std::string>& label, bool no_overwalk) const {
    int initial = start;
    for (int i = 0; i < std::abs(steps); ++i) {
        std::vector<int> children;
        if (steps > 0) {
            if (initial == kBase) throw RevisionError("cannot walk up from base");
            std::vector<int> up;
            if (initial == kNone) {
                for (const auto& b : bases()) up.push_back(idx(b));
            } else {
                up = nodes_[static_cast<std::size_t>(initial)].next;
            }
            children = label ? filter_lineage(up, *label, false) : up;
        } else if (initial != kBase) {
            if (initial == kNone) {
                for (const auto& h : heads()) children.push_back(idx(h));
            } else {
                children = nodes_[static_cast<std::size_t>(initial)].parents;
            }
            if (children.empty()) children.push_back(kBase);
        }
        if (children.empty()) return no_overwalk ? kNone : initial;
        if (children.size() > 1) {
            const std::string from = initial >= 0 ? "revision " + id_of(initial) : std::string(steps > 0 ? "base" : "the heads");
            throw AmbiguousWalkError("Ambiguous walk: " + from + " leads " + (steps > 0 ? "up" : "down") + " to " +
                                join(ids_of(children), ", ") + "; name the revision, or a branch as label@" +
                                (steps > 0 ? "+" : "-") + std::to_string(std::abs(steps)));
        }
        initial = children[0];
    }
    return initial;
}

// ---------------------------------------------------------------- public look-ups

const Revision* RevisionGraph::get_revision(const std::string& target) const {
    int r = get_rev(target);
    return r >= 0 ? &revs_[static_cast<std::size_t>(r)] : nullptr;
}

const Revision& RevisionGraph::resolve(const std::string& target) const {
    const Revision* r = get_revision(target);
    if (!r) throw ResolutionError("'" + target + "' names no revision", target);
    return *r;
}

std::vector<const Revision*> RevisionGraph::get_revisions(const RevisionSpec& target) const {
    std::vector<const Revision*> out;
    for (int r : get_revs(target)) out.push_back(r >= 0 ? &revs_[static_cast<std::size_t>(r)] : nullptr);
    return out;
}

std::vector<std::string> RevisionGraph::revision_ids(const RevisionSpec& target) const { return ids_of(get_revs(target)); }

std::vector<std::string> RevisionGraph::heads() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < revs_.size(); ++i)
        if (nodes_[i].next.empty()) out.push_back(revs_[i].id);
    return out;
}

std::vector<std::string> RevisionGraph::real_heads() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < revs_.size(); ++i)
        if (nodes_[i].all_next.empty()) out.push_back(revs_[i].id);
    return out;
}

std::vector<std::string> RevisionGraph::bases() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < revs_.size(); ++i)
        if (nodes_[i].parents.empty()) out.push_back(revs_[i].id);
    return out;
}

std::vector<std::string> RevisionGraph::real_bases() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < revs_.size(); ++i)
        if (nodes_[i].parents.empty() && revs_[i].depends_on.empty()) out.push_back(revs_[i].id);
    return out;
}

std::optional<std::string> RevisionGraph::current_head(const std::string& branch_label) const {
    auto h = current_head_idx(branch_label.empty() ? std::nullopt : std::optional<std::string>(branch_label));
    if (!h) return std::nullopt;
    return id_of(*h);
}

std::string RevisionGraph::single_head(const std::string& branch_label) const {
    auto h = current_head(branch_label);
    if (!h) throw RevisionError("there are no revisions yet");
    return *h;
}

std::vector<std::string> RevisionGraph::children(const std::string& id) const {
    return ids_of(nodes_[static_cast<std::size_t>(idx(id))].next);
}

std::vector<std::string> RevisionGraph::dependents(const std::string& id) const {
    return ids_of(nodes_[static_cast<std::size_t>(idx(id))].all_next);
}

std::set<std::string> RevisionGraph::branch_labels(const std::string& id) const {
    return nodes_[static_cast<std::size_t>(idx(id))].labels;
}

std::vector<std::string> RevisionGraph::dependencies(const std::string& id) const {
    return ids_of(nodes_[static_cast<std::size_t>(idx(id))].deps);
}

std::vector<std::string> RevisionGraph::normalized_down_revisions(const std::string& id) const {
    return ids_of(nodes_[static_cast<std::size_t>(idx(id))].norm_down);
}

std::vector<std::string> RevisionGraph::all_down_revisions(const std::string& id) const {
    return ids_of(nodes_[static_cast<std::size_t>(idx(id))].all_down);
}

std::set<std::string> RevisionGraph::ancestors(const std::vector<std::string>& ids, bool include_dependencies) const {
    std::vector<int> v;
    for (const auto& id : ids) v.push_back(idx(id));
    std::set<std::string> out;
    for (int r : ancestor_set(v, include_dependencies, false)) out.insert(id_of(r));
    return out;
}

std::set<std::string> RevisionGraph::descendants(const std::vector<std::string>& ids, bool include_dependencies) const {
    std::vector<int> v;
    for (const auto& id : ids) v.push_back(idx(id));
    std::set<std::string> out;
    for (int r : descendant_set(v, include_dependencies, false)) out.insert(id_of(r));
    return out;
}

std::vector<std::string> RevisionGraph::filter_for_lineage(const std::vector<std::string>& targets,
                                                           const std::string& check_against,
                                                           bool include_dependencies) const {
    std::vector<int> v;
    for (const auto& t : targets) v.push_back(get_rev(t));
    return ids_of(filter_lineage(v, check_against, include_dependencies));
}

// ---------------------------------------------------------------- traversal

std::vector<int> RevisionGraph::all_current(const std::vector<std::string>& ids) const {
    std::vector<int> top;
    for (int r : get_revs(RevisionSpec(ids)))
        if (r >= 0) push_unique(top, r);
    auto below = ancestor_set(top, true, false);
    std::set<int> all(below.begin(), below.end());
    all.insert(top.begin(), top.end());
    std::vector<int> out;
    for (int r : all) {
        auto up = descendant_set({r}, false, false);
        bool covered = std::any_of(up.begin(), up.end(), [&](int d) { return d != r && all.count(d); });
        if (!covered) out.push_back(r);
    }
    return out;
}

std::pair<std::optional<std::string>, int> RevisionGraph::parse_downgrade_target(
    const RevisionSpec& current, const RevisionSpec& target, bool assert_relative_length,
    const std::function<void(const std::string&)>& warn) const {
    if (target.none()) return {std::nullopt, kNone};
    if (!target.scalar()) throw RevisionError("a downgrade destination is one revision, not " + target.text());
    const std::string& text = target.items()[0];
    if (auto rel = parse_relative(text)) {
        if (rel->steps >= 0) {
            // Downgrading to the current revisions + n makes no sense.
            if (!rel->symbol) throw RevisionError(didnt_produce(rel->relative, rel->steps));
            int rev = walk(get_rev(*rel->symbol), rel->steps, rel->label, assert_relative_length);
            if (rev == kNone) throw RevisionError("Walked too far");
            return {rel->label, rev};
        }
        const bool from_current = !rel->symbol;
        std::optional<std::string> label = rel->label;
        std::string symbol = rel->symbol.value_or("");
        if (from_current) {
            if (label) {
                std::vector<int> cur;
                for (int r : get_revs(current))
                    if (r >= 0) cur.push_back(r);
                auto on_branch = filter_lineage(cur, *label, false);
                // Several branches may be at one head when the other branches' heads depend on it.
                if (on_branch.empty()) on_branch = filter_lineage(all_current(current.items()), *label, false);
                if (on_branch.size() != 1)
                    throw RevisionError("'" + text + "' is ambiguous: " + std::to_string(on_branch.size()) +
                                        " current revisions are on branch " + *label);
                symbol = id_of(on_branch[0]);
            } else {
                if (current.none()) throw RevisionError(didnt_produce(rel->relative, rel->steps));
                std::set<std::string> distinct(current.items().begin(), current.items().end());
                if (distinct.size() > 1 && warn)
                    warn("downgrade -1 from multiple heads is ambiguous; this usage will be disallowed in a future "
                         "release.");
                symbol = current.items()[0];
                label = symbol;  // only along the selected branch
            }
        }
        int start = label ? get_rev(*label + "@" + symbol) : get_rev(symbol);
        int rev = walk(start, rel->steps, std::nullopt, assert_relative_length);
        if (rev == kNone) {
            if (from_current) throw RevisionError(didnt_produce(rel->relative, rel->steps));
            throw RevisionError("Walked too far");
        }
        return {label, rev};
    }
    // Absolute: [label@]symbol.
    std::optional<std::string> label;
    std::string symbol = text;
    if (auto at = text.rfind('@'); at != std::string::npos) {
        if (at > 0) label = text.substr(0, at);
        symbol = text.substr(at + 1);
    }
    return {label, get_rev(symbol)};
}

std::vector<int> RevisionGraph::parse_upgrade_target(const RevisionSpec& current, const RevisionSpec& target,
                                                     bool assert_relative_length) const {
    std::optional<Relative> rel;
    if (target.scalar()) rel = parse_relative(target.items()[0]);
    if (!rel) return get_revs(target);
    if (rel->steps > 0) {
        if (rel->symbol)  // relative to a given revision, not to the current state
            return {walk(get_rev(*rel->symbol), rel->steps, rel->label, assert_relative_length)};
        std::vector<int> start;
        if (current.none()) {
            start.push_back(kNone);
        } else if (!rel->label) {
            for (const auto& c : current.items()) start.push_back(get_rev(c));
        } else {
            std::vector<int> cur;
            for (int r : get_revs(current))
                if (r >= 0) cur.push_back(r);
            start = filter_lineage(cur, *rel->label, false);
            if (start.empty()) {
                // The branch has no current head: start from the tip of what is applied on it.
                auto below = ancestor_set(cur, true, false);
                auto active = filter_lineage(std::vector<int>(below.begin(), below.end()), *rel->label, false);
                std::set<int> under;
                for (int a : active)
                    for (int d : nodes_[static_cast<std::size_t>(a)].norm_down) under.insert(d);
                for (int a : active)
                    if (!under.count(a)) start.push_back(a);
                if (start.empty()) start.push_back(kNone);
            }
        }
        if (start.size() > 1) throw RevisionError("Ambiguous upgrade from multiple current revisions");
        int rev = walk(start[0], rel->steps, rel->label, assert_relative_length);
        if (rev == kNone) throw RevisionError(didnt_produce(rel->relative, rel->steps));
        return {rev};
    }
    // Upgrading to the current revisions - n makes no sense.
    if (!rel->symbol) throw RevisionError(didnt_produce(std::to_string(rel->steps), rel->steps));
    int start = rel->label ? get_rev(*rel->label + "@" + *rel->symbol) : get_rev(*rel->symbol);
    return {walk(start, rel->steps, std::nullopt, assert_relative_length)};
}

RevisionGraph::Collected RevisionGraph::collect_upgrade(const RevisionSpec& upper, RevisionSpec lower,
                                                        const IterateOptions& o) const {
    std::vector<int> targets;
    for (int t : parse_upgrade_target(lower, upper, o.assert_relative_length)) {
        if (t == kNone) throw RevisionError("Walked too far");
        if (t >= 0) push_unique(targets, t);
    }
    // From a named base (label@...), only the targets on that branch.
    if (lower.scalar())
        if (auto at = lower.items()[0].find('@'); at != std::string::npos) {
            std::string branch = lower.items()[0].substr(0, at);
            int br = get_rev(branch);
            if (br >= 0 && id_of(br) == branch) {
                // A revision used as a label: its branch.
                const auto& labels = nodes_[static_cast<std::size_t>(br)].labels;
                if (labels.size() != 1)
                    throw RevisionError("revision " + branch + " is on " + std::to_string(labels.size()) +
                                        " labelled branches; name the branch label instead");
                branch = *labels.begin();
            }
            std::vector<int> kept;
            for (int t : targets)
                if (nodes_[static_cast<std::size_t>(t)].labels.count(branch)) kept.push_back(t);
            targets = std::move(kept);
        }
    std::set<int> required = ancestor_set(targets, true, true);
    required.insert(targets.begin(), targets.end());

    std::vector<int> current = get_revs(lower);
    if (!o.implicit_base)
        for (int r : current)
            if (r >= 0 && !required.count(r)) throw RangeNotAncestorError(lower.text(), upper.text());
    if (!current.empty() && current[0] == kNone) {
        // A relative lower that get_revisions cannot place.
        auto [label, rev] = parse_downgrade_target(upper, lower, o.assert_relative_length, {});
        if (rev < 0) {
            current.clear();
            lower = RevisionSpec();
        } else {
            current = {rev};
            lower = RevisionSpec(id_of(rev));
        }
    }
    std::vector<int> cur;
    for (int r : current)
        if (r >= 0) cur.push_back(r);
    std::set<int> have = ancestor_set(cur, true, true);
    have.insert(cur.begin(), cur.end());

    Collected c;
    for (int r : required)
        if (!have.count(r)) c.revisions.insert(r);
    if (o.inclusive)
        for (int r : get_revs(lower))
            if (r >= 0) c.revisions.insert(r);
    if (!cur.empty() && !o.implicit_base) {
        auto above = descendant_set(cur, false, true);
        for (auto it = c.revisions.begin(); it != c.revisions.end();) it = above.count(*it) ? std::next(it) : c.revisions.erase(it);
    }
    c.heads = targets;
    return c;
}

RevisionGraph::Collected RevisionGraph::collect_downgrade(const RevisionSpec& upper, const RevisionSpec& lower,
                                                          const IterateOptions& o,
                                                          const std::function<void(const std::string&)>& warn) const {
    auto [label, target] = parse_downgrade_target(upper, lower, o.assert_relative_length, warn);
    if (target == kBase) target = kNone;
    std::vector<int> roots;
    if (target == kNone) {
        for (const auto& b : bases()) roots.push_back(idx(b));
    } else if (o.inclusive) {
        roots = {target};
    } else {
        roots = nodes_[static_cast<std::size_t>(target)].next;
    }
    if (label && roots.size() > 1) {
        auto on_branch = ancestor_set({resolve_branch(*label)}, false, false);
        std::vector<int> kept;
        for (int r : roots)
            if (on_branch.count(r)) kept.push_back(r);
        roots = std::move(kept);
        if (roots.empty()) throw RevisionError("Not a valid downgrade target from current heads");
    }
    std::vector<int> heads;
    for (int h : get_revs(upper))
        if (h >= 0) heads.push_back(h);
    auto dropped = descendant_set(roots, true, false);
    auto active = ancestor_set(heads, true, false);
    Collected c;
    for (int r : dropped)
        if (active.count(r)) c.revisions.insert(r);
    if (o.implicit_base) {
        auto below_roots = ancestor_set(roots, true, false);
        for (int r : active)
            if (!below_roots.count(r)) c.revisions.insert(r);
    }
    if (target != kNone && c.revisions.empty() && !has(heads, target))
        throw RangeNotAncestorError("Nothing to drop", upper.text());
    c.heads = heads;
    return c;
}

// Revisions, upper first: depth first along each branch, but a revision only once every branch above it
// that needs it has been emitted.
std::vector<int> RevisionGraph::topological_sort(const std::set<int>& revisions, const std::vector<int>& heads) const {
    std::set<int> todo = revisions;
    std::vector<int> current;
    for (int h : heads)
        if (todo.count(h)) push_unique(current, h);
    std::sort(current.begin(), current.end());
    std::vector<std::set<int>> above;
    for (int h : current) above.push_back(ancestor_set({h}, true, false));
    std::vector<int> out;
    std::size_t at = 0;
    while (!current.empty()) {
        const int candidate = current[at];
        bool blocked = false;
        for (std::size_t j = 0; j < above.size(); ++j)
            if (j != at && above[j].count(candidate)) {
                at = j;  // another head needs it: go down that one first
                blocked = true;
                break;
            }
        if (blocked) continue;
        if (todo.erase(candidate)) out.push_back(candidate);
        const Node& node = nodes_[static_cast<std::size_t>(candidate)];
        std::vector<int> next;
        for (int d : node.norm_down)
            if (todo.count(d) && !has(current, d)) next.push_back(d);
        if (next.empty()) {
            current.erase(current.begin() + static_cast<std::ptrdiff_t>(at));
            above.erase(above.begin() + static_cast<std::ptrdiff_t>(at));
            at = at > 0 ? at - 1 : 0;
        } else if (node.norm_deps.empty() && node.parents.size() == 1) {
            current[at] = next[0];
            above[at].erase(candidate);
        } else {
            current[at] = next[0];
            above[at] = ancestor_set({next[0]}, true, false);
            for (std::size_t k = 1; k < next.size(); ++k) {
                current.push_back(next[k]);
                above.push_back(ancestor_set({next[k]}, true, false));
            }
        }
    }
    if (!todo.empty()) {
        std::vector<int> left(todo.begin(), todo.end());
        throw RevisionError("Dependency resolution failed; cannot order revisions " + join(ids_of(left), ", "));
    }
    return out;
}

std::vector<int> RevisionGraph::iterate(const RevisionSpec& upper, const RevisionSpec& lower, const IterateOptions& o,
                                        const std::function<void(const std::string&)>& warn) const {
    Collected c = o.select_for_downgrade ? collect_downgrade(upper, lower, o, warn) : collect_upgrade(upper, lower, o);
    return topological_sort(c.revisions, c.heads);
}

std::vector<std::string> RevisionGraph::iterate_revisions(const RevisionSpec& upper, const RevisionSpec& lower,
                                                          const IterateOptions& options) const {
    return ids_of(iterate(upper, lower, options, {}));
}

std::vector<std::string> RevisionGraph::walk_revisions() const {
    if (revs_.empty()) return {};
    return iterate_revisions("heads", "base", IterateOptions{.inclusive = true, .assert_relative_length = false});
}

// ---------------------------------------------------------------- commands' steps

namespace {

// Alembic's command-level messages for the revision errors of a command.
template <class Fn>
auto with_command_errors(const char* direction, const std::string& destination, Fn&& fn) {
    try {
        return fn();
    } catch (const RangeNotAncestorError& e) {
        throw RangeNotAncestorError("Destination " + destination + " is not a valid " + direction +
                                        " target from current head(s)",
                                    e.lower, e.upper);
    } catch (const MultipleHeadsError& e) {
        const std::string& arg = destination.empty() ? e.argument : destination;
        throw MultipleHeadsError("Multiple head revisions are present for given argument '" + arg +
                                     "'; please specify a specific target revision, '<branchname>@" + arg +
                                     "' to narrow to a specific head, or 'heads' for all heads",
                                 e.heads, e.argument);
    } catch (const ResolutionError& e) {
        throw ResolutionError("Can't locate revision identified by '" + e.argument + "'", e.argument);
    }
}

}  // namespace

std::vector<MigrationStep> RevisionGraph::upgrade_steps(const RevisionSpec& current, const RevisionSpec& destination) const {
    return with_command_errors("upgrade", destination.text(), [&] {
        auto revs = iterate(destination, current, IterateOptions{.implicit_base = true}, {});
        std::vector<MigrationStep> steps;
        for (auto it = revs.rbegin(); it != revs.rend(); ++it) steps.push_back(MigrationStep{.upgrade = true, .revision = id_of(*it)});
        return steps;
    });
}

std::vector<MigrationStep> RevisionGraph::downgrade_steps(const RevisionSpec& current, const std::string& destination,
                                                          const std::function<void(const std::string&)>& warn) const {
    return with_command_errors("downgrade", destination, [&] {
        std::vector<int> revs;
        try {
            revs = iterate(current, destination, IterateOptions{.select_for_downgrade = true}, warn);
        } catch (const AmbiguousWalkError&) {
            // -N from a merge point: the first N revisions on the way down from the current heads.
            auto n = integer(destination);
            if (!n || *n >= 0 || destination[0] != '-' || current.none()) throw;
            revs = iterate(current, RevisionSpec(), IterateOptions{.select_for_downgrade = true}, {});
            if (revs.size() < static_cast<std::size_t>(-*n)) throw RevisionError(didnt_produce(destination, *n));
            revs.resize(static_cast<std::size_t>(-*n));
        }
        std::vector<MigrationStep> steps;
        for (int r : revs) steps.push_back(MigrationStep{.upgrade = false, .revision = id_of(r)});
        return steps;
    });
}

std::vector<MigrationStep> RevisionGraph::stamp_steps(const RevisionSpec& target, const RevisionSpec& current) const {
    try {
        std::vector<int> heads;
        for (int h : get_revs(current))
            if (h >= 0) heads.push_back(h);
        const RevisionSpec dest_spec = target.none() ? RevisionSpec("base") : target;
        std::vector<int> filtered;
        for (const auto& t : dest_spec.items())
            for (int h : filter_lineage(heads, t, true)) push_unique(filtered, h);
        std::vector<int> dests = get_revs(dest_spec);
        if (dests.empty()) dests.push_back(kNone);
        std::vector<MigrationStep> steps;
        for (int dest : dests) {
            if (dest < 0) {
                // Base: every selected head's branch goes.
                for (int h : filtered)
                    steps.push_back(MigrationStep{.upgrade = false, .stamp = true, .from = {id_of(h)}, .branch_move = true});
                continue;
            }
            if (has(filtered, dest)) continue;  // already in the version table
            auto up = descendant_set({dest}, true, false);
            auto down = ancestor_set({dest}, true, false);
            const bool below = std::any_of(filtered.begin(), filtered.end(), [&](int h) { return up.count(h) != 0; });
            const bool above = std::any_of(filtered.begin(), filtered.end(), [&](int h) { return down.count(h) != 0; });
            if (below || above)
                steps.push_back(MigrationStep{.upgrade = !below, .stamp = true, .from = ids_of(filtered), .to = {id_of(dest)}});
            else  // a branch the version table does not have yet
                steps.push_back(MigrationStep{.upgrade = true, .stamp = true, .to = {id_of(dest)}, .branch_move = true});
        }
        return steps;
    } catch (const MultipleHeadsError& e) {
        throw MultipleHeadsError("Multiple heads are present; please specify a single target revision", e.heads, e.argument);
    } catch (const ResolutionError& e) {
        throw ResolutionError("Can't locate revision identified by '" + e.argument + "'", e.argument);
    }
}

// ---------------------------------------------------------------- the version table's heads

std::vector<std::string> RevisionGraph::unmerge_to_revisions(const MigrationStep& step, const std::set<std::string>& heads) const {
    const std::vector<std::string> to = normalized_down_revisions(step.revision);
    std::set<std::string> covered;
    std::vector<std::string> others;
    for (const auto& h : heads)
        if (h != step.revision) others.push_back(h);
    if (!others.empty()) {
        covered = ancestors(others);
    } else {
        for (const auto& t : to)
            for (const auto& a : ancestors({t}))
                if (a != t) covered.insert(a);
    }
    std::vector<std::string> out;
    for (const auto& t : to)
        if (!covered.count(t)) out.push_back(t);
    return out;
}

std::tuple<std::vector<std::string>, std::string, std::string> RevisionGraph::merge_branch_idents(
    const MigrationStep& step, const std::set<std::string>& heads) const {
    std::vector<std::string> from;
    std::string to;
    if (step.stamp) {
        from = step.from;
        to = step.to.empty() ? std::string() : step.to[0];
    } else {
        const auto from_revs = normalized_down_revisions(step.revision);
        std::vector<std::string> others;
        for (const auto& h : heads)
            if (!has(from_revs, h)) others.push_back(h);
        const auto covered = others.empty() ? std::set<std::string>{} : ancestors(others);
        for (const auto& f : from_revs)
            if (!covered.count(f)) from.push_back(f);
        to = step.revision;
    }
    if (from.empty()) throw RevisionError("cannot merge into " + to + ": none of its parents is in the version table");
    std::string last = from.back();
    from.pop_back();
    return {from, last, to};
}

std::vector<VersionChange> RevisionGraph::apply_step(std::set<std::string>& heads, const MigrationStep& step) const {
    std::vector<VersionChange> changes;
    auto insert = [&](const std::string& v) {
        if (!heads.insert(v).second) throw RevisionError("the version table already holds " + v);
        changes.push_back(VersionChange{VersionChange::Kind::Insert, {}, v});
    };
    auto remove = [&](const std::string& v) {
        if (!heads.erase(v)) throw RevisionError("the version table does not hold " + v);
        changes.push_back(VersionChange{VersionChange::Kind::Delete, v, {}});
    };
    auto update = [&](const std::string& from, const std::string& to) {
        if (heads.count(to)) throw RevisionError("the version table already holds " + to);
        if (!heads.erase(from)) throw RevisionError("the version table does not hold " + from);
        heads.insert(to);
        changes.push_back(VersionChange{VersionChange::Kind::Update, from, to});
    };
    auto intersects = [&](const std::vector<std::string>& v) {
        std::size_t n = 0;
        for (const auto& x : v) n += heads.count(x);
        return n;
    };

    if (step.stamp) {
        auto missing = [&](const std::vector<std::string>& v) {
            return std::any_of(v.begin(), v.end(), [&](const std::string& x) { return !heads.count(x); });
        };
        if (!step.upgrade && step.branch_move) {
            remove(step.from.at(0));
        } else if (step.upgrade && (step.branch_move || missing(step.from)) && missing(step.to)) {
            insert(step.to.at(0));
        } else if (step.from.size() > 1) {
            auto [dels, from, to] = merge_branch_idents(step, heads);
            for (const auto& d : dels) remove(d);
            update(from, to);
        } else if (step.to.size() > 1) {
            for (std::size_t i = 0; i + 1 < step.to.size(); ++i) insert(step.to[i]);
            update(step.from.at(0), step.to.back());
        } else {
            update(step.from.at(0), step.to.at(0));
        }
        return changes;
    }

    const std::string& rev = step.revision;
    const auto down = normalized_down_revisions(rev);
    if (!step.upgrade && heads.count(rev) && (down.empty() || unmerge_to_revisions(step, heads).empty())) {
        remove(rev);  // below a base, or to revisions the other heads imply
    } else if (step.upgrade && (down.empty() || intersects(down) == 0)) {
        insert(rev);  // a new branch (or a merge point none of whose parents is a head)
    } else if (step.upgrade && down.size() > 1 && intersects(down) > 1) {
        auto [dels, from, to] = merge_branch_idents(step, heads);
        for (const auto& d : dels) remove(d);
        update(from, to);
    } else if (!step.upgrade && heads.count(rev) && down.size() > 1) {
        auto to = unmerge_to_revisions(step, heads);
        for (std::size_t i = 0; i + 1 < to.size(); ++i) insert(to[i]);
        update(rev, to.back());
    } else {
        std::string d;
        if (down.size() == 1) {
            d = down[0];
        } else {
            std::vector<std::string> present;
            for (const auto& x : down)
                if (heads.count(x)) present.push_back(x);
            if (present.size() != 1)
                throw RevisionError("cannot update the version table for " + rev + ": its down revision is ambiguous");
            d = present[0];
        }
        if (step.upgrade)
            update(d, rev);
        else
            update(rev, d);
    }
    return changes;
}

}  // namespace retort::migrate
