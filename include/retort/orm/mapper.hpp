// Mapping plain structs to tables. Each model has one mapping block, an explicit specialisation of
// retort::orm::define<T>:
//
//   template <> void retort::orm::define(Mapping<Owner>& m) {
//       m.table("owner");
//       m.column(&Owner::id, "id", {.primary_key = true, .server_default = "gen_random_uuid()"});
//       m.column(&Owner::name, "name", {.type = types::String(30)});
//       m.one_to_many(&Owner::pets, "pets", on(&Owner::id, &Pet::owner_id), {.back_populates = "owner"});
//   }
//
// Column types are inferred from member types (std::optional<T> is nullable). Per-model code is a handful of
// small function templates instantiated once, where define<T> is; everything else is compiled into Retort.
#pragma once

#include <array>
#include <concepts>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "retort/engine/engine.hpp"
#include "retort/export.hpp"
#include "retort/orm/instance.hpp"
#include "retort/orm/snapshot.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/expression.hpp"

namespace retort::orm {

template <class T>
class Mapping;

// The mapping block of model T; specialise it for each model.
template <class T>
void define(Mapping<T>& m);

enum class RelKind : std::uint8_t { ManyToOne, OneToMany, OneToOne, ManyToMany };

// Which Session operations on an object reach the objects of its relationship (SQLAlchemy's cascades).
struct RETORT_API Cascade {
    bool save_update = true;     // add() takes them in, and so does appending or assigning them
    bool merge = true;           // merge() merges them too
    bool delete_ = false;        // delete() deletes them too
    bool delete_orphan = false;  // removed from the relationship (with no other parent), they are deleted
    bool refresh_expire = false; // refresh() and expire() reach them
    bool expunge = false;        // expunge() takes them out of the session too
    // SQLAlchemy's cascade strings: "save-update, merge", "all" (every one but delete-orphan),
    // "all, delete-orphan", "none", ... Unknown names are an ArgumentError naming them.
    static Cascade parse(std::string_view s);
};

struct RETORT_API RelOptions {
    Lazy lazy = Lazy::Select;
    std::string back_populates;
    // Comma-separated cascades ("all, delete-orphan"); unset: "save-update, merge".
    std::optional<std::string> cascade;
    // Leave children to the database's ON DELETE when the parent is deleted (do not load them).
    bool passive_deletes = false;
    // When a primary key changes, leave the referring rows to the database's ON UPDATE CASCADE (objects in memory
    // take the new value without an UPDATE); false: the flush UPDATEs the referring rows itself.
    bool passive_updates = true;
    // Target column names, each optionally followed by " DESC".
    std::vector<std::string> order_by;
    // An object may have at most one parent through this relationship at a time (attaching it to a second
    // one is an InvalidRequestError); required for delete-orphan on a many-to-one or many-to-many.
    bool single_parent = false;
    // How many levels an eager lazy= (selectin, joined, immediate) goes on through a model already loading above
    // it (a self-referential or cyclic relationship); without it, such a relationship loads lazily there.
    std::optional<int> join_depth;
    ~RelOptions();
};

struct ColumnProp;
struct RelationshipProp;

// How a version column gets its values (Mapping::version).
struct RETORT_API VersionOptions {
    // The next version from the current one (a null Value for an object being inserted).
    std::function<Value(const Value&)> generator;
    // The program sets the version itself before each change (SQLAlchemy's version_id_generator=False).
    bool manual = false;
    // The database sets it (trigger, default, system column): read back after INSERT and UPDATE.
    bool server_side = false;
    // The column's server default (for server_side versions), SQL text.
    std::optional<std::string> server_default;
    // The column's type when the member's own is not enough (a String version's length on MySQL).
    std::optional<SqlType> type;
    ~VersionOptions();
};

namespace detail {
// A member pointer kept as bytes, so props of any member type can be found by the pointer a user gives.
using MemberKey = std::array<unsigned char, 16>;
template <class T, class M>
MemberKey member_key(M T::* mp) {
    static_assert(sizeof(mp) <= sizeof(MemberKey), "member pointer too large");
    MemberKey k{};
    std::memcpy(k.data(), &mp, sizeof(mp));
    return k;
}
template <class T, class M>
M T::* member_from_key(const MemberKey& k) {
    M T::* mp;
    std::memcpy(&mp, k.data(), sizeof(mp));
    return mp;
}

// Compile-time checks of a mapping block: a member of the wrong kind stops the build with one sentence saying what
// to do, and the rest of the declaration is not instantiated (no follow-on errors).
using retort::detail::always_false;
template <class M>
inline constexpr bool is_ref_v = false;
template <class U>
inline constexpr bool is_ref_v<Ref<U>> = true;
template <class M>
inline constexpr bool is_collection_v = false;
template <class U>
inline constexpr bool is_collection_v<Collection<U>> = true;
// Pointer-like: a raw pointer, a Ptr<T> handle, a smart pointer.
template <class M>
inline constexpr bool is_pointer_like_v = std::is_pointer_v<M>;
template <class U>
inline constexpr bool is_pointer_like_v<Ptr<U>> = true;
template <class U>
inline constexpr bool is_pointer_like_v<std::shared_ptr<U>> = true;
template <class U, class D>
inline constexpr bool is_pointer_like_v<std::unique_ptr<U, D>> = true;
template <class M>
inline constexpr bool is_char_v = std::is_same_v<M, char> || std::is_same_v<M, signed char> ||
                                  std::is_same_v<M, wchar_t> || std::is_same_v<M, char8_t> ||
                                  std::is_same_v<M, char16_t> || std::is_same_v<M, char32_t>;
// A container of several values (std::vector, std::list, std::set, std::map, std::array, ...).
template <class M>
concept value_container = std::is_array_v<M> || requires(const M& m) {
    typename M::value_type;
    m.begin();
    m.end();
};

template <class M>
inline constexpr bool is_relationship_v = is_ref_v<M> || is_collection_v<M>;
// A handle type named where the model itself belongs (select<Ptr<Owner>>()).
template <class M>
inline constexpr bool is_handle_v = is_relationship_v<M>;
template <class U>
inline constexpr bool is_handle_v<Ptr<U>> = true;

// The C++ type a member is stored as (an adapted type's `stored` one), for checking join conditions.
template <class V>
struct stored_type {
    using type = V;
};
template <adapted_type V>
struct stored_type<V> {
    using type = std::remove_cvref_t<typename type_adapter<V>::stored>;
};
template <class A, class B>
inline constexpr bool joinable_v = retort::detail::comparable_v<typename stored_type<retort::detail::unopt_t<A>>::type,
                                                                typename stored_type<retort::detail::unopt_t<B>>::type>;

// What get<T>() can take as a primary key: one value, or a std::vector<Value> of a composite key's (a pointer
// other than text would pass as a bool).
template <class K>
concept key_like = (std::is_convertible_v<const K&, Value> || std::is_convertible_v<const K&, std::vector<Value>>) &&
                   (!std::is_pointer_v<std::decay_t<K>> ||
                    is_char_v<std::remove_cv_t<std::remove_pointer_t<std::decay_t<K>>>>);

// Whether column() can map a member of type M.
template <class M>
inline constexpr bool storable_member_v = !std::is_const_v<M> && has_sql_type<retort::detail::unopt_t<M>>;

// The sentence for a member column() cannot map (std::optional<V> is judged by V).
template <class M>
void reject_column_member() {
    using V = retort::detail::unopt_t<M>;
    if constexpr (std::is_const_v<M>)
        static_assert(always_false<M>, "retort: a const member cannot be a column: Retort assigns the member when "
                                       "it loads a row; drop the const");
    else if constexpr (is_ref_v<V> || is_collection_v<V>)
        static_assert(always_false<M>, "retort: this member is a relationship, not a column: declare a Ref<T> "
                                       "member with many_to_one() or one_to_one(), a Collection<T> member with "
                                       "one_to_many() or many_to_many()");
    else if constexpr (std::is_pointer_v<V> && is_char_v<std::remove_cv_t<std::remove_pointer_t<V>>>)
        static_assert(always_false<M>, "retort: a char pointer member does not own its text: use std::string "
                                       "(std::optional<std::string> when it may be NULL)");
    else if constexpr (is_pointer_like_v<V>)
        static_assert(always_false<M>, "retort: a pointer member cannot be a column: store the value itself "
                                       "(std::optional<T> when it may be NULL), or make a related model a Ref<T> "
                                       "member declared with many_to_one()");
    else if constexpr (std::is_array_v<V> && is_char_v<std::remove_cv_t<std::remove_all_extents_t<V>>>)
        static_assert(always_false<M>, "retort: a char array member cannot be a column: use std::string "
                                       "(ColumnOptions{.type = types::String(n)} limits its length in the table)");
    else if constexpr (std::is_same_v<V, std::string_view>)
        static_assert(always_false<M>, "retort: a std::string_view member would point into memory Retort does not "
                                       "keep once a row is loaded: use std::string");
    else if constexpr (is_char_v<V>)
        static_assert(always_false<M>, "retort: a char member cannot be a column: use std::string for text, or "
                                       "short / int for a small number");
    else if constexpr (std::is_integral_v<V> && std::is_unsigned_v<V>)
        static_assert(always_false<M>, "retort: use std::int64_t or int for this member: SQL databases have no "
                                       "unsigned integer type Retort maps (a CheckConstraint can keep the column "
                                       "non-negative)");
    else if constexpr (std::is_enum_v<V>)
        static_assert(always_false<M>, "retort: an enum member needs a retort::type_adapter<E> saying how it is "
                                       "stored (as std::string or int; its sql_type() may return "
                                       "types::Enum(name, values) for an ENUM column); see \"Types of your own\" "
                                       "in the README");
    else if constexpr (value_container<V>)
        static_assert(always_false<M>, "retort: a list of values is not a column: use a relationship (a "
                                       "Collection<T> member declared with one_to_many() or many_to_many()) or a "
                                       "Json column through a retort::type_adapter");
    else
        static_assert(always_false<M>,
                      "Retort cannot store a member of this C++ type: use one of its value types (bool, short, int, "
                      "long, long long, float, double, std::string, Date, Time, DateTime, Interval, Uuid, Numeric, "
                      "Json, Bytes, or std::optional of one), or specialise retort::type_adapter<T> for it");
}

// The sentence for a relationship declared on a member of the wrong kind.
template <class M, RelKind K>
void reject_relationship_member() {
    if constexpr (K == RelKind::ManyToOne || K == RelKind::OneToOne) {
        if constexpr (is_collection_v<M>)
            static_assert(always_false<M>, "retort: many_to_one() and one_to_one() need a Ref<T> member (one related "
                                           "object); a Collection<T> member is declared with one_to_many() or "
                                           "many_to_many()");
        else
            static_assert(always_false<M>, "retort: many_to_one() and one_to_one() need a Ref<T> member (T the "
                                           "related model): change the member's type to Ref<T>");
    } else {
        if constexpr (is_ref_v<M>)
            static_assert(always_false<M>, "retort: one_to_many() and many_to_many() need a Collection<T> member "
                                           "(the related objects); a Ref<T> member is declared with many_to_one() "
                                           "or one_to_one()");
        else
            static_assert(always_false<M>, "retort: one_to_many() and many_to_many() need a Collection<T> member (T "
                                           "the related model): change the member's type to Collection<T> (a "
                                           "std::vector or other container cannot track the related objects)");
    }
}
}  // namespace detail

// A column of a join condition, named by member pointer (resolved through the mapper) or by column name
// (of an association table).
class MapperBase;
namespace detail {
// The mapper of model T (mapper_of<T>()), as a function pointer the library can call.
template <class T>
const MapperBase* mapper_base_of();
}  // namespace detail

struct RETORT_API JoinColumn {
    // A model's column: the model's mapper and the member (resolved when the mappers are configured).
    const MapperBase* (*mapper)() = nullptr;
    detail::MemberKey member{};
    std::type_index member_type = typeid(void);
    // Else a column of the association table, by name.
    std::string name;
};
struct RETORT_API JoinPair {
    JoinColumn left, right;
};

// on(&Pet::owner_id, &Owner::id): the join condition pet.owner_id = owner.id (no foreign key needed).
template <class A, class MA, class B, class MB>
JoinPair on(MA A::* a, MB B::* b);
// on(&Vet::id, "vet_id"): a model column and a column of the association table.
template <class A, class MA>
JoinPair on(MA A::* a, std::string assoc_column);

struct RETORT_API ColumnProp {
    const Column* column = nullptr;
    detail::MemberKey member{};
    std::type_index member_type = typeid(void);
    std::ptrdiff_t offset = 0;  // of the member in its model (detail::member_offset)
    // Type-erased access to the member, instantiated once per member type (detail::MemberOps<M>).
    void (*load)(void* obj, const DBAPICursor& c, int i, const ColumnProp& p) = nullptr;
    Value (*get)(const void* obj, const ColumnProp& p) = nullptr;
    // The member's value assigned over `out` (reusing its text buffer when it holds text).
    void (*assign)(const void* obj, Value& out, const ColumnProp& p) = nullptr;
    void (*set)(void* obj, const Value& v, const ColumnProp& p) = nullptr;
    // Change tracking: the member's size in a snapshot, writing it there, comparing it with it.
    std::size_t (*snap_size)(const void* obj, const ColumnProp& p) = nullptr;
    snap::Byte* (*snap_put)(const void* obj, snap::Byte* out, const ColumnProp& p) = nullptr;
    bool (*snap_same)(const void* obj, const snap::Byte* in, const ColumnProp& p) = nullptr;
    bool is_version = false;
};

struct RETORT_API RelationshipProp {
    std::string name;
    RelKind kind = RelKind::ManyToOne;
    const MapperBase* parent = nullptr;
    const MapperBase* (*target_fn)() = nullptr;
    const MapperBase* target = nullptr;  // resolved at configure time
    detail::MemberKey member{};
    std::type_index member_type = typeid(void);
    detail::RelationBase& (*access)(void* obj, const RelationshipProp& p) = nullptr;
    RelOptions options;
    Cascade cascade;
    std::vector<JoinPair> join_spec;            // as given
    std::string secondary_name;                 // many-to-many association table
    std::vector<JoinPair> secondary_spec;       // target side of a many-to-many
    // Resolved join: for ManyToOne (parent fk col, target key col); for OneToMany/OneToOne (parent key col,
    // target fk col); for ManyToMany (parent key col, association col).
    std::vector<std::pair<const Column*, const Column*>> pairs;
    std::vector<std::pair<const Column*, const Column*>> secondary_pairs;  // (target key col, association col)
    const Table* secondary = nullptr;
    const RelationshipProp* reverse = nullptr;  // the back_populates side
    int index = 0;
    // The lazy-load query of a collection, built on first use (under the loader's lock).
    mutable std::shared_ptr<const retort::Select> lazy_query;
    [[nodiscard]] bool uselist() const noexcept { return kind == RelKind::OneToMany || kind == RelKind::ManyToMany; }
    [[nodiscard]] std::string qualified_name() const;
};

class Registry;

class RETORT_API MapperBase {
public:
    MapperBase(Registry& r, std::type_index t) : registry(r), type(t) {}
    virtual ~MapperBase();
    MapperBase(const MapperBase&) = delete;
    MapperBase& operator=(const MapperBase&) = delete;

