#include "retort/orm/mapper.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>

#include "retort/error.hpp"
#include "retort/orm/session.hpp"
#include "schema/typed_column.hpp"

namespace retort::orm {

Cascade Cascade::parse(std::string_view s) {
    Cascade c{false, false, false, false, false, false};
    std::string unknown;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ',' || std::isspace(static_cast<unsigned char>(s[i])))) ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ',' && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
        std::string_view tok = s.substr(i, j - i);
        if (tok.empty()) break;
        if (tok == "all") {
            c.save_update = c.merge = c.delete_ = c.refresh_expire = c.expunge = true;
        } else if (tok == "save-update") {
            c.save_update = true;
        } else if (tok == "merge") {
            c.merge = true;
        } else if (tok == "delete") {
            c.delete_ = true;
        } else if (tok == "delete-orphan") {
            c.delete_orphan = true;
        } else if (tok == "refresh-expire") {
            c.refresh_expire = true;
        } else if (tok == "expunge") {
            c.expunge = true;
        } else if (tok != "none") {
            unknown += (unknown.empty() ? "'" : ", '") + std::string(tok) + "'";
        }
        i = j;
    }
    if (!unknown.empty()) throw ArgumentError("Invalid cascade option(s): " + unknown);
    if (c.delete_orphan && !c.delete_) throw ArgumentError("cascade 'delete-orphan' needs 'delete' too (use \"all, delete-orphan\")");
    return c;
}

std::string RelationshipProp::qualified_name() const { return (parent ? parent->class_name : std::string("?")) + "." + name; }

MapperBase::~MapperBase() = default;

namespace detail {
[[noreturn]] void throw_no_table(const char* what) { throw ArgumentError(std::string("mapping: ") + what); }
}  // namespace detail

// ---- the mapping block's calls

namespace {
void need_table(const MapperBase& m) {
    if (!m.table) detail::throw_no_table("call table(\"name\") first in the mapping block");
}
}  // namespace

void MappingBase::table(std::string_view name, std::optional<std::string> schema) {
    m_.table = &m_.registry.metadata().new_table(std::string(name), std::move(schema));
    if (m_.class_name.empty()) m_.class_name = m_.table->name();
}

void MappingBase::name(std::string_view class_name) { m_.class_name = class_name; }

void MappingBase::constraint(TableItem item) {
    need_table(m_);
    m_.table->append(std::move(item));
}
void MappingBase::constraint(PrimaryKeyConstraint c) { constraint(TableItem(std::move(c))); }
void MappingBase::constraint(UniqueConstraint c) { constraint(TableItem(std::move(c))); }
void MappingBase::constraint(CheckConstraint c) { constraint(TableItem(std::move(c))); }
void MappingBase::constraint(ForeignKeyConstraint c) { constraint(TableItem(std::move(c))); }
void MappingBase::constraint(Index c) { constraint(TableItem(std::move(c))); }

RelOptions::~RelOptions() = default;
VersionOptions::~VersionOptions() = default;

void MappingBase::add_column(std::string_view name, SqlType (*inferred)(), bool optional, ColumnOptions& opts,
                             const detail::MemberKey& key, std::ptrdiff_t offset, std::type_index member_type,
                             const MemberAccess& access) {
    need_table(m_);
    const Column& c = retort::detail::append_typed_column(*m_.table, std::string(name), inferred, optional, opts);
    ColumnProp p;
    p.column = &c;
    p.member = key;
    p.member_type = member_type;
    p.offset = offset;
    p.load = access.load;
    p.get = access.get;
    p.assign = access.assign;
    p.set = access.set;
    p.snap_size = access.snap_size;
    p.snap_put = access.snap_put;
    p.snap_same = access.snap_same;
    if (c.primary_key()) m_.pk.push_back(static_cast<int>(m_.columns.size()));
    m_.columns.push_back(p);
}

void MappingBase::add_version(std::string_view name, SqlType (*inferred)(), bool optional, VersionOptions& opts,
                              const detail::MemberKey& key, std::ptrdiff_t offset, std::type_index member_type,
                              const MemberAccess& access) {
    ColumnOptions co{.nullable = false};
    if (opts.server_default) co.server_default = opts.server_default;
    if (opts.type) co.type = opts.type;
    add_column(name, inferred, optional, co, key, offset, member_type, access);
    m_.columns.back().is_version = true;
    m_.version_column = static_cast<int>(m_.columns.size() - 1);
    m_.version = std::move(opts);
}

