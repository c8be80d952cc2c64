// Aurora DSQL: connecting with IAM auth tokens over TLS, retrying optimistic-concurrency conflicts,
// loading more rows than one transaction may hold, waiting for asynchronous index builds, and the strict
// checker that tells which statements DSQL would reject.
//
// URL: auroradsql[+libpq]://<user>@<cluster endpoint>[:port]/<database>[?key=value...], user "admin" and
// database "postgres" when left out. The host is the cluster endpoint (any "<id>.dsql<suffix>.<region>.on.aws")
// or a bare cluster id, which becomes "<id>.dsql.<region>.on.aws" with the resolved region.
// Keys Retort reads (the rest go to libpq as keywords):
//   region=            the signing region; else from the endpoint's name, AWS_REGION, ...
//   schema=            SET search_path on every new connection (non-admin roles work in their own schema)
//   profile=           the AWS profile for credentials (else AWS_PROFILE, else "default")
//   token_expires_in=  token lifetime in seconds (default 900)
//   identity_cache=    CACHE of identity columns: 1 or at least 65536 (default 65536)
//   wait_for_index=1   create_all waits for each CREATE INDEX ASYNC job to finish (index_timeout= seconds)
//   dsql_local=1       local emulation for tests: a plain PostgreSQL server, no token and no TLS; every
//                      statement passes the StrictChecker first (a violation throws StrictViolation) and
//                      DSQL-only forms are rewritten to their PostgreSQL equivalent (CREATE INDEX ASYNC ->
//                      CREATE INDEX); sessions run at REPEATABLE READ, DSQL's only isolation level.
// libpq keywords get DSQL defaults unless given: sslmode=verify-full, sslrootcert=default_sslrootcert(),
// sslnegotiation=direct when the linked libpq is 17 or newer, port 5432, application_name=retort/<version>.
// The engine gets a fresh token for every new pooled connection (do_connect event) unless the URL has a
// password, pool_recycle of 55 minutes when none was set (the server closes connections after 60) and
// pool_pre_ping. Tokens never appear in logs or error messages.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "retort/aws/credentials.hpp"
#include "retort/aws/dsql_token.hpp"
#include "retort/detail/chrono.hpp"
#include "retort/engine/engine.hpp"
#include "retort/error.hpp"
#include "retort/export.hpp"

namespace retort::orm {
class Session;
}

