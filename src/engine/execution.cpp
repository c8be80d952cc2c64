#include "engine/execution.hpp"

#include <algorithm>
#include <chrono>
#include <new>
#include <unordered_map>

#include "retort/detail/large_memory.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/compiler.hpp"

namespace retort::detail {

namespace {

// Up to N Values on the stack, only as many constructed as asked for (a lookup by key binds one).
template <std::size_t N>
class LocalValues {
public:
    explicit LocalValues(std::size_t n) : n_(n <= N ? n : 0) {
        for (std::size_t i = 0; i < n_; ++i) new (&buf_[i * sizeof(Value)]) Value();
    }
    ~LocalValues() {
        for (std::size_t i = 0; i < n_; ++i) data()[i].~Value();
    }
    LocalValues(const LocalValues&) = delete;
    LocalValues& operator=(const LocalValues&) = delete;
    [[nodiscard]] static constexpr std::size_t capacity() noexcept { return N; }
    [[nodiscard]] std::span<Value> span() noexcept { return {data(), n_}; }

private:
    Value* data() noexcept { return std::launder(reinterpret_cast<Value*>(buf_)); }
    alignas(Value) std::byte buf_[N * sizeof(Value)];
    std::size_t n_;
};

// Values given as text for a typed column are converted to the column's type, so that, for example, a
// UUID string compares equal to a stored UUID whatever the dialect's storage form is.
void coerce(Value& v, const SqlType& t) {
    if (v.kind() != Value::Kind::Text) return;
    switch (t.kind) {
        case TypeKind::Uuid: v = Uuid::parse(v.as<std::string>()); break;
        case TypeKind::Date: v = Date::parse(v.as<std::string>()); break;
        case TypeKind::DateTime: v = DateTime::parse(v.as<std::string>()); break;
        case TypeKind::Time: v = Time::parse(v.as<std::string>()); break;
        case TypeKind::Numeric: v = Numeric(v.as<std::string>()); break;
        default: break;
    }
}

// The value given for `key` (the last one when the name is repeated), in a Params or InlineParams.
template <class List>
const Value* find_param(const List& params, std::string_view key) {
    for (auto it = std::rbegin(params); it != std::rend(params); ++it)
        if (it->first == key) return &it->second;
    return nullptr;
}

// A statement with more placeholders than the database takes fails before anything is sent, saying why.
void check_param_count(const Engine::Impl& eng, std::size_t n) {
    const auto limit = eng.dialect->caps().max_statement_params;
    if (limit > 0 && n > static_cast<std::size_t>(limit))
        throw ArgumentError("the statement has " + std::to_string(n) + " bound parameters, more than the " +
                            std::to_string(limit) + " one " + eng.dialect->name() +
                            " statement can take; send the rows in several statements (executemany splits them "
                            "itself) or pass fewer values to in_()");
}

[[noreturn]] void throw_missing_bind(const std::string& key) {
    throw ArgumentError("a value is required for bind parameter '" + key + "'");
}

// A bind parameter's value (given in params, else the column's client default, else the bound value),
// assigned over `out` (a string's buffer is reused when it is large enough).
void assign_given_value(Value& out, const std::string& key, const Column* default_of, const sql::BindNode* bind,
                        const SqlType& type, const Value* given) {
    if (given) {
        out = *given;
    } else if (default_of) {
        out = default_of->client_default();
    } else if (bind && bind->has_value) {
        out = bind->value;
    } else {
        throw_missing_bind(key);
    }
    coerce(out, type);
}

void assign_bind_value(Value& out, const std::string& key, const Column* default_of, const sql::BindNode* bind,
                       const SqlType& type, const Params* params) {
    assign_given_value(out, key, default_of, bind, type, params ? find_param(*params, key) : nullptr);
}

void assign_slot_value(Value& out, const sql::BindSlot& slot, const std::vector<const sql::BindNode*>& binds,
                       const Params* params) {
    const sql::BindNode* bind = slot.default_of ? nullptr : binds[static_cast<std::size_t>(slot.index)];
    assign_bind_value(out, slot.key, slot.default_of, bind, slot.type, params);
}

Value slot_value(const sql::BindSlot& slot, const std::vector<const sql::BindNode*>& binds, const Params* params) {
    Value v;
    assign_slot_value(v, slot, binds, params);
    return v;
}

std::shared_ptr<const std::vector<std::string>> cursor_keys(const DBAPICursor& c) {
    auto keys = std::make_shared<std::vector<std::string>>();
    int n = c.column_count();
    keys->reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) keys->emplace_back(c.column_name(i));
    return keys;
}

// UPDATE without values(): the execution parameters that are not parameters of the statement name the columns
// to set, as in SQLAlchemy; a name that is neither is an error.
bool is_valueless_update(const sql::Node& n) {
    return n.kind == sql::NodeKind::Update && static_cast<const sql::UpdateNode&>(n).values.empty();
}
template <class List>
Executable with_set_from(const sql::Node& n, const List& params) {
    const auto& upd = static_cast<const sql::UpdateNode&>(n);
    std::string key;
    std::vector<const sql::BindNode*> binds;
    sql::walk_statement(upd, key, binds);
    auto derived = std::make_shared<sql::UpdateNode>(upd);
    std::string unknown;
    for (const auto& [k, v] : params) {
        if (std::any_of(binds.begin(), binds.end(), [&](const sql::BindNode* b) { return b->key == k; })) continue;
        const Column* c = upd.table->find_column(k);
        if (!c) {
            unknown += (unknown.empty() ? "" : ", ") + std::string(k);
            continue;
        }
        derived->values.push_back(sql::ColumnValue{c, std::make_shared<sql::BindNode>(c->name(), v, c->type, true)});
    }
    if (!unknown.empty())
        throw ArgumentError("UPDATE of table '" + upd.table->fullname() + "': unconsumed column names: " + unknown +
                            " (neither columns of the table nor parameters of the statement)");
    return Executable(std::move(derived));
}

bool is_valueless_insert(const sql::Node& n) {
    if (n.kind != sql::NodeKind::Insert) return false;
    const auto& ins = static_cast<const sql::InsertNode&>(n);
    return ins.values.empty() && !ins.from_select && ins.rows.empty();
}
}  // namespace