    Registry& registry;
    std::type_index type;
    std::string class_name;  // for messages: the table's name unless set
    Table* table = nullptr;
    std::vector<ColumnProp> columns;
    std::vector<int> pk;  // indexes into columns
    std::vector<RelationshipProp> relationships;
    int version_column = -1;
    VersionOptions version;
    bool configured = false;
    // The delete-orphan relationships (of any mapper) whose targets are this mapper's objects: an object
    // without a parent in one of them is an orphan. Set by Registry::configure.
    std::vector<const RelationshipProp*> delete_orphan_parents;

    // A new instance (a default-constructed object) in the arena's memory.
    [[nodiscard]] InstanceState* create(Arena& a) const { return make_instance(a, this); }
    // Set by the mapping block (its column() and version() calls), so that the code making the model's objects
    // is compiled once, where the mapping block is, not in every file that uses the model.
    InstanceState* (*make_instance)(Arena&, const MapperBase*) = nullptr;

    [[nodiscard]] const ColumnProp* column_for(const detail::MemberKey& k, std::type_index t) const;
    [[nodiscard]] const ColumnProp* column_named(std::string_view name) const;
    [[nodiscard]] const RelationshipProp* relationship_named(std::string_view name) const;
    [[nodiscard]] const RelationshipProp* relationship_for(const detail::MemberKey& k, std::type_index t) const;
    [[nodiscard]] detail::RelationBase& relation(void* obj, const RelationshipProp& p) const { return p.access(obj, p); }

