#include "retort/aws/sigv4.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "detail/text.hpp"

namespace retort::aws {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
constexpr std::chrono::seconds max_expires{7 * 24 * 3600};

// Headers that proxies and clients change in transit, so signing them would break the signature; the
// Authorization header is never signed because it carries the signature.
constexpr std::string_view unsigned_headers[] = {"authorization", "expect", "user-agent", "x-amzn-trace-id"};

// Wipes key material held in std::string once it is no longer needed.
struct Wipe {
    std::string& s;
    ~Wipe() { OPENSSL_cleanse(s.data(), s.size()); }
};

using retort::detail::to_lower;
using retort::detail::trim_view;

// The white space of header names and values (\v and \f are not HTTP white space: they are kept).
constexpr std::string_view header_space = " \t\r\n";

// Trims and collapses every run of whitespace (including the line breaks of a folded header) to one space.
std::string canonical_header_value(std::string_view value) {
    std::string out;
    bool pending_space = false;
    for (char c : trim_view(value, header_space)) {
        if (header_space.find(c) != std::string_view::npos) {
            pending_space = true;
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

bool is_unsigned_header(std::string_view lower_name) {
    return std::find(std::begin(unsigned_headers), std::end(unsigned_headers), lower_name) !=
           std::end(unsigned_headers);
}

struct CanonicalHeaders {
    std::string text;          // "name:value\n" per header
    std::string signed_names;  // "name1;name2"
};

CanonicalHeaders canonical_headers(const Params& headers) {
    // std::map sorts by lower-case name; values of a repeated name keep their order.
    std::map<std::string, std::vector<std::string>> by_name;
    for (const auto& [name, value] : headers) {
        auto lower = to_lower(trim_view(name, header_space));
        if (is_unsigned_header(lower)) continue;
        by_name[lower].push_back(canonical_header_value(value));
    }
    CanonicalHeaders out;
    for (const auto& [name, values] : by_name) {
        out.text += name;
        out.text += ':';
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i) out.text += ',';
            out.text += values[i];
        }
        out.text += '\n';
        if (!out.signed_names.empty()) out.signed_names += ';';
        out.signed_names += name;
    }
    return out;
}

// Pairs already in canonical (encoded) form, sorted by key and then value.
std::string canonical_query(Params encoded) {
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [key, value] : encoded) {
        if (!out.empty()) out += '&';
        out += key;
        out += '=';
        out += value;
    }
    return out;
}

Params canonical_request_query(const Request& request) {
    Params out;
    out.reserve(request.query.size());
    for (const auto& [key, value] : request.query)
        out.emplace_back(uri_encode(uri_decode(key)), uri_encode(uri_decode(value)));
    return out;
}

std::string canonical_uri(const Request& request, const SigningParams& params) {
    std::string path = request.path.empty() ? std::string("/") : request.path;
    if (params.normalize) path = normalize_path(path);
    return params.double_uri_encode ? uri_encode(path, true) : path;
}

bool has_header(const Request& request, std::string_view lower_name) {
    return std::any_of(request.headers.begin(), request.headers.end(),
                       [&](const auto& h) { return to_lower(trim_view(h.first, header_space)) == lower_name; });
}

bool has_query_key(const Request& request, std::string_view key) {
    return std::any_of(request.query.begin(), request.query.end(),
                       [&](const auto& q) { return uri_decode(q.first) == key; });
}

void check_inputs(const Request& request, const Credentials& credentials, const SigningParams& params) {
    if (credentials.access_key_id.empty()) throw ArgumentError("SigV4: the credentials have no access key id");
    if (credentials.secret_access_key.empty()) throw ArgumentError("SigV4: the credentials have no secret access key");
    if (params.region.empty()) throw ArgumentError("SigV4: no region to sign for");
    if (params.service.empty()) throw ArgumentError("SigV4: no service to sign for");
    if (request.method.empty()) throw ArgumentError("SigV4: the request has no method");
    if (!has_header(request, "host")) throw ArgumentError("SigV4: the request has no Host header");
}

struct Common {
    std::string amz_date;
    std::string scope;
    std::string payload_hash;
};

Common common(const Request& request, const SigningParams& params) {
    Common c;
    c.amz_date = format_amz_date(params.time.value_or(Clock::now()));
    c.scope = c.amz_date.substr(0, 8) + "/" + params.region + "/" + params.service + "/aws4_request";
    c.payload_hash = params.payload_hash ? *params.payload_hash : sha256_hex(request.body);
    return c;
}

// Fills the canonical request, string to sign and signature of result.
void sign(SigningResult& result, const Request& request, const Credentials& credentials, const SigningParams& params,
          const Common& c, const Params& headers_to_sign, Params encoded_query) {
    auto headers = canonical_headers(headers_to_sign);
    result.signed_headers = headers.signed_names;
    result.credential_scope = c.scope;
    result.canonical_request = request.method + "\n" + canonical_uri(request, params) + "\n" +
                               canonical_query(std::move(encoded_query)) + "\n" + headers.text + "\n" +
                               headers.signed_names + "\n" + c.payload_hash;
    result.string_to_sign =
        std::string(algorithm) + "\n" + c.amz_date + "\n" + c.scope + "\n" + sha256_hex(result.canonical_request);
    auto key =
        derive_signing_key(credentials.secret_access_key, c.amz_date.substr(0, 8), params.region, params.service);
    Wipe wipe_key{key};
    auto mac = hmac_sha256(key, result.string_to_sign);
    result.signature = retort::detail::hex_encode(mac.data(), mac.size());
}

}  // namespace

