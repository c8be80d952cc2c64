// SigV4 against the public aws-c-auth signing suite (shared/testdata/sigv4), and Aurora DSQL auth tokens
// against botocore's published vectors.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "retort/aws/dsql_token.hpp"
#include "retort/aws/sigv4.hpp"
#include "retort/error.hpp"

namespace fs = std::filesystem;
using namespace retort;
using namespace retort::aws;

namespace {

// ---- locating the suite ---------------------------------------------------------------------------------

// RETORT_SHARED_DIR, else the first "shared/testdata/sigv4" above the working directory, the test binary
// or this source file. Empty when none exists; the tests then fail rather than skip.
fs::path find_suite() {
    std::error_code ec;
    if (const char* shared = std::getenv("RETORT_SHARED_DIR"); shared && *shared) {
        for (auto candidate :
             {fs::path(shared) / "testdata" / "sigv4", fs::path(shared) / "shared" / "testdata" / "sigv4"})
            if (fs::is_directory(candidate, ec)) return candidate;
    }
    std::vector<fs::path> starts{fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec).parent_path(),
                                 fs::path(__FILE__).parent_path()};
    for (auto dir : starts) {
        if (dir.empty()) continue;
        dir = fs::absolute(dir, ec);
        while (true) {
            auto candidate = dir / "shared" / "testdata" / "sigv4";
            if (fs::is_directory(candidate, ec)) return candidate;
            if (!dir.has_parent_path() || dir.parent_path() == dir) break;
            dir = dir.parent_path();
        }
    }
    return {};
}

const fs::path& suite_dir() {
    static const fs::path dir = find_suite();
    return dir;
}

std::vector<std::string> case_names() {
    std::vector<std::string> names;
    std::error_code ec;
    if (suite_dir().empty()) return names;
    for (const auto& entry : fs::directory_iterator(suite_dir(), ec))
        if (entry.is_directory() && fs::exists(entry.path() / "context.json"))
            names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::string> read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// ---- a JSON reader for the suite's small context files -------------------------------------------------

// Flattens objects into dotted keys ("credentials.access_key_id"); scalars keep their text (strings
// unescaped, numbers and literals as written).
class FlatJson {
public:
    explicit FlatJson(std::string_view text) : text_(text) {
        value("");
        skip_space();
        if (pos_ != text_.size()) throw std::runtime_error("JSON: trailing text");
    }
    [[nodiscard]] std::optional<std::string> get(const std::string& key) const {
        auto it = values_.find(key);
        return it == values_.end() ? std::nullopt : std::optional(it->second);
    }

private:
    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    char peek() {
        skip_space();
        if (pos_ >= text_.size()) throw std::runtime_error("JSON: unexpected end");
        return text_[pos_];
    }
    void expect(char c) {
        if (peek() != c) throw std::runtime_error(std::string("JSON: expected ") + c);
        ++pos_;
    }
    std::string string() {
        expect('"');
        std::string out;
        while (pos_ < text_.size() && text_[pos_] != '"') {
            char c = text_[pos_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            char e = text_.at(pos_++);
            switch (e) {
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'u': {
                    auto code = std::stoi(std::string(text_.substr(pos_, 4)), nullptr, 16);
                    pos_ += 4;
                    if (code >= 0x80) throw std::runtime_error("JSON: non-ASCII \\u escapes are not needed here");
                    out += static_cast<char>(code);
                    break;
                }
                default:
                    out += e;
            }
        }
        expect('"');
        return out;
    }
    void value(const std::string& key) {
        char c = peek();
        if (c == '{') {
            ++pos_;
            if (peek() == '}') {
                ++pos_;
                return;
            }
            while (true) {
                auto name = string();
                expect(':');
                value(key.empty() ? name : key + "." + name);
                if (peek() == ',') {
                    ++pos_;
                    continue;
                }
                expect('}');
                return;
            }
        }
        if (c == '"') {
            values_[key] = string();
            return;
        }
        auto start = pos_;
        while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' &&
               !std::isspace(static_cast<unsigned char>(text_[pos_])))
            ++pos_;
        if (start == pos_) throw std::runtime_error("JSON: unsupported value");
        values_[key] = std::string(text_.substr(start, pos_ - start));
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::map<std::string, std::string> values_;
};

// ---- one case -------------------------------------------------------------------------------------------

struct Case {
    Request request;
    Credentials credentials;
    SigningParams params;
};

// request.txt: "METHOD target HTTP/1.1" (the target may contain spaces), "Name:value" lines, lines that
// start with whitespace continuing the previous value, then an optional blank line and the body.
Request parse_request(const std::string& text) {
    Request request;
    auto first_end = text.find('\n');
    std::string first = text.substr(0, first_end);
    auto sp1 = first.find(' '), sp2 = first.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) throw std::runtime_error("bad request line");
    request.method = first.substr(0, sp1);
    std::string target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    auto q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) request.query = parse_query(target.substr(q + 1));

    std::size_t pos = first_end == std::string::npos ? text.size() : first_end + 1;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        pos = end == std::string::npos ? text.size() : end + 1;
        if (line.empty()) {
            request.body = text.substr(pos);
            break;
        }
        if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
            request.headers.back().second += "\n" + line;
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) throw std::runtime_error("bad header line");
        request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
    }
    return request;
}

