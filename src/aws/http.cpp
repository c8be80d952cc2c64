#include "aws/http.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

#include "detail/text.hpp"

namespace retort::aws::detail {

namespace {

using retort::detail::to_lower;

struct Sink {
    std::string body;
    std::size_t cap = 0;
    bool overflow = false;
    std::vector<std::pair<std::string, std::string>> headers;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const size_t n = size * count;
    if (sink->body.size() + n > sink->cap) {
        sink->overflow = true;
        return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    sink->body.append(data, n);
    return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const size_t n = size * count;
    std::string_view line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
        sink->headers.clear();  // a new response (after 100 Continue, say)
        return n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    auto value = retort::detail::trim_left_view(line.substr(colon + 1), " \t");
    value = retort::detail::trim_right_view(value, "\r\n ");
    sink->headers.emplace_back(to_lower(line.substr(0, colon)), std::string(value));
    return n;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct ListDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

}  // namespace

const std::string* HttpResponse::header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
        if (k == lower_name) return &v;
    return nullptr;
}

std::string url_for_messages(std::string_view url) {
    auto scheme_end = url.find("://");
    std::string_view scheme, rest = url;
    if (scheme_end != std::string_view::npos) {
        scheme = url.substr(0, scheme_end + 3);
        rest = url.substr(scheme_end + 3);
    }
    auto authority_end = rest.find_first_of("/?#");
    auto authority = rest.substr(0, authority_end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view path;
    if (authority_end != std::string_view::npos && rest[authority_end] == '/') {
        path = rest.substr(authority_end);
        path = path.substr(0, path.find_first_of("?#"));
    }
    return std::string(scheme) + std::string(authority) + std::string(path);
}

std::string url_host(std::string_view url) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    auto rest = url.substr(scheme_end + 3);
    auto authority = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return {};
        return to_lower(authority.substr(1, close - 1));
    }
    return to_lower(authority.substr(0, authority.find(':')));
}

bool is_loopback_host(std::string_view host) {
    std::string h(host);
    if (h == "localhost") return true;
    unsigned char buf[16];
    if (inet_pton(AF_INET, h.c_str(), buf) == 1) return buf[0] == 127;
    if (inet_pton(AF_INET6, h.c_str(), buf) == 1) {
        static const unsigned char loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(buf, loop, 16) == 0) return true;
        return std::memcmp(buf, mapped, 12) == 0 && buf[12] == 127;
    }
    return false;
}

bool is_local_endpoint_host(std::string_view host) {
    if (is_loopback_host(host)) return true;
    std::string h(host);
    unsigned char buf[16];
    if (inet_pton(AF_INET, h.c_str(), buf) == 1) return buf[0] == 169 && buf[1] == 254;
    if (inet_pton(AF_INET6, h.c_str(), buf) == 1) {
        static const unsigned char ec2[8] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0};
        return std::memcmp(buf, ec2, 8) == 0;
    }
    return false;
}

HttpResponse http_send(const HttpRequest& request) {
    global_init();
    const std::string shown = request.method + " " + url_for_messages(request.url);
    const std::string host = url_host(request.url);
    if (host.empty()) throw HttpError(shown + ": not an http(s) URL with a host");

    std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
    if (!curl) throw HttpError(shown + ": cannot start an HTTP request (curl_easy_init failed)");
    CURL* c = curl.get();
    Sink sink;
    sink.cap = request.max_response_bytes;
    std::unique_ptr<curl_slist, ListDeleter> headers;
    for (const auto& [name, value] : request.headers) {
        if (value.find_first_of("\r\n") != std::string::npos || name.find_first_of("\r\n:") != std::string::npos)
            throw HttpError(shown + ": header " + name + " holds a line break");
        std::string line = name + ": " + value;
        curl_slist* next = curl_slist_append(headers.get(), line.c_str());
        if (!next) throw HttpError(shown + ": out of memory");
        (void)headers.release();
        headers.reset(next);
    }
    // Without this libcurl adds "Expect: 100-continue" to larger POSTs and waits for the answer.
    if (request.method == "POST" || request.method == "PUT") {
        curl_slist* next = curl_slist_append(headers.get(), "Expect:");
        if (next) {
            (void)headers.release();
            headers.reset(next);
        }
    }

    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_response_bytes));
    if (is_local_endpoint_host(host)) curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (request.method == "GET") {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        if (request.method == "POST" || !request.body.empty() || request.method == "PUT") {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        }
        if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    CURLcode rc = curl_easy_perform(c);
    if (sink.overflow || rc == CURLE_FILESIZE_EXCEEDED)
        throw HttpError(shown + ": the response is larger than " + std::to_string(request.max_response_bytes) +
                        " bytes");
    if (rc != CURLE_OK) {
        std::string why = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
        while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
        if (rc == CURLE_OPERATION_TIMEDOUT) why = "timed out (" + why + ")";
        throw HttpError(shown + ": " + why);
    }
    HttpResponse response;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    response.headers = std::move(sink.headers);
    response.body = std::move(sink.body);
    return response;
}

}  // namespace retort::aws::detail
