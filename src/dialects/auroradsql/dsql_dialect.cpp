#include "dialects/auroradsql/dsql_dialect.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <thread>

#include "detail/text.hpp"
#include "dialects/postgresql/pg_driver.hpp"
#include "engine/engine_impl.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"

namespace retort::dsql {

namespace {

// URL keys the dialect reads itself; they never reach libpq.
constexpr std::string_view own_keys[] = {"region",         "schema",         "profile",       "token_expires_in",
                                         "identity_cache", "wait_for_index", "index_timeout", "dsql_local"};

std::int64_t parse_int(std::string_view key, const std::string& v) {
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size())
        throw ArgumentError("auroradsql URL: " + std::string(key) + " must be an integer, got '" + v + "'");
    return n;
}

bool parse_flag(std::string_view key, const std::string& v) {
    if (auto on = retort::detail::flag_value(v)) return *on;
    throw ArgumentError("auroradsql URL: " + std::string(key) + " must be 1 or 0, got '" + v + "'");
}

// A statement PostgreSQL's parser does not take (the checker's "does not parse as PostgreSQL: ..."): DSQL
// answers it with a syntax error, as the local server does.
bool unparsable(const std::optional<std::string>& why) {
    return why && why->starts_with("does not parse as PostgreSQL: ") && why->find("NUL byte") == std::string::npos;
}

// The dsql_local connection: every statement passes the StrictChecker, then goes to the local server in
// its PostgreSQL form. A violation is recorded, reported on stderr (so a test fails even when the
// exception is swallowed somewhere) and thrown as DSQL would refuse the statement. A statement that does
// not parse goes to the server all the same, which refuses it with the error DSQL would give (a syntax
// error is no violation of DSQL's rules); were the server to run it, that would be one.
class LocalConnection final : public postgresql::PGConnection {
public:
    explicit LocalConnection(const ConnectParams& params) : PGConnection(params) {}

    std::unique_ptr<DBAPICursor> execute(const std::string& sql, std::span<const Value> params,
                                         const DriverExecOptions& opts) override {
        const auto why = checker_.check(sql);
        if (!unparsable(why)) guard(why, sql);
        auto cur = PGConnection::execute(local_equivalent(sql), params, opts);
        guard(why, sql);
        guard(checker_.count_rows(cur->rowcount()), sql);
        return cur;
    }
    std::int64_t execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets) override {
        const auto why = checker_.check(sql);
        if (!unparsable(why)) guard(why, sql);
        auto n = PGConnection::execute_many(local_equivalent(sql), param_sets);
        guard(why, sql);
        guard(checker_.count_rows(n), sql);
        return n;
    }
    void exec_script(std::string_view sql) override {
        const auto why = checker_.check(sql);
        if (!unparsable(why)) guard(why, sql);
        PGConnection::exec_script(local_equivalent(sql));
        guard(why, sql);
    }
    // Transaction control bypasses exec_script (BEGIN is held back until the first statement): the checker
    // sees it here.
    void begin() override {
        guard(checker_.check("BEGIN"), "BEGIN");
        PGConnection::begin();
    }
    void commit() override {
        guard(checker_.check("COMMIT"), "COMMIT");
        PGConnection::commit();
    }
    void rollback() override {
        guard(checker_.check("ROLLBACK"), "ROLLBACK");
        PGConnection::rollback();
    }
    void rollback_on_return() override {
        guard(checker_.check("ROLLBACK"), "ROLLBACK");
        PGConnection::rollback_on_return();
    }

private:
    static void guard(const std::optional<std::string>& why, std::string_view sql) {
        if (!why) return;
        std::string msg = "DSQL strict violation: " + *why;
        StrictChecker::record_violation(msg + " [" + std::string(sql.substr(0, 200)) + "]");
        std::fprintf(stderr, "%s\n", msg.c_str());
        throw StrictViolation(msg, "0A000", std::string(sql));
    }
    StrictChecker checker_;
};

}  // namespace

