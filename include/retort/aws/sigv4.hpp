// AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html).
//
// Two ways to sign a request:
//   sign_headers(): adds X-Amz-Date, X-Amz-Security-Token (with temporary credentials) and Authorization
//                   headers, as an SDK does for an API call;
//   presign():      adds X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Expires,
//                   X-Amz-Security-Token and X-Amz-Signature query parameters, making a URL that works
//                   without further credentials until it expires (an Aurora DSQL auth token is one).
// Both reproduce the public aws-c-auth signing test suite byte for byte, and both return the canonical
// request and string to sign so tests and debugging can see exactly what was signed.
//
// Paths and query parameters are taken as they appear on the wire. The canonical query decodes each key
// and value and encodes it again (RFC 3986, unreserved characters kept), so encoded and raw input both
// canonicalise the same way. The canonical path encodes the (optionally normalised) path once more, the
// "double encoding" every service except S3 expects; S3 callers set double_uri_encode = false and
// normalize = false and pass an already encoded path.
//
// The secret key and session token never appear in an exception message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retort/aws/credentials.hpp"
#include "retort/detail/chrono.hpp"
#include "retort/export.hpp"

namespace retort::aws {

using Clock = std::chrono::system_clock;
using Params = std::vector<std::pair<std::string, std::string>>;

struct RETORT_API Request {
    std::string method = "GET";
    // The path as sent, without the query ("/", "/a%20b/c"); an empty path means "/".
    std::string path = "/";
    // Query parameters as they appear in the URL (percent-encoded or not), in order; keys may repeat.
    Params query;
    // Header names and values as sent; a name may repeat. Must include Host.
    Params headers;
    std::string body;

    // "path?k=v&k2=v2", the request target as sent.
    [[nodiscard]] std::string target() const;
};

struct RETORT_API SigningParams {
    std::string region;
    std::string service;
    // The signing time; now when empty.
    std::optional<Clock::time_point> time;
    // Lifetime of a presigned request (X-Amz-Expires), 1 s to 7 days; ignored by sign_headers().
    std::chrono::seconds expires{3600};
    // Remove "." and ".." segments and collapse repeated slashes in the canonical path.
    bool normalize = true;
    // Percent-encode the path once more in the canonical request (all services except S3).
    bool double_uri_encode = true;
    // Add the session token after signing instead of signing it (a few services, e.g. IoT, want this).
    bool omit_session_token = false;
    // sign_headers() only: also send and sign x-amz-content-sha256 (S3 requires it).
    bool add_content_sha256_header = false;
    // The payload hash to sign ("UNSIGNED-PAYLOAD" for S3 presigning); default: SHA-256 of the body.
    std::optional<std::string> payload_hash;
};

struct RETORT_API SigningResult {
    // The request with its signature added: headers appended by sign_headers(), query parameters
    // (percent-encoded) appended by presign().
    Request request;
    // What was added, in the order added (also part of request).
    Params added_headers;
    Params added_query;
    std::string canonical_request;
    std::string string_to_sign;
    std::string signed_headers;    // "host;x-amz-date"
    std::string credential_scope;  // "20150830/us-east-1/service/aws4_request"
    std::string signature;         // lower-case hex
};

// Throws ArgumentError for requests that cannot be signed (no Host header, already signed, missing key
// id or secret, region or service empty, expiry out of range).
[[nodiscard]] RETORT_API SigningResult sign_headers(const Request& request, const Credentials& credentials,
                                                    const SigningParams& params);
[[nodiscard]] RETORT_API SigningResult presign(const Request& request, const Credentials& credentials,
                                               const SigningParams& params);

// The building blocks, public for tests and for callers with unusual needs.

// Lower-case hex SHA-256 of data.
[[nodiscard]] RETORT_API std::string sha256_hex(std::string_view data);
// Raw HMAC-SHA-256.
[[nodiscard]] RETORT_API std::string hmac_sha256(std::string_view key, std::string_view data);
// HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"); date is YYYYMMDD.
[[nodiscard]] RETORT_API std::string derive_signing_key(std::string_view secret_access_key, std::string_view date,
                                                        std::string_view region, std::string_view service);
// Percent-encodes every byte outside A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash) as %XX, upper case.
[[nodiscard]] RETORT_API std::string uri_encode(std::string_view text, bool keep_slash = false);
// Decodes %XX sequences; anything else, including a malformed '%', is kept as is.
[[nodiscard]] RETORT_API std::string uri_decode(std::string_view text);
// Removes "." and ".." segments and empty segments; keeps a trailing slash. "" and "/.." give "/".
[[nodiscard]] RETORT_API std::string normalize_path(std::string_view path);
// Splits "a=1&b&c=" into pairs (without decoding); empty pieces are dropped.
[[nodiscard]] RETORT_API Params parse_query(std::string_view query);
// "20150830T123600Z".
[[nodiscard]] RETORT_API std::string format_amz_date(Clock::time_point time);
// Parses ISO 8601 UTC "2015-08-30T12:36:00Z" (fractional seconds are allowed and dropped; "+00:00" is
// accepted for "Z"). Throws ArgumentError otherwise.
[[nodiscard]] RETORT_API Clock::time_point parse_timestamp(std::string_view text);

}  // namespace retort::aws
