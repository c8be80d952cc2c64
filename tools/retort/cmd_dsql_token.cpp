// retort dsql-token: prints an Aurora DSQL auth token, e.g. for psql:
//   PGPASSWORD=$(retort dsql-token --hostname "$HOST" --admin) psql "host=$HOST user=admin sslmode=verify-full"
#include <iostream>
#include <string>

#include "commands.hpp"
#include "retort/aws/dsql_token.hpp"
#include "retort/aws/sigv4.hpp"

namespace {

using retort::cli::UsageError;

constexpr std::string_view help = R"(usage: retort dsql-token --hostname HOST [--region REGION] [--admin | --user USER]
                         [--expires-in SECONDS] [--at TIME] [--profile PROFILE]

Prints an Aurora DSQL IAM auth token, the password for a new connection, to stdout.

  --hostname HOST       cluster endpoint, <cluster id>.dsql.<region>.on.aws
  --region REGION       region to sign for (default: the endpoint's region, else AWS_REGION,
                        AWS_DEFAULT_REGION or the profile's region in ~/.aws/config)
  --admin               a token for the admin role (Action=DbConnectAdmin)
  --user USER           the database role to connect as; "admin" is the same as --admin,
                        any other role gets a DbConnect token (the default)
  --expires-in SECONDS  token lifetime, 1 to 604800 (default 900)
  --at TIME             sign as of TIME, ISO 8601 UTC like 2024-11-07T17:39:33Z (default: now)
  --profile PROFILE     AWS profile for credentials and region (default: AWS_PROFILE, else "default")
  -h, --help            show this help

Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the
shared credentials file, else the config file (SSO, credential_process and instance roles are not
supported yet). The token is a secret: do not log it.
)";

constexpr retort::cli::OptionSpec options_spec[] = {
    {"hostname"}, {"region"}, {"admin", false}, {"user"}, {"expires-in"}, {"at"}, {"profile"}, {"help", false},
};

std::chrono::seconds parse_expires(const std::string& text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError("--expires-in wants a whole number of seconds, not '" + text + "'");
    auto seconds = text.size() > 7 ? 0L : std::stol(text);
    if (seconds < 1 || seconds > 604800) throw UsageError("--expires-in must be between 1 and 604800 seconds");
    return std::chrono::seconds(seconds);
}

int run(std::span<const std::string> args) {
    for (const auto& arg : args)
        if (arg == "-h" || arg == "--help") {
            std::cout << help;
            return 0;
        }
    retort::cli::Options options(args, options_spec);

    retort::aws::DsqlTokenParams params;
    params.hostname = options.value("hostname").value_or("");
    if (params.hostname.empty()) throw UsageError("--hostname is required");
    params.region = options.value("region").value_or("");
    params.admin = options.has("admin");
    if (auto user = options.value("user")) {
        if (user->empty()) throw UsageError("--user needs a role name");
        bool admin_user = retort::aws::dsql_user_is_admin(*user);
        if (params.admin && !admin_user) throw UsageError("--admin and --user " + *user + " contradict each other");
        params.admin = admin_user;
    }
    if (auto expires = options.value("expires-in")) params.expires_in = parse_expires(*expires);
    if (auto at = options.value("at")) {
        try {
            params.signing_time = retort::aws::parse_timestamp(*at);
        } catch (const retort::ArgumentError& e) {
            throw UsageError(std::string("--at: ") + e.what());
        }
    }
    retort::aws::ProfileOptions profile;
    if (auto p = options.value("profile")) profile.profile = *p;

    std::string token;
    try {
        token = retort::aws::generate_dsql_auth_token(params, profile);
    } catch (const retort::aws::RegionError& e) {
        throw UsageError(std::string(e.what()) + "\nPass --region.");
    } catch (const retort::ArgumentError& e) {
        throw UsageError(e.what());
    }
    std::cout << token << "\n";
    return 0;
}

const retort::cli::Registration registration{{"dsql-token", "print an Aurora DSQL IAM auth token", run}};

}  // namespace
