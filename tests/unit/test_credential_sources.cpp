// Each AWS credential source against a local server on 127.0.0.1 that answers as the AWS endpoint does
// (STS, the IAM Identity Center portal, the container credentials endpoint, EC2 instance metadata),
// reached through the SDKs' standard override variables; the requests the server received, the chain's
// order, caching and refresh, and errors without secrets.
#include <chrono>
#include <map>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "aws/sources.hpp"
#include "local_http_server.hpp"
#include "retort/aws/credentials.hpp"
#include "retort/aws/dsql_token.hpp"
#include "retort/aws/sigv4.hpp"
#include "retort/dialects/auroradsql.hpp"

namespace fs = std::filesystem;
using namespace retort;
using namespace retort::aws;
using retort::testing::HttpExchange;
using retort::testing::HttpReply;
using retort::testing::LocalHttpServer;

namespace {

constexpr const char* variables[] = {"AWS_ACCESS_KEY_ID",
                                     "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN",
                                     "AWS_SECURITY_TOKEN",
                                     "AWS_PROFILE",
                                     "AWS_SHARED_CREDENTIALS_FILE",
                                     "AWS_CONFIG_FILE",
                                     "AWS_REGION",
                                     "AWS_DEFAULT_REGION",
                                     "HOME",
                                     "AWS_WEB_IDENTITY_TOKEN_FILE",
                                     "AWS_ROLE_ARN",
                                     "AWS_ROLE_SESSION_NAME",
                                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                     "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                     "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                     "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                     "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                     "AWS_EC2_METADATA_DISABLED",
                                     "AWS_ENDPOINT_URL",
                                     "AWS_ENDPOINT_URL_STS",
                                     "AWS_ENDPOINT_URL_SSO",
                                     "http_proxy",
                                     "HTTP_PROXY",
                                     "https_proxy",
                                     "HTTPS_PROXY",
                                     "ALL_PROXY",
                                     "all_proxy"};

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// The form parameters of an STS request body.
std::map<std::string, std::string> form(const std::string& body) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : parse_query(body)) out[uri_decode(k)] = uri_decode(v);
    return out;
}

std::string sts_xml(const std::string& action, const std::string& key, const std::string& secret,
                    const std::string& token, const std::string& expiration = "2099-01-01T00:00:00Z") {
    return "<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <" + action +
           "Result>\n    <Credentials>\n      <AccessKeyId>" + key + "</AccessKeyId>\n      <SecretAccessKey>" +
           secret + "</SecretAccessKey>\n      <SessionToken>" + token + "</SessionToken>\n      <Expiration>" +
           expiration + "</Expiration>\n    </Credentials>\n    <AssumedRoleUser><Arn>arn:aws:sts::123:assumed-role/x/s</Arn>"
           "</AssumedRoleUser>\n  </" + action + "Result>\n  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\n</" +
           action + "Response>\n";
}

std::string sts_error(const std::string& code, const std::string& message) {
    return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>" + code +
           "</Code><Message>" + message + "</Message></Error><RequestId>r-2</RequestId></ErrorResponse>";
}

std::string credentials_json(const std::string& key, const std::string& secret, const std::string& token,
                             const std::string& token_key = "Token",
                             const std::string& expiration = "2099-01-01T00:00:00Z") {
    return R"({"Code":"Success","LastUpdated":"2024-01-01T00:00:00Z","Type":"AWS-HMAC","AccessKeyId":")" + key +
           R"(","SecretAccessKey":")" + secret + R"(",")" + token_key + R"(":")" + token + R"(","Expiration":")" +
           expiration + R"("})";
}

class CredentialSourcesTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* name : variables) {
            const char* v = std::getenv(name);
            saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
            unsetenv(name);
        }
        static int counter = 0;
        home_ = fs::temp_directory_path() /
                ("retort_sources_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter));
        fs::create_directories(home_ / ".aws");
        setenv("HOME", home_.c_str(), 1);
        setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
        setenv("AWS_REGION", "eu-west-1", 1);
    }
    void TearDown() override {
        for (const auto& [name, value] : saved_) {
            if (value)
                setenv(name, value->c_str(), 1);
            else
                unsetenv(name);
        }
        std::error_code ec;
        fs::remove_all(home_, ec);
    }
    fs::path write(const fs::path& relative, const std::string& text, bool executable = false) {
        auto path = home_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        if (executable) ::chmod(path.c_str(), 0755);
        return path;
    }
    static std::string error_of(const auto& call) {
        try {
            call();
        } catch (const CredentialsError& e) {
            return e.what();
        }
        ADD_FAILURE() << "no CredentialsError raised";
        return {};
    }

    fs::path home_;
    std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

}  // namespace

// ---- web identity -----------------------------------------------------------------------------------------

