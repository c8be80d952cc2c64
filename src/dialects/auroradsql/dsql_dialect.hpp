// The Aurora DSQL dialect: PostgreSQL with DSQL's capability flags, connect parameters fitted to DSQL
// (TLS verify-full, token as password), and the dsql_local emulation used by the DSQL-strict tests. The
// public side is retort/dialects/auroradsql.hpp.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dialects/postgresql/pg_dialect.hpp"
#include "retort/dialects/auroradsql.hpp"

namespace retort::dsql {

// What an auroradsql URL says beyond libpq's keywords.
struct RETORT_API DsqlSettings {
    std::string hostname;
    std::string user = "admin";
    std::string region;  // resolved when the dialect is made (empty in local mode)
    std::optional<std::string> schema;
    std::optional<std::string> profile;
    std::chrono::seconds token_expires_in = aws::default_dsql_token_expiry;
    std::int64_t identity_cache = default_identity_cache;
    bool wait_for_index = false;
    std::chrono::seconds index_timeout{600};
    bool local = false;
    bool has_password = false;  // a password in the URL is used as it is, no token made

    [[nodiscard]] static DsqlSettings from_url(const URL& url);
};

// Exported (RETORT_API) for Retort's own tests, which reach its token provider.
class RETORT_API DsqlDialect final : public postgresql::PGDialect {
public:
    explicit DsqlDialect(DsqlSettings settings);
    [[nodiscard]] static DialectCapabilities dsql_capabilities();
    [[nodiscard]] const DsqlSettings& settings() const noexcept { return settings_; }

    [[nodiscard]] ConnectParams create_connect_params(const URL& url) const override;
    [[nodiscard]] std::unique_ptr<DBAPIConnection> connect(const ConnectParams& params) const override;
    void on_connect(DBAPIConnection& c) const override;
    void prepare_engine_options(EngineOptions& o) const override;
    void on_engine_created(const Engine& engine) const override;
    void after_create_index(Connection& conn, const std::vector<Row>& returned) const override;

    void set_isolation_level(DBAPIConnection& c, std::string_view level) const override;
    [[nodiscard]] std::string default_isolation_level() const override { return "REPEATABLE READ"; }

    // The provider the engine's do_connect handler asks for each new connection's token.
    void set_token_provider(std::shared_ptr<const TokenProvider> p) const;
    [[nodiscard]] std::shared_ptr<const TokenProvider> token_provider() const;

private:
    DsqlSettings settings_;
    struct Slot {
        std::mutex mu;
        std::shared_ptr<const TokenProvider> provider;
    };
    std::shared_ptr<Slot> slot_ = std::make_shared<Slot>();
};

}  // namespace retort::dsql

namespace retort::detail {
// The factory make_dialect() calls for "auroradsql" URLs.
[[nodiscard]] std::shared_ptr<Dialect> make_auroradsql_dialect(const URL& url);
}  // namespace retort::detail
