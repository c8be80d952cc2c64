// AWS credentials and region, found the way the AWS CLI and SDKs find them.
//
// The standard chain (CredentialChain::standard) tries, in the order of the AWS SDKs:
//   1. explicit credentials handed to it by the caller;
//   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN
//      (skipped when the caller names a profile explicitly, as botocore does, so that an explicit
//      profile is never overridden by whatever happens to be exported in the shell);
//   3. web identity (EKS IRSA): AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME], the
//      token file read afresh each time and exchanged through STS AssumeRoleWithWebIdentity;
//   4. the profile in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials),
//      section "[<profile>]", then in the config file (AWS_CONFIG_FILE, else ~/.aws/config), section
//      "[profile <profile>]" ("[default]" for the default profile). Within a section, first found of:
//        - role_arn: with web_identity_token_file, STS AssumeRoleWithWebIdentity; with source_profile,
//          STS AssumeRole signed (SigV4) with the source profile's credentials (which may themselves come
//          from a role: chains are followed, a cycle is an error); with credential_source = Environment,
//          Ec2InstanceMetadata or EcsContainer, AssumeRole signed with those. role_session_name,
//          external_id and duration_seconds are honoured; mfa_serial is refused (no prompt here);
//        - IAM Identity Center: sso_session (with its "[sso-session <name>]" section's sso_start_url and
//          sso_region) or the older sso_start_url + sso_region, with sso_account_id and sso_role_name: the
//          token `aws sso login` cached in ~/.aws/sso/cache/<sha1 of the session name or start URL>.json
//          is handed to the portal's GetRoleCredentials. An expired token is reported (run `aws sso login`
//          again); Retort does not refresh it itself;
//        - aws_access_key_id / aws_secret_access_key / aws_session_token (aws_security_token, the older
//          spelling of the last);
//        - credential_process: the command is split into words as a POSIX shell would (quotes and
//          backslashes) and run directly, without a shell; its standard output must be the JSON of
//          Version 1 (AccessKeyId, SecretAccessKey, optional SessionToken and Expiration);
//   5. container credentials (ECS, EKS Pod Identity): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI against
//      http://169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI, which must be https or name a loopback
//      host, 169.254.170.2, 169.254.170.23 or fd00:ec2::23; the Authorization header is the content of
//      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, else AWS_CONTAINER_AUTHORIZATION_TOKEN;
//   6. EC2 instance metadata, IMDSv2 only: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds),
//      then the role under /latest/meta-data/iam/security-credentials/ with X-aws-ec2-metadata-token.
//      AWS_EC2_METADATA_SERVICE_ENDPOINT moves it (default http://169.254.169.254, or http://[fd00:ec2::254]
//      with AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6); AWS_EC2_METADATA_DISABLED=true turns it off.
// The profile is the caller's, else AWS_PROFILE, else "default".
//
// STS is reached at AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else https://sts.<region>.amazonaws.com
// (region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1); the IAM Identity Center
// portal at AWS_ENDPOINT_URL_SSO, else https://portal.sso.<sso_region>.amazonaws.com. HTTP goes through
// libcurl with short timeouts (1 s to connect; 2 s in all for instance metadata, 5 s for the container
// endpoint, 10 s for STS and the portal), no redirects, a size cap and no proxy for the link-local and
// loopback endpoints.
//
// Sources that hand out temporary credentials set Credentials::expiration. RefreshingCredentialsProvider
// keeps such credentials and asks its source again only within refresh_before (5 minutes) of expiry, so
// an engine does not call an endpoint for every new connection; the DSQL token provider uses one.
//
// Secrets (keys, session and web identity tokens, bearer tokens, signatures) never appear in what() of any
// error raised here, nor in describe() of any provider, nor in Credentials::source. Errors name the source
// that failed and why: the file, the URL without its query, the HTTP status and the service's error code.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/detail/chrono.hpp"
#include "retort/error.hpp"
#include "retort/export.hpp"

namespace retort::aws {

struct RETORT_API Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::optional<std::string> session_token;
    // Which source supplied them ("environment", "shared credentials file ... [profile dev]"), for
    // diagnostics; never a secret.
    std::string source;
    // When temporary credentials stop working; empty for long-term keys.
    std::optional<std::chrono::system_clock::time_point> expiration;
};

// No credentials could be found, or a source holds only half of a key pair. The message names every
// source that was tried and why it gave nothing; it never contains a secret.
class RETORT_API CredentialsError : public Error {
public:
    using Error::Error;
};

