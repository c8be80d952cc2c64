#include "retort/migrate/script.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>
#include <fstream>
#include <queue>

namespace retort::migrate {

namespace {

std::string join_ids(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
    return out;
}

// "+3" / "-2" -> 3 / 2; nullopt when not relative.
std::optional<int> relative_steps(const std::string& target, char sign) {
    if (target.size() < 2 || target[0] != sign) return std::nullopt;
    int n = 0;
    auto [p, ec] = std::from_chars(target.data() + 1, target.data() + target.size(), n);
    if (ec != std::errc() || p != target.data() + target.size() || n <= 0)
        throw RevisionError("bad relative target '" + target + "'");
    return n;
}

}  // namespace

RevisionGraph::RevisionGraph(std::vector<Revision> revisions) {
    for (auto& r : revisions) {
        std::string id = r.id;
        if (by_id_.count(id))
            throw RevisionError("revision " + id + " is defined twice (" + by_id_[id].path.string() + " and " +
                                r.path.string() + ")");
        by_id_.emplace(id, std::move(r));
    }
    for (const auto& [id, r] : by_id_) {
        children_[id];
        for (const auto& p : r.parents) {
            if (!by_id_.count(p))
                throw RevisionError("revision " + id + " names parent " + p + ", which is not in the versions folder");
            children_[p].push_back(id);
        }
    }
    // Kahn's algorithm with a deterministic tie-break: creation time, then id.
    auto later = [this](const std::string& a, const std::string& b) {
        const auto& ra = by_id_.at(a);
        const auto& rb = by_id_.at(b);
        return std::tie(ra.created, ra.id) > std::tie(rb.created, rb.id);
    };
    std::priority_queue<std::string, std::vector<std::string>, decltype(later)> ready(later);
    std::map<std::string, std::size_t> missing;
    for (const auto& [id, r] : by_id_) {
        missing[id] = r.parents.size();
        if (r.parents.empty()) ready.push(id);
    }
    while (!ready.empty()) {
        auto id = ready.top();
        ready.pop();
        order_.push_back(id);
        for (const auto& c : children_[id])
            if (--missing[c] == 0) ready.push(c);
    }
    if (order_.size() != by_id_.size()) {
        std::vector<std::string> stuck;
        for (const auto& [id, n] : missing)
            if (n) stuck.push_back(id);
        throw RevisionError("the revisions " + join_ids(stuck) + " form a cycle through their parents");
    }
}

const Revision& RevisionGraph::get(const std::string& id) const {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) throw RevisionError("no revision '" + id + "'");
    return it->second;
}

const Revision& RevisionGraph::resolve(const std::string& id_or_prefix) const {
    if (auto it = by_id_.find(id_or_prefix); it != by_id_.end()) return it->second;
    std::vector<std::string> matches;
    for (auto it = by_id_.lower_bound(id_or_prefix); it != by_id_.end() && it->first.rfind(id_or_prefix, 0) == 0; ++it)
        matches.push_back(it->first);
    if (matches.empty()) throw RevisionError("no revision '" + id_or_prefix + "'");
    if (matches.size() > 1)
        throw RevisionError("'" + id_or_prefix + "' is ambiguous: it starts " + join_ids(matches));
    return by_id_.at(matches[0]);
}

std::vector<std::string> RevisionGraph::heads() const {
    std::vector<std::string> out;
    for (const auto& id : order_)
        if (children_.at(id).empty()) out.push_back(id);
    return out;
}

std::vector<std::string> RevisionGraph::bases() const {
    std::vector<std::string> out;
    for (const auto& id : order_)
        if (by_id_.at(id).parents.empty()) out.push_back(id);
    return out;
}

std::string RevisionGraph::single_head() const {
    auto h = heads();
    if (h.empty()) throw RevisionError("there are no revisions yet");
    if (h.size() > 1)
        throw RevisionError("multiple heads are present (" + join_ids(h) +
                            "): name one of them, use 'heads' to go to all, or run 'merge' to join them");
    return h[0];
}

std::vector<std::string> RevisionGraph::children(const std::string& id) const {
    auto it = children_.find(id);
    return it == children_.end() ? std::vector<std::string>{} : it->second;
}

std::set<std::string> RevisionGraph::ancestors(const std::vector<std::string>& ids) const {
    std::set<std::string> out;
    std::vector<std::string> todo(ids.begin(), ids.end());
    while (!todo.empty()) {
        auto id = todo.back();
        todo.pop_back();
        if (!out.insert(id).second) continue;
        for (const auto& p : get(id).parents) todo.push_back(p);
    }
    return out;
}