TEST_F(CredentialSourcesTest, WebIdentityFromTheEnvironment) {
    LocalHttpServer sts([](const HttpExchange&) {
        return HttpReply{200, sts_xml("AssumeRoleWithWebIdentity", "ASIAWEBID", "WEBSECRET", "WEBSESSION",
                                      "2030-05-06T07:08:09Z"),
                         {{"Content-Type", "text/xml"}}};
    });
    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("token", "eyJ.JWT-TOKEN.sig\n").c_str(), 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/app", 1);
    setenv("AWS_ROLE_SESSION_NAME", "pod-1", 1);
    auto c = resolve_credentials();
    EXPECT_EQ(c.access_key_id, "ASIAWEBID");
    EXPECT_EQ(c.secret_access_key, "WEBSECRET");
    EXPECT_EQ(c.session_token, "WEBSESSION");
    ASSERT_TRUE(c.expiration);
    EXPECT_EQ(*c.expiration, parse_timestamp("2030-05-06T07:08:09Z"));
    EXPECT_EQ(c.source, "web identity (role arn:aws:iam::123456789012:role/app)");

    auto seen = sts.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/");
    EXPECT_TRUE(contains(seen[0].header("content-type"), "application/x-www-form-urlencoded"));
    EXPECT_FALSE(seen[0].has_header("authorization"));  // AssumeRoleWithWebIdentity is not signed
    auto params = form(seen[0].body);
    EXPECT_EQ(params["Action"], "AssumeRoleWithWebIdentity");
    EXPECT_EQ(params["Version"], "2011-06-15");
    EXPECT_EQ(params["RoleArn"], "arn:aws:iam::123456789012:role/app");
    EXPECT_EQ(params["RoleSessionName"], "pod-1");
    EXPECT_EQ(params["WebIdentityToken"], "eyJ.JWT-TOKEN.sig");
}

TEST_F(CredentialSourcesTest, WebIdentityUsesAwsEndpointUrlAndADefaultSessionName) {
    LocalHttpServer sts([](const HttpExchange&) {
        return HttpReply{200, sts_xml("AssumeRoleWithWebIdentity", "K", "S", "T"), {}};
    });
    setenv("AWS_ENDPOINT_URL", sts.base_url().c_str(), 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("token", "JWT").c_str(), 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
    EXPECT_EQ(resolve_credentials().access_key_id, "K");
    ASSERT_EQ(sts.request_count(), 1u);
    EXPECT_TRUE(form(sts.requests()[0].body)["RoleSessionName"].starts_with("retort-session-"));
}

TEST_F(CredentialSourcesTest, WebIdentityRefusedNamesTheSourceAndCodeButNotTheToken) {
    LocalHttpServer sts([](const HttpExchange&) {
        return HttpReply{400, sts_error("InvalidIdentityToken", "Incorrect token audience"), {}};
    });
    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("token", "SECRET-JWT").c_str(), 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "web identity (role arn:aws:iam::1:role/r)")) << message;
    EXPECT_TRUE(contains(message, "HTTP 400 InvalidIdentityToken: Incorrect token audience")) << message;
    EXPECT_FALSE(contains(message, "SECRET-JWT")) << message;
}

TEST_F(CredentialSourcesTest, WebIdentityHalfConfiguredOrUnreachable) {
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/r", 1);
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "AWS_WEB_IDENTITY_TOKEN_FILE is not")) << message;
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", (home_ / "missing").c_str(), 1);
    message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "cannot read the web identity token file")) << message;
    int port;
    {
        LocalHttpServer gone([](const HttpExchange&) { return HttpReply{}; });
        port = gone.port();
    }
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("token", "SECRET-JWT").c_str(), 1);
    setenv("AWS_ENDPOINT_URL_STS", ("http://127.0.0.1:" + std::to_string(port)).c_str(), 1);
    message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "web identity (role arn:aws:iam::1:role/r): POST http://127.0.0.1:")) << message;
    EXPECT_FALSE(contains(message, "SECRET-JWT")) << message;
}

TEST_F(CredentialSourcesTest, StsEndpointDefaultsToTheRegionalOne) {
    EXPECT_EQ(aws::detail::sts_endpoint("ap-southeast-2"), "https://sts.ap-southeast-2.amazonaws.com");
    setenv("AWS_ENDPOINT_URL", "https://all.example/", 1);
    EXPECT_EQ(aws::detail::sts_endpoint("ap-southeast-2"), "https://all.example");
    setenv("AWS_ENDPOINT_URL_STS", "https://sts.example", 1);
    EXPECT_EQ(aws::detail::sts_endpoint("ap-southeast-2"), "https://sts.example");
    EXPECT_EQ(aws::detail::sso_portal_endpoint("eu-central-1"), "https://portal.sso.eu-central-1.amazonaws.com");
}

TEST_F(CredentialSourcesTest, ProfileWithWebIdentityTokenFile) {
    LocalHttpServer sts([](const HttpExchange&) {
        return HttpReply{200, sts_xml("AssumeRoleWithWebIdentity", "PROFWEB", "S", "T"), {}};
    });
    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    write("jwt", "PROFILE-JWT");
    write(".aws/config", "[profile web]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = ~/jwt\n"
                         "role_session_name = from-profile\n");
    auto c = resolve_credentials({}, {.profile = "web"});
    EXPECT_EQ(c.access_key_id, "PROFWEB");
    auto params = form(sts.requests().at(0).body);
    EXPECT_EQ(params["WebIdentityToken"], "PROFILE-JWT");
    EXPECT_EQ(params["RoleSessionName"], "from-profile");
    EXPECT_EQ(params["RoleArn"], "arn:aws:iam::1:role/web");
}

// ---- assume role ----------------------------------------------------------------------------------------