// ---------------------------------------------------------------- ExecutionContext

ExecutionContext::ExecutionContext(const std::shared_ptr<ConnectionState>& state)
    : state_(state), st_(*state), eng_(*state->engine) {}

ExecutionContext::~ExecutionContext() {
    // A statement begun but not done: an error ended the execution (or a path returned without log_done()).
    if (log_) log_->write(std::uncaught_exceptions() > uncaught_);
}

void ExecutionContext::announce_slow(std::string_view sql, std::span<const Value> params, std::size_t sets, bool many) {
    event_.emplace(ExecuteEvent{sql, params, many, sets});
    for (auto& fn : eng_.ev_before_execute) fn(*event_);
}

void ExecutionContext::log_once(std::string_view sql, const StatementOrigin& origin, std::span<const Value> values,
                                std::span<const char> masked) {
    log_done();
    uncaught_ = std::uncaught_exceptions();
    log_.emplace(eng_, sql, origin);
    log_->set_values(values, masked);
}

void ExecutionContext::log_many(std::string_view sql, const StatementOrigin& origin, std::size_t total,
                                std::vector<char> masked) {
    log_done();
    uncaught_ = std::uncaught_exceptions();
    log_.emplace(eng_, sql, origin);
    log_->expect_sets(total, std::move(masked));
}

void ExecutionContext::log_done_slow() {
    // Reset first: a handler that throws (emit() catches that) must not have the record written twice.
    const StatementLog log = std::move(*log_);
    log_.reset();
    log.write(false);
}

std::int64_t ExecutionContext::execute_many(const std::string& sql, std::span<const std::vector<Value>> rows) {
    auto& d = st_.dbapi();
    return st_.guarded(sql, [&] { return d.execute_many(sql, rows); });
}

std::int64_t ExecutionContext::copy_rows(const std::string& sql, std::size_t count, std::size_t per_row,
                                         const DBAPIConnection::CopyRow& row) {
    auto& d = st_.dbapi();
    return st_.guarded(sql, [&] { return d.copy_rows(sql, count, per_row, row); });
}

void ExecutionContext::finish_slow() {
    for (auto& fn : eng_.ev_after_execute) fn(*event_);
    event_.reset();
}

Result ExecutionContext::count_result(std::int64_t rowcount) { return Result(state_, nullptr, nullptr, rowcount); }