Case load_case(const fs::path& dir) {
    auto context_text = read_file(dir / "context.json");
    auto request_text = read_file(dir / "request.txt");
    if (!context_text || !request_text) throw std::runtime_error("missing context.json or request.txt");
    FlatJson context(*context_text);
    auto required = [&](const std::string& key) {
        auto v = context.get(key);
        if (!v) throw std::runtime_error("context.json has no " + key);
        return *v;
    };
    Case c;
    c.request = parse_request(*request_text);
    c.credentials.access_key_id = required("credentials.access_key_id");
    c.credentials.secret_access_key = required("credentials.secret_access_key");
    c.credentials.session_token = context.get("credentials.token");
    c.params.region = required("region");
    c.params.service = required("service");
    c.params.time = parse_timestamp(required("timestamp"));
    c.params.expires = std::chrono::seconds(std::stol(required("expiration_in_seconds")));
    c.params.normalize = context.get("normalize").value_or("true") == "true";
    c.params.omit_session_token = context.get("omit_session_token").value_or("false") == "true";
    c.params.add_content_sha256_header = context.get("sign_body").value_or("false") == "true";
    return c;
}

std::string render(const Request& r) {
    std::string out = r.method + " " + r.target() + " HTTP/1.1\n";
    for (const auto& [name, value] : r.headers) out += name + ":" + value + "\n";
    return out + "\n" + r.body;
}

// Compares every expected file of one mode ("header" or "query") that the case has; returns how many.
int check_mode(const fs::path& dir, const std::string& mode, const SigningResult& result) {
    int checked = 0;
    auto check = [&](const std::string& file, const std::string& actual) {
        auto expected = read_file(dir / (mode + "-" + file));
        if (!expected) return;
        ++checked;
        EXPECT_EQ(actual, *expected) << dir.filename().string() << "/" << mode << "-" << file;
    };
    check("canonical-request.txt", result.canonical_request);
    check("string-to-sign.txt", result.string_to_sign);
    check("signature.txt", result.signature);
    check("signed-request.txt", render(result.request));
    return checked;
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {
protected:
    fs::path dir() const { return suite_dir() / GetParam(); }
};

}  // namespace

// ---- the suite ------------------------------------------------------------------------------------------

TEST(SigV4Suite, IsPresent) {
    ASSERT_FALSE(suite_dir().empty())
        << "shared/testdata/sigv4 not found above the working directory, the test binary or the source file; "
           "set RETORT_SHARED_DIR to the shared/ folder";
    EXPECT_GE(case_names().size(), 30u);
}