void MappingBase::add_relationship(std::string_view name, RelKind kind, const MapperBase* (*target)(),
                                   const detail::MemberKey& key, std::type_index member_type,
                                   detail::RelationBase& (*access)(void*, const RelationshipProp&),
                                   std::optional<JoinPair>& join, RelOptions& o) {
    RelationshipProp r;
    r.name = name;
    r.kind = kind;
    r.parent = &m_;
    r.target_fn = target;
    r.member = key;
    r.member_type = member_type;
    r.access = access;
    r.cascade = Cascade::parse(o.cascade ? std::string_view(*o.cascade) : std::string_view("save-update, merge"));
    r.options = std::move(o);
    if (join) r.join_spec.push_back(std::move(*join));
    r.index = static_cast<int>(m_.relationships.size());
    m_.relationships.push_back(std::move(r));
}

void MappingBase::set_secondary(std::string_view secondary, std::optional<JoinPair>& right) {
    auto& r = m_.relationships.back();
    r.secondary_name = secondary;
    if (right) r.secondary_spec.push_back(std::move(*right));
}

const ColumnProp* MapperBase::column_for(const detail::MemberKey& k, std::type_index t) const {
    for (const auto& c : columns)
        if (c.member == k && c.member_type == t) return &c;
    return nullptr;
}

const ColumnProp* MapperBase::column_named(std::string_view name) const {
    for (const auto& c : columns)
        if (c.column->name() == name) return &c;
    return nullptr;
}

const RelationshipProp* MapperBase::relationship_named(std::string_view name) const {
    for (const auto& r : relationships)
        if (r.name == name) return &r;
    return nullptr;
}

const RelationshipProp* MapperBase::relationship_for(const detail::MemberKey& k, std::type_index t) const {
    for (const auto& r : relationships)
        if (r.member == k && r.member_type == t) return &r;
    return nullptr;
}

std::vector<Value> MapperBase::primary_key_of(const void* obj) const {
    std::vector<Value> out;
    out.reserve(pk.size());
    for (int i : pk) out.push_back(columns[static_cast<std::size_t>(i)].get(obj, columns[static_cast<std::size_t>(i)]));
    return out;
}

std::string MapperBase::describe(const InstanceState* st) const {
    std::string out = class_name + "(";
    static const KeyValues none;
    const KeyValues& key = st ? st->key : none;
    if (key.empty()) {
        out += "transient";
    } else {
        for (std::size_t i = 0; i < key.size() && i < pk.size(); ++i) {
            if (i) out += ", ";
            out += columns[static_cast<std::size_t>(pk[i])].column->name() + "=" + key[i].repr();
        }
    }
    return out + ")";
}

void MapperBase::build_statements() const {
    std::vector<sql::NodePtr> cols;
    for (const auto& c : columns) cols.push_back(c.column->ptr());
    select_all_ = std::make_unique<retort::Select>(cols);
    auto by_pk = *select_all_;
    for (std::size_t i = 0; i < pk.size(); ++i) {
        const Column& c = *columns[static_cast<std::size_t>(pk[i])].column;
        by_pk = by_pk.where(Expr<Any>(c.ptr()) ==
                            Expr<Any>(std::make_shared<sql::BindNode>("pk_" + std::to_string(i), Value{}, c.type, false)));
    }
    select_by_pk_ = std::make_unique<retort::Select>(by_pk);
}

const retort::Select& MapperBase::select_all() const {
    std::call_once(stmts_once_, [this] { build_statements(); });
    return *select_all_;
}

const retort::Select& MapperBase::select_by_pk() const {
    std::call_once(stmts_once_, [this] { build_statements(); });
    return *select_by_pk_;
}

void MapperBase::bind(InstanceState* st) const {
    for (const auto& r : relationships) {
        auto& base = relation(st->obj, r);
        base.owner = st;
        base.prop = &r;
        base.lazy = r.options.lazy;
        if (r.uselist()) {
            auto& c = static_cast<detail::CollectionBase&>(base);
            // Objects given in the struct's initialiser become this object's related objects, with the
            // other side kept in step.
            auto items = std::move(c.items);
            auto keeps = std::move(c.keeps);
            c.items.clear();
            c.keeps.clear();
            c.loaded = true;
            for (auto* t : items) c.append(t, nullptr);
        } else {
            auto& ref = static_cast<detail::RefBase&>(base);
            InstanceState* t = ref.target;
            auto keep = std::move(ref.keep);
            ref.target = nullptr;
            ref.loaded = true;
            if (t) ref.assign(t, nullptr);
        }
    }
}

