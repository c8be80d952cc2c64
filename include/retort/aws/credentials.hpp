// AWS credentials and region, found the way the AWS CLI and SDKs find them.
//
// The standard chain tries, in order:
//   1. explicit credentials handed to it by the caller;
//   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN
//      (skipped when the caller names a profile explicitly, as botocore does, so that an explicit
//      profile is never overridden by whatever happens to be exported in the shell);
//   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), section
//      "[<profile>]";
//   4. the config file (AWS_CONFIG_FILE, else ~/.aws/config), section "[profile <profile>]", or
//      "[default]" for the default profile.
// The profile is the caller's, else AWS_PROFILE, else "default". Keys read from a profile are
// aws_access_key_id, aws_secret_access_key and aws_session_token (aws_security_token is accepted as the
// older spelling of the last).
//
// Not supported yet (a profile that relies on them is reported as having no static keys): IAM Identity
// Center / SSO (sso_session, sso_start_url), credential_process, web identity
// (AWS_WEB_IDENTITY_TOKEN_FILE, web_identity_token_file), assume-role profiles (role_arn with
// source_profile or credential_source), ECS/EKS container credentials (AWS_CONTAINER_CREDENTIALS_*) and
// EC2 instance roles (IMDS). Each can be added as another CredentialsProvider.
//
// Secrets never appear in what() of any error raised here, nor in describe() of any provider.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/error.hpp"

namespace retort::aws {

struct Credentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::optional<std::string> session_token;
    // Which source supplied them ("environment", "shared credentials file ... [profile dev]"), for
    // diagnostics; never a secret.
    std::string source;
};

// No credentials could be found, or a source holds only half of a key pair. The message names every
// source that was tried and why it gave nothing; it never contains a secret.
class CredentialsError : public Error {
public:
    using Error::Error;
};

// No region could be found for signing.
class RegionError : public Error {
public:
    using Error::Error;
};

// Where profile data comes from. Empty members mean the AWS defaults (environment, then ~/.aws/...).
struct ProfileOptions {
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
class CredentialsProvider {
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

class StaticCredentialsProvider : public CredentialsProvider {
public:
    explicit StaticCredentialsProvider(Credentials credentials);
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;

private:
    Credentials credentials_;
};

class EnvironmentCredentialsProvider : public CredentialsProvider {
public:
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;
};

// Reads one profile from the shared credentials file or from the config file.
class ProfileCredentialsProvider : public CredentialsProvider {
public:
    enum class File { credentials, config };
    ProfileCredentialsProvider(File file, ProfileOptions options = {});
    [[nodiscard]] std::string describe() const override;
    [[nodiscard]] Result load() const override;

private:
    File file_;
    ProfileOptions options_;
};

// Tries providers in order and returns the first credentials found.
class CredentialChain {
public:
    CredentialChain() = default;
    CredentialChain& add(std::unique_ptr<CredentialsProvider> provider);

    // The standard chain described at the top of this header.
    [[nodiscard]] static CredentialChain standard(std::optional<Credentials> explicit_credentials = {},
                                                  const ProfileOptions& options = {});

    // Throws CredentialsError naming every provider tried when none has credentials.
    [[nodiscard]] Credentials resolve() const;
    [[nodiscard]] const std::vector<std::unique_ptr<CredentialsProvider>>& providers() const noexcept {
        return providers_;
    }

private:
    std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

// Shorthand for CredentialChain::standard(explicit_credentials, options).resolve().
[[nodiscard]] Credentials resolve_credentials(std::optional<Credentials> explicit_credentials = {},
                                              const ProfileOptions& options = {});

// The region embedded in an Aurora DSQL endpoint "<cluster id>.dsql.<region>.on.aws" (a trailing dot or
// ":port" is allowed); empty for any other host name.
[[nodiscard]] std::optional<std::string> region_from_dsql_endpoint(std::string_view host);

// The region to sign for, first found of: explicit_region; the region of endpoint when it is a DSQL
// endpoint (it names where the cluster lives, so it beats a region exported for other work); AWS_REGION;
// AWS_DEFAULT_REGION; "region" in the config file's section for the profile. Throws RegionError naming
// the sources tried.
[[nodiscard]] std::string resolve_region(std::optional<std::string> explicit_region = {},
                                         std::string_view endpoint = {}, const ProfileOptions& options = {});

namespace detail {

// An INI file as the AWS tools read it: "[section]" headers, "key = value" lines, whole-line comments
// starting with '#' or ';', blank lines, surrounding whitespace ignored, keys lower-cased, indented lines
// continuing the previous value. A repeated section merges into the first. Throws CredentialsError with
// the file name and line number (never the line itself, which may hold a secret) on a malformed line.
using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;
[[nodiscard]] IniFile parse_ini(std::string_view text, std::string_view file_name);
// Reads and parses a file; empty when the file does not exist.
[[nodiscard]] std::optional<IniFile> read_ini_file(const std::filesystem::path& path);

}  // namespace detail

}  // namespace retort::aws
