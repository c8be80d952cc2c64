#include "retort/aws/credentials.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "aws/sources.hpp"
#include "detail/text.hpp"

namespace retort::aws {
namespace {

// An unset and an empty variable mean the same, as in the AWS CLI.
std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
}

using retort::detail::is_space;
using retort::detail::to_lower;
using retort::detail::trim_view;

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
    name = trim_view(name);
    if (name.size() > 7 && name.substr(0, 7) == "profile" && is_space(name[7]))
        return "profile " + std::string(trim_view(name.substr(7)));
    return std::string(name);
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

std::string describe_profile(ProfileCredentialsProvider::File file, const ProfileOptions& options,
                             const std::string& profile) {
    if (file == ProfileCredentialsProvider::File::credentials)
        return "shared credentials file " + options.resolved_credentials_file().string() + " [" + profile + "]";
    return "config file " + options.resolved_config_file().string() + " [" + config_section_for(profile) + "]";
}

CredentialsProvider::Result resolve_section(const detail::IniSection& section, const std::string& profile,
                                            const std::string& where, const ProfileOptions& options,
                                            std::vector<std::string>& visiting);

// The credentials of a source_profile: its section in the credentials file, then in the config file.
Credentials resolve_source_profile(const std::string& name, const ProfileOptions& options,
                                   std::vector<std::string>& visiting) {
    for (const auto& v : visiting)
        if (v == name) {
            std::string cycle;
            for (const auto& p : visiting) cycle += p + " -> ";
            throw CredentialsError("source_profile cycle: " + cycle + name);
        }
    if (visiting.size() > 8) throw CredentialsError("source_profile chain longer than 8 profiles");
    visiting.push_back(name);
    ProfileOptions o = options;
    o.profile = name;
    std::string reasons;
    for (auto file : {ProfileCredentialsProvider::File::credentials, ProfileCredentialsProvider::File::config}) {
        auto path = file == ProfileCredentialsProvider::File::credentials ? o.resolved_credentials_file()
                                                                           : o.resolved_config_file();
        auto ini = detail::read_ini_file(path);
        const auto* section = ini ? find_profile(*ini, file, name) : nullptr;
        if (!section) continue;
        auto where = describe_profile(file, o, name);
        auto r = resolve_section(*section, name, where, o, visiting);
        if (r.credentials) {
            visiting.pop_back();
            return std::move(*r.credentials);
        }
        reasons += "; " + where + ": " + r.reason;
    }
    throw CredentialsError("source_profile " + name + " has no credentials" +
                           (reasons.empty() ? std::string(" (no such profile)") : reasons));
}

CredentialsProvider::Result resolve_role(const detail::IniSection& section, const std::string& role_arn,
                                         const std::string& profile, const std::string& where,
                                         const ProfileOptions& options, std::vector<std::string>& visiting) {
    const std::string source = where + " (role " + role_arn + ")";
    if (get(section, "mfa_serial"))
        throw CredentialsError(source + ": mfa_serial asks for an MFA code, which Retort cannot prompt for");
    const std::string session = get(section, "role_session_name").value_or(detail::default_role_session_name());
    const std::string region = detail::sts_region(options);
    if (auto token_file = get(section, "web_identity_token_file")) {
        std::string token;
        try {
            token = detail::read_token_file(detail::expand_home(*token_file), "web identity token file");
        } catch (const CredentialsError& e) {
            throw CredentialsError(source + ": " + e.what());
        }
        return {detail::assume_role_with_web_identity(role_arn, session, token, region, source), {}};
    }
    Credentials caller;
    if (auto source_profile = get(section, "source_profile")) {
        if (*source_profile == profile) {
            // A profile may name itself: its own static keys assume its role.
            auto id = get(section, "aws_access_key_id");
            auto secret = get(section, "aws_secret_access_key");
            if (!id || !secret) throw CredentialsError(source + ": source_profile names the profile itself, which has no keys");
            caller = Credentials{*id, *secret, get(section, "aws_session_token"), where, std::nullopt};
        } else {
            try {
                caller = resolve_source_profile(*source_profile, options, visiting);
            } catch (const CredentialsError& e) {
                throw CredentialsError(source + ": " + e.what());
            }
        }
    } else if (auto credential_source = get(section, "credential_source")) {
        std::unique_ptr<CredentialsProvider> provider;
        if (*credential_source == "Environment") provider = std::make_unique<EnvironmentCredentialsProvider>();
        else if (*credential_source == "Ec2InstanceMetadata") provider = std::make_unique<InstanceMetadataCredentialsProvider>();
        else if (*credential_source == "EcsContainer") provider = std::make_unique<ContainerCredentialsProvider>();
        else
            throw CredentialsError(source + ": credential_source must be Environment, Ec2InstanceMetadata or "
                                   "EcsContainer, not " + *credential_source);
        auto r = provider->load();
        if (!r.credentials)
            throw CredentialsError(source + ": credential_source " + *credential_source + " has no credentials (" +
                                   r.reason + ")");
        caller = std::move(*r.credentials);
    } else {
        throw CredentialsError(source + ": role_arn needs source_profile, credential_source or web_identity_token_file");
    }
    detail::AssumeRoleParams params{role_arn, session, get(section, "external_id"), get(section, "duration_seconds")};
    return {detail::assume_role(caller, params, region, source), {}};
}

CredentialsProvider::Result resolve_sso(const detail::IniSection& section, const std::string& where,
                                        const ProfileOptions& options) {
    detail::SsoParams p;
    auto account = get(section, "sso_account_id");
    auto role = get(section, "sso_role_name");
    if (!account || !role) throw CredentialsError(where + ": IAM Identity Center needs sso_account_id and sso_role_name");
    p.account_id = *account;
    p.role_name = *role;
    if (auto session = get(section, "sso_session")) {
        auto path = options.resolved_config_file();
        auto ini = detail::read_ini_file(path);
        const detail::IniSection* s = nullptr;
        if (ini)
            if (auto it = ini->find("sso-session " + *session); it != ini->end()) s = &it->second;
        if (!s) throw CredentialsError(where + ": no [sso-session " + *session + "] section in " + path.string());
        auto url = get(*s, "sso_start_url");
        auto region = get(*s, "sso_region");
        if (!url || !region)
            throw CredentialsError(where + ": [sso-session " + *session + "] needs sso_start_url and sso_region");
        p.start_url = *url;
        p.sso_region = *region;
        p.cache_key = *session;
    } else {
        auto url = get(section, "sso_start_url");
        auto region = get(section, "sso_region");
        if (!url || !region) throw CredentialsError(where + ": IAM Identity Center needs sso_start_url and sso_region");
        p.start_url = *url;
        p.sso_region = *region;
        p.cache_key = *url;
    }
    return {detail::sso_role_credentials(p, where + " (IAM Identity Center, account " + p.account_id + ", role " +
                                                p.role_name + ")"),
            {}};
}

CredentialsProvider::Result resolve_section(const detail::IniSection& section, const std::string& profile,
                                            const std::string& where, const ProfileOptions& options,
                                            std::vector<std::string>& visiting) {
    if (auto role = get(section, "role_arn")) return resolve_role(section, *role, profile, where, options, visiting);
    if (section.count("sso_session") || section.count("sso_start_url")) return resolve_sso(section, where, options);
    auto id = get(section, "aws_access_key_id");
    auto secret = get(section, "aws_secret_access_key");
    if (id || secret) {
        if (!secret) throw CredentialsError(where + " has aws_access_key_id but no aws_secret_access_key");
        if (!id) throw CredentialsError(where + " has aws_secret_access_key but no aws_access_key_id");
        auto token = get(section, "aws_session_token");
        if (!token) token = get(section, "aws_security_token");
        return {Credentials{*id, *secret, token, where, std::nullopt}, {}};
    }
    if (auto command = get(section, "credential_process")) return ProcessCredentialsProvider(*command, where).load();
    return {std::nullopt, "no aws_access_key_id, role_arn, sso_session or credential_process"};
}

}  // namespace