namespace {

// Checks that the request carries exactly the signature Retort's SigV4 signer (which reproduces the AWS
// SDK's byte for byte) gives for these credentials at the request's own X-Amz-Date.
void expect_signed_by(const HttpExchange& ex, const Credentials& creds, const std::string& region) {
    const std::string amz_date = ex.header("x-amz-date");
    ASSERT_EQ(amz_date.size(), 16u);
    const std::string iso = amz_date.substr(0, 4) + "-" + amz_date.substr(4, 2) + "-" + amz_date.substr(6, 2) + "T" +
                            amz_date.substr(9, 2) + ":" + amz_date.substr(11, 2) + ":" + amz_date.substr(13, 2) + "Z";
    Request r;
    r.method = "POST";
    r.path = "/";
    r.headers = {{"Host", ex.header("host")}, {"Content-Type", ex.header("content-type")}};
    r.body = ex.body;
    SigningParams p;
    p.region = region;
    p.service = "sts";
    p.time = parse_timestamp(iso);
    auto expected = sign_headers(r, creds, p);
    std::string authorization;
    for (const auto& [k, v] : expected.added_headers)
        if (k == "Authorization") authorization = v;
    EXPECT_EQ(ex.header("authorization"), authorization);
    EXPECT_TRUE(ex.header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" +
                                                        amz_date.substr(0, 8) + "/" + region + "/sts/aws4_request"))
        << ex.header("authorization");
    if (creds.session_token)
        EXPECT_EQ(ex.header("x-amz-security-token"), *creds.session_token);
    else
        EXPECT_FALSE(ex.has_header("x-amz-security-token"));
}

}  // namespace

TEST_F(CredentialSourcesTest, AssumeRoleSignedWithTheSourceProfile) {
    LocalHttpServer sts([](const HttpExchange&) {
        return HttpReply{200, sts_xml("AssumeRole", "ASIAROLE", "ROLESECRET", "ROLETOKEN", "2031-01-01T00:00:00Z"), {}};
    });
    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    unsetenv("AWS_REGION");
    write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = BASESECRET\n");
    write(".aws/config", "[profile dev]\nrole_arn = arn:aws:iam::222:role/dev\nsource_profile = base\n"
                         "external_id = ext-7\nduration_seconds = 1800\nrole_session_name = me\nregion = us-west-2\n");
    auto c = resolve_credentials({}, {.profile = "dev"});
    EXPECT_EQ(c.access_key_id, "ASIAROLE");
    EXPECT_EQ(c.session_token, "ROLETOKEN");
    EXPECT_EQ(*c.expiration, parse_timestamp("2031-01-01T00:00:00Z"));
    EXPECT_TRUE(contains(c.source, "(role arn:aws:iam::222:role/dev)")) << c.source;

    auto seen = sts.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, "/");
    auto params = form(seen[0].body);
    EXPECT_EQ(params["Action"], "AssumeRole");
    EXPECT_EQ(params["Version"], "2011-06-15");
    EXPECT_EQ(params["RoleArn"], "arn:aws:iam::222:role/dev");
    EXPECT_EQ(params["RoleSessionName"], "me");
    EXPECT_EQ(params["ExternalId"], "ext-7");
    EXPECT_EQ(params["DurationSeconds"], "1800");
    expect_signed_by(seen[0], Credentials{"AKIABASE", "BASESECRET", std::nullopt, {}}, "us-west-2");
}

TEST_F(CredentialSourcesTest, ChainedRolesSignWithThePreviousRolesCredentials) {
    LocalHttpServer sts([](const HttpExchange& ex) {
        auto role = form(ex.body)["RoleArn"];
        if (role.ends_with("/first")) return HttpReply{200, sts_xml("AssumeRole", "ASIAFIRST", "FIRSTSECRET", "FIRSTTOKEN"), {}};
        return HttpReply{200, sts_xml("AssumeRole", "ASIASECOND", "SECONDSECRET", "SECONDTOKEN"), {}};
    });
    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = BASESECRET\n");
    write(".aws/config", "[profile first]\nrole_arn = arn:aws:iam::1:role/first\nsource_profile = base\n"
                         "[profile second]\nrole_arn = arn:aws:iam::1:role/second\nsource_profile = first\n");
    auto c = resolve_credentials({}, {.profile = "second"});
    EXPECT_EQ(c.access_key_id, "ASIASECOND");
    auto seen = sts.requests();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(form(seen[0].body)["RoleArn"], "arn:aws:iam::1:role/first");
    expect_signed_by(seen[0], Credentials{"AKIABASE", "BASESECRET", std::nullopt, {}}, "eu-west-1");
    EXPECT_EQ(form(seen[1].body)["RoleArn"], "arn:aws:iam::1:role/second");
    expect_signed_by(seen[1], Credentials{"ASIAFIRST", "FIRSTSECRET", "FIRSTTOKEN", {}}, "eu-west-1");
}

TEST_F(CredentialSourcesTest, SourceProfileCycleIsAnError) {
    write(".aws/config", "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
                         "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n");
    auto message = error_of([] { (void)resolve_credentials({}, {.profile = "a"}); });
    EXPECT_TRUE(contains(message, "source_profile cycle: a -> b -> a")) << message;
}

TEST_F(CredentialSourcesTest, AssumeRoleRefusedAndMissingSource) {
    LocalHttpServer sts([](const HttpExchange&) {
        return HttpReply{403, sts_error("AccessDenied", "User is not authorized to perform: sts:AssumeRole"), {}};
    });
    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    write(".aws/credentials", "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = BASESECRET\n");
    write(".aws/config", "[profile dev]\nrole_arn = arn:aws:iam::1:role/dev\nsource_profile = base\n"
                         "[profile lone]\nrole_arn = arn:aws:iam::1:role/lone\n"
                         "[profile mfa]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = base\nmfa_serial = arn:mfa\n"
                         "[profile envsrc]\nrole_arn = arn:aws:iam::1:role/e\ncredential_source = Environment\n");
    auto message = error_of([] { (void)resolve_credentials({}, {.profile = "dev"}); });
    EXPECT_TRUE(contains(message, "config file")) << message;
    EXPECT_TRUE(contains(message, "[profile dev] (role arn:aws:iam::1:role/dev)")) << message;
    EXPECT_TRUE(contains(message, "STS AssumeRole answered HTTP 403 AccessDenied")) << message;
    EXPECT_FALSE(contains(message, "BASESECRET")) << message;
    EXPECT_FALSE(contains(message, "Signature=")) << message;
    message = error_of([] { (void)resolve_credentials({}, {.profile = "lone"}); });
    EXPECT_TRUE(contains(message, "role_arn needs source_profile, credential_source or web_identity_token_file")) << message;
    message = error_of([] { (void)resolve_credentials({}, {.profile = "mfa"}); });
    EXPECT_TRUE(contains(message, "MFA")) << message;
    message = error_of([] { (void)resolve_credentials({}, {.profile = "envsrc"}); });
    EXPECT_TRUE(contains(message, "credential_source Environment has no credentials")) << message;
}

