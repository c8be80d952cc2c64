#include <algorithm>
#include <charconv>

#include "engine/engine_impl.hpp"

namespace retort {

// ---------------------------------------------------------------- Row

const std::vector<std::string>& Row::keys() const {
    static const std::vector<std::string> none;
    return keys_ ? *keys_ : none;
}

const Value& Row::operator[](std::size_t i) const {
    if (i >= values_.size())
        throw InvalidRequestError("row has " + std::to_string(values_.size()) + " columns; index " + std::to_string(i) +
                                  " is out of range");
    return values_[i];
}

const Value& Row::operator[](std::string_view key) const {
    if (keys_)
        for (std::size_t i = 0; i < keys_->size() && i < values_.size(); ++i)
            if ((*keys_)[i] == key) return values_[i];
    throw InvalidRequestError("row has no column named '" + std::string(key) + "'");
}

// ---------------------------------------------------------------- RowView

int RowView::index_of(std::string_view key) const {
    if (keys_ && *keys_) {
        const auto& k = **keys_;
        for (std::size_t i = 0; i < k.size(); ++i)
            if (k[i] == key) return static_cast<int>(i);
    }
    throw InvalidRequestError("row has no column named '" + std::string(key) + "'");
}

Row RowView::to_row() const {
    std::vector<Value> vals;
    int n = c_->column_count();
    vals.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) vals.push_back(c_->get_value(i));
    return Row(keys_ ? *keys_ : nullptr, std::move(vals));
}

namespace detail {

[[noreturn]] void throw_null_column(const DBAPICursor& c, int i) {
    throw TypeError("column '" + std::string(c.column_name(i)) +
                    "' is NULL; read it as std::optional<T> to allow NULL");
}

void decode(const DBAPICursor& c, int i, bool& out) { out = c.get_bool(i); }
void decode(const DBAPICursor& c, int i, std::int64_t& out) { out = c.get_int(i); }
void decode(const DBAPICursor& c, int i, double& out) { out = c.get_double(i); }
void decode(const DBAPICursor& c, int i, std::string& out) { out = c.get_text(i); }
void decode(const DBAPICursor& c, int i, Bytes& out) { out = c.get_bytes(i); }

namespace {
template <class T>
T parse_text(const DBAPICursor& c, int i, T (*parse)(std::string_view)) {
    try {
        return parse(c.get_text(i));
    } catch (const ArgumentError& e) {
        throw TypeError("column '" + std::string(c.column_name(i)) + "': " + e.what());
    }
}
// A value the driver already holds as the asked-for kind (PostgreSQL sends dates as dates) is taken as is.
template <class T>
bool from_value(const DBAPICursor& c, int i, T& out) {
    Value v = c.get_value(i);
    if (auto* p = std::get_if<T>(&v.storage())) {
        out = std::move(*p);
        return true;
    }
    return false;
}
}  // namespace

void decode(const DBAPICursor& c, int i, Date& out) {
    if (!from_value(c, i, out)) out = parse_text<Date>(c, i, &Date::parse);
}
void decode(const DBAPICursor& c, int i, Time& out) {
    if (!from_value(c, i, out)) out = parse_text<Time>(c, i, &Time::parse);
}
void decode(const DBAPICursor& c, int i, DateTime& out) {
    if (!from_value(c, i, out)) out = parse_text<DateTime>(c, i, &DateTime::parse);
}
void decode(const DBAPICursor& c, int i, Interval& out) {
    if (!from_value(c, i, out)) out = parse_text<Interval>(c, i, &Interval::parse);
}
void decode(const DBAPICursor& c, int i, Uuid& out) {
    Value v = c.get_value(i);
    if (auto* p = std::get_if<Uuid>(&v.storage())) {
        out = *p;
        return;
    }
    if (auto* b = std::get_if<Bytes>(&v.storage()); b && b->size() == 16) {
        std::copy(b->begin(), b->end(), out.bytes.begin());
        return;
    }
    out = parse_text<Uuid>(c, i, &Uuid::parse);
}
void decode(const DBAPICursor& c, int i, Numeric& out) {
    Value v = c.get_value(i);
    try {
        out = v.as<Numeric>();
    } catch (const Error& e) {
        throw TypeError("column '" + std::string(c.column_name(i)) + "': " + e.what());
    }
}
void decode(const DBAPICursor& c, int i, Json& out) { out = Json{std::string(c.get_text(i))}; }
void decode(const DBAPICursor& c, int i, Value& out) { out = c.get_value(i); }

}  // namespace detail

// ---------------------------------------------------------------- Result

