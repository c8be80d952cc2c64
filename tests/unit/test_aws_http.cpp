// The HTTP client behind the AWS credential sources, against a local server on 127.0.0.1: methods, headers
// and bodies as sent, timeouts, no redirects followed, the response size cap, no proxy for local hosts,
// and errors that show neither headers nor the query.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <thread>

#include "aws/http.hpp"
#include "local_http_server.hpp"

using namespace retort::aws::detail;
using retort::testing::HttpExchange;
using retort::testing::HttpReply;
using retort::testing::LocalHttpServer;

namespace {

class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* v = std::getenv(name)) old_ = v;
        if (value)
            setenv(name, value, 1);
        else
            unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            setenv(name_, old_->c_str(), 1);
        else
            unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

std::string error_of(const HttpRequest& r) {
    try {
        (void)http_send(r);
    } catch (const HttpError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no HttpError";
    return {};
}

}  // namespace

TEST(AwsHttp, GetPutPostWithHeadersAndBody) {
    LocalHttpServer server([](const HttpExchange& ex) {
        return HttpReply{201, "echo " + ex.method + " " + ex.body, {{"X-Answer", "42"}}};
    });
    HttpRequest get{.url = server.base_url() + "/a/b?x=1", .headers = {{"X-One", "1"}}};
    auto r = http_send(get);
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "echo GET ");
    ASSERT_NE(r.header("x-answer"), nullptr);
    EXPECT_EQ(*r.header("x-answer"), "42");

    HttpRequest put{.method = "PUT", .url = server.base_url() + "/latest/api/token",
                    .headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}};
    EXPECT_EQ(http_send(put).body, "echo PUT ");
    HttpRequest post{.method = "POST", .url = server.base_url() + "/", .headers = {{"Content-Type", "text/plain"}},
                     .body = "Action=X&Y=1"};
    EXPECT_EQ(http_send(post).body, "echo POST Action=X&Y=1");

    auto seen = server.requests();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].method, "GET");
    EXPECT_EQ(seen[0].target, "/a/b?x=1");
    EXPECT_EQ(seen[0].header("x-one"), "1");
    EXPECT_EQ(seen[1].method, "PUT");
    EXPECT_EQ(seen[1].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
    EXPECT_EQ(seen[2].method, "POST");
    EXPECT_EQ(seen[2].body, "Action=X&Y=1");
    EXPECT_FALSE(seen[2].has_header("expect"));
}

TEST(AwsHttp, RedirectsAreNotFollowed) {
    LocalHttpServer server([](const HttpExchange&) {
        return HttpReply{302, "", {{"Location", "http://169.254.169.254/elsewhere"}}};
    });
    auto r = http_send({.url = server.base_url() + "/start"});
    EXPECT_EQ(r.status, 302);
    EXPECT_EQ(server.request_count(), 1u);
}

TEST(AwsHttp, ResponseSizeIsCapped) {
    LocalHttpServer server([](const HttpExchange&) { return HttpReply{200, std::string(100000, 'x'), {}}; });
    auto message = error_of({.url = server.base_url() + "/big", .max_response_bytes = 1000});
    EXPECT_NE(message.find("larger than 1000 bytes"), std::string::npos) << message;
    EXPECT_EQ(http_send({.url = server.base_url() + "/big"}).body.size(), 100000u);
}

TEST(AwsHttp, TimeoutIsAnError) {
    LocalHttpServer server([](const HttpExchange&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        return HttpReply{200, "late", {}};
    });
    auto start = std::chrono::steady_clock::now();
    auto message = error_of({.url = server.base_url() + "/slow", .timeout = std::chrono::milliseconds(300)});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
    EXPECT_NE(message.find("timed out"), std::string::npos) << message;
    EXPECT_NE(message.find("GET http://127.0.0.1:"), std::string::npos) << message;
}

TEST(AwsHttp, ConnectionRefusedNamesTheUrlButNotQueryOrHeaders) {
    int port;
    {
        LocalHttpServer server([](const HttpExchange&) { return HttpReply{}; });
        port = server.port();
    }
    auto message = error_of({.url = "http://user:pw@127.0.0.1:" + std::to_string(port) + "/p?token=SECRETQUERY",
                             .headers = {{"Authorization", "SECRETHEADER"}}});
    EXPECT_NE(message.find("/p"), std::string::npos) << message;
    EXPECT_EQ(message.find("SECRETQUERY"), std::string::npos) << message;
    EXPECT_EQ(message.find("SECRETHEADER"), std::string::npos) << message;
    EXPECT_EQ(message.find("pw@"), std::string::npos) << message;
}

TEST(AwsHttp, LocalHostsBypassProxies) {
    LocalHttpServer server([](const HttpExchange&) { return HttpReply{200, "direct", {}}; });
    // A proxy that does not exist: a request sent through it would fail.
    ScopedEnv http_proxy("http_proxy", "http://127.0.0.1:9");
    ScopedEnv https_proxy("HTTPS_PROXY", "http://127.0.0.1:9");
    ScopedEnv all_proxy("ALL_PROXY", "http://127.0.0.1:9");
    ScopedEnv no_proxy("NO_PROXY", nullptr);
    ScopedEnv no_proxy_lower("no_proxy", nullptr);
    EXPECT_EQ(http_send({.url = server.base_url() + "/"}).body, "direct");
}

TEST(AwsHttp, OnlyHttpAndHttps) {
    auto message = error_of({.url = "file:///etc/passwd"});
    EXPECT_FALSE(message.empty());
    message = error_of({.url = "ftp://127.0.0.1/x"});
    EXPECT_FALSE(message.empty());
}

TEST(AwsHttp, HeaderInjectionIsRefused) {
    auto message = error_of({.url = "http://127.0.0.1:9/", .headers = {{"Authorization", "a\r\nX-Evil: 1"}}});
    EXPECT_NE(message.find("line break"), std::string::npos) << message;
    EXPECT_EQ(message.find("X-Evil"), std::string::npos) << message;
}

TEST(AwsHttp, HostClassification) {
    EXPECT_EQ(url_host("http://127.0.0.1:8080/x"), "127.0.0.1");
    EXPECT_EQ(url_host("http://[fd00:ec2::23]/x"), "fd00:ec2::23");
    EXPECT_EQ(url_host("https://u:p@Example.COM/"), "example.com");
    EXPECT_EQ(url_host("no scheme"), "");
    EXPECT_TRUE(is_loopback_host("127.0.0.1"));
    EXPECT_TRUE(is_loopback_host("127.1.2.3"));
    EXPECT_TRUE(is_loopback_host("::1"));
    EXPECT_TRUE(is_loopback_host("localhost"));
    EXPECT_FALSE(is_loopback_host("128.0.0.1"));
    EXPECT_FALSE(is_loopback_host("localhost.evil.com"));
    EXPECT_TRUE(is_local_endpoint_host("169.254.169.254"));
    EXPECT_TRUE(is_local_endpoint_host("169.254.170.2"));
    EXPECT_TRUE(is_local_endpoint_host("fd00:ec2::254"));
    EXPECT_FALSE(is_local_endpoint_host("169.255.0.1"));
    EXPECT_FALSE(is_local_endpoint_host("sts.us-east-1.amazonaws.com"));
    EXPECT_EQ(url_for_messages("https://a:b@h:1/p/q?x=1#f"), "https://h:1/p/q");
}