DsqlSettings DsqlSettings::from_url(const URL& url) {
    DsqlSettings s;
    if (url.host()) s.hostname = *url.host();
    if (url.username() && !url.username()->empty()) s.user = *url.username();
    s.has_password = url.password().has_value();
    if (auto v = url.query_value("dsql_local")) s.local = parse_flag("dsql_local", *v);
    if (auto v = url.query_value("schema"); v && !v->empty()) s.schema = *v;
    if (auto v = url.query_value("profile"); v && !v->empty()) s.profile = *v;
    if (auto v = url.query_value("token_expires_in")) {
        auto n = parse_int("token_expires_in", *v);
        if (n <= 0 || n > 604800) throw ArgumentError("auroradsql URL: token_expires_in must be 1 to 604800 seconds");
        s.token_expires_in = std::chrono::seconds(n);
    }
    if (auto v = url.query_value("identity_cache")) s.identity_cache = parse_int("identity_cache", *v);
    if (s.identity_cache != 1 && s.identity_cache < 65536)
        throw ArgumentError("auroradsql URL: identity_cache must be 1 or at least 65536 (DSQL's rule for CACHE)");
    if (auto v = url.query_value("wait_for_index")) s.wait_for_index = parse_flag("wait_for_index", *v);
    if (auto v = url.query_value("index_timeout")) s.index_timeout = std::chrono::seconds(parse_int("index_timeout", *v));
    if (!s.local) {
        if (s.hostname.empty())
            throw ArgumentError("an auroradsql URL needs the cluster endpoint as its host: "
                                "auroradsql://admin@<cluster id>.dsql.<region>.on.aws/postgres");
        aws::ProfileOptions po;
        po.profile = s.profile;
        auto r = url.query_value("region");
        s.region = aws::resolve_region(r && !r->empty() ? r : std::nullopt, s.hostname, po);
        // A bare cluster id names the cluster in the resolved region, as the DSQL connectors take it.
        if (aws::is_dsql_cluster_id(s.hostname)) s.hostname = aws::dsql_endpoint_for(s.hostname, s.region);
    }
    return s;
}

DialectCapabilities DsqlDialect::dsql_capabilities() {
    DialectCapabilities caps = PGDialect::default_capabilities();
    caps.supports_foreign_keys = true;       // enforced since 2026-08; inline in CREATE TABLE
    caps.alter_constraint_not_valid = true;  // ALTER TABLE ... ADD CONSTRAINT (FOREIGN KEY | CHECK) ... NOT VALID
    caps.supports_savepoints = false;
    caps.supports_copy_from = false;  // loads go through INSERT, within DSQL's rows-per-transaction limit
    caps.key_prefetch_min_rows = 0;   // identity keys come back through RETURNING
    caps.supports_update_from_values = false;
    caps.supports_serial = false;
    caps.supports_identity_columns = true;
    caps.identity_cache = default_identity_cache;
    caps.identity_cache_min = 65536;     // CACHE 1 or at least 65536
    caps.identity_as_bigint = true;      // identity columns and sequences are BIGINT
    caps.supports_jsonb_columns = false;  // JSON is a column type, JSONB only a runtime type (casts, operators)
    caps.supports_native_enum = false;  // no CREATE TYPE: enums become CHECK constraints
    caps.transactional_ddl = true;
    caps.one_ddl_per_transaction = true;
    caps.supports_create_index_async = true;
    caps.supports_nulls_not_distinct = true;
    caps.supports_truncate = false;
    caps.add_column_name_and_type_only = true;
    caps.unique_constraint_by_index = true;
    caps.supports_alter_column_type = false;
    caps.supports_set_not_null = false;
    caps.supports_temporary_tables = false;
    caps.max_rows_per_transaction = transaction_row_limit;
    caps.max_bytes_per_transaction = transaction_byte_limit;
    return caps;
}

DsqlDialect::DsqlDialect(DsqlSettings settings)
    : PGDialect("auroradsql", dsql_capabilities()), settings_(std::move(settings)) {
    mutable_caps().identity_cache = settings_.identity_cache;
}

ConnectParams DsqlDialect::create_connect_params(const URL& url) const {
    URL pg = url;
    for (auto k : own_keys) pg = pg.without_query_value(k);
    ConnectParams p = PGDialect::create_connect_params(pg);
    if (!p.contains("user")) p["user"] = settings_.user;
    if (!p.contains("dbname")) p["dbname"] = "postgres";
    // Shows up in pg_stat_activity and DSQL's logs; the URL's application_name= wins.
    if (!p.contains("application_name")) p["application_name"] = default_application_name();
    if (settings_.local) return p;
    p["host"] = settings_.hostname;  // a bare cluster id expanded to its endpoint
    if (!p.contains("port")) p["port"] = "5432";
    if (!p.contains("sslmode")) p["sslmode"] = "verify-full";
    const std::string& mode = p["sslmode"];
    if (!p.contains("sslrootcert") && (mode == "verify-full" || mode == "verify-ca")) p["sslrootcert"] = default_sslrootcert();
    if (!p.contains("sslnegotiation") && libpq_version() >= 170000) p["sslnegotiation"] = "direct";
    return p;
}