Result::Result(std::shared_ptr<detail::ConnectionState> conn, std::unique_ptr<DBAPICursor> cursor,
               std::shared_ptr<const std::vector<std::string>> keys, std::int64_t rowcount)
    : conn_(std::move(conn)), cursor_(std::move(cursor)), keys_(std::move(keys)), rowcount_(rowcount) {
    if (!keys_) {
        // No rows to read: let go of the driver's result and the connection right away.
        if (cursor_) cursor_->close();
        cursor_.reset();
        conn_.reset();
    }
}

Result::Result(Result&&) noexcept = default;
Result& Result::operator=(Result&& o) noexcept {
    if (this != &o) {
        close();
        conn_ = std::move(o.conn_);
        cursor_ = std::move(o.cursor_);
        keys_ = std::move(o.keys_);
        rowcount_ = o.rowcount_;
    }
    return *this;
}
Result::~Result() { close(); }

Result Result::from_rows(std::shared_ptr<const std::vector<std::string>> keys, std::vector<Row> rows,
                         std::int64_t rowcount) {
    Result r;
    r.keys_ = keys;
    r.rowcount_ = rowcount;
    // A cursor over rows in memory.
    struct Rows final : DBAPICursor {
        std::vector<Row> rows;
        std::shared_ptr<const std::vector<std::string>> keys;
        std::size_t pos = static_cast<std::size_t>(-1);
        mutable std::string scratch;
        const Value& v(int i) const { return rows[pos][static_cast<std::size_t>(i)]; }
        bool next() override { return ++pos < rows.size(); }
        std::int64_t rows_remaining() const override {
            return std::max<std::int64_t>(0, static_cast<std::int64_t>(rows.size()) - static_cast<std::int64_t>(pos + 1));
        }
        int column_count() const override { return keys ? static_cast<int>(keys->size()) : 0; }
        std::string_view column_name(int i) const override { return (*keys)[static_cast<std::size_t>(i)]; }
        bool is_null(int i) const override { return v(i).is_null(); }
        std::int64_t get_int(int i) const override { return v(i).as<std::int64_t>(); }
        double get_double(int i) const override { return v(i).as<double>(); }
        bool get_bool(int i) const override { return v(i).as<bool>(); }
        std::string_view get_text(int i) const override {
            const Value& x = v(i);
            if (auto* s = std::get_if<std::string>(&x.storage())) return *s;
            scratch = x.as<std::string>();
            return scratch;
        }
        Bytes get_bytes(int i) const override { return v(i).as<Bytes>(); }
        Value get_value(int i) const override { return v(i); }
        std::int64_t rowcount() const override { return -1; }
        void close() override { pos = rows.size(); }
    };
    auto c = std::make_unique<Rows>();
    c->rows = std::move(rows);
    c->keys = std::move(keys);
    r.cursor_ = std::move(c);
    return r;
}

const std::vector<std::string>& Result::keys() const {
    static const std::vector<std::string> none;
    return keys_ ? *keys_ : none;
}

bool Result::next() {
    if (!cursor_) return false;
    bool more;
    try {
        more = cursor_->next();
    } catch (const DBAPIError& e) {
        if (conn_) conn_->handle_error(e, "");
        close();
        throw;
    }
    if (!more) {
        // SQLite counts the rows of INSERT/UPDATE/DELETE ... RETURNING only once they are all read.
        if (auto rc = cursor_->rowcount(); rc >= 0) rowcount_ = rc;
        close();
    }
    return more;
}

void Result::close() noexcept {
    if (cursor_) {
        try {
            cursor_->close();
        } catch (...) {
        }
        cursor_.reset();
    }
    if (conn_) {
        // The last holder of a closed Connection returns it to the pool.
        if (conn_->closed && conn_.use_count() == 1) conn_->release();
        conn_.reset();
    }
}

std::optional<Row> Result::fetchone() {
    if (!next()) return std::nullopt;
    return current().to_row();
}

std::vector<Row> Result::fetchmany(std::size_t n) {
    std::vector<Row> out;
    while (out.size() < n && next()) out.push_back(current().to_row());
    return out;
}

std::vector<Row> Result::all() {
    std::vector<Row> out;
    while (next()) out.push_back(current().to_row());
    return out;
}

void Result::throw_multiple() { throw MultipleResultsFound("multiple rows were found when exactly one was required"); }

Row Result::one() {
    if (!next()) throw NoResultFound("no row was found when one was required");
    Row r = current().to_row();
    if (next()) {
        close();
        throw_multiple();
    }
    return r;
}

void Result::throw_none() { throw NoResultFound("no row was found when one was required"); }

std::optional<Row> Result::one_or_none() {
    if (!next()) return std::nullopt;
    Row r = current().to_row();
    if (next()) {
        close();
        throw_multiple();
    }
    return r;
}

std::optional<Row> Result::first() {
    if (!next()) return std::nullopt;
    Row r = current().to_row();
    close();
    return r;
}

}  // namespace retort
