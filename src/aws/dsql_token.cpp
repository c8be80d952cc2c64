#include "retort/aws/dsql_token.hpp"

#include "retort/aws/sigv4.hpp"

namespace retort::aws {
namespace {

void check_hostname(std::string_view host) {
    if (host.empty()) throw ArgumentError("DSQL auth token: no host name given");
    if (host.find("://") != std::string_view::npos)
        throw ArgumentError("DSQL auth token: give the host name without a scheme, not '" + std::string(host) + "'");
    if (host.find_first_of("/?#@ \t\r\n") != std::string_view::npos)
        throw ArgumentError("DSQL auth token: not a host name: '" + std::string(host) + "'");
}

}  // namespace

std::string generate_dsql_auth_token(const DsqlTokenParams& params, const Credentials& credentials,
                                     const ProfileOptions& profile) {
    check_hostname(params.hostname);
    std::string action = params.admin ? "DbConnectAdmin" : "DbConnect";

    Request request;
    request.method = "GET";
    request.path = "/";
    request.query = {{"Action", action}};
    request.headers = {{"host", params.hostname}};

    SigningParams signing;
    signing.region = params.region.empty() ? resolve_region({}, params.hostname, profile) : params.region;
    signing.service = "dsql";
    signing.time = params.signing_time;
    signing.expires = params.expires_in;
    auto signed_request = presign(request, credentials, signing);

    // botocore puts X-Amz-Expires before X-Amz-SignedHeaders; the order does not change the signature, but
    // matching it keeps our tokens identical to the SDKs'.
    std::string token = params.hostname + "/?Action=" + action;
    for (std::string_view key : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                                 "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"}) {
        for (const auto& [name, value] : signed_request.added_query) {
            if (name != key) continue;
            token += '&';
            token += name;
            token += '=';
            token += value;
        }
    }
    return token;
}

std::string generate_dsql_auth_token(const DsqlTokenParams& params, const ProfileOptions& profile) {
    check_hostname(params.hostname);
    // The region first: it is cheap and a missing one is the likelier mistake to report.
    auto with_region = params;
    if (with_region.region.empty()) with_region.region = resolve_region({}, params.hostname, profile);
    return generate_dsql_auth_token(with_region, resolve_credentials({}, profile), profile);
}

std::string mask_dsql_token(std::string_view token) {
    auto query = token.find("/?");
    if (query == std::string_view::npos) return "***";
    // Rebuilt from the host and the action alone, so nothing else of the token can slip through.
    std::string_view action;
    for (auto pos = query + 1; pos < token.size();) {
        auto end = token.find('&', pos + 1);
        auto param = token.substr(pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1);
        if (param.substr(0, 7) == "Action=") action = param.substr(7);
        if (end == std::string_view::npos) break;
        pos = end;
    }
    if (action.empty()) return "***";
    return std::string(token.substr(0, query)) + "/?Action=" + std::string(action) + "&***";
}

std::string redact_dsql_token(std::string_view text, std::string_view token) {
    if (token.empty()) return std::string(text);
    auto mask = mask_dsql_token(token);
    std::string out;
    std::size_t pos = 0;
    while (true) {
        auto hit = text.find(token, pos);
        out += text.substr(pos, hit == std::string_view::npos ? std::string_view::npos : hit - pos);
        if (hit == std::string_view::npos) break;
        out += mask;
        pos = hit + token.size();
    }
    return out;
}

}  // namespace retort::aws