TEST_P(SigV4SuiteTest, HeaderSigning) {
    auto c = load_case(dir());
    auto result = sign_headers(c.request, c.credentials, c.params);
    EXPECT_GT(check_mode(dir(), "header", result), 0) << "no header-* files";
}

TEST_P(SigV4SuiteTest, QuerySigning) {
    auto c = load_case(dir());
    auto result = presign(c.request, c.credentials, c.params);
    EXPECT_GT(check_mode(dir(), "query", result), 0) << "no query-* files";
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4SuiteTest, ::testing::ValuesIn(case_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                             std::string name = param_info.param;
                             for (char& ch : name)
                                 if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return name;
                         });

// ---- building blocks ------------------------------------------------------------------------------------

TEST(SigV4, SigningKeyMatchesAwsDocumentation) {
    // The worked example in AWS's "derive a signing key" documentation.
    auto key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
    std::string hex;
    for (unsigned char ch : key) {
        static constexpr char digits[] = "0123456789abcdef";
        hex += digits[ch >> 4];
        hex += digits[ch & 0xF];
    }
    EXPECT_EQ(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4, Sha256OfEmptyString) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4, UriEncode) {
    EXPECT_EQ(uri_encode("-._~azAZ09"), "-._~azAZ09");
    EXPECT_EQ(uri_encode("a b/c+d=e"), "a%20b%2Fc%2Bd%3De");
    EXPECT_EQ(uri_encode("/a b/c", true), "/a%20b/c");
    EXPECT_EQ(uri_encode("\xE1\x88\xB4"), "%E1%88%B4");
    EXPECT_EQ(uri_encode("%20"), "%2520");
}

TEST(SigV4, UriDecode) {
    EXPECT_EQ(uri_decode("%E1%88%b4x"), "\xE1\x88\xB4x");
    EXPECT_EQ(uri_decode("100%"), "100%");
    EXPECT_EQ(uri_decode("%zz%4"), "%zz%4");
    EXPECT_EQ(uri_decode("a+b"), "a+b");
}

TEST(SigV4, NormalizePath) {
    EXPECT_EQ(normalize_path(""), "/");
    EXPECT_EQ(normalize_path("/"), "/");
    EXPECT_EQ(normalize_path("//"), "/");
    EXPECT_EQ(normalize_path("/./"), "/");
    EXPECT_EQ(normalize_path("/example/.."), "/");
    EXPECT_EQ(normalize_path("/a/b/../../.."), "/");
    EXPECT_EQ(normalize_path("//example//"), "/example/");
    EXPECT_EQ(normalize_path("/./example"), "/example");
    EXPECT_EQ(normalize_path("/a/./b/../c/"), "/a/c/");
}

TEST(SigV4, ParseQuery) {
    auto q = parse_query("a=1&&b&c=&d=x=y");
    ASSERT_EQ(q.size(), 4u);
    EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"a", "1"}));
    EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"b", ""}));
    EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"c", ""}));
    EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"d", "x=y"}));
}

TEST(SigV4, Timestamps) {
    auto t = parse_timestamp("2015-08-30T12:36:00Z");
    EXPECT_EQ(format_amz_date(t), "20150830T123600Z");
    EXPECT_EQ(format_amz_date(parse_timestamp("2024-02-29T23:59:59.999Z")), "20240229T235959Z");
    EXPECT_EQ(parse_timestamp("2024-11-07T17:39:33+00:00"), parse_timestamp("2024-11-07T17:39:33Z"));
    for (const char* bad : {"2015-08-30 12:36:00Z", "2015-08-30T12:36:00", "2015-02-30T00:00:00Z",
                            "2015-08-30T24:00:00Z", "2015-08-30T12:36:00+02:00", "yesterday", ""})
        EXPECT_THROW((void)parse_timestamp(bad), ArgumentError) << bad;
}