// No region could be found for signing.
class RETORT_API RegionError : public Error {
public:
    using Error::Error;
};

// Where profile data comes from. Empty members mean the AWS defaults (environment, then ~/.aws/...).
struct RETORT_API ProfileOptions {
    // The profile to use; empty: AWS_PROFILE, else "default". Setting it also skips the environment
    // credentials in the standard chain.
    std::optional<std::string> profile;
    std::optional<std::filesystem::path> credentials_file;
    std::optional<std::filesystem::path> config_file;

    [[nodiscard]] std::string resolved_profile() const;
    [[nodiscard]] std::filesystem::path resolved_credentials_file() const;
    [[nodiscard]] std::filesystem::path resolved_config_file() const;
};

// One source of credentials.
class RETORT_API CredentialsProvider {
public:
    struct Result {
        std::optional<Credentials> credentials;
        // When credentials is empty: why this source had none ("AWS_ACCESS_KEY_ID is not set").
        std::string reason;
    };

    virtual ~CredentialsProvider() = default;
    // What the provider looks at, for messages ("environment variables", "shared credentials file
    // /home/me/.aws/credentials [profile dev]").
    [[nodiscard]] virtual std::string describe() const = 0;
    // Throws CredentialsError when the source exists but is unusable (a key id without its secret, a
    // malformed file), since silently falling through to another identity would be worse.
    [[nodiscard]] virtual Result load() const = 0;
};

class RETORT_API StaticCredentialsProvider : public CredentialsProvider {
public:
    explicit StaticCredentialsProvider(Credentials credentials);
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;

private:
    Credentials credentials_;
};

class RETORT_API EnvironmentCredentialsProvider : public CredentialsProvider {
public:
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;
};

// Reads one profile from the shared credentials file or from the config file.
class RETORT_API ProfileCredentialsProvider : public CredentialsProvider {
public:
    enum class File { credentials, config };
    ProfileCredentialsProvider(File file, ProfileOptions options = {});
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;

private:
    File file_;
    ProfileOptions options_;
};

// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME] through STS
// AssumeRoleWithWebIdentity. Nothing when AWS_WEB_IDENTITY_TOKEN_FILE is unset; an error when only one of
// the two is set or STS refuses. options give the region's profile.
class RETORT_API WebIdentityCredentialsProvider : public CredentialsProvider {
public:
    explicit WebIdentityCredentialsProvider(ProfileOptions options = {});
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;

private:
    ProfileOptions options_;
};

// Runs a credential_process command (without a shell) and reads its JSON Version 1 output.
class RETORT_API ProcessCredentialsProvider : public CredentialsProvider {
public:
    // source_description names where the command came from ("config file ... [profile dev]"); the command
    // itself is never shown, since its arguments may hold a secret.
    ProcessCredentialsProvider(std::string command, std::string source_description,
                               std::chrono::seconds timeout = std::chrono::seconds(60));
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;

private:
    std::string command_;
    std::string source_;
    std::chrono::seconds timeout_;
};

// ECS task roles and EKS Pod Identity: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI.
class RETORT_API ContainerCredentialsProvider : public CredentialsProvider {
public:
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;
    // The URL load() would ask, from the environment; empty when neither variable is set. Throws
    // CredentialsError when AWS_CONTAINER_CREDENTIALS_FULL_URI names a host that is not allowed.
    [[nodiscard]] static std::optional<std::string> endpoint_url();
};

// EC2 instance roles through IMDSv2.
class RETORT_API InstanceMetadataCredentialsProvider : public CredentialsProvider {
public:
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;
    // AWS_EC2_METADATA_SERVICE_ENDPOINT, else the IPv4 or IPv6 default (without a trailing slash).
    [[nodiscard]] static std::string endpoint();
};

// Keeps temporary credentials (those with an expiration) from its source and asks again only when they
// expire within refresh_before; long-term keys (no expiration) are asked for on every load(), since reading
// them is cheap and a rotated key is then seen. Thread-safe: concurrent callers wait for one refresh. When a
// refresh fails while the kept credentials are still valid, those are returned; once they have expired,
// the error is raised. clock: now (tests); empty: the system clock.
class RETORT_API RefreshingCredentialsProvider : public CredentialsProvider {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;
    explicit RefreshingCredentialsProvider(std::shared_ptr<const CredentialsProvider> source,
                                           std::chrono::seconds refresh_before = std::chrono::minutes(5),
                                           Clock clock = {});
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;
    // Drops what is kept, so the next load() asks the source.
    void invalidate() const;

private:
    std::shared_ptr<const CredentialsProvider> source_;
    std::chrono::seconds refresh_before_;
    Clock clock_;
    mutable std::mutex mu_;
    mutable std::optional<Result> kept_;
};