    // Statements built once per mapper.
    [[nodiscard]] const retort::Select& select_all() const;
    [[nodiscard]] const retort::Select& select_by_pk() const;  // WHERE pk = :pk_0 AND ...
    [[nodiscard]] std::vector<Value> primary_key_of(const void* obj) const;
    [[nodiscard]] std::string describe(const InstanceState* st) const;  // "Owner(id=...)" for messages

    // Binds an instance's relationship members to it (owner and prop), merging arenas and syncing.
    void bind(InstanceState* st) const;
    void configure();

private:
    mutable std::once_flag stmts_once_;
    mutable std::unique_ptr<retort::Select> select_all_, select_by_pk_;
    void build_statements() const;
};

template <class T>
class Mapper final : public MapperBase {
public:
    explicit Mapper(Registry& r) : MapperBase(r, typeid(T)) {}
};

namespace detail {
// What MapperBase::make_instance points to for T (instantiated by the mapping block).
template <class T>
InstanceState* make_instance(Arena& a, const MapperBase* m) {
    if constexpr (!std::is_default_constructible_v<T>) {
        static_assert(detail::always_false<T>, "retort: a mapped model must be default-constructible: Retort "
                                               "makes each object before it fills its members from a row");
        return nullptr;
    } else if constexpr (!std::is_copy_constructible_v<T>) {
        static_assert(detail::always_false<T>, "retort: a mapped model must be copyable: Retort copies objects "
                                               "(make<T>(), merge(), values()); give a member that is not "
                                               "(std::unique_ptr, std::mutex) a copy of its own or drop it");
        return nullptr;
    } else {
        return a.make<T>(m);
    }
}
}  // namespace detail

// The registry of mapped models and their MetaData (SQLAlchemy's registry / DeclarativeBase).
class RETORT_API Registry {
public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    [[nodiscard]] MetaData& metadata() noexcept { return metadata_; }
    // The mapper of T, defined on first use through define<T>.
    template <class T>
    const Mapper<T>& mapper();
    [[nodiscard]] const MapperBase* find(std::type_index t) const;
    [[nodiscard]] const MapperBase* find_by_table(const Table* t) const;
    // Resolves relationships of all mappers defined so far (both sides, back_populates).
    void configure();
    // Mappers in the order they were defined.
    [[nodiscard]] std::vector<const MapperBase*> mappers() const;
    // Defines every listed model, so that their tables are in metadata() (before create_all).
    template <class... T>
    MetaData& map() {
        (mapper<T>(), ...);
        configure();
        return metadata_;
    }

