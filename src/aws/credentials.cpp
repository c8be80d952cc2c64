#include "retort/aws/credentials.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

namespace retort::aws {
namespace {

// An unset and an empty variable mean the same, as in the AWS CLI.
std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::filesystem::path home_directory() {
    if (auto home = env("HOME")) return *home;
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir && *pw->pw_dir) return pw->pw_dir;
    return "~";
}

std::filesystem::path expand_user(const std::string& path) {
    if (path == "~") return home_directory();
    if (path.rfind("~/", 0) == 0) return home_directory() / path.substr(2);
    return path;
}

// "[ profile   dev ]" and "[profile dev]" name the same section.
std::string normalize_section_name(std::string_view name) {
    name = trim(name);
    if (name.size() > 7 && name.substr(0, 7) == "profile" && is_space(name[7]))
        return "profile " + std::string(trim(name.substr(7)));
    return std::string(name);
}

// Cuts a trailing comment from a value: '#' or ';' preceded by whitespace. Keys and tokens contain no
// whitespace, so this never truncates a credential.
std::string_view strip_inline_comment(std::string_view value) {
    for (std::size_t i = 1; i < value.size(); ++i)
        if ((value[i] == '#' || value[i] == ';') && is_space(value[i - 1])) return trim(value.substr(0, i));
    return value;
}

std::string config_section_for(const std::string& profile) {
    return profile == "default" ? "default" : "profile " + profile;
}

const detail::IniSection* find_profile(const detail::IniFile& ini, ProfileCredentialsProvider::File file,
                                       const std::string& profile) {
    using File = ProfileCredentialsProvider::File;
    auto it = ini.find(file == File::credentials ? profile : config_section_for(profile));
    // The CLI also accepts "[profile default]" in the config file.
    if (it == ini.end() && file == File::config && profile == "default") it = ini.find("profile default");
    return it == ini.end() ? nullptr : &it->second;
}

std::optional<std::string> get(const detail::IniSection& section, const char* key) {
    auto it = section.find(key);
    if (it == section.end() || it->second.empty()) return std::nullopt;
    return it->second;
}

// Names the unsupported mechanism a profile relies on, if any, so the error says why it was passed over.
std::string unsupported_mechanism(const detail::IniSection& section) {
    if (section.count("sso_session") || section.count("sso_start_url")) return "IAM Identity Center (SSO)";
    if (section.count("credential_process")) return "credential_process";
    if (section.count("web_identity_token_file")) return "web identity";
    if (section.count("role_arn")) return "assume-role (role_arn)";
    return {};
}

}  // namespace

// ---- ProfileOptions ------------------------------------------------------------------------------------

std::string ProfileOptions::resolved_profile() const {
    if (profile && !profile->empty()) return *profile;
    return env("AWS_PROFILE").value_or("default");
}

std::filesystem::path ProfileOptions::resolved_credentials_file() const {
    if (credentials_file) return *credentials_file;
    if (auto p = env("AWS_SHARED_CREDENTIALS_FILE")) return expand_user(*p);
    return home_directory() / ".aws" / "credentials";
}

std::filesystem::path ProfileOptions::resolved_config_file() const {
    if (config_file) return *config_file;
    if (auto p = env("AWS_CONFIG_FILE")) return expand_user(*p);
    return home_directory() / ".aws" / "config";
}

// ---- providers ------------------------------------------------------------------------------------------

StaticCredentialsProvider::StaticCredentialsProvider(Credentials credentials) : credentials_(std::move(credentials)) {
    if (credentials_.source.empty()) credentials_.source = "explicit credentials";
}

std::string StaticCredentialsProvider::describe() const {
    return "explicit credentials";
}

CredentialsProvider::Result StaticCredentialsProvider::load() const {
    bool has_id = !credentials_.access_key_id.empty(), has_secret = !credentials_.secret_access_key.empty();
    if (!has_id && !has_secret) return {std::nullopt, "none given"};
    if (!has_id) throw CredentialsError("explicit AWS credentials have a secret access key but no access key id");
    if (!has_secret) throw CredentialsError("explicit AWS credentials have an access key id but no secret access key");
    return {credentials_, {}};
}