namespace retort::dsql {

inline constexpr std::int64_t transaction_row_limit = 3000;
inline constexpr std::int64_t transaction_byte_limit = 10 * 1024 * 1024;  // 10 MiB of data changed per transaction
inline constexpr std::chrono::minutes default_pool_recycle{55};
inline constexpr std::int64_t default_identity_cache = 65536;

// ------------------------------------------------------------------------------------------------ tokens

// Makes each new connection's token. Credentials come from, first given of: credentials_provider (the
// application's own source), credentials (fixed keys), the standard chain (aws/credentials.hpp). Temporary
// credentials (an expiration) are kept and asked for again only 5 minutes before they expire, so opening
// connections does not call STS, the container endpoint or instance metadata each time; long-term keys are
// read from their source for every token (cheap, and a rotated key is seen). Thread-safe.
class RETORT_API TokenProvider {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    // An application's own credentials source (a vault, a secrets manager). Set Credentials::expiration
    // for temporary credentials: the provider then calls it again only near expiry. Exceptions are
    // reported as CredentialsError naming "application credentials_provider".
    using CredentialsCallback = std::function<aws::Credentials()>;
    struct Options {
        std::string hostname;
        std::string region;  // empty: aws::resolve_region({}, hostname, profile), once, at construction
        std::string user = "admin";  // "admin" signs DbConnectAdmin, every other role DbConnect
        std::chrono::seconds expires_in = aws::default_dsql_token_expiry;
        std::optional<aws::Credentials> credentials;  // fixed credentials
        CredentialsCallback credentials_provider;     // beats credentials when set
        aws::ProfileOptions profile;
        Clock clock;  // the signing time and the refresh clock; empty: the system clock
    };
    explicit TokenProvider(Options options);
    [[nodiscard]] std::string token() const;
    [[nodiscard]] aws::Credentials credentials() const;
    [[nodiscard]] const Options& options() const noexcept { return options_; }

private:
    Options options_;
    std::shared_ptr<const aws::CredentialsProvider> source_;
};

// Replaces the token provider of an auroradsql engine (before its first connection, ideally: pooled
// connections keep the token they were opened with). Throws ArgumentError for other engines.
RETORT_API void set_token_provider(const Engine& engine, std::shared_ptr<const TokenProvider> provider);

struct RETORT_API DsqlEngineOptions {
    std::string hostname;  // the cluster endpoint, or a bare cluster id (expanded with the region)
    std::optional<int> port;
    std::string region;
    std::string user = "admin";
    std::string database = "postgres";
    std::optional<std::string> schema;  // SET search_path on connect
    std::optional<aws::Credentials> credentials;
    // The application's own credentials source; see TokenProvider::CredentialsCallback.
    TokenProvider::CredentialsCallback credentials_provider;
    aws::ProfileOptions profile;
    std::chrono::seconds expires_in = aws::default_dsql_token_expiry;
    std::string sslrootcert;  // a file, or "system" (libpq 16+); empty: default_sslrootcert()
    std::string application_name;  // empty: default_application_name()
    TokenProvider::Clock clock;
};

// The auroradsql URL for options (credentials are not part of it).
[[nodiscard]] RETORT_API URL dsql_url(const DsqlEngineOptions& options);
// create_engine(dsql_url(options), engine_options) with a token provider made from options.
[[nodiscard]] RETORT_API Engine create_dsql_engine(const DsqlEngineOptions& options, EngineOptions engine_options = {});

// "retort/<version>", the application_name every DSQL connection gets unless its URL (or
// DsqlEngineOptions::application_name) sets one.
[[nodiscard]] RETORT_API std::string default_application_name();

// PQlibVersion() of the linked libpq (150018 for 15.18).
[[nodiscard]] RETORT_API int libpq_version() noexcept;
// "system" where libpq knows the system store (16 and newer), else Debian's CA bundle, which holds Amazon
// Root CA 1.
[[nodiscard]] RETORT_API std::string default_sslrootcert();

// ------------------------------------------------------------------------------------------------ indexes

// A CREATE INDEX ASYNC job failed or was cancelled.
class RETORT_API IndexJobError : public Error {
public:
    using Error::Error;
};

// Polls sys.jobs until the job completes; throws IndexJobError when it fails, TimeoutError after timeout.
// The connection must not be in a transaction (each poll is one).
RETORT_API void wait_for_index_job(Connection& conn, std::string_view job_id,
                                   std::chrono::seconds timeout = std::chrono::seconds(600));

// ------------------------------------------------------------------------------------------------ checking

// A statement Aurora DSQL would reject, refused by a dsql_local engine before the server saw it.
class RETORT_API StrictViolation : public NotSupportedError {
public:
    using NotSupportedError::NotSupportedError;
};

// Follows one connection's statements and tells which ones Aurora DSQL would reject, and why (the reason
// names the rule). Each statement, or each statement of a script, is parsed by PostgreSQL's own parser
// (libpg_query; DSQL's ASYNC forms are recognised first) and its parse tree is checked against DSQL's
// grammar as its User Guide gives it:
//  - statement kinds: no TRUNCATE, LOCK, SAVEPOINT / RELEASE / ROLLBACK TO, LISTEN / NOTIFY / UNLISTEN,
//    VACUUM, ALTER SYSTEM, DO, triggers, CREATE TYPE / EXTENSION / MATERIALIZED VIEW / TABLESPACE /
//    DATABASE, functions in languages other than SQL, two-phase commit;
//  - CREATE TABLE: no TEMP / UNLOGGED tables, INHERITS, PARTITION, AS SELECT, COLLATE, EXCLUDE, storage
//    parameters; SERIAL refused; identity columns BIGINT with CACHE 1 or >= 65536; foreign keys accepted;
//  - column types from DSQL's supported data types (and JSON / JSONB); no arrays or other types;
//  - ALTER TABLE: only the actions DSQL lists (ADD COLUMN with a name and a type only, no ALTER COLUMN
//    TYPE, no SET NOT NULL, ADD CONSTRAINT of a CHECK or FOREIGN KEY only NOT VALID, UNIQUE USING INDEX,
//    VALIDATE CONSTRAINT only as ALTER TABLE ASYNC);
//  - CREATE [UNIQUE] INDEX ASYNC only: columns or expressions, NULLS FIRST / LAST, INCLUDE, NULLS [NOT]
//    DISTINCT, WHERE; no ASC / DESC, USING, operator classes, WITH, CONCURRENTLY;
//  - sequences BIGINT with CACHE 1 or >= 65536;
//  - one DDL statement per transaction, no DDL and DML in one transaction (a script sent outside BEGIN is
//    one transaction), at most row_limit rows modified per transaction (count_rows);
//  - a statement the parser cannot parse is refused too ("does not parse as PostgreSQL: ...").
// src/dialects/auroradsql/strict_checker.cpp says which page of the DSQL docs each rule comes from.
class RETORT_API StrictChecker {
public:
    explicit StrictChecker(std::int64_t row_limit = transaction_row_limit) : row_limit_(row_limit) {}
    // Why DSQL would reject sql as the connection's next statement, or nothing (the statement is then
    // counted in the current transaction).
    [[nodiscard]] std::optional<std::string> check(std::string_view sql);
    // Rows the last statement modified; the reason when the transaction is now over the limit.
    [[nodiscard]] std::optional<std::string> count_rows(std::int64_t rows);
    [[nodiscard]] bool in_transaction() const noexcept { return in_tx_; }