namespace {

const Table* other_table_of(const Column* c) { return c ? c->table() : nullptr; }

const Column* resolve(const JoinColumn& jc, const Table* assoc) {
    if (jc.mapper) {
        const ColumnProp* c = jc.mapper()->column_for(jc.member, jc.member_type);
        return c ? c->column : nullptr;
    }
    if (!assoc) return nullptr;
    return assoc->find_column(jc.name);
}

// Column pairs (parent side, other side) from the foreign key of `child` that refers to `parent`. Two or more such
// foreign keys leave the join to the mapping (as SQLAlchemy's AmbiguousForeignKeysError): taking one of them
// would load and write the wrong column without a word.
std::vector<std::pair<const Column*, const Column*>> fk_pairs(const Table& child, const Table& parent, bool child_first,
                                                              const RelationshipProp& r) {
    std::vector<std::pair<const Column*, const Column*>> out;
    const ForeignKeyConstraint* found = nullptr;
    for (const auto& fk : child.foreign_keys()) {
        if (fk.referred_table != parent.name() && fk.referred_table != parent.fullname()) continue;
        if (found)
            throw ArgumentError("relationship '" + r.qualified_name() + "': more than one foreign key of '" + child.name() +
                                "' refers to '" + parent.name() + "'; give the join with on(...)");
        found = &fk;
    }
    if (!found) return out;
    for (std::size_t i = 0; i < found->columns.size(); ++i) {
        const Column* cc = &child.c(found->columns[i]);
        const Column* pc = &parent.c(found->referred_columns[i]);
        out.emplace_back(child_first ? cc : pc, child_first ? pc : cc);
    }
    return out;
}

}  // namespace

void MapperBase::configure() {
    if (configured) return;
    for (auto& r : relationships) {
        r.target = r.target_fn();
        const Table& pt = *table;
        const Table& tt = *r.target->table;
        if (r.kind == RelKind::ManyToMany) {
            r.secondary = registry.metadata().find_table(r.secondary_name);
            if (!r.secondary)
                throw ArgumentError("relationship '" + r.qualified_name() + "': no association table '" + r.secondary_name +
                                    "' in the registry's MetaData");
            if (!r.join_spec.empty()) {
                for (const auto& jp : r.join_spec) {
                    const Column* a = resolve(jp.left, r.secondary);
                    const Column* b = resolve(jp.right, r.secondary);
                    if (!a || !b) throw ArgumentError("relationship '" + r.qualified_name() + "': a join column was not found");
                    if (a->table() == r.secondary) std::swap(a, b);
                    r.pairs.emplace_back(a, b);
                }
            } else {
                r.pairs = fk_pairs(*r.secondary, pt, false, r);
            }
            if (!r.secondary_spec.empty()) {
                for (const auto& jp : r.secondary_spec) {
                    const Column* a = resolve(jp.left, r.secondary);
                    const Column* b = resolve(jp.right, r.secondary);
                    if (!a || !b) throw ArgumentError("relationship '" + r.qualified_name() + "': a join column was not found");
                    if (a->table() == r.secondary) std::swap(a, b);
                    r.secondary_pairs.emplace_back(a, b);
                }
            } else {
                r.secondary_pairs = fk_pairs(*r.secondary, tt, false, r);
            }
            if (r.pairs.empty() || r.secondary_pairs.empty())
                throw ArgumentError("relationship '" + r.qualified_name() +
                                    "': no join condition; give on(...) pairs or foreign keys on '" + r.secondary_name + "'");
        } else {
            if (!r.join_spec.empty()) {
                for (const auto& jp : r.join_spec) {
                    const Column* a = resolve(jp.left, nullptr);
                    const Column* b = resolve(jp.right, nullptr);
                    if (!a || !b) throw ArgumentError("relationship '" + r.qualified_name() + "': a join column is not mapped");
                    // Normalise to (column of this model's table, column of the target's table).
                    if (&pt != &tt && other_table_of(a) == &tt) std::swap(a, b);
                    r.pairs.emplace_back(a, b);
                }
            } else if (r.kind == RelKind::ManyToOne) {
                r.pairs = fk_pairs(pt, tt, true, r);
            } else {
                r.pairs = fk_pairs(tt, pt, false, r);
            }
            if (r.pairs.empty())
                throw ArgumentError("relationship '" + r.qualified_name() +
                                    "': no join condition; give on(...) or declare a foreign key");
        }
    }
    configured = true;
}

// ---------------------------------------------------------------- Registry

namespace {
std::mutex& registries_mu() {
    static std::mutex m;
    return m;
}
std::vector<Registry*>& registries() {
    static std::vector<Registry*> r;
    return r;
}
}  // namespace