TEST_F(CredentialSourcesTest, CredentialSourceEnvironmentSignsWithTheEnvironmentKeys) {
    LocalHttpServer sts([](const HttpExchange&) { return HttpReply{200, sts_xml("AssumeRole", "ASIAENVROLE", "S", "T"), {}}; });
    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    write(".aws/config", "[profile envsrc]\nrole_arn = arn:aws:iam::1:role/e\ncredential_source = Environment\n");
    EXPECT_EQ(resolve_credentials({}, {.profile = "envsrc"}).access_key_id, "ASIAENVROLE");
    expect_signed_by(sts.requests().at(0), Credentials{"AKIAENV", "ENVSECRET", std::nullopt, {}}, "eu-west-1");
}

// ---- IAM Identity Center ------------------------------------------------------------------------------------

TEST_F(CredentialSourcesTest, SsoSessionWithTheCachedToken) {
    LocalHttpServer portal([](const HttpExchange&) {
        return HttpReply{200, R"({"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"SSOSECRET",)"
                              R"("sessionToken":"SSOTOKEN","expiration":1900000000000}})", {}};
    });
    setenv("AWS_ENDPOINT_URL_SSO", portal.base_url().c_str(), 1);
    write(".aws/config", "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n"
                         "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n");
    // sha1("corp") = ee0bfd2552fbd840c02cc48b6e823320543c450f, the file name `aws sso login` writes.
    EXPECT_EQ(aws::detail::sso_cache_file("corp"), home_ / ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
    write(".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json",
          R"({"startUrl":"https://corp.awsapps.com/start","region":"us-east-1","accessToken":"BEARER-SECRET",)"
          R"("expiresAt":"2099-01-01T00:00:00Z"})");
    auto c = resolve_credentials({}, {.profile = "sso"});
    EXPECT_EQ(c.access_key_id, "ASIASSO");
    EXPECT_EQ(c.session_token, "SSOTOKEN");
    ASSERT_TRUE(c.expiration);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(c.expiration->time_since_epoch()).count(), 1900000000);
    auto seen = portal.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "GET");
    EXPECT_EQ(seen[0].path(), "/federation/credentials");
    EXPECT_TRUE(contains(seen[0].target, "role_name=ReadOnly")) << seen[0].target;
    EXPECT_TRUE(contains(seen[0].target, "account_id=123456789012")) << seen[0].target;
    EXPECT_EQ(seen[0].header("x-amz-sso_bearer_token"), "BEARER-SECRET");
}

TEST_F(CredentialSourcesTest, SsoLegacyStartUrlAndExpiredOrRefusedTokens) {
    LocalHttpServer portal([](const HttpExchange&) {
        return HttpReply{401, R"({"message":"Session token not found or invalid"})", {}};
    });
    setenv("AWS_ENDPOINT_URL_SSO", portal.base_url().c_str(), 1);
    write(".aws/config", "[profile old]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
                         "sso_account_id = 1\nsso_role_name = R\n");
    const std::string cache = ".aws/sso/cache/a51746d4aa793ae07b25e90c3a5db96fc7832bd7.json";  // sha1 of the URL
    write(cache, R"({"accessToken":"OLD-BEARER","expiresAt":"2001-01-01T00:00:00Z"})");
    auto message = error_of([] { (void)resolve_credentials({}, {.profile = "old"}); });
    EXPECT_TRUE(contains(message, "has expired")) << message;
    EXPECT_TRUE(contains(message, "aws sso login")) << message;
    EXPECT_FALSE(contains(message, "OLD-BEARER")) << message;
    EXPECT_EQ(portal.request_count(), 0u);

    write(cache, R"({"accessToken":"OLD-BEARER","expiresAt":"2099-01-01T00:00:00Z"})");
    message = error_of([] { (void)resolve_credentials({}, {.profile = "old"}); });
    EXPECT_TRUE(contains(message, "HTTP 401: Session token not found or invalid")) << message;
    EXPECT_FALSE(contains(message, "OLD-BEARER")) << message;
    EXPECT_EQ(portal.requests().at(0).header("x-amz-sso_bearer_token"), "OLD-BEARER");
}

// ---- credential_process -------------------------------------------------------------------------------------