std::string Request::target() const {
    std::string out = path.empty() ? std::string("/") : path;
    for (std::size_t i = 0; i < query.size(); ++i) {
        out += i ? '&' : '?';
        out += query[i].first;
        out += '=';
        out += query[i].second;
    }
    return out;
}

SigningResult sign_headers(const Request& request, const Credentials& credentials, const SigningParams& params) {
    check_inputs(request, credentials, params);
    for (std::string_view name : {"authorization", "x-amz-date", "x-amz-security-token"})
        if (has_header(request, name))
            throw ArgumentError("SigV4: the request already has a " + std::string(name) + " header");
    if (params.add_content_sha256_header && has_header(request, "x-amz-content-sha256"))
        throw ArgumentError("SigV4: the request already has an x-amz-content-sha256 header");
    auto c = common(request, params);

    SigningResult result;
    if (credentials.session_token)
        result.added_headers.emplace_back("X-Amz-Security-Token", *credentials.session_token);
    result.added_headers.emplace_back("X-Amz-Date", c.amz_date);
    if (params.add_content_sha256_header) result.added_headers.emplace_back("x-amz-content-sha256", c.payload_hash);

    Params to_sign = request.headers;
    for (const auto& h : result.added_headers)
        if (!(params.omit_session_token && h.first == "X-Amz-Security-Token")) to_sign.push_back(h);
    sign(result, request, credentials, params, c, to_sign, canonical_request_query(request));

    result.added_headers.emplace_back(
        "Authorization", std::string(algorithm) + " Credential=" + credentials.access_key_id + "/" + c.scope +
                             ", SignedHeaders=" + result.signed_headers + ", Signature=" + result.signature);
    result.request = request;
    result.request.headers.insert(result.request.headers.end(), result.added_headers.begin(),
                                  result.added_headers.end());
    return result;
}

