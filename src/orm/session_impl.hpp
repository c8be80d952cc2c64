// Session internals shared by the ORM's .cpp files.
#pragma once

#include <optional>
#include <unordered_map>

#include "retort/orm/session.hpp"

namespace retort::orm {

struct IdentityKey {
    const MapperBase* mapper;
    std::vector<Value> pk;
    bool operator==(const IdentityKey& o) const { return mapper == o.mapper && pk == o.pk; }
};

struct IdentityKeyHash {
    std::size_t operator()(const IdentityKey& k) const noexcept;
};

struct Session::Impl {
    std::shared_ptr<Arena> arena = std::make_shared<Arena>();
    std::optional<Connection> own_conn;  // checked out from the engine, begun on first need
    Connection* external = nullptr;      // a connection the session was joined into
    std::optional<Transaction> savepoint;  // the session's transaction inside an external one
    std::unordered_map<IdentityKey, InstanceState*, IdentityKeyHash> identity;
    std::vector<InstanceState*> pending;  // in add order
    std::vector<InstanceState*> deleted;          // marked for DELETE, not flushed yet
    std::vector<InstanceState*> inserted_in_tx;   // INSERTed by flushes of the current transaction
    std::vector<InstanceState*> deleted_in_tx;    // DELETEd by flushes of the current transaction
    bool flushing = false;
    std::thread::id thread = std::this_thread::get_id();

    Connection& conn(Session& s);
    void register_identity(InstanceState* st);
    void forget(InstanceState* st);
};

// Loading rows into instances.
namespace loading {
// The instance for the current row: the one in the identity map (left as is unless `overwrite`) or a new
// persistent one made from the row. Column i of the row is mapper column i.
InstanceState* instance_from_row(Session& s, Session::Impl& impl, const MapperBase& m, const DBAPICursor& c,
                                 int offset, bool overwrite);
// Fills the relationships of `states` that load with the parent query (selectin), per default or option.
void eager_load(Session& s, Session::Impl& impl, const MapperBase& m, const std::vector<InstanceState*>& states,
                const std::vector<LoaderOption>& opts);
void lazy_load(Session& s, InstanceState* owner, const RelationshipProp& r);
// The values of `cols` (columns of st's mapper) on the object.
std::vector<Value> values_of(const InstanceState* st, const std::vector<const Column*>& cols);
const ColumnProp& prop_of(const MapperBase& m, const Column* c);
// A relationship's order_by entry, "column" or "column DESC": the column name and whether descending.
std::pair<std::string, bool> order_spec(const std::string& spec);
}  // namespace loading

void flush_session(Session& s, Session::Impl& impl);

}  // namespace retort::orm