namespace detail {
std::optional<std::string> env_value(const char* name) {
    return env(name);
}
std::filesystem::path home_dir() {
    return home_directory();
}
std::filesystem::path expand_home(const std::string& path) {
    return expand_user(path);
}
}  // namespace detail

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
    return describe_profile(file_, options_, options_.resolved_profile());
}

CredentialsProvider::Result ProfileCredentialsProvider::load() const {
    auto path = file_ == File::credentials ? options_.resolved_credentials_file() : options_.resolved_config_file();
    auto profile = options_.resolved_profile();
    auto ini = detail::read_ini_file(path);
    if (!ini) return {std::nullopt, "file not found"};
    const auto* section = find_profile(*ini, file_, profile);
    if (!section) return {std::nullopt, "no such section"};
    std::vector<std::string> visiting{profile};
    return resolve_section(*section, profile, describe(), options_, visiting);
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
    chain.add(std::make_unique<WebIdentityCredentialsProvider>(options));
    chain.add(std::make_unique<ProfileCredentialsProvider>(ProfileCredentialsProvider::File::credentials, options));
    chain.add(std::make_unique<ProfileCredentialsProvider>(ProfileCredentialsProvider::File::config, options));
    chain.add(std::make_unique<ContainerCredentialsProvider>());
    chain.add(std::make_unique<InstanceMetadataCredentialsProvider>());
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
    throw CredentialsError("no AWS credentials found; tried:" + tried);
}