namespace {

// Runs a statement that returns no rows once per row, a chunk of rows at a time: row(i, out) assigns row i's slot
// values over those of an earlier row (no allocation once warm, and no second copy of a large batch).
std::int64_t execute_chunked(ExecutionContext& ctx, const sql::Compiled& single, const StatementOrigin& origin,
                             std::size_t count, const std::function<void(std::size_t, std::vector<Value>&)>& row) {
    check_param_count(ctx.engine(), single.slots.size());
    ctx.begin();
    const std::size_t chunk = std::min<std::size_t>(count, 1024);
    std::vector<std::vector<Value>> rows(chunk, std::vector<Value>(single.slots.size()));
    std::int64_t total = 0;
    for (std::size_t start = 0; start < count; start += chunk) {
        const std::size_t n = std::min(chunk, count - start);
        for (std::size_t k = 0; k < n; ++k) row(start + k, rows[k]);
        ctx.announce(single.sql, rows[0], count, true);
        // One record for the whole executemany, showing its first and last sets.
        if (ctx.echo()) {
            if (start == 0) ctx.log_many(single.sql, origin, count, masked_slots(single.slots));
            for (std::size_t k = 0; k < n; ++k) ctx.log_set(start + k, rows[k]);
        }
        total += ctx.execute_many(single.sql, std::span<const std::vector<Value>>(rows.data(), n));
    }
    ctx.log_done();
    ctx.finish();
    return total;
}

// Assigns the value of `bind` in parameter set `row` to out (throws when it has none).
using BindValue = std::function<void(Value& out, const sql::BindNode& bind, std::size_t row)>;

// executemany of `UPDATE t SET a = :x, ... WHERE k = :y AND ...` (binds only) as batches of the dialect's
// UPDATE ... FROM VALUES form (Dialect::update_from_values_statement), one statement per batch instead of one
// per row. Applies when the dialect has it, the statement has that shape, and no two rows of a batch name the same
// WHERE values (each would then update its row once, not in turn); otherwise nullopt and the statement runs once
// per row.
std::optional<Result> execute_update_from_values(ExecutionContext& ctx, const sql::UpdateNode& upd,
                                                 std::size_t count, const BindValue& value) {
    const auto& caps = ctx.caps();
    if (!caps.supports_update_from_values || !upd.returning.empty() || upd.values.empty() || upd.where.empty())
        return std::nullopt;
    std::vector<const Column*> set_columns, key_columns;
    std::vector<const sql::BindNode*> binds, key_binds;  // binds: the set values', then the keys'
    for (const auto& cv : upd.values) {
        if (!cv.value || cv.value->kind != sql::NodeKind::Bind) return std::nullopt;
        set_columns.push_back(cv.column);
        binds.push_back(static_cast<const sql::BindNode*>(cv.value.get()));
    }
    for (const auto& w : upd.where) {
        if (!w || w->kind != sql::NodeKind::Binary) return std::nullopt;
        const auto& b = static_cast<const sql::BinaryNode&>(*w);
        if (b.op != sql::BinaryOp::Eq || !b.left || !b.right) return std::nullopt;
        const sql::Node* c = b.left.get();
        const sql::Node* v = b.right.get();
        if (c->kind == sql::NodeKind::Bind) std::swap(c, v);
        if (c->kind != sql::NodeKind::Column || v->kind != sql::NodeKind::Bind) return std::nullopt;
        const auto* col = static_cast<const Column*>(c);
        if (col->table() != upd.table.get()) return std::nullopt;
        key_columns.push_back(col);
        key_binds.push_back(static_cast<const sql::BindNode*>(v));
    }
    binds.insert(binds.end(), key_binds.begin(), key_binds.end());
    const std::size_t nsets = set_columns.size();
    const std::size_t per_row = binds.size();
    auto value_of = [&](std::size_t j, std::size_t row) {
        Value v;
        value(v, *binds[j], row);
        return v;
    };
    const std::size_t batch = std::max<std::size_t>(
        1, std::min<std::size_t>(static_cast<std::size_t>(std::max(1, caps.update_from_values_page_size)),
                                 static_cast<std::size_t>(caps.max_bind_params) / per_row));
    // Rows of one batch must name distinct keys (compared by rendering; a false alarm only costs speed).
    // The caller has checked that every row has its SET values; the keys are checked here, before anything runs.
    std::vector<std::string> seen;
    std::vector<std::int64_t> seen_ints;
    for (std::size_t start = 0; start < count; start += batch) {
        const std::size_t n = std::min(batch, count - start);
        seen.clear();
        seen_ints.clear();
        if (key_columns.size() == 1) {
            // One integer key (the common case): compared as integers.
            for (std::size_t r = 0; r < n; ++r) {
                const Value v = value_of(nsets, start + r);
                if (v.kind() != Value::Kind::Int) break;
                seen_ints.push_back(std::get<std::int64_t>(v.storage()));
            }
            if (seen_ints.size() == n) {
                std::sort(seen_ints.begin(), seen_ints.end());
                if (std::adjacent_find(seen_ints.begin(), seen_ints.end()) != seen_ints.end()) return std::nullopt;
                continue;
            }
        }
        for (std::size_t r = 0; r < n; ++r) {
            std::string k;
            for (std::size_t j = nsets; j < per_row; ++j) {
                const Value v = value_of(j, start + r);
                if (v.is_null()) return std::nullopt;  // "= NULL" matches nothing row by row either; keep that path
                k += v.type_name();
                k += ':';
                k += v.repr();
                k += '\x1f';
            }
            seen.push_back(std::move(k));
        }
        std::sort(seen.begin(), seen.end());
        if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) return std::nullopt;
    }
    const auto& dialect = ctx.dialect();
    ctx.begin();
    std::string full_sql, tail_sql;
    std::int64_t full_made = 0, tail_made = 0;  // when each SQL was made (echo's "generated in")
    std::vector<Value> vals;
    std::vector<char> masked;
    std::int64_t total = 0;
    const std::size_t batches = (count + batch - 1) / batch;
    for (std::size_t start = 0; start < count; start += batch) {
        const std::size_t n = std::min(batch, count - start);
        std::string& sql = n == batch ? full_sql : tail_sql;
        std::int64_t& made = n == batch ? full_made : tail_made;
        if (sql.empty()) {
            made = std::chrono::steady_clock::now().time_since_epoch().count();
            sql = dialect.update_from_values_statement(*upd.table, set_columns, key_columns, n);
        }
        vals.resize(per_row * n);
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t j = 0; j < per_row; ++j) value(vals[r * per_row + j], *binds[j], start + r);
        ctx.announce(sql, std::span<const Value>(vals).first(per_row), count, true);
        if (ctx.echo()) {
            masked.resize(vals.size());
            for (std::size_t k = 0; k < vals.size(); ++k) {
                const std::size_t j = k % per_row;
                masked[k] = (j < nsets ? set_columns[j] : key_columns[j - nsets])->options().sensitive;
            }
            ctx.log_once(sql, StatementOrigin{CacheStatus::Generated, made, "update from values", start / batch + 1, batches},
                         vals, masked);
        }
        auto cur = ctx.execute(sql, vals);
        ctx.log_done();
        total += std::max<std::int64_t>(cur->rowcount(), 0);
    }
    ctx.finish();
    return ctx.count_result(total);
}