TEST(SigV4, RejectsUnsignableRequests) {
    Credentials creds{"AKID", "SECRETKEY", std::string("SESSIONTOKEN"), {}};
    SigningParams params{.region = "us-east-1", .service = "svc", .time = parse_timestamp("2015-08-30T12:36:00Z")};
    Request no_host;
    EXPECT_THROW((void)sign_headers(no_host, creds, params), ArgumentError);

    Request r;
    r.headers = {{"Host", "example.com"}};
    auto expect_clean_error = [&](auto&& call) {
        try {
            call();
            ADD_FAILURE() << "no exception";
        } catch (const ArgumentError& e) {
            std::string what = e.what();
            EXPECT_EQ(what.find("SECRETKEY"), std::string::npos) << what;
            EXPECT_EQ(what.find("SESSIONTOKEN"), std::string::npos) << what;
        }
    };
    auto long_expiry = params;
    long_expiry.expires = std::chrono::seconds(604801);
    expect_clean_error([&] { (void)presign(r, creds, long_expiry); });
    auto no_region = params;
    no_region.region.clear();
    expect_clean_error([&] { (void)sign_headers(r, creds, no_region); });
    expect_clean_error([&] { (void)sign_headers(r, Credentials{"AKID", "", {}, {}}, params); });

    auto signed_once = sign_headers(r, creds, params);
    expect_clean_error([&] { (void)sign_headers(signed_once.request, creds, params); });
    auto presigned_once = presign(r, creds, params);
    expect_clean_error([&] { (void)presign(presigned_once.request, creds, params); });
}

TEST(SigV4, UnsignedHeadersAreLeftOut) {
    Request r;
    r.headers = {
        {"Host", "example.com"}, {"User-Agent", "retort"}, {"X-Amzn-Trace-Id", "x"}, {"Expect", "100-continue"}};
    SigningParams params{.region = "us-east-1", .service = "svc", .time = parse_timestamp("2015-08-30T12:36:00Z")};
    auto result = sign_headers(r, Credentials{"AKID", "SECRET", {}, {}}, params);
    EXPECT_EQ(result.signed_headers, "host;x-amz-date");
}

TEST(SigV4, S3StylePathIsNotEncodedTwice) {
    Request r;
    r.path = "/my%20key/./x";
    r.headers = {{"Host", "bucket.s3.amazonaws.com"}};
    SigningParams params{.region = "us-east-1", .service = "s3", .time = parse_timestamp("2015-08-30T12:36:00Z")};
    params.normalize = false;
    params.double_uri_encode = false;
    params.payload_hash = "UNSIGNED-PAYLOAD";
    auto result = presign(r, Credentials{"AKID", "SECRET", {}, {}}, params);
    EXPECT_EQ(result.canonical_request.substr(0, result.canonical_request.find('\n', 4)), "GET\n/my%20key/./x");
    EXPECT_EQ(result.canonical_request.substr(result.canonical_request.rfind('\n') + 1), "UNSIGNED-PAYLOAD");

    params.double_uri_encode = true;
    params.normalize = true;
    auto doubled = presign(r, Credentials{"AKID", "SECRET", {}, {}}, params);
    EXPECT_EQ(doubled.canonical_request.substr(0, doubled.canonical_request.find('\n', 4)), "GET\n/my%2520key/x");
}

// ---- Aurora DSQL tokens ---------------------------------------------------------------------------------

namespace {

// botocore's tests/unit/test_signers.py: ACCESS_KEY / SECRET_KEY / SESSION_TOKEN at 2024-11-07T17:39:33Z.
DsqlTokenParams botocore_params(bool admin) {
    return DsqlTokenParams{.hostname = "test.dsql.us-east-1.on.aws",
                           .region = "us-east-1",
                           .admin = admin,
                           .signing_time = parse_timestamp("2024-11-07T17:39:33Z")};
}
const Credentials botocore_credentials{"ACCESS_KEY", "SECRET_KEY", std::string("SESSION_TOKEN"), {}};

std::string botocore_token(const std::string& action, const std::string& signature) {
    return "test.dsql.us-east-1.on.aws/?Action=" + action +
           "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ACCESS_KEY%2F20241107%2Fus-east-1%2Fdsql%2Faws4_request"
           "&X-Amz-Date=20241107T173933Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
           "&X-Amz-Security-Token=SESSION_TOKEN&X-Amz-Signature=" +
           signature;
}

}  // namespace