TEST_F(CredentialSourcesTest, CredentialProcessRunsWithoutAShell) {
    auto args_file = home_ / "args.txt";
    write("my tools/get creds.sh",
          "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + args_file.string() + "'\n"
          "echo '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"PROCSECRET\", "
          "\"SessionToken\": \"PROCTOKEN\", \"Expiration\": \"2032-02-03T04:05:06Z\"}'\n",
          true);
    write(".aws/config", "[profile proc]\ncredential_process = \"" + (home_ / "my tools/get creds.sh").string() +
                             "\" 'a;b' $HOME \"x y\" c\\ d `id`\n");
    auto c = resolve_credentials({}, {.profile = "proc"});
    EXPECT_EQ(c.access_key_id, "ASIAPROC");
    EXPECT_EQ(c.session_token, "PROCTOKEN");
    EXPECT_EQ(*c.expiration, parse_timestamp("2032-02-03T04:05:06Z"));
    std::ifstream in(args_file);
    std::string all((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(all, "a;b\n$HOME\nx y\nc d\n`id`\n");  // no shell expanded or split anything
}

TEST_F(CredentialSourcesTest, CredentialProcessFailures) {
    write("fail.sh", "#!/bin/sh\necho oops >&2\nexit 3\n", true);
    write("v2.sh", "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"K\", \"SecretAccessKey\": \"S\"}'\n", true);
    write("junk.sh", "#!/bin/sh\necho 'not json PROCSECRET'\n", true);
    write(".aws/config", "[profile fail]\ncredential_process = " + (home_ / "fail.sh").string() + " --token HIDDEN\n" +
                             "[profile v2]\ncredential_process = " + (home_ / "v2.sh").string() + "\n" +
                             "[profile junk]\ncredential_process = " + (home_ / "junk.sh").string() + "\n" +
                             "[profile quote]\ncredential_process = 'unterminated\n");
    auto message = error_of([] { (void)resolve_credentials({}, {.profile = "fail"}); });
    EXPECT_TRUE(contains(message, "exited with status 3")) << message;
    EXPECT_TRUE(contains(message, "credential_process of config file")) << message;
    EXPECT_FALSE(contains(message, "HIDDEN")) << message;
    message = error_of([] { (void)resolve_credentials({}, {.profile = "v2"}); });
    EXPECT_TRUE(contains(message, "not Version 1")) << message;
    message = error_of([] { (void)resolve_credentials({}, {.profile = "junk"}); });
    EXPECT_TRUE(contains(message, "malformed JSON")) << message;
    EXPECT_FALSE(contains(message, "PROCSECRET")) << message;
    message = error_of([] { (void)resolve_credentials({}, {.profile = "quote"}); });
    EXPECT_TRUE(contains(message, "unterminated")) << message;
}

TEST_F(CredentialSourcesTest, CredentialProcessTimeout) {
    write("slow.sh", "#!/bin/sh\nexec sleep 30\n", true);
    ProcessCredentialsProvider p((home_ / "slow.sh").string(), "a test", std::chrono::seconds(1));
    auto start = std::chrono::steady_clock::now();
    auto message = error_of([&] { (void)p.load(); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_TRUE(contains(message, "did not finish within 1 s")) << message;
}

TEST(CredentialProcessSplit, AsAPosixShellSplitsWords) {
    using aws::detail::split_command_line;
    EXPECT_EQ(split_command_line("a b\tc"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(split_command_line("'a b' \"c \\\"d\\\" \\n\" e\\ f ''"),
              (std::vector<std::string>{"a b", "c \"d\" \\n", "e f", ""}));
    EXPECT_EQ(split_command_line("x'y'\"z\""), (std::vector<std::string>{"xyz"}));
    EXPECT_TRUE(split_command_line("   ").empty());
    EXPECT_THROW((void)split_command_line("\"open"), CredentialsError);
}

// ---- container ----------------------------------------------------------------------------------------------

TEST_F(CredentialSourcesTest, ContainerFullUriWithTheAuthorizationTokenFile) {
    LocalHttpServer endpoint([](const HttpExchange&) {
        return HttpReply{200, credentials_json("ASIACONT", "CONTSECRET", "CONTTOKEN", "Token", "2033-03-03T03:03:03Z"), {}};
    });
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", (endpoint.base_url() + "/v1/credentials").c_str(), 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", write("eks-token", "FILE-AUTH-TOKEN\n").c_str(), 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ENV-AUTH-TOKEN", 1);
    auto c = resolve_credentials();
    EXPECT_EQ(c.access_key_id, "ASIACONT");
    EXPECT_EQ(c.session_token, "CONTTOKEN");
    EXPECT_EQ(*c.expiration, parse_timestamp("2033-03-03T03:03:03Z"));
    auto seen = endpoint.requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "GET");
    EXPECT_EQ(seen[0].target, "/v1/credentials");
    EXPECT_EQ(seen[0].header("authorization"), "FILE-AUTH-TOKEN");  // the file wins over the variable

    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    endpoint.clear();
    (void)resolve_credentials();
    EXPECT_EQ(endpoint.requests().at(0).header("authorization"), "ENV-AUTH-TOKEN");
    unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    endpoint.clear();
    (void)resolve_credentials();
    EXPECT_FALSE(endpoint.requests().at(0).has_header("authorization"));
}

TEST_F(CredentialSourcesTest, ContainerEndpointsAllowed) {
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
    EXPECT_EQ(ContainerCredentialsProvider::endpoint_url(), "http://169.254.170.2/v2/credentials/abc");
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    EXPECT_EQ(ContainerCredentialsProvider::endpoint_url(), std::nullopt);
    for (const char* ok : {"http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
                           "http://localhost:8080/c", "http://127.0.0.2/c", "https://creds.example.com/c"}) {
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", ok, 1);
        EXPECT_EQ(ContainerCredentialsProvider::endpoint_url(), ok);
    }
    for (const char* bad : {"http://creds.example.com/c", "http://169.254.169.254/latest", "ftp://127.0.0.1/"}) {
        setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", bad, 1);
        EXPECT_THROW((void)ContainerCredentialsProvider::endpoint_url(), CredentialsError) << bad;
    }
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://creds.example.com/c", 1);
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "only https, a loopback host")) << message;
}

TEST_F(CredentialSourcesTest, ContainerRefusalNamesStatusNotToken) {
    LocalHttpServer endpoint([](const HttpExchange&) {
        return HttpReply{403, R"({"code":"AccessDenied","message":"bad token"})", {}};
    });
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", (endpoint.base_url() + "/creds?x=QUERYSECRET").c_str(), 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "AUTH-SECRET", 1);
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "container credentials http://127.0.0.1:")) << message;
    EXPECT_TRUE(contains(message, "HTTP 403 AccessDenied: bad token")) << message;
    EXPECT_FALSE(contains(message, "AUTH-SECRET")) << message;
    EXPECT_FALSE(contains(message, "QUERYSECRET")) << message;
}

// ---- instance metadata ----------------------------------------------------------------------------------------

namespace {

HttpReply imds(const HttpExchange& ex, int role_status = 200) {
    if (ex.method == "PUT" && ex.target == "/latest/api/token") {
        if (ex.header("x-aws-ec2-metadata-token-ttl-seconds").empty()) return HttpReply{400, "", {}};
        return HttpReply{200, "IMDS-SESSION-TOKEN", {{"Content-Type", "text/plain"}}};
    }
    if (ex.header("x-aws-ec2-metadata-token") != "IMDS-SESSION-TOKEN") return HttpReply{401, "", {}};
    if (ex.target == "/latest/meta-data/iam/security-credentials/")
        return HttpReply{role_status, role_status == 200 ? "app-role" : "", {{"Content-Type", "text/plain"}}};
    if (ex.target == "/latest/meta-data/iam/security-credentials/app-role")
        return HttpReply{200, credentials_json("ASIAIMDS", "IMDSSECRET", "IMDSTOKEN", "Token", "2034-04-04T04:04:04Z"), {}};
    return HttpReply{404, "", {}};
}

}  // namespace

TEST_F(CredentialSourcesTest, InstanceMetadataV2) {
    LocalHttpServer metadata([](const HttpExchange& ex) { return imds(ex); });
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", (metadata.base_url() + "/").c_str(), 1);
    auto c = resolve_credentials();
    EXPECT_EQ(c.access_key_id, "ASIAIMDS");
    EXPECT_EQ(c.session_token, "IMDSTOKEN");
    EXPECT_EQ(*c.expiration, parse_timestamp("2034-04-04T04:04:04Z"));
    EXPECT_TRUE(contains(c.source, "(role app-role)")) << c.source;
    auto seen = metadata.requests();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].method, "PUT");
    EXPECT_EQ(seen[0].target, "/latest/api/token");
    EXPECT_EQ(seen[0].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
    EXPECT_EQ(seen[1].method, "GET");
    EXPECT_EQ(seen[1].target, "/latest/meta-data/iam/security-credentials/");
    EXPECT_EQ(seen[1].header("x-aws-ec2-metadata-token"), "IMDS-SESSION-TOKEN");
    EXPECT_EQ(seen[2].method, "GET");
    EXPECT_EQ(seen[2].target, "/latest/meta-data/iam/security-credentials/app-role");
    EXPECT_EQ(seen[2].header("x-aws-ec2-metadata-token"), "IMDS-SESSION-TOKEN");
}