// execute() of one parameter set, whose values find(ctx, key) looks up (null: not given).
Result execute_one(const std::shared_ptr<ConnectionState>& state, const Executable& stmt, ParamFinder find,
                   const void* find_ctx, const ExecutionOptions& opts) {
    ExecutionContext ctx(state);
    auto entry = ctx.engine().compiled_for(*stmt.node());
    const sql::Compiled& c = *entry->compiled;
    check_param_count(ctx.engine(), c.slots.size());

    // A statement's values on the stack when there are few (lookups by key), else in a vector.
    LocalValues<8> local(c.slots.size());
    std::unique_ptr<Value[]> heap;
    if (c.slots.size() > local.capacity()) heap = std::make_unique<Value[]>(c.slots.size());
    const std::span<Value> values = heap ? std::span<Value>(heap.get(), c.slots.size()) : local.span();
    for (std::size_t j = 0; j < c.slots.size(); ++j) {
        const auto& slot = c.slots[j];
        const sql::BindNode* bind = slot.default_of ? nullptr : entry->binds[static_cast<std::size_t>(slot.index)];
        assign_given_value(values[j], slot.key, slot.default_of, bind, slot.type, find(find_ctx, slot.key));
    }

    ctx.begin();
    ctx.announce(c.sql, values);
    if (ctx.echo()) ctx.log_once(c.sql, origin_of(entry), values, masked_slots(c.slots));
    DriverExecOptions dopts;
    dopts.stream = opts.stream_results;
    dopts.batch_rows = opts.yield_per;
    auto cur = ctx.execute(c.sql, values, dopts);
    ctx.log_done();
    ctx.finish();
    std::shared_ptr<const std::vector<std::string>> keys;
    if (cur->column_count() > 0) {
        keys = c.keys && static_cast<int>(c.keys->size()) == cur->column_count() ? c.keys : cursor_keys(*cur);
    }
    return ctx.cursor_result(std::move(cur), std::move(keys));
}

// executemany of a statement with named parameter sets (explicit values(), or an UPDATE / DELETE / text()).
Result execute_insert_many(const std::shared_ptr<ConnectionState>& state, const sql::Node& target,
                           std::span<const Params> param_sets) {
    ExecutionContext ctx(state);
    auto& eng = ctx.engine();
    const auto& caps = ctx.caps();
    auto entry = eng.compiled_for(target);
    const sql::Compiled& single = *entry->compiled;
    const bool multi = target.kind == sql::NodeKind::Insert && caps.supports_multivalues_insert &&
                       static_cast<const sql::InsertNode&>(target).rows.empty() &&
                       !static_cast<const sql::InsertNode&>(target).from_select && single.slots_per_row > 0;
    check_param_count(eng, single.slots.size());
    ctx.begin();

    if (!multi && !single.returns_rows) {
        // Positional rows a chunk at a time, their Values assigned over the last chunk's (no allocation once
        // warm, and no second copy of a large batch).
        // Every parameter set has its values before anything runs, as when the rows were made all at once.
        for (const auto& ps : param_sets)
            for (const auto& slot : single.slots)
                if (!slot.default_of && !entry->binds[static_cast<std::size_t>(slot.index)]->has_value &&
                    !find_param(ps, slot.key))
                    throw_missing_bind(slot.key);
        const std::int64_t total =
            execute_chunked(ctx, single, origin_of(entry), param_sets.size(), [&](std::size_t i, std::vector<Value>& row) {
                for (std::size_t j = 0; j < single.slots.size(); ++j)
                    assign_slot_value(row[j], single.slots[j], entry->binds, &param_sets[i]);
            });
        return ctx.count_result(total);
    }
    if (!multi) {
        // With RETURNING: every parameter set resolved first (a missing value fails before anything runs), then
        // one execution each, the returned rows in order.
        std::vector<std::vector<Value>> rows(param_sets.size(), std::vector<Value>(single.slots.size()));
        for (std::size_t k = 0; k < param_sets.size(); ++k)
            for (std::size_t j = 0; j < single.slots.size(); ++j)
                assign_slot_value(rows[k][j], single.slots[j], entry->binds, &param_sets[k]);
        ctx.announce(single.sql, rows[0], rows.size(), true);
        if (ctx.echo()) {
            ctx.log_many(single.sql, origin_of(entry), rows.size(), masked_slots(single.slots));
            for (std::size_t k = 0; k < rows.size(); ++k) ctx.log_set(k, rows[k]);
        }
        std::vector<Row> out;
        std::shared_ptr<const std::vector<std::string>> keys;
        std::int64_t total = 0;
        for (const auto& r : rows) {
            auto cur = ctx.execute(single.sql, r);
            if (!keys) keys = single.keys ? single.keys : cursor_keys(*cur);
            while (cur->next()) out.push_back(RowView(cur.get(), &keys).to_row());
            total += std::max<std::int64_t>(cur->rowcount(), 0);
        }
        ctx.log_done();
        ctx.finish();
        return Result::from_rows(std::move(keys), std::move(out), total);
    }

    // Batched multi-row INSERT ... VALUES within the dialect's bound-parameter limit; each batch is an execution
    // of its own (events and echo per batch).
    const auto& ins = static_cast<const sql::InsertNode&>(target);
    const int per_row = single.slots_per_row;
    const int fixed = static_cast<int>(single.slots.size()) - per_row;
    int batch = std::max(1, std::min(caps.insertmanyvalues_page_size, (caps.max_bind_params - fixed) / per_row));
    std::vector<Row> out;
    std::shared_ptr<const std::vector<std::string>> keys;
    std::int64_t total = 0;
    std::shared_ptr<const sql::Compiled> full, tail;
    const std::size_t batches = (param_sets.size() + static_cast<std::size_t>(batch) - 1) / static_cast<std::size_t>(batch);
    for (std::size_t start = 0; start < param_sets.size(); start += static_cast<std::size_t>(batch)) {
        const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(batch), param_sets.size() - start));
        std::shared_ptr<const sql::Compiled>& cref = n == batch ? full : tail;
        if (!cref || static_cast<int>(cref->slots.size()) != fixed + per_row * n) {
            auto compiler = ctx.dialect().statement_compiler();
            cref = compiler->compile_insert_many(ins, entry->binds, n);
        }
        const sql::Compiled& c = *cref;
        check_param_count(eng, c.slots.size());
        std::vector<Value> vals;
        vals.reserve(c.slots.size());
        for (std::size_t j = 0; j < c.slots.size(); ++j) {
            const Params* ps = j < static_cast<std::size_t>(per_row * n)
                                   ? &param_sets[start + j / static_cast<std::size_t>(per_row)]
                                   : &param_sets[start];
            vals.push_back(slot_value(c.slots[j], entry->binds, ps));
        }
        ctx.announce(c.sql, std::span<const Value>(vals).first(static_cast<std::size_t>(per_row)),
                     static_cast<std::size_t>(n), true);
        // The batch's SQL is compiled for this execution (the single-row statement is what the cache keeps).
        if (ctx.echo())
            ctx.log_once(c.sql,
                         StatementOrigin{CacheStatus::Generated, c.generated_at, "insertmanyvalues",
                                         start / static_cast<std::size_t>(batch) + 1, batches},
                         vals, masked_slots(c.slots));
        auto cur = ctx.execute(c.sql, vals);
        ctx.log_done();
        if (c.returns_rows) {
            if (!keys) keys = c.keys ? c.keys : cursor_keys(*cur);
            while (cur->next()) out.push_back(RowView(cur.get(), &keys).to_row());
        }
        total += std::max<std::int64_t>(cur->rowcount(), 0);
        ctx.finish();
    }
    if (single.returns_rows) return Result::from_rows(std::move(keys), std::move(out), total);
    return ctx.count_result(total);
}