    static Registry& default_registry();
    // Across every registry of the program.
    static void configure_all();
    static const MapperBase* find_mapper(const Table* t);
    static std::vector<const MapperBase*> all_mappers();

private:
    // The mapper of type t: found, or made by `make` and filled in by `define` (the model's mapping block).
    const MapperBase& mapper_of_type(std::type_index t, MapperBase* (*make)(Registry&), void (*define)(MapperBase&));
    MetaData metadata_;
    mutable std::recursive_mutex mu_;
    std::unordered_map<std::type_index, std::unique_ptr<MapperBase>> mappers_;
    std::vector<MapperBase*> order_;
    std::size_t configured_count_ = 0;
};

namespace detail {
// A model's registry: the default one, unless the model's namespace declares
//   retort::orm::Registry& retort_registry(const Model*);
// next to the struct (found by argument-dependent lookup), as a separate declarative Base would. The registry
// must outlive every use of its models (a function-local static, as in the examples).
template <class T>
concept has_registry_hook = requires(const T* p) {
    { retort_registry(p) } -> std::same_as<Registry&>;
};
}  // namespace detail

template <class T>
Registry& registry_of() {
    if constexpr (detail::has_registry_hook<T>) return retort_registry(static_cast<const T*>(nullptr));
    else return Registry::default_registry();
}

template <class T>
const Mapper<T>& mapper_of() {
    if constexpr (detail::is_handle_v<T>) {
        static_assert(detail::always_false<T>, "retort: name the mapped model itself here (select<Owner>(), "
                                               "get<Owner>(key), col(&Owner::name)), not a Ptr<T>, Ref<T> or "
                                               "Collection<T> of it");
        return *static_cast<const Mapper<T>*>(nullptr);
    } else {
        // A model's mapper lives as long as its registry (the program): looked up once.
        static const Mapper<T>& m = registry_of<T>().template mapper<T>();
        return m;
    }
}

// The MetaData of the models' registry with all of them mapped: mapped_metadata<Owner, Pet>().create_all(e).
template <class First, class... T>
MetaData& mapped_metadata() {
    return registry_of<First>().template map<First, T...>();
}

namespace detail {

// The offset of a data member in its struct: under the Itanium C++ ABI (GCC and Clang), a pointer to a data
// member holds exactly that offset, as a std::ptrdiff_t. A model's members are then reached as
// obj + offset, so the code that reads and writes a member depends on its type alone, not on its model.
template <class T, class M>
std::ptrdiff_t member_offset(M T::* mp) noexcept {
    static_assert(sizeof(mp) == sizeof(std::ptrdiff_t), "retort: a pointer to a data member is not an offset here");
    std::ptrdiff_t off;
    std::memcpy(&off, &mp, sizeof(off));
    return off;
}

// Reading, writing and change tracking of one member of type M, for every model (ColumnProp's functions).
template <class M>
struct MemberOps {
    static M& at(void* obj, const ColumnProp& p) noexcept {
        return *reinterpret_cast<M*>(static_cast<char*>(obj) + p.offset);
    }
    static const M& at(const void* obj, const ColumnProp& p) noexcept {
        return *reinterpret_cast<const M*>(static_cast<const char*>(obj) + p.offset);
    }
    static void load(void* obj, const DBAPICursor& c, int i, const ColumnProp& p) {
        retort::detail::decode_any(c, i, at(obj, p));
    }
    static Value get(const void* obj, const ColumnProp& p) { return Value(at(obj, p)); }
    static void assign(const void* obj, Value& out, const ColumnProp& p) {
        const M& m = at(obj, p);
        if constexpr (std::is_same_v<M, std::string>) {
            if (auto* s = std::get_if<std::string>(&out.storage())) {
                *s = m;
                return;
            }
        }
        out = Value(m);
    }
    static void set(void* obj, const Value& v, const ColumnProp& p) { at(obj, p) = v.template as<M>(); }
    static std::size_t snap_size(const void* obj, const ColumnProp& p) { return snap::Codec<M>::size(at(obj, p)); }
    static snap::Byte* snap_put(const void* obj, snap::Byte* out, const ColumnProp& p) {
        return snap::Codec<M>::put(out, at(obj, p));
    }
    static bool snap_same(const void* obj, const snap::Byte* in, const ColumnProp& p) {
        return snap::Codec<M>::same(in, at(obj, p));
    }
};

// The member types Retort stores itself are compiled into the library, once (src/orm/member_ops.cpp): a mapping
// block of such members instantiates nothing of this. Other member types (adapted ones) are instantiated where
// their mapping block is.
#define RETORT_DETAIL_BUILTIN_MEMBER_TYPES(X)                                                                       \
    X(bool) X(short) X(int) X(long) X(long long) X(float) X(double) X(std::string) X(retort::Date) X(retort::Time) \
    X(retort::DateTime) X(retort::Interval) X(retort::Uuid) X(retort::Numeric) X(retort::Json) X(retort::Bytes)    \
    X(std::optional<bool>) X(std::optional<short>) X(std::optional<int>) X(std::optional<long>)                    \
    X(std::optional<long long>) X(std::optional<float>) X(std::optional<double>) X(std::optional<std::string>)     \
    X(std::optional<retort::Date>) X(std::optional<retort::Time>) X(std::optional<retort::DateTime>)              \
    X(std::optional<retort::Interval>) X(std::optional<retort::Uuid>) X(std::optional<retort::Numeric>)           \
    X(std::optional<retort::Json>) X(std::optional<retort::Bytes>)
#define RETORT_DETAIL_EXTERN_MEMBER_OPS(M) extern template struct RETORT_API MemberOps<M>;
RETORT_DETAIL_BUILTIN_MEMBER_TYPES(RETORT_DETAIL_EXTERN_MEMBER_OPS)
#undef RETORT_DETAIL_EXTERN_MEMBER_OPS

}  // namespace detail

// What a mapping block's calls do, compiled once into Retort: Mapping<T> only turns member pointers into offsets
// and picks the member type's accessors.
class RETORT_API MappingBase {
public:
    explicit MappingBase(MapperBase& m) : m_(m) {}
    // The table this model maps to (made in the registry's MetaData).
    void table(std::string_view name, std::optional<std::string> schema = std::nullopt);
    // A readable class name for messages ("Owner").
    void name(std::string_view class_name);
    // Constraints and indexes of the table (one overload per kind, so a mapping block builds no variant).
    void constraint(TableItem item);
    void constraint(PrimaryKeyConstraint c);
    void constraint(UniqueConstraint c);
    void constraint(CheckConstraint c);
    void constraint(ForeignKeyConstraint c);
    void constraint(Index c);

protected:
    // The accessors of one member type (detail::MemberOps<M>).
    struct MemberAccess {
        decltype(ColumnProp::load) load;
        decltype(ColumnProp::get) get;
        decltype(ColumnProp::assign) assign;
        decltype(ColumnProp::set) set;
        decltype(ColumnProp::snap_size) snap_size;
        decltype(ColumnProp::snap_put) snap_put;
        decltype(ColumnProp::snap_same) snap_same;
    };
    template <class M>
    static constexpr MemberAccess access_of{&detail::MemberOps<M>::load,      &detail::MemberOps<M>::get,
                                            &detail::MemberOps<M>::assign,    &detail::MemberOps<M>::set,
                                            &detail::MemberOps<M>::snap_size, &detail::MemberOps<M>::snap_put,
                                            &detail::MemberOps<M>::snap_same};
    // A column: its type is the options' when given, else the inferred one; nullable when the member is optional
    // and the options do not say otherwise.
    void add_column(std::string_view name, SqlType (*inferred)(), bool optional, ColumnOptions& opts,
                    const detail::MemberKey& key, std::ptrdiff_t offset, std::type_index member_type,
                    const MemberAccess& access);
    void add_version(std::string_view name, SqlType (*inferred)(), bool optional, VersionOptions& opts,
                     const detail::MemberKey& key, std::ptrdiff_t offset, std::type_index member_type,
                     const MemberAccess& access);
    void add_relationship(std::string_view name, RelKind kind, const MapperBase* (*target)(),
                          const detail::MemberKey& key, std::type_index member_type,
                          detail::RelationBase& (*access)(void*, const RelationshipProp&),
                          std::optional<JoinPair>& join, RelOptions& o);
    // many_to_many's association table and target-side join.
    void set_secondary(std::string_view secondary, std::optional<JoinPair>& right);

