// A small HTTP client on libcurl for the credential sources: STS, the IAM Identity Center portal, the
// ECS/EKS container endpoint and EC2 instance metadata. Private to retort::auroradsql.
//
// Each request has its own timeouts (connect and total), a cap on the response size, only http and https,
// no redirects followed (a 3xx is an answer like any other; the caller treats it as a failure), and no
// proxy for loopback and link-local hosts (127.0.0.0/8, ::1, localhost, 169.254.0.0/16, fd00:ec2::/64),
// which a proxy could not reach and must never see the requests to. Other hosts honour the usual
// http_proxy / https_proxy / no_proxy variables, as the AWS SDKs do.
//
// Errors (HttpError) name the method and the URL without its query, and why: never a header value or the
// body, which may carry a token.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retort/error.hpp"

namespace retort::aws::detail {

// The HTTP client and the host rules are exported (RETORT_API) for Retort's own tests, which call them directly.
class RETORT_API HttpError : public Error {
public:
    using Error::Error;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds timeout{5000};
    std::size_t max_response_bytes = 1 << 20;
};

struct RETORT_API HttpResponse {
    long status = 0;
    // Names lower-cased, in the order received.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    [[nodiscard]] const std::string* header(std::string_view lower_name) const;
};

// Sends the request and returns whatever status the server answered. Throws HttpError when there is no
// answer (connection refused, timeout, TLS failure, malformed URL, response over the size cap).
[[nodiscard]] RETORT_API HttpResponse http_send(const HttpRequest& request);

// The URL's scheme://host[:port]/path, without query or user info: what messages may show.
[[nodiscard]] RETORT_API std::string url_for_messages(std::string_view url);
// The host of an http(s) URL (brackets of an IPv6 literal removed), lower-cased; empty when malformed.
[[nodiscard]] RETORT_API std::string url_host(std::string_view url);
// 127.0.0.0/8, ::1, localhost.
[[nodiscard]] RETORT_API bool is_loopback_host(std::string_view host);
// Loopback, 169.254.0.0/16 or fd00:ec2::/64 (the instance metadata and container endpoints).
[[nodiscard]] RETORT_API bool is_local_endpoint_host(std::string_view host);

}  // namespace retort::aws::detail