const sql::InsertNode& insert_node_of(const Executable& stmt, const char* what) {
    if (!stmt.node() || stmt.node()->kind != sql::NodeKind::Insert)
        throw ArgumentError(std::string(what) + " takes an INSERT with its columns named in values()");
    return static_cast<const sql::InsertNode&>(*stmt.node());
}

// Positional rows: the order is that of the statement's columns, so no parameter names are looked up.
// Rows come from `given` (execute_rows) or from `fill` (insert_rows).
std::int64_t insert_rows_impl(const std::shared_ptr<ConnectionState>& state, const sql::InsertNode& ins,
                              std::size_t count, const Connection::RowFill& fill, const Connection::RowSink& returned,
                              std::span<std::vector<Value>> given, bool take) {
    ExecutionContext ctx(state);
    auto& eng = ctx.engine();
    auto entry = eng.compiled_for(ins);
    const sql::Compiled& single = *entry->compiled;
    const std::size_t ncols = ins.values.size();
    const std::size_t per_row = static_cast<std::size_t>(single.slots_per_row);
    if (ncols == 0 || per_row < ncols || single.slots.size() != per_row)
        throw ArgumentError("execute_rows() needs an INSERT whose values() are one bind per column");
    check_param_count(eng, single.slots.size());
    if (count == 0) return 0;
    // Puts row i's values (given or filled) and the client defaults of the columns after them in out[0, per_row),
    // assigning over what is there.
    auto put_row = [&](std::size_t i, Value* out) {
        if (!given.empty()) {
            auto& row = given[i];
            for (std::size_t j = 0; j < ncols; ++j) {
                if (take) out[j] = std::move(row[j]);
                else out[j] = row[j];
            }
        } else {
            fill(i, std::span<Value>(out, ncols));
        }
        for (std::size_t j = 0; j < ncols; ++j) coerce(out[j], single.slots[j].type);
        for (std::size_t j = ncols; j < per_row; ++j) out[j] = single.slots[j].default_of->client_default();
    };
    const auto& caps = ctx.caps();
    ctx.begin();
    std::int64_t total = 0;
    // Large loads without RETURNING or ON CONFLICT go through the driver's bulk path (PostgreSQL's COPY), several
    // times faster than batched INSERTs.
    if (caps.supports_copy_from && !single.returns_rows && !ins.on_conflict && count >= caps.copy_from_min_rows) {
        std::vector<const Column*> columns(per_row);
        for (std::size_t j = 0; j < per_row; ++j) columns[j] = j < ncols ? ins.values[j].column : single.slots[j].default_of;
        const std::int64_t made = std::chrono::steady_clock::now().time_since_epoch().count();
        const std::string copy_sql = ctx.dialect().bulk_load_statement(*ins.table, columns);
        // One load streams every row: given rows that need no client defaults go as they are, the others are made
        // one at a time over a reused row (the first is kept for the execute events).
        const bool as_given = !given.empty() && per_row == ncols;
        std::vector<Value> first, scratch;
        if (!as_given) {
            first.resize(per_row);
            scratch.resize(per_row);
            put_row(0, first.data());
        }
        const std::span<const Value> first_row = as_given ? std::span<const Value>(given[0]) : std::span<const Value>(first);
        const DBAPIConnection::CopyRow row = [&](std::size_t i) -> const Value* {
            const Value* r = as_given ? given[i].data() : i == 0 ? first.data() : scratch.data();
            if (!as_given && i > 0) put_row(i, scratch.data());
            ctx.log_set(i, std::span<const Value>(r, per_row));
            return r;
        };
        ctx.announce(copy_sql, first_row, count, true);
        if (ctx.echo()) {
            std::vector<char> masked(per_row);
            for (std::size_t j = 0; j < per_row; ++j) masked[j] = columns[j]->options().sensitive;
            ctx.log_many(copy_sql, StatementOrigin{CacheStatus::Generated, made, "bulk load"}, count, std::move(masked));
        }
        total = ctx.copy_rows(copy_sql, count, per_row, row);
        ctx.log_done();
        ctx.finish();
        return total;
    }
    if (!caps.supports_multivalues_insert) {
        if (single.returns_rows) throw CompileError("execute_rows() with RETURNING needs multi-row VALUES");
        std::vector<std::vector<Value>> rows(count);
        for (std::size_t i = 0; i < count; ++i) {
            rows[i].resize(per_row);
            put_row(i, rows[i].data());
        }
        ctx.announce(single.sql, rows[0], rows.size(), true);
        if (ctx.echo()) {
            ctx.log_many(single.sql, origin_of(entry), rows.size(), masked_slots(single.slots));
            for (std::size_t i = 0; i < rows.size(); ++i) ctx.log_set(i, rows[i]);
        }
        total = ctx.execute_many(single.sql, rows);
        ctx.log_done();
        ctx.finish();
        return total;
    }
    // Batched multi-row INSERT ... VALUES; each batch is an execution of its own (events and echo per batch).
    int batch = std::max(1, std::min(caps.insertmanyvalues_page_size, caps.max_bind_params / static_cast<int>(per_row)));
    std::shared_ptr<const sql::Compiled> full, tail;
    std::vector<Value> vals;
    std::size_t row_index = 0;
    const std::size_t batches = (count + static_cast<std::size_t>(batch) - 1) / static_cast<std::size_t>(batch);
    for (std::size_t start = 0; start < count; start += static_cast<std::size_t>(batch)) {
        const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(batch), count - start));
        std::shared_ptr<const sql::Compiled>& cref = n == batch ? full : tail;
        if (!cref || cref->slots.size() != per_row * static_cast<std::size_t>(n)) {
            auto compiler = ctx.dialect().statement_compiler();
            cref = compiler->compile_insert_many(ins, entry->binds, n);
        }
        vals.resize(per_row * static_cast<std::size_t>(n));
        for (int r = 0; r < n; ++r) put_row(start + static_cast<std::size_t>(r), vals.data() + per_row * static_cast<std::size_t>(r));
        ctx.announce(cref->sql, std::span<const Value>(vals).first(ncols), static_cast<std::size_t>(n), true);
        if (ctx.echo())
            ctx.log_once(cref->sql,
                         StatementOrigin{CacheStatus::Generated, cref->generated_at, "insertmanyvalues",
                                         start / static_cast<std::size_t>(batch) + 1, batches},
                         vals, masked_slots(cref->slots));
        // vals stay as they are until this batch's cursor is gone, at the end of the loop body.
        DriverExecOptions dopts;
        dopts.params_outlive_cursor = true;
        auto cur = ctx.execute(cref->sql, vals, dopts);
        ctx.log_done();
        if (cref->returns_rows && returned) {
            while (cur->next()) {
                if (row_index >= count)
                    throw InvalidRequestError("INSERT into '" + ins.table->name() + "' returned more rows than it was given");
                returned(row_index++, *cur);
            }
        }
        total += std::max<std::int64_t>(cur->rowcount(), 0);
        ctx.finish();
    }
    return total;
}

}  // namespace

