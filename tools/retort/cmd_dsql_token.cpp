// retort dsql-token: prints an Aurora DSQL auth token, e.g. for psql:
//   PGPASSWORD=$(retort dsql-token --hostname "$HOST" --admin) psql "host=$HOST user=admin sslmode=verify-full"
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "retort/aws/dsql_token.hpp"
#include "retort/aws/sigv4.hpp"

namespace {

using retort::cli::UsageError;

std::chrono::seconds parse_expires(const std::string& text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError("--expires-in wants a whole number of seconds, not '" + text + "'");
    auto seconds = text.size() > 7 ? 0L : std::stol(text);
    if (seconds < 1 || seconds > 604800) throw UsageError("--expires-in must be between 1 and 604800 seconds");
    return std::chrono::seconds(seconds);
}

struct Args {
    std::string hostname, region, user, expires_in, at, profile;
    bool admin = false;
};

int run(const Args& args) {
    retort::aws::DsqlTokenParams params;
    params.hostname = args.hostname;
    params.region = args.region;
    params.admin = args.admin;
    if (!args.user.empty()) {
        bool admin_user = retort::aws::dsql_user_is_admin(args.user);
        if (params.admin && !admin_user) throw UsageError("--admin and --user " + args.user + " contradict each other");
        params.admin = admin_user;
    }
    if (!args.expires_in.empty()) params.expires_in = parse_expires(args.expires_in);
    if (!args.at.empty()) {
        try {
            params.signing_time = retort::aws::parse_timestamp(args.at);
        } catch (const retort::ArgumentError& e) {
            throw UsageError(std::string("--at: ") + e.what());
        }
    }
    retort::aws::ProfileOptions profile;
    if (!args.profile.empty()) profile.profile = args.profile;

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

void setup(CLI::App& retort, int& status) {
    auto* cmd = retort.add_subcommand("dsql-token", "print an Aurora DSQL IAM auth token (a connection's password)");
    auto args = std::make_shared<Args>();
    cmd->add_option("--hostname", args->hostname, "cluster endpoint, <cluster id>.dsql.<region>.on.aws")
        ->required()->type_name("HOST");
    cmd->add_option("--region", args->region,
                    "region to sign for (default: the endpoint's region, else AWS_REGION, AWS_DEFAULT_REGION or the "
                    "profile's region in ~/.aws/config)")->type_name("REGION");
    cmd->add_flag("--admin", args->admin, "a token for the admin role (Action=DbConnectAdmin)");
    cmd->add_option("--user", args->user,
                    "the database role to connect as; \"admin\" is the same as --admin, any other role gets a "
                    "DbConnect token (the default)")->type_name("USER")->check([](const std::string& v) {
        return v.empty() ? std::string("--user needs a role name") : std::string();
    });
    cmd->add_option("--expires-in", args->expires_in, "token lifetime, 1 to 604800 (default 900)")->type_name("SECONDS");
    cmd->add_option("--at", args->at, "sign as of TIME, ISO 8601 UTC like 2024-11-07T17:39:33Z (default: now)")
        ->type_name("TIME");
    cmd->add_option("--profile", args->profile, "AWS profile for credentials and region (default: AWS_PROFILE, else "
                                                "\"default\")")->type_name("PROFILE");
    cmd->footer("Credentials come from the standard AWS chain: the environment (AWS_ACCESS_KEY_ID, ...), web identity, "
                "the profile in the shared credentials and config files (roles, IAM Identity Center, "
                "credential_process), then container and EC2 instance credentials. The token is a secret: do not log it. For psql:\n  PGPASSWORD=$(retort dsql-token --hostname \"$HOST\" "
                "--admin) psql \"host=$HOST user=admin sslmode=verify-full\"");
    cmd->callback([args, &status] { status = run(*args); });
}

const retort::cli::Registration registration{setup};

}  // namespace