std::string EnvironmentCredentialsProvider::describe() const {
    return "environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY";
}

CredentialsProvider::Result EnvironmentCredentialsProvider::load() const {
    auto id = env("AWS_ACCESS_KEY_ID");
    auto secret = env("AWS_SECRET_ACCESS_KEY");
    if (!id && !secret) return {std::nullopt, "not set"};
    if (!secret) throw CredentialsError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    if (!id) throw CredentialsError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    Credentials c{*id, *secret, env("AWS_SESSION_TOKEN"), "environment"};
    if (!c.session_token) c.session_token = env("AWS_SECURITY_TOKEN");
    return {std::move(c), {}};
}

ProfileCredentialsProvider::ProfileCredentialsProvider(File file, ProfileOptions options)
    : file_(file), options_(std::move(options)) {}

std::string ProfileCredentialsProvider::describe() const {
    auto profile = options_.resolved_profile();
    if (file_ == File::credentials)
        return "shared credentials file " + options_.resolved_credentials_file().string() + " [" + profile + "]";
    return "config file " + options_.resolved_config_file().string() + " [" + config_section_for(profile) + "]";
}

CredentialsProvider::Result ProfileCredentialsProvider::load() const {
    auto path = file_ == File::credentials ? options_.resolved_credentials_file() : options_.resolved_config_file();
    auto profile = options_.resolved_profile();
    auto ini = detail::read_ini_file(path);
    if (!ini) return {std::nullopt, "file not found"};
    const auto* section = find_profile(*ini, file_, profile);
    if (!section) return {std::nullopt, "no such section"};
    auto id = get(*section, "aws_access_key_id");
    auto secret = get(*section, "aws_secret_access_key");
    if (!id && !secret) {
        auto mechanism = unsupported_mechanism(*section);
        if (!mechanism.empty()) return {std::nullopt, "uses " + mechanism + ", which Retort does not support yet"};
        return {std::nullopt, "no aws_access_key_id"};
    }
    if (!secret) throw CredentialsError(describe() + " has aws_access_key_id but no aws_secret_access_key");
    if (!id) throw CredentialsError(describe() + " has aws_secret_access_key but no aws_access_key_id");
    auto token = get(*section, "aws_session_token");
    if (!token) token = get(*section, "aws_security_token");
    return {Credentials{*id, *secret, token, describe()}, {}};
}

// ---- chain ----------------------------------------------------------------------------------------------

CredentialChain& CredentialChain::add(std::unique_ptr<CredentialsProvider> provider) {
    providers_.push_back(std::move(provider));
    return *this;
}

CredentialChain CredentialChain::standard(std::optional<Credentials> explicit_credentials,
                                          const ProfileOptions& options) {
    CredentialChain chain;
    if (explicit_credentials) chain.add(std::make_unique<StaticCredentialsProvider>(std::move(*explicit_credentials)));
    if (!options.profile || options.profile->empty()) chain.add(std::make_unique<EnvironmentCredentialsProvider>());
    chain.add(std::make_unique<ProfileCredentialsProvider>(ProfileCredentialsProvider::File::credentials, options));
    chain.add(std::make_unique<ProfileCredentialsProvider>(ProfileCredentialsProvider::File::config, options));
    return chain;
}

Credentials CredentialChain::resolve() const {
    std::string tried;
    for (const auto& provider : providers_) {
        auto result = provider->load();
        if (result.credentials) {
            if (result.credentials->source.empty()) result.credentials->source = provider->describe();
            return std::move(*result.credentials);
        }
        tried += "\n  - " + provider->describe() + ": " + result.reason;
    }
    throw CredentialsError("no AWS credentials found; tried:" + tried +
                           "\n(SSO, credential_process, web identity, container and instance roles are not "
                           "supported yet)");
}