// ---------------------------------------------------------------- the ways a statement runs

Result execute_driver_sql(const std::shared_ptr<ConnectionState>& state, std::string_view sql_text,
                          std::span<const Value> params) {
    ExecutionContext ctx(state);
    const std::string sql(sql_text);
    check_param_count(ctx.engine(), params.size());
    ctx.begin();
    ctx.announce(sql, params);
    if (ctx.echo()) ctx.log_once(sql, StatementOrigin{}, params, {});
    auto cur = ctx.execute(sql, params);
    ctx.log_done();
    ctx.finish();
    auto keys = cur->column_count() > 0 ? cursor_keys(*cur) : nullptr;
    return ctx.cursor_result(std::move(cur), std::move(keys));
}

Result execute_params(const std::shared_ptr<ConnectionState>& state, const Executable& stmt, const Params& params,
                      const ExecutionOptions& opts) {
    if (!stmt.node()) throw ArgumentError("execute() of an empty statement");
    // insert(table) with parameters but no values(): the parameters are the row, as in SQLAlchemy.
    if (!params.empty() && is_valueless_insert(*stmt.node()))
        return execute_param_sets(state, stmt, std::span<const Params>(&params, 1));
    if (!params.empty() && is_valueless_update(*stmt.node()))
        return execute_params(state, with_set_from(*stmt.node(), params), params, opts);
    if (params.size() > 32) {
        // Many parameters (a text() with thousands of binds): looked up by hash, not by a scan per placeholder.
        std::unordered_map<std::string_view, const Value*> index;
        index.reserve(params.size());
        for (const auto& [k, v] : params) index[k] = &v;  // a repeated name keeps its last value
        const ParamFinder find = [](const void* ctx, std::string_view key) -> const Value* {
            const auto& m = *static_cast<const std::unordered_map<std::string_view, const Value*>*>(ctx);
            auto it = m.find(key);
            return it == m.end() ? nullptr : it->second;
        };
        return execute_one(state, stmt, find, &index, opts);
    }
    const ParamFinder find = [](const void* ctx, std::string_view key) {
        return find_param(*static_cast<const Params*>(ctx), key);
    };
    return execute_one(state, stmt, find, &params, opts);
}