Credentials resolve_credentials(std::optional<Credentials> explicit_credentials, const ProfileOptions& options) {
    return CredentialChain::standard(std::move(explicit_credentials), options).resolve();
}

// ---- region ---------------------------------------------------------------------------------------------

std::optional<std::string> region_from_dsql_endpoint(std::string_view host) {
    // As the Aurora DSQL connectors read it: any host ending in ".dsql<suffix>.<region>.on.aws"
    // (\.dsql[^.]*\.([^.]+)\.on\.aws$), with something before ".dsql".
    host = trim_view(host);
    if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        auto port = host.substr(colon + 1);
        if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
        host = host.substr(0, colon);
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    auto lower = to_lower(host);
    std::string_view h = lower;
    constexpr std::string_view tail = ".on.aws";
    if (h.size() <= tail.size() || h.substr(h.size() - tail.size()) != tail) return std::nullopt;
    h.remove_suffix(tail.size());
    auto dot = h.rfind('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto region = h.substr(dot + 1);
    h = h.substr(0, dot);
    auto service_dot = h.rfind('.');
    if (service_dot == std::string_view::npos || service_dot == 0) return std::nullopt;
    if (h.substr(service_dot + 1, 4) != "dsql") return std::nullopt;
    if (region.empty()) return std::nullopt;
    for (char c : region)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return std::nullopt;
    return std::string(region);
}

bool is_dsql_cluster_id(std::string_view host) {
    if (host.empty() || host == "localhost") return false;
    for (char c : host)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

std::string dsql_endpoint_for(std::string_view cluster_id, std::string_view region) {
    return std::string(cluster_id) + ".dsql." + std::string(region) + ".on.aws";
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
    std::size_t line_no = 0;
    auto fail = [&](const char* what) {
        throw CredentialsError(std::string(file_name) + ":" + std::to_string(line_no) + ": " + what);
    };
    // Nested settings ("s3 =\n  max_concurrent_requests = 10") continue the previous value.
    const retort::detail::IniRules rules{.continuation_lines = true, .inline_comments = true};
    auto problem = retort::detail::read_ini(text, rules, [&](const retort::detail::IniEntry& e) {
        line_no = e.line;
        if (e.header) {
            section = &ini[normalize_section_name(e.section)];
            return;
        }
        if (!section) fail("setting outside any [section]");
        if (e.key.empty()) fail("empty key");
        (*section)[to_lower(e.key)] = e.value;  // a repeated key: the last one counts
    });
    if (problem) {
        line_no = problem->line;
        fail(problem->what);
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