TEST(DsqlToken, DbConnectMatchesBotocore) {
    EXPECT_EQ(generate_dsql_auth_token(botocore_params(false), botocore_credentials),
              botocore_token("DbConnect", "57fe03e060348aaa21405c239bf02572bbc911076e94dcd65c12ae569dd8fcf4"));
}

TEST(DsqlToken, DbConnectAdminMatchesBotocore) {
    EXPECT_EQ(generate_dsql_auth_token(botocore_params(true), botocore_credentials),
              botocore_token("DbConnectAdmin", "5ac084bc7cabccc19a52a5d1b5c24b50d3ce143f43b659bd484c91aaf555e190"));
}

TEST(DsqlToken, RegionComesFromTheEndpoint) {
    auto params = botocore_params(false);
    params.region.clear();
    EXPECT_EQ(generate_dsql_auth_token(params, botocore_credentials),
              botocore_token("DbConnect", "57fe03e060348aaa21405c239bf02572bbc911076e94dcd65c12ae569dd8fcf4"));
}

TEST(DsqlToken, ExpiryAndNoSessionToken) {
    auto params = botocore_params(false);
    params.expires_in = std::chrono::seconds(3600);
    auto token = generate_dsql_auth_token(params, Credentials{"ACCESS_KEY", "SECRET_KEY", {}, {}});
    EXPECT_EQ(token.rfind("test.dsql.us-east-1.on.aws/?Action=DbConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&", 0), 0u);
    EXPECT_NE(token.find("&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature="), std::string::npos) << token;
    EXPECT_EQ(token.find("Security-Token"), std::string::npos);
    EXPECT_EQ(token.find("https://"), std::string::npos);
}

TEST(DsqlToken, RejectsBadInput) {
    auto params = botocore_params(false);
    params.hostname = "https://test.dsql.us-east-1.on.aws";
    EXPECT_THROW((void)generate_dsql_auth_token(params, botocore_credentials), ArgumentError);
    params.hostname = "test.dsql.us-east-1.on.aws/postgres";
    EXPECT_THROW((void)generate_dsql_auth_token(params, botocore_credentials), ArgumentError);
    params.hostname.clear();
    EXPECT_THROW((void)generate_dsql_auth_token(params, botocore_credentials), ArgumentError);
    params = botocore_params(false);
    params.expires_in = std::chrono::seconds(0);
    EXPECT_THROW((void)generate_dsql_auth_token(params, botocore_credentials), ArgumentError);
}

TEST(DsqlToken, AdminUser) {
    EXPECT_TRUE(dsql_user_is_admin("admin"));
    EXPECT_FALSE(dsql_user_is_admin("Admin"));
    EXPECT_FALSE(dsql_user_is_admin("app_user"));
}

TEST(DsqlToken, MaskHidesEverythingButHostAndAction) {
    auto token = generate_dsql_auth_token(botocore_params(true), botocore_credentials);
    auto masked = mask_dsql_token(token);
    EXPECT_EQ(masked, "test.dsql.us-east-1.on.aws/?Action=DbConnectAdmin&***");
    EXPECT_EQ(mask_dsql_token("not a token"), "***");
    EXPECT_EQ(mask_dsql_token("h/?X-Amz-Signature=abc&Action=DbConnect"), "h/?Action=DbConnect&***");

    auto message = "connection to server failed: password=" + token + " rejected; password=" + token;
    auto redacted = redact_dsql_token(message, token);
    EXPECT_EQ(redacted.find("SESSION_TOKEN"), std::string::npos);
    EXPECT_EQ(redacted.find("X-Amz-Signature"), std::string::npos);
    EXPECT_EQ(redacted, "connection to server failed: password=" + masked + " rejected; password=" + masked);
}
