// Internals shared by the credential sources (credentials.cpp, sources.cpp): JSON and XML reading, STS and
// the IAM Identity Center portal.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retort/aws/credentials.hpp"

namespace retort::aws::detail {

// An unset and an empty variable mean the same, as in the AWS CLI.
[[nodiscard]] std::optional<std::string> env_value(const char* name);
[[nodiscard]] std::filesystem::path home_dir();
[[nodiscard]] std::filesystem::path expand_home(const std::string& path);

// Just enough JSON for the credential endpoints' answers.
struct Json {
    enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
    bool boolean = false;
    double number = 0;
    std::string text;  // string value, or the number's text
    struct Member;
    std::vector<Json> items;
    std::vector<Member> members;
    [[nodiscard]] const Json* get(std::string_view key) const;
    // The member's string value; empty when absent or not a string.
    [[nodiscard]] std::optional<std::string> str(std::string_view key) const;
};
struct Json::Member {
    std::string key;
    Json value;
};
// Throws CredentialsError("<what>: malformed JSON ...") without quoting the text.
[[nodiscard]] Json parse_json(std::string_view text, std::string_view what);

// The text of the first <tag>...</tag> in an XML document, entities decoded.
[[nodiscard]] std::optional<std::string> xml_text(std::string_view xml, std::string_view tag);

// The region STS calls are signed for: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1.
[[nodiscard]] std::string sts_region(const ProfileOptions& options);
// "retort-session-<seconds since the epoch>".
[[nodiscard]] std::string default_role_session_name();

// STS AssumeRoleWithWebIdentity; source names the configuration for messages.
[[nodiscard]] Credentials assume_role_with_web_identity(const std::string& role_arn, const std::string& session_name,
                                                        const std::string& web_identity_token,
                                                        const std::string& region, const std::string& source);

struct AssumeRoleParams {
    std::string role_arn;
    std::string session_name;
    std::optional<std::string> external_id;
    std::optional<std::string> duration_seconds;
};
// STS AssumeRole signed with caller.
[[nodiscard]] Credentials assume_role(const Credentials& caller, const AssumeRoleParams& params,
                                      const std::string& region, const std::string& source);

struct SsoParams {
    std::string start_url;
    std::string sso_region;
    std::string account_id;
    std::string role_name;
    std::string cache_key;  // the sso_session name, or the start URL for the older configuration
};
// The cached token's file: ~/.aws/sso/cache/<sha1 hex of cache_key>.json. Exported (RETORT_API) for Retort's
// own tests, which call it directly.
[[nodiscard]] RETORT_API std::filesystem::path sso_cache_file(const std::string& cache_key);
[[nodiscard]] Credentials sso_role_credentials(const SsoParams& params, const std::string& source);

// Reads a token file (web identity, container authorization), trailing whitespace removed; errors name
// the file and the purpose.
[[nodiscard]] std::string read_token_file(const std::filesystem::path& path, std::string_view purpose);

}  // namespace retort::aws::detail