std::unique_ptr<DBAPIConnection> DsqlDialect::connect(const ConnectParams& params) const {
    if (settings_.local) return std::make_unique<LocalConnection>(params);
    return PGDialect::connect(params);
}

void DsqlDialect::on_connect(DBAPIConnection& c) const {
    // Snapshot isolation is all DSQL has; the local server gets the same.
    if (settings_.local) c.exec_script("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    if (settings_.schema) c.exec_script("SET search_path = " + quote_identifier_always(*settings_.schema));
}

void DsqlDialect::set_isolation_level(DBAPIConnection& c, std::string_view level) const {
    const std::string norm = normalize_isolation_level(level);
    if (norm == "AUTOCOMMIT") return;
    if (norm != "REPEATABLE READ")
        throw ArgumentError("Aurora DSQL runs every transaction at REPEATABLE READ (snapshot isolation); '" +
                            std::string(level) + "' is not available");
    if (settings_.local) PGDialect::set_isolation_level(c, norm);
}

void DsqlDialect::prepare_engine_options(EngineOptions& o) const {
    if (o.pool_recycle.count() < 0) o.pool_recycle = default_pool_recycle;
    o.pool_pre_ping = true;
}

void DsqlDialect::on_engine_created(const Engine& engine) const {
    if (settings_.local || settings_.has_password) return;
    TokenProvider::Options o;
    o.hostname = settings_.hostname;
    o.region = settings_.region;
    o.user = settings_.user;
    o.expires_in = settings_.token_expires_in;
    o.profile.profile = settings_.profile;
    set_token_provider(std::make_shared<TokenProvider>(std::move(o)));
    engine.on_do_connect([slot = slot_](ConnectParams& p) {
        std::shared_ptr<const TokenProvider> provider;
        {
            std::lock_guard lock(slot->mu);
            provider = slot->provider;
        }
        if (provider) p["password"] = provider->token();
    });
}

void DsqlDialect::after_create_index(Connection& conn, const std::vector<Row>& returned) const {
    if (!settings_.wait_for_index || returned.empty() || returned[0].size() == 0) return;
    const Value& job = returned[0][0];
    if (job.is_null()) return;
    wait_for_index_job(conn, job.as<std::string>(), settings_.index_timeout);
}

void DsqlDialect::set_token_provider(std::shared_ptr<const TokenProvider> p) const {
    std::lock_guard lock(slot_->mu);
    slot_->provider = std::move(p);
}

std::shared_ptr<const TokenProvider> DsqlDialect::token_provider() const {
    std::lock_guard lock(slot_->mu);
    return slot_->provider;
}

int libpq_version() noexcept { return PQlibVersion(); }

std::string default_application_name() {
    return "retort/" RETORT_VERSION;
}

std::string default_sslrootcert() {
    return libpq_version() >= 160000 ? "system" : "/etc/ssl/certs/ca-certificates.crt";
}

void wait_for_index_job(Connection& conn, std::string_view job_id, std::chrono::seconds timeout) {
    if (conn.in_transaction())
        throw InvalidRequestError("wait_for_index_job: commit the CREATE INDEX ASYNC first; the job starts then");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const Value id{std::string(job_id)};
    for (;;) {
        auto status = conn.exec_driver_sql("SELECT status FROM sys.jobs WHERE job_id = $1", {id}).scalar<std::string>();
        conn.commit();
        if (!status) throw IndexJobError("index job " + std::string(job_id) + " is not in sys.jobs");
        if (*status == "completed") return;
        if (*status == "failed" || *status == "cancelled")
            throw IndexJobError("index job " + std::string(job_id) + " ended as " + *status);
        if (std::chrono::steady_clock::now() >= deadline)
            throw TimeoutError("index job " + std::string(job_id) + " still " + *status + " after " +
                               std::to_string(timeout.count()) + " s");
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
}

}  // namespace retort::dsql

namespace retort::detail {
std::shared_ptr<Dialect> make_auroradsql_dialect(const URL& url) {
    return std::make_shared<dsql::DsqlDialect>(dsql::DsqlSettings::from_url(url));
}
}  // namespace retort::detail