SigningResult presign(const Request& request, const Credentials& credentials, const SigningParams& params) {
    check_inputs(request, credentials, params);
    if (params.expires < std::chrono::seconds(1) || params.expires > max_expires)
        throw ArgumentError("SigV4: X-Amz-Expires must be between 1 and 604800 seconds, not " +
                            std::to_string(params.expires.count()));
    for (std::string_view key : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
                                 "X-Amz-Expires", "X-Amz-Security-Token", "X-Amz-Signature"})
        if (has_query_key(request, key))
            throw ArgumentError("SigV4: the request already has a " + std::string(key) + " query parameter");
    auto c = common(request, params);

    SigningResult result;
    auto signed_names = canonical_headers(request.headers).signed_names;
    // Raw values; they are encoded once for the canonical query and for the URL alike.
    Params auth = {{"X-Amz-Algorithm", std::string(algorithm)},
                   {"X-Amz-Credential", credentials.access_key_id + "/" + c.scope},
                   {"X-Amz-Date", c.amz_date},
                   {"X-Amz-SignedHeaders", signed_names},
                   {"X-Amz-Expires", std::to_string(params.expires.count())}};
    if (credentials.session_token) auth.emplace_back("X-Amz-Security-Token", *credentials.session_token);

    auto encoded = canonical_request_query(request);
    for (const auto& [key, value] : auth) {
        if (params.omit_session_token && key == "X-Amz-Security-Token") continue;
        encoded.emplace_back(key, uri_encode(value));
    }
    sign(result, request, credentials, params, c, request.headers, std::move(encoded));

    for (const auto& [key, value] : auth) result.added_query.emplace_back(key, uri_encode(value));
    result.added_query.emplace_back("X-Amz-Signature", result.signature);
    result.request = request;
    result.request.query.insert(result.request.query.end(), result.added_query.begin(), result.added_query.end());
    return result;
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1)
        throw Error("SigV4: OpenSSL SHA-256 failed");
    return retort::detail::hex_encode(digest, size);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size))
        throw Error("SigV4: OpenSSL HMAC-SHA-256 failed");
    std::string out(reinterpret_cast<const char*>(mac), size);
    OPENSSL_cleanse(mac, sizeof mac);
    return out;
}

std::string derive_signing_key(std::string_view secret_access_key, std::string_view date, std::string_view region,
                               std::string_view service) {
    std::string secret = "AWS4" + std::string(secret_access_key);
    Wipe wipe_secret{secret};
    auto k_date = hmac_sha256(secret, date);
    Wipe wipe_date{k_date};
    auto k_region = hmac_sha256(k_date, region);
    Wipe wipe_region{k_region};
    auto k_service = hmac_sha256(k_region, service);
    Wipe wipe_service{k_service};
    return hmac_sha256(k_service, "aws4_request");
}

std::string uri_encode(std::string_view text, bool keep_slash) {
    return retort::detail::percent_encode(text, keep_slash ? "/" : "");
}

std::string uri_decode(std::string_view text) { return retort::detail::percent_decode(text); }

std::string normalize_path(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        auto segment = path.substr(start, end - start);
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        start = end + 1;
    }
    std::string out;
    for (auto segment : segments) {
        out += '/';
        out += segment;
    }
    if (out.empty() || path.back() == '/') out += '/';
    return out;
}

Params parse_query(std::string_view query) {
    Params out;
    std::size_t start = 0;
    while (start <= query.size()) {
        auto end = query.find('&', start);
        if (end == std::string_view::npos) end = query.size();
        auto piece = query.substr(start, end - start);
        if (!piece.empty()) {
            auto eq = piece.find('=');
            if (eq == std::string_view::npos)
                out.emplace_back(std::string(piece), std::string());
            else
                out.emplace_back(std::string(piece.substr(0, eq)), std::string(piece.substr(eq + 1)));
        }
        start = end + 1;
    }
    return out;
}

std::string format_amz_date(Clock::time_point time) {
    using namespace std::chrono;
    auto secs = floor<seconds>(time);
    auto day = floor<days>(secs);
    year_month_day ymd{day};
    hh_mm_ss hms{secs - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

Clock::time_point parse_timestamp(std::string_view text) {
    using namespace std::chrono;
    auto fail = [&]() -> Clock::time_point {
        throw ArgumentError("not an ISO 8601 UTC time like 2024-11-07T17:39:33Z: '" + std::string(text) + "'");
    };
    auto number = [&](std::size_t pos, std::size_t len) {
        int n = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (i >= text.size() || text[i] < '0' || text[i] > '9') return -1;
            n = n * 10 + (text[i] - '0');
        }
        return n;
    };
    // YYYY-MM-DDTHH:MM:SS
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
        text[13] != ':' || text[16] != ':')
        return fail();
    int y = number(0, 4), mo = number(5, 2), d = number(8, 2), h = number(11, 2), mi = number(14, 2), s = number(17, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || h > 23 || mi > 59 || s > 59) return fail();
    auto rest = text.substr(19);
    if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        if (rest.empty() || rest.front() < '0' || rest.front() > '9') return fail();
        while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') rest.remove_prefix(1);
    }
    if (rest != "Z" && rest != "z" && rest != "+00:00") return fail();
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return fail();
    return sys_days{ymd} + hours{h} + minutes{mi} + seconds{s};
}

}  // namespace retort::aws
