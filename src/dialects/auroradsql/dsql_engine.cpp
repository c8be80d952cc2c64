// Tokens, engines, retries and chunked loading for Aurora DSQL.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <random>
#include <thread>

#include "detail/text.hpp"
#include "dialects/auroradsql/dsql_dialect.hpp"
#include "retort/dialects/auroradsql.hpp"
#include "retort/orm/session.hpp"

namespace retort::dsql {

// ------------------------------------------------------------------------------------------------ tokens

namespace {

// The standard chain as one source, so it can be kept by a RefreshingCredentialsProvider.
class ChainSource final : public aws::CredentialsProvider {
public:
    explicit ChainSource(const aws::ProfileOptions& profile) : chain_(aws::CredentialChain::standard({}, profile)) {}
    [[nodiscard]] std::string describe() const override { return "the standard AWS credential chain"; }
    [[nodiscard]] Result load() const override { return {chain_.resolve(), {}}; }

private:
    aws::CredentialChain chain_;
};

}  // namespace

TokenProvider::TokenProvider(Options options) : options_(std::move(options)) {
    if (options_.hostname.empty()) throw ArgumentError("a DSQL token provider needs the cluster endpoint");
    if (options_.region.empty())
        options_.region = aws::resolve_region(std::nullopt, options_.hostname, options_.profile);
    if (aws::is_dsql_cluster_id(options_.hostname))
        options_.hostname = aws::dsql_endpoint_for(options_.hostname, options_.region);
    std::shared_ptr<const aws::CredentialsProvider> source;
    if (options_.credentials_provider)
        source = std::make_shared<aws::CallbackCredentialsProvider>(options_.credentials_provider);
    else if (options_.credentials)
        source = std::make_shared<aws::StaticCredentialsProvider>(*options_.credentials);
    else
        source = std::make_shared<ChainSource>(options_.profile);
    source_ = std::make_shared<aws::RefreshingCredentialsProvider>(std::move(source), std::chrono::minutes(5),
                                                                   options_.clock);
}

aws::Credentials TokenProvider::credentials() const {
    auto r = source_->load();
    if (!r.credentials) throw aws::CredentialsError(source_->describe() + ": no credentials (" + r.reason + ")");
    return std::move(*r.credentials);
}

std::string TokenProvider::token() const {
    aws::DsqlTokenParams p;
    p.hostname = options_.hostname;
    p.region = options_.region;
    p.admin = aws::dsql_user_is_admin(options_.user);
    p.expires_in = options_.expires_in;
    if (options_.clock) p.signing_time = options_.clock();
    return aws::generate_dsql_auth_token(p, credentials(), options_.profile);
}

void set_token_provider(const Engine& engine, std::shared_ptr<const TokenProvider> provider) {
    const auto* d = dynamic_cast<const DsqlDialect*>(&engine.dialect());
    if (!d) throw ArgumentError("set_token_provider needs an auroradsql engine, not " + engine.dialect().name());
    if (d->settings().local) throw ArgumentError("a dsql_local engine connects without tokens");
    if (!d->token_provider())
        throw ArgumentError("this auroradsql engine uses the password of its URL, not tokens");
    d->set_token_provider(std::move(provider));
}

URL dsql_url(const DsqlEngineOptions& o) {
    std::vector<std::pair<std::string, std::string>> q;
    if (!o.region.empty()) q.emplace_back("region", o.region);
    if (o.schema) q.emplace_back("schema", *o.schema);
    if (o.profile.profile) q.emplace_back("profile", *o.profile.profile);
    if (o.expires_in != aws::default_dsql_token_expiry) q.emplace_back("token_expires_in", std::to_string(o.expires_in.count()));
    if (!o.sslrootcert.empty()) q.emplace_back("sslrootcert", o.sslrootcert);
    if (!o.application_name.empty()) q.emplace_back("application_name", o.application_name);
    return URL::create("auroradsql", o.user, std::nullopt, o.hostname, o.port, o.database, std::move(q));
}

Engine create_dsql_engine(const DsqlEngineOptions& o, EngineOptions engine_options) {
    Engine engine = create_engine(dsql_url(o), std::move(engine_options));
    TokenProvider::Options t;
    const auto& settings = static_cast<const DsqlDialect&>(engine.dialect()).settings();
    t.hostname = settings.hostname;  // a bare cluster id expanded with the region
    t.region = settings.region;
    t.user = o.user;
    t.expires_in = o.expires_in;
    t.credentials = o.credentials;
    t.credentials_provider = o.credentials_provider;
    t.profile = o.profile;
    t.clock = o.clock;
    set_token_provider(engine, std::make_shared<TokenProvider>(std::move(t)));
    return engine;
}

// ------------------------------------------------------------------------------------------------ retries

bool is_conflict(const DBAPIError& e) noexcept {
    if (e.sqlstate() == "40001") return true;
    if (dynamic_cast<const DatabaseLocked*>(&e)) return true;  // SQLite's busy / locked
    const std::string_view msg = e.orig_message().empty() ? std::string_view(e.what()) : std::string_view(e.orig_message());
    return msg.find("OC000") != std::string_view::npos || msg.find("OC001") != std::string_view::npos;
}

bool is_unavailable(const DBAPIError& e) noexcept {
    if (e.sqlstate() != "XX000") return false;
    const std::string msg = retort::detail::to_lower(e.orig_message().empty() ? std::string_view(e.what())
                                                                               : std::string_view(e.orig_message()));
    return msg.find("unavailable") != std::string::npos;
}

namespace detail {

void sleep_backoff(const RetryPolicy& policy, int attempt) {
    double ms = static_cast<double>(policy.initial_backoff.count());
    for (int i = 1; i < attempt && ms < static_cast<double>(policy.max_backoff.count()); ++i) ms *= policy.multiplier;
    ms = std::min(ms, static_cast<double>(policy.max_backoff.count()));
    if (policy.jitter) {
        thread_local std::mt19937_64 rng{std::random_device{}()};
        ms = std::uniform_real_distribution<double>(0.0, ms)(rng);
    }
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
}

bool should_retry(const RetryPolicy& policy, int attempt, const DBAPIError& e) {
    const bool transient = is_conflict(e) || (policy.retry_unavailable && is_unavailable(e));
    if (!transient || attempt >= policy.max_attempts) return false;
    if (policy.on_retry) policy.on_retry(attempt, e);
    sleep_backoff(policy, attempt);
    return true;
}

namespace {
// A COMMIT that failed without the server's answer (the connection went away) may have committed; so may one
// the server answered with "unavailable" (XX000). A conflict at COMMIT is a definite abort.
[[noreturn]] void rethrow_commit_error(const DBAPIError& e) {
    const bool lost = e.connection_invalidated() || e.sqlstate().empty() || e.sqlstate().rfind("08", 0) == 0;
    if (is_conflict(e)) throw;
    if (is_unavailable(e))
        throw CommitOutcomeUnknown(
            "the server was unavailable during COMMIT, so the transaction may or may not have been committed; it "
            "is not retried (" + e.orig_message() + ")",
            e.sqlstate(), "COMMIT", {}, e.connection_invalidated());
    if (!lost) throw;
    throw CommitOutcomeUnknown(
        "the connection was lost during COMMIT, so the transaction may or may not have been committed; it is "
        "not retried (" + e.orig_message() + ")",
        e.sqlstate(), "COMMIT", {}, true);
}
}  // namespace

void commit_checked(Transaction& tx) {
    try {
        tx.commit();
    } catch (const DBAPIError& e) {
        rethrow_commit_error(e);
    }
}

void commit_checked(orm::Session& session) {
    session.flush();
    try {
        session.commit();
    } catch (const DBAPIError& e) {
        rethrow_commit_error(e);
    }
}

void rollback_quietly(orm::Session& session) noexcept {
    try {
        session.rollback();
    } catch (...) {
    }
}

}  // namespace detail

std::int64_t insert_in_chunks(const Engine& engine, const Executable& insert, std::span<const Params> rows,
                              std::size_t chunk_rows, const RetryPolicy& policy) {
    const auto& caps = engine.dialect().caps();
    if (chunk_rows == 0)
        chunk_rows = caps.max_rows_per_transaction > 0 ? static_cast<std::size_t>(caps.max_rows_per_transaction) : rows.size();
    const std::size_t max_bytes =
        caps.max_bytes_per_transaction > 0 ? static_cast<std::size_t>(caps.max_bytes_per_transaction) : SIZE_MAX;
    auto row_bytes = [](const Params& row) {
        std::size_t n = 0;
        for (const auto& [name, v] : row) n += stored_size(v);
        return n;
    };
    // The chunks first, so that a row too large for any transaction is found before anything is sent.
    std::vector<std::pair<std::size_t, std::size_t>> chunks;  // [begin, end)
    std::size_t begin = 0, bytes = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::size_t b = row_bytes(rows[i]);
        if (b > max_bytes)
            throw TransactionLimitError("row " + std::to_string(i) + " holds about " + std::to_string(b) +
                                        " bytes, more than the " + std::to_string(max_bytes) + " bytes the " +
                                        engine.dialect().name() + " dialect allows one transaction to write");
        if (i > begin && (i - begin >= chunk_rows || bytes + b > max_bytes)) {
            chunks.emplace_back(begin, i);
            begin = i;
            bytes = 0;
        }
        bytes += b;
    }
    if (begin < rows.size()) chunks.emplace_back(begin, rows.size());
    std::int64_t total = 0;
    for (const auto& [b, e] : chunks) {
        auto part = rows.subspan(b, e - b);
        total += run_transaction(engine, [&](Connection& c) { return c.execute(insert, part).rowcount(); }, policy);
    }
    return total;
}

}  // namespace retort::dsql
