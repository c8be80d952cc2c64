#include "retort/orm/instance.hpp"

#include <algorithm>
#include <cstdint>

#include "retort/detail/large_memory.hpp"
#include "retort/error.hpp"
#include "retort/orm/mapper.hpp"
#include "retort/orm/session.hpp"
#include "orm/strategies.hpp"

namespace retort::orm {

InstanceState::~InstanceState() {
    if (snapshot_on_heap) delete[] committed;  // NOLINT: pairs with tracking::take
}

Arena::~Arena() {
    for (auto* inst : placed_) inst->~InstanceState();
}

namespace {
constexpr std::size_t kFirstMapped = std::size_t{2} << 20;
constexpr std::size_t kMaxBlock = std::size_t{4} << 20;
}  // namespace

void Arena::BlockFree::operator()(std::byte* p) const noexcept { retort::detail::large_free(p, size); }

Arena::Block Arena::new_block(std::size_t size) {
    Block b;
    b.data = std::unique_ptr<std::byte, BlockFree>(static_cast<std::byte*>(retort::detail::large_allocate(size)), BlockFree{size});
    b.size = retort::detail::large_usable_size(size);
    return b;
}

void* Arena::allocate(std::size_t size, std::size_t align) {
    if (!blocks_.empty()) {
        Block& b = blocks_.back();
        const std::size_t at = (b.used + align - 1) & ~(align - 1);
        if (at + size <= b.size) {
            b.used = at + size;
            return b.data.get() + at;
        }
    }
    // Blocks of 2, 8 and 32 KiB from the heap keep small sessions small; then 2 MiB and 4 MiB blocks on huge pages
    // (see detail::large_allocate), so large sessions fault their memory in a few times instead of once per 4 KiB.
    std::size_t want = blocks_.empty() ? std::size_t{2} << 10 : blocks_.back().size * 4;
    if (want > (std::size_t{32} << 10)) want = std::min(std::max(want, kFirstMapped), kMaxBlock);
    want = std::max(want, size + align);
    Block b = new_block(want);
    const auto base = reinterpret_cast<std::uintptr_t>(b.data.get());
    const std::size_t at = ((base + align - 1) & ~(std::uintptr_t{align} - 1)) - base;
    b.used = at + size;
    blocks_.push_back(std::move(b));
    return blocks_.back().data.get() + at;
}

void Arena::place(InstanceState* inst) {
    inst->arena = this;
    try {
        placed_.push_back(inst);
    } catch (...) {
        inst->~InstanceState();
        throw;
    }
}

Arena* Arena::root() noexcept {
    Arena* a = this;
    while (a->merged_into_) a = a->merged_into_.get();
    return a;
}

std::shared_ptr<Arena> Arena::root_ptr() { return root()->shared_from_this(); }

InstanceState* Arena::adopt(std::unique_ptr<InstanceState> inst) {
    Arena* r = root();
    inst->arena = r;
    r->instances_.push_back(std::move(inst));
    return r->instances_.back().get();
}

void Arena::merge(Arena& a, Arena& b) {
    Arena* ra = a.root();
    Arena* rb = b.root();
    if (ra == rb) return;
    // The larger keeps its objects in place; the smaller's move over and it points at the larger, which
    // it keeps alive for the handles that still refer to it.
    if (ra->size() < rb->size()) std::swap(ra, rb);
    for (auto& inst : rb->instances_) {
        inst->arena = ra;
        ra->instances_.push_back(std::move(inst));
    }
    rb->instances_.clear();
    for (auto* inst : rb->placed_) {
        inst->arena = ra;
        ra->placed_.push_back(inst);
    }
    rb->placed_.clear();
    // The smaller arena's blocks hold its objects: they move along. The larger keeps allocating from its own
    // last block, which stays last.
    if (!rb->blocks_.empty()) {
        auto last = std::move(ra->blocks_.empty() ? rb->blocks_.back() : ra->blocks_.back());
        if (!ra->blocks_.empty()) ra->blocks_.pop_back();
        else rb->blocks_.pop_back();
        for (auto& b : rb->blocks_) ra->blocks_.push_back(std::move(b));
        ra->blocks_.push_back(std::move(last));
        rb->blocks_.clear();
    }
    rb->merged_into_ = ra->shared_from_this();
}

namespace {
// A relationship of st changed: the next flush writes it, and the session's lazy loads flush first.
void mark_rel_dirty(InstanceState* st) {
    st->rel_dirty = true;
    if (st->session) detail::SessionAccess::note_relationship_change(*st->session);
}
}  // namespace

namespace detail {

[[noreturn]] void throw_null_ptr(const char* what) {
    throw InvalidRequestError(std::string("dereferenced an empty ") + what);
}

std::shared_ptr<Arena> arena_ptr(InstanceState* st) {
    if (!st || !st->arena) return nullptr;
    return st->arena->root_ptr();
}

std::shared_ptr<Arena> new_arena() { return std::make_shared<Arena>(); }

PtrBase::PtrBase(const std::shared_ptr<Arena>& keep, InstanceState* st) noexcept : keep_(keep), st_(st) {}
PtrBase::PtrBase(InstanceState* st) : keep_(arena_ptr(st)), st_(st) {}
PtrBase::PtrBase(const PtrBase& o) noexcept = default;
PtrBase::PtrBase(PtrBase&& o) noexcept : keep_(std::move(o.keep_)), st_(std::exchange(o.st_, nullptr)) {}
PtrBase& PtrBase::operator=(const PtrBase& o) noexcept = default;
PtrBase& PtrBase::operator=(PtrBase&& o) noexcept {
    keep_ = std::move(o.keep_);
    st_ = std::exchange(o.st_, nullptr);
    return *this;
}
PtrBase::~PtrBase() = default;

void ensure_loaded(InstanceState* st) {
    if (!st->expired) return;
    if (!st->session)
        throw DetachedInstanceError("instance " + st->mapper->describe(st) +
                                    " is expired and not bound to a Session; its attributes cannot be loaded");
    detail::SessionAccess::load_expired(*st->session, st);
}

namespace {

void unite(InstanceState* a, InstanceState* b) {
    if (a && b && a->arena && b->arena) Arena::merge(*a->arena, *b->arena);
}

void cascade_add(InstanceState* owner, const RelationshipProp* prop, InstanceState* t) {
    if (owner->session && t && t->session != owner->session && prop->cascade.save_update &&
        t->status != ObjectState::Deleted) {
        t->orphaned_outside_session = false;
        detail::SessionAccess::add_state(*owner->session, t);
    }
}

CollectionBase& collection_of(InstanceState* st, const RelationshipProp& p) {
    return static_cast<CollectionBase&>(st->mapper->relation(st->obj, p));
}
RefBase& ref_of(InstanceState* st, const RelationshipProp& p) {
    return static_cast<RefBase&>(st->mapper->relation(st->obj, p));
}

// ---- parents: every object remembers the parent it was last attached to through each relationship it was put
// in or taken out of by the program (objects loaded from the database record nothing: their parents are known to
// the database).

ParentLink* link_of(const InstanceState* child, const RelationshipProp* prop) noexcept {
    if (!child->parents) return nullptr;
    for (auto& l : *child->parents)
        if (l.prop == prop) return &l;
    return nullptr;
}

// single_parent: attaching an object that has another parent through this relationship is refused.
void check_single_parent(const InstanceState* child, const RelationshipProp* prop, const InstanceState* parent) {
    if (!prop->options.single_parent || !child) return;
    const ParentLink* l = link_of(child, prop);
    if (l && l->parent && l->parent != parent)
        throw InvalidRequestError("instance " + child->mapper->describe(child) + " is already associated with an instance of " +
                                  prop->parent->class_name + " via its " + prop->qualified_name() +
                                  " attribute, and is only allowed a single parent");
}

void set_parent(InstanceState* child, const RelationshipProp* prop, InstanceState* parent) {
    if (!child) return;
    if (ParentLink* l = link_of(child, prop)) {
        l->parent = parent;
        return;
    }
    if (!child->parents) child->parents = std::make_unique<std::vector<ParentLink>>();
    child->parents->push_back(ParentLink{prop, parent});
}

// The child left `parent`'s relationship: it has no parent there now, unless it was attached to another one since
// (a child moved between parents keeps its new parent whichever side was changed first). A pending object that
// became an orphan of a delete-orphan relationship leaves its parent's session (it is never inserted); one whose
// parent is outside any session is marked, so that a flush does not insert it either.
void clear_parent(InstanceState* child, const RelationshipProp* prop, InstanceState* parent) {
    if (!child) return;
    ParentLink* l = link_of(child, prop);
    if (l && l->parent && l->parent != parent) return;
    set_parent(child, prop, nullptr);
    if (!prop->cascade.delete_orphan || !is_orphan(child)) return;
    Session* sess = parent ? parent->session : nullptr;
    if (sess && child->session == sess && child->status == ObjectState::Pending) detail::SessionAccess::expunge_state(*sess, child);
    else child->orphaned_outside_session = true;
}

// The other side of a back_populates pair, changed in memory without syncing back.
void reverse_add(InstanceState* target, const RelationshipProp* rev, InstanceState* owner);

void reverse_remove(InstanceState* target, const RelationshipProp* rev, InstanceState* owner) {
    if (!target || !rev) return;
    clear_parent(owner, rev, target);
    if (rev->uselist()) {
        auto& c = collection_of(target, *rev);
        if (!c.loaded) {
            auto ai = std::find(c.added.begin(), c.added.end(), owner);
            if (ai != c.added.end()) c.added.erase(ai);
            else if (std::find(c.removed.begin(), c.removed.end(), owner) == c.removed.end()) c.removed.push_back(owner);
            mark_rel_dirty(target);
            return;
        }
        auto it = std::find(c.items.begin(), c.items.end(), owner);
        if (it != c.items.end()) {
            c.items.erase(it);
            if (rev->kind == RelKind::ManyToMany) {
                auto ai = std::find(c.added.begin(), c.added.end(), owner);
                if (ai != c.added.end()) c.added.erase(ai);
                else c.removed.push_back(owner);
                c.changed = true;
                mark_rel_dirty(target);
            }
        }
    } else {
        auto& r = ref_of(target, *rev);
        if (r.target == owner) {
            if (!r.changed) r.previous = owner;
            r.target = nullptr;
            r.loaded = true;
            r.changed = true;
            mark_rel_dirty(target);
        }
    }
}

void reverse_add(InstanceState* target, const RelationshipProp* rev, InstanceState* owner) {
    if (!target || !rev) return;
    check_single_parent(owner, rev, target);
    set_parent(owner, rev, target);
    if (rev->uselist()) {
        auto& c = collection_of(target, *rev);
        if (!c.loaded) {
            // Kept as a change to apply when the collection loads (and, for a many-to-many, a row to write).
            auto ri = std::find(c.removed.begin(), c.removed.end(), owner);
            if (ri != c.removed.end()) c.removed.erase(ri);
            else if (std::find(c.added.begin(), c.added.end(), owner) == c.added.end()) c.added.push_back(owner);
            mark_rel_dirty(target);
            return;
        }
        if (std::find(c.items.begin(), c.items.end(), owner) == c.items.end()) {
            c.items.push_back(owner);
            if (rev->kind == RelKind::ManyToMany) {
                auto ri = std::find(c.removed.begin(), c.removed.end(), owner);
                if (ri != c.removed.end()) c.removed.erase(ri);
                else c.added.push_back(owner);
                c.changed = true;
                mark_rel_dirty(target);
            }
        }
    } else {
        auto& r = ref_of(target, *rev);
        // The previous value as far as it is known in memory (an unloaded one is looked up by its foreign key in the
        // identity map, without SQL).
        InstanceState* old = r.loaded ? r.target
                             : (target->session && rev->kind == RelKind::ManyToOne) ? detail::SessionAccess::many_to_one_in_memory(*target->session, target, *rev)
                                                                                      : nullptr;
        if (r.target != owner || !r.loaded) {
            if (!r.changed) r.previous = old;
            r.target = owner;
            r.loaded = true;
            r.changed = true;
            mark_rel_dirty(target);
            if (old && old != owner && rev->reverse) {
                // target left old's side of the pair: a one-to-one partner no longer points back, a one-to-many
                // collection no longer holds it.
                if (rev->reverse->uselist()) {
                    clear_parent(target, rev->reverse, old);
                    auto& oc = collection_of(old, *rev->reverse);
                    if (oc.loaded) {
                        auto it = std::find(oc.items.begin(), oc.items.end(), target);
                        if (it != oc.items.end()) oc.items.erase(it);
                    }
                } else {
                    auto& back = ref_of(old, *rev->reverse);
                    if (back.target == target) {
                        back.target = nullptr;
                        back.changed = true;
                        mark_rel_dirty(old);
                        clear_parent(target, rev->reverse, old);
                    }
                }
            }
        }
    }
}

}  // namespace

const ParentLink* parent_link(const InstanceState* st, const RelationshipProp* prop) noexcept { return link_of(st, prop); }

bool is_orphan(const InstanceState* st) {
    for (const RelationshipProp* r : st->mapper->delete_orphan_parents) {
        const ParentLink* l = link_of(st, r);
        // Nothing recorded: a persistent object keeps the parent the database gives it; a new one has none.
        const bool has_parent = l ? l->parent != nullptr : !st->key.empty();
        if (!has_parent) return true;
    }
    return false;
}

RefBase::RefBase(const RefBase& o) = default;
RefBase& RefBase::operator=(const RefBase& o) = default;
RefBase::~RefBase() = default;

void RefBase::assign(InstanceState* t, std::shared_ptr<Arena> k) {
    if (!owner) {
        target = t;
        keep = std::move(k);
        changed = true;
        return;
    }
    InstanceState* old = loaded ? target : load();
    if (old == t) {
        // Set to none on an object without a row yet: the flush clears the foreign key, even one the program gave
        // by value before (as SQLAlchemy: the relationship set last wins over the column).
        if (!t && owner->key.empty() && !changed) {
            loaded = true;
            changed = true;
            mark_rel_dirty(owner);
        }
        return;
    }
    check_single_parent(t, prop, owner);
    unite(owner, t);
    if (!changed) previous = old;
    target = t;
    keep.reset();
    loaded = true;
    changed = true;
    mark_rel_dirty(owner);
    set_parent(t, prop, owner);
    clear_parent(old, prop, owner);
    if (prop->reverse) {
        if (old) reverse_remove(old, prop->reverse, owner);
        if (t) reverse_add(t, prop->reverse, owner);
    }
    cascade_add(owner, prop, t);
}

InstanceState* RefBase::load() const {
    if (loaded || !owner) return target;
    if (!loading::strategy_of(lazy).on_first_use(const_cast<RefBase&>(*this), false)) return target;
    if (!owner->session)
        throw DetachedInstanceError("parent instance " + owner->mapper->describe(owner) +
                                    " is not bound to a Session; lazy load of '" + prop->qualified_name() +
                                    "' cannot proceed");
    owner->session->load_relationship(owner, *prop);
    return target;
}

CollectionBase::~CollectionBase() = default;

CollectionBase::CollectionBase(const CollectionBase& o) : RelationBase() {
    o.load();
    for (auto* s : o.items) append(s, arena_ptr(s));
    if (!owner) changed = o.changed;  // a copy of a struct keeps what the program set in it
}

CollectionBase& CollectionBase::operator=(const CollectionBase& o) {
    if (this == &o) return *this;
    o.load();
    load();
    auto src = o.items;
    clear_all();
    for (auto* s : src) append(s, arena_ptr(s));
    return *this;
}

void CollectionBase::append(InstanceState* t, std::shared_ptr<Arena> k) {
    if (!t) throw_null_ptr("Ptr (appended to a collection)");
    if (!owner) {
        items.push_back(t);
        keeps.push_back(std::move(k));
        changed = true;  // given by the program (merge() tells it from a collection never touched)
        return;
    }
    if (std::find(items.begin(), items.end(), t) != items.end()) return;  // a collection holds an object once
    check_single_parent(t, prop, owner);
    unite(owner, t);
    items.push_back(t);
    auto ri = std::find(removed.begin(), removed.end(), t);
    if (ri != removed.end()) removed.erase(ri);
    else added.push_back(t);
    changed = true;
    mark_rel_dirty(owner);
    set_parent(t, prop, owner);
    if (prop->reverse) reverse_add(t, prop->reverse, owner);
    cascade_add(owner, prop, t);
}

bool CollectionBase::remove(InstanceState* t) {
    auto it = std::find(items.begin(), items.end(), t);
    if (it == items.end()) return false;
    const auto idx = it - items.begin();
    items.erase(it);
    if (!owner) {
        keeps.erase(keeps.begin() + idx);
        changed = true;
        return true;
    }
    auto ai = std::find(added.begin(), added.end(), t);
    if (ai != added.end()) added.erase(ai);
    else removed.push_back(t);
    changed = true;
    mark_rel_dirty(owner);
    clear_parent(t, prop, owner);
    if (prop->reverse) reverse_remove(t, prop->reverse, owner);
    return true;
}

void CollectionBase::clear_all() {
    auto copy = items;
    for (auto* s : copy) remove(s);
}

void CollectionBase::load() const {
    if (loaded || !owner) return;
    if (!loading::strategy_of(lazy).on_first_use(const_cast<CollectionBase&>(*this), true)) return;
    if (!owner->session)
        throw DetachedInstanceError("parent instance " + owner->mapper->describe(owner) +
                                    " is not bound to a Session; lazy load of '" + prop->qualified_name() +
                                    "' cannot proceed");
    owner->session->load_relationship(owner, *prop);
}

}  // namespace detail
}  // namespace retort::orm