Result execute_inline(const std::shared_ptr<ConnectionState>& state, const Executable& stmt, InlineParams params,
                      const ExecutionOptions& opts) {
    if (!stmt.node()) throw ArgumentError("execute() of an empty statement");
    if (params.size() != 0 && (is_valueless_insert(*stmt.node()) || is_valueless_update(*stmt.node()))) {
        const Params copy(params.begin(), params.end());
        return execute_params(state, stmt, copy, opts);
    }
    const ParamFinder find = [](const void* ctx, std::string_view key) {
        return find_param(*static_cast<const InlineParams*>(ctx), key);
    };
    return execute_one(state, stmt, find, &params, opts);
}

Result execute_param_sets(const std::shared_ptr<ConnectionState>& state, const Executable& stmt,
                          std::span<const Params> param_sets) {
    if (!stmt.node()) throw ArgumentError("execute() of an empty statement");
    const sql::Node& node = *stmt.node();
    if (param_sets.empty()) return execute_params(state, stmt, Params{}, {});
    if (is_valueless_update(node)) return execute_param_sets(state, with_set_from(node, param_sets[0]), param_sets);
    if (param_sets.size() == 1 && !is_valueless_insert(node)) return execute_params(state, stmt, param_sets[0], {});
    if (node.kind == sql::NodeKind::Insert) {
        auto& ins = static_cast<const sql::InsertNode&>(node);
        if (ins.values.empty() && !ins.from_select) {
            // INSERT with no explicit values: the columns are the keys of the parameter sets. Consecutive
            // sets with the same keys go out together, so a set that leaves a column out gets that
            // column's default, and RETURNING rows keep the input order.
            auto same_keys = [](const Params& a, const Params& b) {
                if (a.size() != b.size()) return false;
                for (std::size_t i = 0; i < a.size(); ++i)
                    if (a[i].first != b[i].first) return false;
                return true;
            };
            std::vector<Row> rows;
            std::shared_ptr<const std::vector<std::string>> keys;
            std::int64_t total = 0;
            bool returns = false;
            for (std::size_t start = 0; start < param_sets.size();) {
                std::size_t end = start + 1;
                while (end < param_sets.size() && same_keys(param_sets[start], param_sets[end])) ++end;
                auto derived = std::make_shared<sql::InsertNode>(ins);
                for (const auto& [k, v] : param_sets[start]) {
                    const Column& col = ins.table->c(k);
                    derived->values.push_back(
                        sql::ColumnValue{&col, std::make_shared<sql::BindNode>(k, Value{}, col.type, false)});
                }
                Result r = execute_insert_many(state, *derived, param_sets.subspan(start, end - start));
                total += std::max<std::int64_t>(r.rowcount(), 0);
                if (r.returns_rows()) {
                    returns = true;
                    if (!keys) keys = std::make_shared<const std::vector<std::string>>(r.keys());
                    for (auto& row : r.all()) rows.push_back(std::move(row));
                }
                start = end;
            }
            if (returns) return Result::from_rows(std::move(keys), std::move(rows), total);
            return Result(state, nullptr, nullptr, total);
        }
    }
    if (node.kind == sql::NodeKind::Update && param_sets.size() >= 2 && state->engine->dialect->caps().supports_update_from_values) {
        const auto& upd = static_cast<const sql::UpdateNode&>(node);
        // Every parameter set has its values before anything runs.
        for (const auto& ps : param_sets)
            for (const auto& cv : upd.values)
                if (cv.value && cv.value->kind == sql::NodeKind::Bind) {
                    const auto& b = static_cast<const sql::BindNode&>(*cv.value);
                    if (!b.has_value && !find_param(ps, b.key)) throw_missing_bind(b.key);
                }
        auto value = [&](Value& out, const sql::BindNode& b, std::size_t row) {
            assign_bind_value(out, b.key, nullptr, &b, b.type, &param_sets[row]);
        };
        ExecutionContext ctx(state);
        if (auto r = execute_update_from_values(ctx, upd, param_sets.size(), value)) return std::move(*r);
    }
    return execute_insert_many(state, node, param_sets);
}