TEST_F(CredentialSourcesTest, InstanceMetadataDisabledAbsentOrWithoutRole) {
    LocalHttpServer metadata([](const HttpExchange& ex) { return imds(ex, 404); });
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.base_url().c_str(), 1);
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "AWS_EC2_METADATA_DISABLED is true")) << message;
    EXPECT_EQ(metadata.request_count(), 0u);

    unsetenv("AWS_EC2_METADATA_DISABLED");
    message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "EC2 instance metadata (IMDSv2): no IAM role is attached")) << message;
    EXPECT_FALSE(contains(message, "IMDS-SESSION-TOKEN")) << message;

    int port;
    {
        LocalHttpServer gone([](const HttpExchange&) { return HttpReply{}; });
        port = gone.port();
    }
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ("http://127.0.0.1:" + std::to_string(port)).c_str(), 1);
    message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "EC2 instance metadata (IMDSv2): no answer (PUT http://127.0.0.1:")) << message;

    EXPECT_EQ(InstanceMetadataCredentialsProvider::endpoint(), "http://127.0.0.1:" + std::to_string(port));
    unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    EXPECT_EQ(InstanceMetadataCredentialsProvider::endpoint(), "http://169.254.169.254");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6", 1);
    EXPECT_EQ(InstanceMetadataCredentialsProvider::endpoint(), "http://[fd00:ec2::254]");
}

// ---- the chain's order ----------------------------------------------------------------------------------------

TEST_F(CredentialSourcesTest, ChainOrderEnvironmentWebIdentityProfileContainerInstance) {
    std::atomic<int> sts_calls{0};
    LocalHttpServer sts([&](const HttpExchange&) {
        ++sts_calls;
        return HttpReply{200, sts_xml("AssumeRoleWithWebIdentity", "FROMWEBID", "S", "T"), {}};
    });
    LocalHttpServer container([](const HttpExchange&) {
        return HttpReply{200, credentials_json("FROMCONTAINER", "S", "T"), {}};
    });
    LocalHttpServer metadata([](const HttpExchange& ex) { return imds(ex); });
    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    setenv("AWS_ACCESS_KEY_ID", "FROMENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("jwt", "J").c_str(), 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/w", 1);
    write(".aws/credentials", "[default]\naws_access_key_id = FROMPROFILE\naws_secret_access_key = S\n");
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", (container.base_url() + "/c").c_str(), 1);
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.base_url().c_str(), 1);

    EXPECT_EQ(resolve_credentials().access_key_id, "FROMENV");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    EXPECT_EQ(resolve_credentials().access_key_id, "FROMWEBID");
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    EXPECT_EQ(resolve_credentials().access_key_id, "FROMPROFILE");
    fs::remove(home_ / ".aws/credentials");
    EXPECT_EQ(resolve_credentials().access_key_id, "FROMCONTAINER");
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    EXPECT_EQ(resolve_credentials().access_key_id, "ASIAIMDS");

    EXPECT_EQ(sts_calls.load(), 1);
    EXPECT_EQ(container.request_count(), 1u);
    EXPECT_EQ(metadata.request_count(), 3u);
}