Credentials resolve_credentials(std::optional<Credentials> explicit_credentials, const ProfileOptions& options) {
    return CredentialChain::standard(std::move(explicit_credentials), options).resolve();
}

// ---- region ---------------------------------------------------------------------------------------------

std::optional<std::string> region_from_dsql_endpoint(std::string_view host) {
    host = trim(host);
    if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        auto port = host.substr(colon + 1);
        if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
        host = host.substr(0, colon);
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    auto lower = to_lower(host);
    std::vector<std::string_view> labels;
    std::string_view rest = lower;
    while (true) {
        auto dot = rest.find('.');
        labels.push_back(rest.substr(0, dot));
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
    }
    if (labels.size() != 5 || labels[1] != "dsql" || labels[3] != "on" || labels[4] != "aws") return std::nullopt;
    auto valid = [](std::string_view label, std::string_view extra) {
        if (label.empty()) return false;
        for (char c : label)
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || extra.find(c) != std::string_view::npos))
                return false;
        return true;
    };
    if (!valid(labels[0], "") || !valid(labels[2], "-")) return std::nullopt;
    return std::string(labels[2]);
}

std::string resolve_region(std::optional<std::string> explicit_region, std::string_view endpoint,
                           const ProfileOptions& options) {
    if (explicit_region && !explicit_region->empty()) return *explicit_region;
    if (!endpoint.empty())
        if (auto r = region_from_dsql_endpoint(endpoint)) return *r;
    if (auto r = env("AWS_REGION")) return *r;
    if (auto r = env("AWS_DEFAULT_REGION")) return *r;
    auto path = options.resolved_config_file();
    auto profile = options.resolved_profile();
    if (auto ini = detail::read_ini_file(path))
        if (const auto* section = find_profile(*ini, ProfileCredentialsProvider::File::config, profile))
            if (auto r = get(*section, "region")) return *r;
    std::string message = "no AWS region found; tried:";
    if (!endpoint.empty()) message += "\n  - the host name (not an Aurora DSQL endpoint <id>.dsql.<region>.on.aws)";
    message += "\n  - environment variables AWS_REGION / AWS_DEFAULT_REGION";
    message += "\n  - config file " + path.string() + " [" + config_section_for(profile) + "] region";
    throw RegionError(message);
}

// ---- INI ------------------------------------------------------------------------------------------------

namespace detail {

IniFile parse_ini(std::string_view text, std::string_view file_name) {
    IniFile ini;
    IniSection* section = nullptr;
    std::string* last_value = nullptr;
    std::size_t line_no = 0;
    auto fail = [&](const char* what) {
        throw CredentialsError(std::string(file_name) + ":" + std::to_string(line_no) + ": " + what);
    };
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view raw = text.substr(start, end - start);
        start = end + 1;
        ++line_no;
        auto line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (last_value && is_space(raw.front())) {
            // A nested setting ("s3 =\n  max_concurrent_requests = 10") continues the previous value.
            *last_value += '\n';
            *last_value += strip_inline_comment(line);
            continue;
        }
        last_value = nullptr;
        if (line.front() == '[') {
            auto close = line.find(']');
            if (close == std::string_view::npos) fail("unterminated section header");
            auto after = trim(line.substr(close + 1));
            if (!after.empty() && after.front() != '#' && after.front() != ';') fail("text after section header");
            auto name = normalize_section_name(line.substr(1, close - 1));
            if (name.empty()) fail("empty section name");
            section = &ini[name];
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string_view::npos) fail("expected 'key = value' or '[section]'");
        if (!section) fail("setting outside any [section]");
        auto key = to_lower(trim(line.substr(0, eq)));
        if (key.empty()) fail("empty key");
        auto& value = (*section)[key];
        value = std::string(strip_inline_comment(trim(line.substr(eq + 1))));
        last_value = &value;
    }
    return ini;
}

std::optional<IniFile> read_ini_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CredentialsError("cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return parse_ini(text.str(), path.string());
}

}  // namespace detail

}  // namespace retort::aws