std::int64_t execute_many(const std::shared_ptr<ConnectionState>& state, const Executable& stmt, std::size_t count,
                          const Connection::RowFill& fill) {
    if (!stmt.node()) throw ArgumentError("execute_many() of an empty statement");
    const sql::Node& node = *stmt.node();
    if (node.kind == sql::NodeKind::Insert && !static_cast<const sql::InsertNode&>(node).values.empty())
        return insert_rows(state, stmt, count, fill, {});
    ExecutionContext ctx(state);
    auto entry = ctx.engine().compiled_for(node);
    const sql::Compiled& single = *entry->compiled;
    if (single.returns_rows)
        throw ArgumentError("execute_many() takes a statement that returns no rows; use execute() with parameter sets");
    // Slot j takes positional value pos[j] (-1: the statement's own value or a client default).
    std::vector<std::string_view> names;
    std::vector<int> pos(single.slots.size(), -1);
    std::vector<int> uses;
    for (std::size_t j = 0; j < single.slots.size(); ++j) {
        const auto& slot = single.slots[j];
        if (slot.default_of || entry->binds[static_cast<std::size_t>(slot.index)]->has_value) continue;
        auto it = std::find(names.begin(), names.end(), std::string_view(slot.key));
        if (it == names.end()) {
            names.push_back(slot.key);
            uses.push_back(0);
            it = names.end() - 1;
        }
        pos[j] = static_cast<int>(it - names.begin());
        ++uses[static_cast<std::size_t>(pos[j])];
    }
    const std::size_t np = names.size();
    if (count == 0) return 0;
    // Where the rows come from: fill, or (after the UPDATE ... FROM VALUES path declined) the rows it took
    // (in large-allocation memory: a large batch then costs a few page faults instead of one per 4 KiB).
    std::vector<Value, LargeAllocator<Value>> taken;
    auto produce = [&](std::size_t i, std::span<Value> out) {
        if (taken.empty()) {
            fill(i, out);
            return;
        }
        for (std::size_t p = 0; p < np; ++p) out[p] = std::move(taken[i * np + p]);
    };
    if (node.kind == sql::NodeKind::Update && count >= 2 && ctx.caps().supports_update_from_values && np > 0) {
        taken.resize(count * np);
        for (std::size_t i = 0; i < count; ++i) fill(i, std::span<Value>(taken.data() + i * np, np));
        auto value = [&](Value& out, const sql::BindNode& b, std::size_t row) {
            if (b.has_value) {
                out = b.value;
            } else {
                const auto it = std::find(names.begin(), names.end(), std::string_view(b.key));
                if (it == names.end()) throw_missing_bind(b.key);
                out = taken[row * np + static_cast<std::size_t>(it - names.begin())];
            }
            coerce(out, b.type);
        };
        if (auto r = execute_update_from_values(ctx, static_cast<const sql::UpdateNode&>(node), count, value))
            return r->rowcount();
    }
    std::vector<Value> buf(np);
    return execute_chunked(ctx, single, origin_of(entry), count, [&](std::size_t i, std::vector<Value>& row) {
        produce(i, buf);
        for (std::size_t j = 0; j < single.slots.size(); ++j) {
            const int p = pos[j];
            if (p < 0) {
                assign_slot_value(row[j], single.slots[j], entry->binds, nullptr);
                continue;
            }
            // A value used once changes places with the row's old one, whose storage the next fill reuses.
            if (uses[static_cast<std::size_t>(p)] == 1) std::swap(row[j], buf[static_cast<std::size_t>(p)]);
            else row[j] = buf[static_cast<std::size_t>(p)];
            coerce(row[j], single.slots[j].type);
        }
    });
}

Result execute_rows(const std::shared_ptr<ConnectionState>& state, const Executable& stmt,
                    std::span<std::vector<Value>> rows, bool take) {
    const auto& ins = insert_node_of(stmt, "execute_rows()");
    const std::size_t ncols = ins.values.size();
    for (const auto& r : rows)
        if (r.size() != ncols)
            throw ArgumentError("execute_rows(): a row has " + std::to_string(r.size()) + " values, the INSERT " +
                                std::to_string(ncols) + " columns");
    std::shared_ptr<const std::vector<std::string>> keys;
    std::vector<Row> out;
    Connection::RowSink sink;
    const auto entry = state->engine->compiled_for(ins);
    if (entry->compiled->returns_rows) {
        out.reserve(rows.size());
        sink = [&](std::size_t, const DBAPICursor& c) {
            if (!keys) keys = entry->compiled->keys ? entry->compiled->keys : cursor_keys(c);
            out.push_back(RowView(&c, &keys).to_row());
        };
    }
    const std::int64_t total = insert_rows_impl(state, ins, rows.size(), {}, sink, rows, take);
    if (sink) return Result::from_rows(std::move(keys), std::move(out), total);
    return Result(state, nullptr, nullptr, total);
}

std::int64_t insert_rows(const std::shared_ptr<ConnectionState>& state, const Executable& stmt, std::size_t count,
                         const Connection::RowFill& fill, const Connection::RowSink& returned) {
    return insert_rows_impl(state, insert_node_of(stmt, "insert_rows()"), count, fill, returned, {}, false);
}

}  // namespace retort::detail
