// Aurora DSQL IAM auth tokens, the password a DSQL connection presents.
//
// A token is a SigV4-presigned "GET https://<host>/?Action=DbConnect" (DbConnectAdmin for the admin role)
// for service "dsql", signing only the host header over an empty payload, returned without "https://".
// The result is byte for byte what botocore's generate_db_connect_auth_token and
// generate_db_connect_admin_auth_token return, parameters in the same order:
//   <host>/?Action=DbConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...&X-Amz-Date=...
//   &X-Amz-Expires=900&X-Amz-SignedHeaders=host[&X-Amz-Security-Token=...]&X-Amz-Signature=...
// The server checks a token only when a connection is opened, so make one per new connection; it need
// only outlive the connect call, not the connection.
//
// A token grants access until it expires: treat it as a password. mask_dsql_token() gives a form that is
// safe for messages and logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "retort/aws/credentials.hpp"
#include "retort/detail/chrono.hpp"
#include "retort/export.hpp"

namespace retort::aws {

inline constexpr std::chrono::seconds default_dsql_token_expiry{900};

struct RETORT_API DsqlTokenParams {
    // The cluster endpoint, "<cluster id>.dsql.<region>.on.aws" (no scheme, no path).
    std::string hostname;
    // The region to sign for; empty: resolve_region({}, hostname, profile).
    std::string region;
    // Action=DbConnectAdmin (the "admin" role) instead of DbConnect (every other role).
    bool admin = false;
    std::chrono::seconds expires_in = default_dsql_token_expiry;
    // Fixed signing time (tests, reproducible output); now when empty.
    std::optional<std::chrono::system_clock::time_point> signing_time;
};

// With the given credentials. Throws ArgumentError for a bad host name or expiry, RegionError when no
// region can be found.
[[nodiscard]] RETORT_API std::string generate_dsql_auth_token(const DsqlTokenParams& params,
                                                              const Credentials& credentials,
                                                              const ProfileOptions& profile = {});

// With credentials from the standard chain (see credentials.hpp); also throws CredentialsError.
[[nodiscard]] RETORT_API std::string generate_dsql_auth_token(const DsqlTokenParams& params,
                                                              const ProfileOptions& profile = {});

// DSQL's "admin" role authenticates with DbConnectAdmin tokens; every other role with DbConnect.
[[nodiscard]] constexpr bool dsql_user_is_admin(std::string_view user) noexcept {
    return user == "admin";
}

// "<host>/?Action=DbConnect&***": keeps what identifies the token, hides what would let anyone use it.
[[nodiscard]] RETORT_API std::string mask_dsql_token(std::string_view token);

// text with every occurrence of token replaced by mask_dsql_token(token), for error messages that might
// quote a connection string.
[[nodiscard]] RETORT_API std::string redact_dsql_token(std::string_view text, std::string_view token);

}  // namespace retort::aws