    MapperBase& m_;
};

template <class T>
class Mapping : public MappingBase {
public:
    explicit Mapping(Mapper<T>& m) : MappingBase(m) {}

    template <class M>
    void column(M T::* mp, std::string_view name, ColumnOptions opts = {}) {
        if constexpr (!detail::storable_member_v<M>) {
            detail::reject_column_member<M>();
        } else {
            m_.make_instance = &detail::make_instance<T>;
            add_column(name, &sql_type_of<retort::detail::unopt_t<M>>::get,
                       retort::detail::is_optional<M>::value, opts, detail::member_key(mp), detail::member_offset(mp),
                       typeid(M), access_of<M>);
        }
    }
    // A version column for optimistic locking (SQLAlchemy's version_id_col): each UPDATE and DELETE of an object
    // names the version it was loaded with (StaleDataError when the row has another) and an UPDATE sets the next
    // one, from opts.generator (an integer counter 1, 2, 3 ... by default), unless the program set the member
    // itself since the load; opts.manual leaves it to the program altogether; opts.server_side to the database
    // (a trigger or a default), whose value is read back after each INSERT and UPDATE.
    template <class M>
    void version(M T::* mp, std::string_view name, VersionOptions opts = {}) {
        if constexpr (!detail::storable_member_v<M>) {
            detail::reject_column_member<M>();
        } else {
            m_.make_instance = &detail::make_instance<T>;
            add_version(name, &sql_type_of<retort::detail::unopt_t<M>>::get,
                        retort::detail::is_optional<M>::value, opts, detail::member_key(mp),
                        detail::member_offset(mp), typeid(M), access_of<M>);
        }
    }