Registry::Registry() {
    std::lock_guard lock(registries_mu());
    registries().push_back(this);
}

Registry::~Registry() {
    std::lock_guard lock(registries_mu());
    auto& r = registries();
    r.erase(std::remove(r.begin(), r.end(), this), r.end());
}

namespace {
// Bumped whenever a mapper is defined; configure_all() has nothing to do while it is unchanged.
std::atomic<std::uint64_t> mapper_generation{1};
std::atomic<std::uint64_t> configured_generation{0};
}  // namespace

void Registry::configure_all() {
    const auto gen = mapper_generation.load(std::memory_order_acquire);
    if (configured_generation.load(std::memory_order_acquire) == gen) return;
    std::vector<Registry*> all;
    {
        std::lock_guard lock(registries_mu());
        all = registries();
    }
    for (auto* r : all) r->configure();
    configured_generation.store(gen, std::memory_order_release);
}

const MapperBase* Registry::find_mapper(const Table* t) {
    std::lock_guard lock(registries_mu());
    for (auto* r : registries())
        if (auto* m = r->find_by_table(t)) return m;
    return nullptr;
}

std::vector<const MapperBase*> Registry::all_mappers() {
    std::vector<Registry*> all;
    {
        std::lock_guard lock(registries_mu());
        all = registries();
    }
    std::vector<const MapperBase*> out;
    for (auto* r : all) {
        auto ms = r->mappers();
        out.insert(out.end(), ms.begin(), ms.end());
    }
    return out;
}

Registry& Registry::default_registry() {
    static Registry r;
    return r;
}

const MapperBase* Registry::find(std::type_index t) const {
    std::lock_guard lock(mu_);
    auto it = mappers_.find(t);
    return it == mappers_.end() ? nullptr : it->second.get();
}

const MapperBase* Registry::find_by_table(const Table* t) const {
    std::lock_guard lock(mu_);
    for (auto* m : order_)
        if (m->table == t) return m;
    return nullptr;
}

const MapperBase& Registry::mapper_of_type(std::type_index t, MapperBase* (*make)(Registry&),
                                           void (*define)(MapperBase&)) {
    std::lock_guard lock(mu_);
    if (const MapperBase* found = find(t)) return *found;
    std::unique_ptr<MapperBase> m(make(*this));
    MapperBase* raw = m.get();
    define(*raw);
    if (!raw->table) throw ArgumentError("mapping: the mapping block did not name a table");
    if (raw->pk.empty()) throw ArgumentError("mapping of '" + raw->class_name + "' has no primary key column");
    if (!raw->make_instance) throw ArgumentError("mapping of '" + raw->class_name + "' maps no column");
    mappers_.emplace(t, std::move(m));
    order_.push_back(raw);
    mapper_generation.fetch_add(1, std::memory_order_acq_rel);
    return *raw;
}

std::vector<const MapperBase*> Registry::mappers() const {
    std::lock_guard lock(mu_);
    return {order_.begin(), order_.end()};
}

void Registry::configure() {
    std::lock_guard lock(mu_);
    if (configured_count_ == order_.size()) return;
    // Configuring may define further mappers (relationship targets): loop until all are done.
    for (std::size_t i = 0; i < order_.size(); ++i) order_[i]->configure();
    for (auto* m : order_) {
        for (auto& r : m->relationships) {
            if (r.cascade.delete_orphan) {
                if ((r.kind == RelKind::ManyToOne || r.kind == RelKind::ManyToMany) && !r.options.single_parent)
                    throw ArgumentError("relationship '" + r.qualified_name() + "': delete-orphan cascade on a " +
                                        (r.kind == RelKind::ManyToOne ? "many-to-one" : "many-to-many") +
                                        " relationship deletes an object that no parent refers to, which needs each "
                                        "object to have one parent at a time: set single_parent = true");
                auto& list = const_cast<MapperBase*>(r.target)->delete_orphan_parents;
                if (std::find(list.begin(), list.end(), &r) == list.end()) list.push_back(&r);
            }
            if (r.options.back_populates.empty() || r.reverse) continue;
            const RelationshipProp* rev = r.target->relationship_named(r.options.back_populates);
            if (!rev)
                throw ArgumentError("relationship '" + r.qualified_name() + "': back_populates names '" +
                                    r.options.back_populates + "', which " + r.target->class_name + " does not have");
            r.reverse = rev;
        }
    }
    configured_count_ = order_.size();
}

}  // namespace retort::orm