std::set<std::string> RevisionGraph::descendants(const std::string& id) const {
    std::set<std::string> out;
    std::vector<std::string> todo{id};
    while (!todo.empty()) {
        auto cur = todo.back();
        todo.pop_back();
        if (!out.insert(cur).second) continue;
        for (const auto& c : children(cur)) todo.push_back(c);
    }
    return out;
}

std::vector<std::string> RevisionGraph::heads_of(const std::set<std::string>& applied) const {
    std::vector<std::string> out;
    for (const auto& id : order_) {
        if (!applied.count(id)) continue;
        const auto& kids = children_.at(id);
        if (std::none_of(kids.begin(), kids.end(), [&](const std::string& c) { return applied.count(c) != 0; }))
            out.push_back(id);
    }
    return out;
}

std::vector<std::string> RevisionGraph::upgrade_path(const std::vector<std::string>& current,
                                                     const std::string& target) const {
    const auto applied = ancestors(current);
    std::vector<std::string> pending;
    for (const auto& id : order_)
        if (!applied.count(id)) pending.push_back(id);
    if (auto n = relative_steps(target, '+')) {
        if (static_cast<std::size_t>(*n) > pending.size())
            throw RevisionError("cannot upgrade " + target + ": only " + std::to_string(pending.size()) +
                                " revision(s) are not applied");
        pending.resize(static_cast<std::size_t>(*n));
        return pending;
    }
    std::set<std::string> wanted;
    if (target == "heads") {
        wanted = ancestors(heads());
    } else if (target == "head") {
        wanted = ancestors({single_head()});
    } else if (target == "base") {
        return {};
    } else {
        wanted = ancestors({resolve(target).id});
    }
    std::vector<std::string> out;
    for (const auto& id : pending)
        if (wanted.count(id)) out.push_back(id);
    return out;
}

std::vector<std::string> RevisionGraph::downgrade_path(const std::vector<std::string>& current,
                                                       const std::string& target) const {
    const auto applied = ancestors(current);
    std::vector<std::string> applied_rev;
    for (auto it = order_.rbegin(); it != order_.rend(); ++it)
        if (applied.count(*it)) applied_rev.push_back(*it);
    if (target == "base") return applied_rev;
    if (auto n = relative_steps(target, '-')) {
        if (static_cast<std::size_t>(*n) > applied_rev.size())
            throw RevisionError("cannot downgrade " + target + ": only " + std::to_string(applied_rev.size()) +
                                " revision(s) are applied");
        applied_rev.resize(static_cast<std::size_t>(*n));
        return applied_rev;
    }
    if (target == "head" || target == "heads") throw RevisionError("downgrade wants base, -N or a revision, not " + target);
    const std::string id = resolve(target).id;
    if (!applied.count(id)) throw RevisionError("revision " + id + " is not applied, so there is nothing to downgrade to");
    const auto below = descendants(id);
    std::vector<std::string> out;
    for (const auto& r : applied_rev)
        if (r != id && below.count(r)) out.push_back(r);
    return out;
}

std::vector<std::string> RevisionGraph::stamp_rows(const std::string& target) const {
    if (target == "base") return {};
    if (target == "heads") return heads();
    if (target == "head") return {single_head()};
    return {resolve(target).id};
}

// ---------------------------------------------------------------- ScriptDirectory

ScriptDirectory::ScriptDirectory(std::filesystem::path location) : location_(std::move(location)) {}

RevisionGraph ScriptDirectory::load() const {
    std::vector<Revision> revs;
    const auto dir = versions_dir();
    if (!std::filesystem::is_directory(dir))
        throw ArgumentError("no versions folder at " + dir.string() + " (run 'init' first)");
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".rev") revs.push_back(read_revision_file(entry.path()));
    return RevisionGraph(std::move(revs));
}

std::filesystem::path ScriptDirectory::write(const Revision& rev) const {
    std::filesystem::create_directories(versions_dir());
    std::string slug = slugify(rev.message);
    auto path = versions_dir() / (rev.id + (slug.empty() ? "" : "_" + slug) + ".rev");
    std::ofstream out(path, std::ios::binary);
    if (!out) throw ArgumentError("cannot write " + path.string());
    out << render_revision(rev);
    if (!out) throw ArgumentError("cannot write " + path.string());
    return path;
}

std::string slugify(std::string_view message) {
    std::string out;
    for (char c : message) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else if (!out.empty() && out.back() != '_')
            out += '_';
        if (out.size() >= 40) break;
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

std::string utc_timestamp() {
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace retort::migrate