// ---- caching and refresh --------------------------------------------------------------------------------------

namespace {

struct CountingProvider : CredentialsProvider {
    mutable std::atomic<int> calls{0};
    mutable std::atomic<bool> fail{false};
    std::chrono::system_clock::time_point expiration;
    std::chrono::milliseconds delay{0};
    [[nodiscard]] std::string describe() const override { return "a counting source"; }
    [[nodiscard]] Result load() const override {
        int n = ++calls;
        if (delay.count()) std::this_thread::sleep_for(delay);
        if (fail) throw CredentialsError("a counting source: endpoint down");
        return {Credentials{"K" + std::to_string(n), "S", "T", "counting", expiration}, {}};
    }
};

}  // namespace

TEST(RefreshingCredentials, KeptUntilFiveMinutesBeforeExpiry) {
    using namespace std::chrono;
    const system_clock::time_point t0 = sys_days{year{2030} / 1 / 1};
    system_clock::time_point now = t0;
    auto source = std::make_shared<CountingProvider>();
    source->expiration = t0 + minutes(60);
    RefreshingCredentialsProvider cached(source, minutes(5), [&] { return now; });
    EXPECT_EQ(cached.load().credentials->access_key_id, "K1");
    now = t0 + minutes(54);
    EXPECT_EQ(cached.load().credentials->access_key_id, "K1");
    EXPECT_EQ(source->calls.load(), 1);
    now = t0 + minutes(55) + seconds(1);  // within 5 minutes of expiry: refreshed
    source->expiration = t0 + minutes(120);
    EXPECT_EQ(cached.load().credentials->access_key_id, "K2");
    EXPECT_EQ(source->calls.load(), 2);

    // A failed refresh while the kept credentials still work returns them; once they expired, the error.
    source->fail = true;
    now = t0 + minutes(116);
    EXPECT_EQ(cached.load().credentials->access_key_id, "K2");
    now = t0 + minutes(121);
    EXPECT_THROW((void)cached.load(), CredentialsError);
    source->fail = false;
    EXPECT_EQ(cached.load().credentials->access_key_id, "K5");  // calls 3 and 4 failed
    cached.invalidate();
    EXPECT_EQ(cached.load().credentials->access_key_id, "K6");
}

TEST(RefreshingCredentials, LongTermKeysAreReadEachTime) {
    struct Static : CredentialsProvider {
        mutable int calls = 0;
        [[nodiscard]] std::string describe() const override { return "static"; }
        [[nodiscard]] Result load() const override {
            ++calls;
            return {Credentials{"K", "S", {}, {}, {}}, {}};
        }
    };
    auto source = std::make_shared<Static>();
    RefreshingCredentialsProvider cached(source);
    (void)cached.load();
    (void)cached.load();
    EXPECT_EQ(source->calls, 2);
}

TEST(RefreshingCredentials, ConcurrentCallersShareOneRefresh) {
    auto source = std::make_shared<CountingProvider>();
    source->expiration = std::chrono::system_clock::now() + std::chrono::hours(1);
    source->delay = std::chrono::milliseconds(100);
    RefreshingCredentialsProvider cached(source);
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            if (cached.load().credentials->access_key_id == "K1") ++ok;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 8);
    EXPECT_EQ(source->calls.load(), 1);
}

TEST_F(CredentialSourcesTest, RefreshingContainerCredentialsHitTheEndpointOnce) {
    LocalHttpServer endpoint([](const HttpExchange&) {
        return HttpReply{200, credentials_json("ASIACONT", "S", "T", "Token", "2099-01-01T00:00:00Z"), {}};
    });
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", (endpoint.base_url() + "/c").c_str(), 1);
    RefreshingCredentialsProvider cached(std::make_shared<ContainerCredentialsProvider>());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(cached.load().credentials->access_key_id, "ASIACONT");
    EXPECT_EQ(endpoint.request_count(), 1u);
}

TEST(CallbackCredentials, AppsOwnSource) {
    CallbackCredentialsProvider ok([] { return Credentials{"APPKEY", "APPSECRET", {}, {}, {}}; });
    auto r = ok.load();
    EXPECT_EQ(r.credentials->access_key_id, "APPKEY");
    EXPECT_EQ(r.credentials->source, "application credentials_provider");
    CallbackCredentialsProvider failing([]() -> Credentials { throw std::runtime_error("vault sealed"); });
    try {
        (void)failing.load();
        ADD_FAILURE();
    } catch (const CredentialsError& e) {
        EXPECT_TRUE(contains(e.what(), "application credentials_provider failed: vault sealed")) << e.what();
    }
    CallbackCredentialsProvider empty([] { return Credentials{}; });
    EXPECT_THROW((void)empty.load(), CredentialsError);
}

// ---- DSQL tokens from each source -----------------------------------------------------------------------------