    // pet.owner: many-to-one through the join condition (or the foreign key when none is given).
    template <class M>
    void many_to_one(M T::* mp, std::string_view name, std::optional<JoinPair> join = std::nullopt, RelOptions o = {}) {
        relationship_<RelKind::ManyToOne>(mp, name, std::move(join), o);
    }
    template <class M>
    void many_to_one(M T::* mp, std::string_view name, RelOptions o) {
        relationship_<RelKind::ManyToOne>(mp, name, std::nullopt, o);
    }
    // owner.pets: one-to-many; the join condition is (this model's key, the child's foreign key column).
    template <class M>
    void one_to_many(M T::* mp, std::string_view name, std::optional<JoinPair> join = std::nullopt, RelOptions o = {}) {
        relationship_<RelKind::OneToMany>(mp, name, std::move(join), o);
    }
    template <class M>
    void one_to_many(M T::* mp, std::string_view name, RelOptions o) {
        relationship_<RelKind::OneToMany>(mp, name, std::nullopt, o);
    }
    // user.profile: the single-valued side of a one-to-one whose foreign key is on the other table.
    template <class M>
    void one_to_one(M T::* mp, std::string_view name, std::optional<JoinPair> join = std::nullopt, RelOptions o = {}) {
        relationship_<RelKind::OneToOne>(mp, name, std::move(join), o);
    }
    template <class M>
    void one_to_one(M T::* mp, std::string_view name, RelOptions o) {
        relationship_<RelKind::OneToOne>(mp, name, std::nullopt, o);
    }
    // vet.specialties: many-to-many through an association table of the registry's MetaData;
    // left: (this model's key, association column), right: (target's key, association column).
    template <class M>
    void many_to_many(M T::* mp, std::string_view name, std::string_view secondary,
                      std::optional<JoinPair> left = std::nullopt, std::optional<JoinPair> right = std::nullopt,
                      RelOptions o = {}) {
        if constexpr (detail::is_collection_v<M>) {
            add_rel<typename M::element_type, M>(mp, name, RelKind::ManyToMany, left, o);
            set_secondary(secondary, right);
        } else {
            detail::reject_relationship_member<M, RelKind::ManyToMany>();
        }
    }

private:
    // A many-to-one, one-to-many or one-to-one relationship: a Collection<T> member for one-to-many, a Ref<T>
    // member for the others (any other member stops the build with a sentence).
    template <RelKind K, class M>
    void relationship_(M T::* mp, std::string_view name, std::optional<JoinPair>&& join, RelOptions& o) {
        if constexpr (K == RelKind::OneToMany ? detail::is_collection_v<M> : detail::is_ref_v<M>)
            add_rel<typename M::element_type, M>(mp, name, K, join, o);
        else
            detail::reject_relationship_member<M, K>();
    }
    template <class R>
    static detail::RelationBase& relation_at(void* obj, const RelationshipProp& p) {
        return static_cast<detail::RelationBase&>(static_cast<T*>(obj)->*detail::member_from_key<T, R>(p.member));
    }
    template <class U, class R>
    void add_rel(R T::* mp, std::string_view name, RelKind kind, std::optional<JoinPair>& join, RelOptions& o) {
        add_relationship(name, kind, &detail::mapper_base_of<U>, detail::member_key(mp), typeid(R),
                         &relation_at<R>, join, o);
    }
};

namespace detail {
[[noreturn]] RETORT_API void throw_no_table(const char* what);
}

namespace detail {
template <class T>
MapperBase* new_mapper(Registry& r) {
    return new Mapper<T>(r);  // NOLINT: owned by the registry from here on
}
template <class T>
void run_mapping_block(MapperBase& base) {
    Mapping<T> mapping(static_cast<Mapper<T>&>(base));
    define<T>(mapping);
}
}  // namespace detail

template <class T>
const Mapper<T>& Registry::mapper() {
    return static_cast<const Mapper<T>&>(
        mapper_of_type(typeid(T), &detail::new_mapper<T>, &detail::run_mapping_block<T>));
}

namespace detail {
template <class T>
const MapperBase* mapper_base_of() {
    return &mapper_of<T>();
}
}  // namespace detail

template <class A, class MA, class B, class MB>
JoinPair on(MA A::* a, MB B::* b) {
    static_assert(!detail::is_relationship_v<MA> && !detail::is_relationship_v<MB>,
                  "retort: on() names two column members (on(&Owner::id, &Pet::owner_id)), not a relationship member");
    static_assert(detail::is_relationship_v<MA> || detail::is_relationship_v<MB> || detail::joinable_v<MA, MB>,
                  "retort: on() joins two columns whose types cannot be compared in SQL (a text column with an "
                  "integer one): name the foreign key column and the key column it refers to");
    JoinPair p;
    p.left.mapper = &detail::mapper_base_of<A>;
    p.left.member = detail::member_key(a);
    p.left.member_type = typeid(MA);
    p.right.mapper = &detail::mapper_base_of<B>;
    p.right.member = detail::member_key(b);
    p.right.member_type = typeid(MB);
    return p;
}

template <class A, class MA>
JoinPair on(MA A::* a, std::string assoc_column) {
    static_assert(!detail::is_relationship_v<MA>,
                  "retort: on() names a column member (on(&Vet::id, \"vet_id\")), not a relationship member");
    JoinPair p;
    p.left.mapper = &detail::mapper_base_of<A>;
    p.left.member = detail::member_key(a);
    p.left.member_type = typeid(MA);
    p.right.name = std::move(assoc_column);
    return p;
}

template <class T, class... A>
Ptr<T> make(A&&... args) {
    const auto& m = mapper_of<T>();
    std::shared_ptr<Arena> arena = detail::new_arena();
    auto* raw = arena->make<T>(&m, T{std::forward<A>(args)...});
    m.bind(raw);
    return Ptr<T>(std::move(arena), raw);
}

// The typed column expression of a mapped member: col(&Pet::name) == "Tom".
template <class T, class M>
Expr<M> col(M T::* mp) {
    static_assert(!detail::is_relationship_v<M>,
                  "retort: col() takes a column member; a relationship has no column of its own: compare its "
                  "foreign key column (col(&Pet::owner_id)), or join() along it");
    const auto& m = mapper_of<T>();
    const ColumnProp* p = m.column_for(detail::member_key(mp), typeid(M));
    if (!p) detail::throw_no_table("col(): this member is not a mapped column");
    return Expr<M>(p->column->ptr());
}

// The table a model maps to.
template <class T>
const Table& table_of() {
    return *mapper_of<T>().table;
}

}  // namespace retort::orm