    // Every violation any dsql_local connection of this process met, for test harnesses that must fail
    // even when the exception was swallowed. take_violations() empties the list.
    static void record_violation(std::string what);
    [[nodiscard]] static std::vector<std::string> take_violations();

private:
    void end_transaction() noexcept;
    std::int64_t row_limit_;
    bool in_tx_ = false;
    int ddl_ = 0;
    bool dml_ = false;
    bool last_dml_ = false;  // the statement count_rows() is told about
    std::int64_t rows_ = 0;
};

// The statement as a local PostgreSQL server runs it: DSQL-only forms replaced by their nearest
// equivalent (CREATE [UNIQUE] INDEX ASYNC -> CREATE [UNIQUE] INDEX, ALTER TABLE ASYNC -> ALTER TABLE), in each
// statement of a script.
[[nodiscard]] RETORT_API std::string local_equivalent(std::string_view sql);

// ------------------------------------------------------------------------------------------------ retries

struct RETORT_API RetryPolicy {
    int max_attempts = 10;  // including the first
    std::chrono::milliseconds initial_backoff{10};
    std::chrono::milliseconds max_backoff{2000};
    double multiplier = 2.0;
    bool jitter = true;  // sleep a random time up to the backoff ("full jitter")
    // Also repeat a transaction that failed with SQLSTATE XX000 saying the server is unavailable, as the DSQL
    // docs advise (is_unavailable). Never when that came from COMMIT: its outcome is then unknown.
    bool retry_unavailable = true;
    // Called before each retry with the attempt that failed (1 = the first) and its error.
    std::function<void(int, const DBAPIError&)> on_retry;
};

// The connection was lost while COMMIT was under way: the transaction may or may not have been committed,
// so run_transaction does not repeat it. The caller has to find out (or make the work idempotent).
class RETORT_API CommitOutcomeUnknown : public OperationalError {
public:
    using OperationalError::OperationalError;
};

// An optimistic-concurrency conflict: SQLSTATE 40001, or DSQL's OC000 (data) / OC001 (schema) codes in
// the message, or SQLite's "database is locked" (DatabaseLocked). run_transaction works on any engine.
[[nodiscard]] RETORT_API bool is_conflict(const DBAPIError& e) noexcept;
// DSQL's transient "server unavailable": SQLSTATE XX000 with a message saying the service or server is
// unavailable. Other XX000 (internal) errors are not.
[[nodiscard]] RETORT_API bool is_unavailable(const DBAPIError& e) noexcept;

namespace detail {
RETORT_API void sleep_backoff(const RetryPolicy& policy, int attempt);
// Commits, turning a lost connection into CommitOutcomeUnknown.
RETORT_API void commit_checked(Transaction& tx);
RETORT_API void commit_checked(orm::Session& session);
// Rolls the session back, ignoring a failure to (the connection may be gone).
RETORT_API void rollback_quietly(orm::Session& session) noexcept;
// Whether attempt (1-based) failed with e should be repeated; calls on_retry and sleeps when so.
RETORT_API bool should_retry(const RetryPolicy& policy, int attempt, const DBAPIError& e);
}  // namespace detail

// Runs fn(Connection&) in a transaction of its own and commits; on a conflict rolls back, waits
// (exponential backoff with jitter) and runs the whole function again, up to policy.max_attempts times,
// then rethrows the last conflict. Other errors are rethrown at once, a connection lost during COMMIT as
// CommitOutcomeUnknown. fn must be safe to repeat. Returns what fn returns.
template <class Fn>
decltype(auto) run_transaction(const Engine& engine, Fn&& fn, const RetryPolicy& policy = {}) {
    for (int attempt = 1;; ++attempt) {
        try {
            Connection conn = engine.connect();
            Transaction tx = conn.begin();
            if constexpr (std::is_void_v<std::invoke_result_t<Fn&, Connection&>>) {
                fn(conn);
                detail::commit_checked(tx);
                return;
            } else {
                auto result = fn(conn);
                detail::commit_checked(tx);
                return result;
            }
        } catch (const CommitOutcomeUnknown&) {
            throw;
        } catch (const DBAPIError& e) {
            if (!detail::should_retry(policy, attempt, e)) throw;
        }
    }
}

// The same with a Session: fn(Session&), then flush and commit; on a conflict the session is rolled back
// (its objects expire) before fn runs again.
template <class Fn>
decltype(auto) run_transaction(orm::Session& session, Fn&& fn, const RetryPolicy& policy = {}) {
    for (int attempt = 1;; ++attempt) {
        try {
            if constexpr (std::is_void_v<std::invoke_result_t<Fn&, orm::Session&>>) {
                fn(session);
                detail::commit_checked(session);
                return;
            } else {
                auto result = fn(session);
                detail::commit_checked(session);
                return result;
            }
        } catch (const CommitOutcomeUnknown&) {
            throw;
        } catch (const DBAPIError& e) {
            detail::rollback_quietly(session);
            if (!detail::should_retry(policy, attempt, e)) throw;
        }
    }
}

// Executes an INSERT for many rows in transactions of at most chunk_rows rows each (0: the dialect's
// max_rows_per_transaction, else all at once) and of at most the dialect's max_bytes_per_transaction of values
// (stored_size), each through run_transaction. Returns the rows inserted. A single row over the byte limit is a
// TransactionLimitError before anything is sent; chunks committed before a failure stay committed.
RETORT_API std::int64_t insert_in_chunks(const Engine& engine, const Executable& insert, std::span<const Params> rows,
                                         std::size_t chunk_rows = 0, const RetryPolicy& policy = {});

}  // namespace retort::dsql