namespace {

constexpr const char* dsql_endpoint = "abcdefghijklmnopqrst1234.dsql.us-east-1.on.aws";

std::chrono::system_clock::time_point signing_time() {
    return parse_timestamp("2026-03-04T05:06:07Z");
}

// The token a provider makes, and the one the signer makes from the expected credentials at the same
// time: equal byte for byte.
void expect_token_from(const Credentials& expected) {
    dsql::TokenProvider provider({.hostname = dsql_endpoint, .user = "admin", .clock = signing_time});
    DsqlTokenParams p{.hostname = dsql_endpoint, .region = "us-east-1", .admin = true, .signing_time = signing_time()};
    auto token = provider.token();
    EXPECT_EQ(token, generate_dsql_auth_token(p, expected));
    EXPECT_TRUE(contains(token, "X-Amz-Credential=" + expected.access_key_id + "%2F20260304%2Fus-east-1%2Fdsql"))
        << mask_dsql_token(token);
    // A second token reuses the kept temporary credentials.
    EXPECT_EQ(provider.token(), token);
}

}  // namespace

TEST_F(CredentialSourcesTest, DsqlTokensFromWebIdentityContainerAndInstanceMetadata) {
    LocalHttpServer sts([](const HttpExchange&) {
        return HttpReply{200, sts_xml("AssumeRoleWithWebIdentity", "ASIAWEBID", "WEBSECRET", "WEBSESSION"), {}};
    });
    LocalHttpServer container([](const HttpExchange&) {
        return HttpReply{200, credentials_json("ASIACONT", "CONTSECRET", "CONTTOKEN"), {}};
    });
    LocalHttpServer metadata([](const HttpExchange& ex) { return imds(ex); });

    setenv("AWS_ENDPOINT_URL_STS", sts.base_url().c_str(), 1);
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", write("jwt", "J").c_str(), 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::1:role/w", 1);
    expect_token_from(Credentials{"ASIAWEBID", "WEBSECRET", "WEBSESSION", {}});
    EXPECT_EQ(sts.request_count(), 1u);
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");

    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", (container.base_url() + "/c").c_str(), 1);
    expect_token_from(Credentials{"ASIACONT", "CONTSECRET", "CONTTOKEN", {}});
    EXPECT_EQ(container.request_count(), 1u);
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");

    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata.base_url().c_str(), 1);
    expect_token_from(Credentials{"ASIAIMDS", "IMDSSECRET", "IMDSTOKEN", {}});
    EXPECT_EQ(metadata.request_count(), 3u);
}

TEST_F(CredentialSourcesTest, DsqlTokenProviderRefreshesNearExpiry) {
    std::atomic<int> calls{0};
    LocalHttpServer container([&](const HttpExchange&) {
        ++calls;
        return HttpReply{200, credentials_json("ASIACONT" + std::to_string(calls.load()), "S", "T", "Token",
                                               "2026-03-04T06:00:00Z"),
                         {}};
    });
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", (container.base_url() + "/c").c_str(), 1);
    auto now = parse_timestamp("2026-03-04T05:00:00Z");
    dsql::TokenProvider provider({.hostname = dsql_endpoint, .clock = [&] { return now; }});
    EXPECT_EQ(provider.credentials().access_key_id, "ASIACONT1");
    now = parse_timestamp("2026-03-04T05:54:59Z");
    EXPECT_EQ(provider.credentials().access_key_id, "ASIACONT1");
    now = parse_timestamp("2026-03-04T05:55:01Z");
    EXPECT_EQ(provider.credentials().access_key_id, "ASIACONT2");
    EXPECT_EQ(calls.load(), 2);
}

TEST_F(CredentialSourcesTest, DsqlCredentialsProviderCallback) {
    int calls = 0;
    auto callback = [&] {
        ++calls;
        return Credentials{"APPKEY", "APPSECRET", "APPTOKEN", "my vault", signing_time() + std::chrono::hours(1)};
    };
    // The callback beats both fixed credentials and the environment.
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    dsql::TokenProvider provider({.hostname = dsql_endpoint,
                                  .user = "app",
                                  .credentials = Credentials{"FIXED", "FIXEDSECRET", {}, {}},
                                  .credentials_provider = callback,
                                  .clock = signing_time});
    DsqlTokenParams p{.hostname = dsql_endpoint, .region = "us-east-1", .admin = false, .signing_time = signing_time()};
    EXPECT_EQ(provider.token(), generate_dsql_auth_token(p, Credentials{"APPKEY", "APPSECRET", "APPTOKEN", {}}));
    (void)provider.token();
    EXPECT_EQ(calls, 1);

    dsql::TokenProvider failing({.hostname = dsql_endpoint,
                                 .credentials_provider = []() -> Credentials { throw std::runtime_error("vault sealed"); }});
    auto message = error_of([&] { (void)failing.token(); });
    EXPECT_TRUE(contains(message, "application credentials_provider failed: vault sealed")) << message;

    int engine_calls = 0;
    auto engine = dsql::create_dsql_engine({.hostname = dsql_endpoint, .credentials_provider = [&] {
                                                ++engine_calls;
                                                return Credentials{"ENGINEKEY", "S", {}, {}};
                                            }});
    (void)engine;
    EXPECT_EQ(engine_calls, 0);  // asked when a connection opens, not before
}

TEST_F(CredentialSourcesTest, DsqlTokenErrorsNameTheSourceWithoutSecrets) {
    LocalHttpServer container([](const HttpExchange&) { return HttpReply{500, R"({"message":"internal"})", {}}; });
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", (container.base_url() + "/c").c_str(), 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "AUTH-SECRET", 1);
    dsql::TokenProvider provider({.hostname = dsql_endpoint});
    auto message = error_of([&] { (void)provider.token(); });
    EXPECT_TRUE(contains(message, "container credentials http://127.0.0.1:")) << message;
    EXPECT_TRUE(contains(message, "HTTP 500")) << message;
    EXPECT_FALSE(contains(message, "AUTH-SECRET")) << message;
}