// Credentials from a function of the application's (a vault, a secrets manager): called on each load().
class RETORT_API CallbackCredentialsProvider : public CredentialsProvider {
public:
    using Callback = std::function<Credentials()>;
    explicit CallbackCredentialsProvider(Callback callback, std::string description = "application credentials_provider");
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;

private:
    Callback callback_;
    std::string description_;
};

// Tries providers in order and returns the first credentials found.
class RETORT_API CredentialChain {
public:
    CredentialChain() = default;
    CredentialChain& add(std::unique_ptr<CredentialsProvider> provider);

    // The standard chain described at the top of this header.
    [[nodiscard]] static CredentialChain standard(std::optional<Credentials> explicit_credentials = {},
                                                  const ProfileOptions& options = {});

    // Throws CredentialsError naming every provider tried when none has credentials, and the provider
    // whose source exists but failed.
    [[nodiscard]] Credentials resolve() const;
    [[nodiscard]] const std::vector<std::unique_ptr<CredentialsProvider>>& providers() const noexcept {
        return providers_;
    }

private:
    std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

// Shorthand for CredentialChain::standard(explicit_credentials, options).resolve().
[[nodiscard]] RETORT_API Credentials resolve_credentials(std::optional<Credentials> explicit_credentials = {},
                                                         const ProfileOptions& options = {});

// The region embedded in an Aurora DSQL endpoint, read as the DSQL connectors do: any host ending in
// ".dsql<suffix>.<region>.on.aws" (their pattern \.dsql[^.]*\.([^.]+)\.on\.aws$), such as
// "<cluster id>.dsql.us-east-1.on.aws" or "<cluster id>.dsql-fnh4.us-east-1.on.aws"; a trailing dot or
// ":port" is allowed. Empty for any other host name.
[[nodiscard]] RETORT_API std::optional<std::string> region_from_dsql_endpoint(std::string_view host);

// A bare cluster id given as the host (lower-case letters and digits, no dot; not "localhost").
[[nodiscard]] RETORT_API bool is_dsql_cluster_id(std::string_view host);
// "<cluster id>.dsql.<region>.on.aws".
[[nodiscard]] RETORT_API std::string dsql_endpoint_for(std::string_view cluster_id, std::string_view region);

// The region to sign for, first found of: explicit_region; the region of endpoint when it is a DSQL
// endpoint (it names where the cluster lives, so it beats a region exported for other work); AWS_REGION;
// AWS_DEFAULT_REGION; "region" in the config file's section for the profile. Throws RegionError naming
// the sources tried.
[[nodiscard]] RETORT_API std::string resolve_region(std::optional<std::string> explicit_region = {},
                                                    std::string_view endpoint = {}, const ProfileOptions& options = {});

namespace detail {

// An INI file as the AWS tools read it: "[section]" headers, "key = value" lines, whole-line comments
// starting with '#' or ';', blank lines, surrounding whitespace ignored, keys lower-cased, indented lines
// continuing the previous value. A repeated section merges into the first. Throws CredentialsError with
// the file name and line number (never the line itself, which may hold a secret) on a malformed line.
using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;
[[nodiscard]] RETORT_API IniFile parse_ini(std::string_view text, std::string_view file_name);

// The STS endpoint for region: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else
// https://sts.<region>.amazonaws.com (no trailing slash).
[[nodiscard]] RETORT_API std::string sts_endpoint(const std::string& region);
// The IAM Identity Center portal: AWS_ENDPOINT_URL_SSO, else https://portal.sso.<region>.amazonaws.com.
[[nodiscard]] RETORT_API std::string sso_portal_endpoint(const std::string& sso_region);
// Splits a credential_process command line into words as a POSIX shell does (whitespace separates;
// '...' literal; "..." with \\ \" \$ \` escapes; a backslash outside quotes escapes the next character).
// Throws CredentialsError on an unterminated quote.
[[nodiscard]] RETORT_API std::vector<std::string> split_command_line(std::string_view command);
// Reads and parses a file; empty when the file does not exist.
[[nodiscard]] RETORT_API std::optional<IniFile> read_ini_file(const std::filesystem::path& path);

}  // namespace detail

}  // namespace retort::aws
