// The credential sources that go beyond the profile files' static keys: web identity, STS AssumeRole,
// IAM Identity Center, credential_process, container credentials, EC2 instance metadata; and the
// refreshing and callback providers.
#include "aws/sources.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "aws/http.hpp"
#include "detail/text.hpp"
#include "retort/aws/sigv4.hpp"

extern char** environ;

namespace retort::aws {

using retort::detail::to_lower;

namespace detail {

namespace {

using namespace std::chrono_literals;

// ---- JSON ----------------------------------------------------------------------------------------------

class JsonParser {
public:
    JsonParser(std::string_view text, std::string_view what) : s_(text), what_(what) {}
    Json document() {
        Json v = value(0);
        skip();
        if (i_ != s_.size()) fail("text after the value");
        return v;
    }

private:
    [[noreturn]] void fail(const char* why) {
        throw CredentialsError(std::string(what_) + ": malformed JSON (" + why + " at offset " + std::to_string(i_) + ")");
    }
    void skip() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool eat(char c) {
        skip();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail("unexpected character");
    }
    bool word(std::string_view w) {
        if (s_.substr(i_, w.size()) == w) {
            i_ += w.size();
            return true;
        }
        return false;
    }
    static void put_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    unsigned hex4() {
        if (i_ + 4 > s_.size()) fail("short \\u escape");
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) {
            const int digit = retort::detail::hex_value(s_[i_++]);
            if (digit < 0) fail("bad \\u escape");
            v = v << 4 | static_cast<unsigned>(digit);
        }
        return v;
    }
    std::string string() {
        skip();
        if (i_ >= s_.size() || s_[i_] != '"') fail("expected a string");
        ++i_;
        std::string out;
        while (true) {
            if (i_ >= s_.size()) fail("unterminated string");
            char c = s_[i_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) fail("unterminated escape");
            char e = s_[i_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00 && word("\\u")) {
                        unsigned lo = hex4();
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    put_utf8(out, cp);
                    break;
                }
                default: fail("bad escape");
            }
        }
    }
    Json value(int depth) {
        if (depth > 32) fail("nested too deeply");
        skip();
        if (i_ >= s_.size()) fail("unexpected end");
        Json v;
        char c = s_[i_];
        if (c == '{') {
            ++i_;
            v.kind = Json::Kind::object;
            if (eat('}')) return v;
            do {
                std::string key = string();
                expect(':');
                v.members.push_back(Json::Member{std::move(key), value(depth + 1)});
            } while (eat(','));
            expect('}');
        } else if (c == '[') {
            ++i_;
            v.kind = Json::Kind::array;
            if (eat(']')) return v;
            do v.items.push_back(value(depth + 1));
            while (eat(','));
            expect(']');
        } else if (c == '"') {
            v.kind = Json::Kind::string;
            v.text = string();
        } else if (word("true")) {
            v.kind = Json::Kind::boolean;
            v.boolean = true;
        } else if (word("false")) {
            v.kind = Json::Kind::boolean;
        } else if (word("null")) {
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            std::size_t start = i_;
            while (i_ < s_.size() && std::strchr("+-0123456789.eE", s_[i_])) ++i_;
            v.kind = Json::Kind::number;
            v.text = std::string(s_.substr(start, i_ - start));
            try {
                v.number = std::stod(v.text);
            } catch (...) {
                fail("bad number");
            }
        } else {
            fail("unexpected character");
        }
        return v;
    }

    std::string_view s_;
    std::string_view what_;
    std::size_t i_ = 0;
};

// ---- HTTP helpers -------------------------------------------------------------------------------------

// "host[:port]" of a URL, as the Host header carries it.
std::string url_authority(std::string_view url) {
    auto rest = url.substr(url.find("://") + 3);
    auto authority = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    return std::string(authority);
}

// The path of a URL ("/" when it has none).
std::string url_path(std::string_view url) {
    auto rest = url.substr(url.find("://") + 3);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return "/";
    auto path = rest.substr(slash);
    return std::string(path.substr(0, path.find_first_of("?#")));
}

// The endpoint itself when it has a path, else endpoint + "/".
std::string post_url(const std::string& endpoint) {
    auto rest = std::string_view(endpoint).substr(endpoint.find("://") + 3);
    return rest.find('/') == std::string_view::npos ? endpoint + "/" : endpoint;
}

std::string strip_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    for (const auto& [k, v] : fields) {
        if (!body.empty()) body += '&';
        body += uri_encode(k) + "=" + uri_encode(v);
    }
    return body;
}

std::chrono::system_clock::time_point parse_time(const std::string& text, const std::string& source,
                                                 std::string_view field) {
    try {
        return parse_timestamp(text);
    } catch (const std::exception&) {
        throw CredentialsError(source + ": " + std::string(field) + " is not an ISO 8601 UTC time");
    }
}

// Credentials from the JSON members the container endpoint, instance metadata and credential_process
// share (AccessKeyId, SecretAccessKey, Token or SessionToken, Expiration).
Credentials credentials_from_json(const Json& j, const std::string& source, const char* token_key) {
    auto id = j.str("AccessKeyId");
    auto secret = j.str("SecretAccessKey");
    if (!id || !secret) throw CredentialsError(source + ": the answer has no AccessKeyId or SecretAccessKey");
    Credentials c{*id, *secret, j.str(token_key), source, std::nullopt};
    if (auto e = j.str("Expiration")) c.expiration = parse_time(*e, source, "Expiration");
    return c;
}

std::string short_text(std::string text, std::size_t max = 300) {
    for (char& ch : text)
        if (ch == '\n' || ch == '\r') ch = ' ';
    if (text.size() > max) text = text.substr(0, max) + "...";
    return text;
}

// STS's answer: the credentials, or an error naming the status, the Code and the Message.
Credentials sts_credentials(const HttpResponse& r, std::string_view action, const std::string& source) {
    if (r.status != 200) {
        std::string why = "STS " + std::string(action) + " answered HTTP " + std::to_string(r.status);
        if (auto code = xml_text(r.body, "Code")) why += " " + *code;
        if (auto message = xml_text(r.body, "Message")) why += ": " + short_text(*message);
        throw CredentialsError(source + ": " + why);
    }
    auto creds = xml_text(r.body, "Credentials");
    if (!creds) throw CredentialsError(source + ": STS " + std::string(action) + " answered without Credentials");
    auto id = xml_text(*creds, "AccessKeyId");
    auto secret = xml_text(*creds, "SecretAccessKey");
    auto token = xml_text(*creds, "SessionToken");
    auto expiration = xml_text(*creds, "Expiration");
    if (!id || !secret || !token)
        throw CredentialsError(source + ": STS " + std::string(action) + " answered with incomplete Credentials");
    Credentials c{*id, *secret, *token, source, std::nullopt};
    if (expiration) c.expiration = parse_time(*expiration, source, "Expiration");
    return c;
}

HttpResponse send_or_fail(const HttpRequest& request, const std::string& source) {
    try {
        return http_send(request);
    } catch (const HttpError& e) {
        throw CredentialsError(source + ": " + e.what());
    }
}

std::string sha1_hex(std::string_view data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), md, &n, EVP_sha1(), nullptr) != 1)
        throw CredentialsError("SHA-1 failed");
    return retort::detail::hex_encode(md, n);
}

}  // namespace

const Json* Json::get(std::string_view key) const {
    for (const auto& [k, v] : members)
        if (k == key) return &v;
    return nullptr;
}

std::optional<std::string> Json::str(std::string_view key) const {
    const Json* v = get(key);
    if (!v || v->kind != Kind::string || v->text.empty()) return std::nullopt;
    return v->text;
}

Json parse_json(std::string_view text, std::string_view what) {
    return JsonParser(text, what).document();
}

std::optional<std::string> xml_text(std::string_view xml, std::string_view tag) {
    const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
    auto a = xml.find(open);
    if (a == std::string_view::npos) return std::nullopt;
    a += open.size();
    auto b = xml.find(close, a);
    if (b == std::string_view::npos) return std::nullopt;
    std::string_view raw = xml.substr(a, b - a);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '&') {
            out += raw[i];
            continue;
        }
        static const std::pair<std::string_view, char> entities[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (const auto& [name, ch] : entities)
            if (raw.substr(i, name.size()) == name) {
                out += ch;
                i += name.size() - 1;
                done = true;
                break;
            }
        if (!done) out += '&';
    }
    return retort::detail::trim(out);
}

std::string sts_region(const ProfileOptions& options) {
    try {
        return resolve_region(std::nullopt, {}, options);
    } catch (const RegionError&) {
        return "us-east-1";
    }
}

std::string default_role_session_name() {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    return "retort-session-" + std::to_string(secs.count());
}

std::string sts_endpoint(const std::string& region) {
    if (auto u = env_value("AWS_ENDPOINT_URL_STS")) return strip_trailing_slash(*u);
    if (auto u = env_value("AWS_ENDPOINT_URL")) return strip_trailing_slash(*u);
    return "https://sts." + region + ".amazonaws.com";
}

std::string sso_portal_endpoint(const std::string& sso_region) {
    if (auto u = env_value("AWS_ENDPOINT_URL_SSO")) return strip_trailing_slash(*u);
    return "https://portal.sso." + sso_region + ".amazonaws.com";
}

std::string read_token_file(const std::filesystem::path& path, std::string_view purpose) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CredentialsError("cannot read the " + std::string(purpose) + " " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    std::string token = retort::detail::trim(text.str());
    if (token.empty()) throw CredentialsError("the " + std::string(purpose) + " " + path.string() + " is empty");
    return token;
}

Credentials assume_role_with_web_identity(const std::string& role_arn, const std::string& session_name,
                                          const std::string& web_identity_token, const std::string& region,
                                          const std::string& source) {
    const std::string endpoint = sts_endpoint(region);
    HttpRequest request;
    request.method = "POST";
    request.url = post_url(endpoint);
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = form_encode({{"Action", "AssumeRoleWithWebIdentity"},
                                {"Version", "2011-06-15"},
                                {"RoleArn", role_arn},
                                {"RoleSessionName", session_name},
                                {"WebIdentityToken", web_identity_token}});
    request.timeout = 10s;
    return sts_credentials(send_or_fail(request, source), "AssumeRoleWithWebIdentity", source);
}

Credentials assume_role(const Credentials& caller, const AssumeRoleParams& params, const std::string& region,
                        const std::string& source) {
    const std::string endpoint = sts_endpoint(region);
    std::vector<std::pair<std::string, std::string>> fields = {{"Action", "AssumeRole"},
                                                               {"Version", "2011-06-15"},
                                                               {"RoleArn", params.role_arn},
                                                               {"RoleSessionName", params.session_name}};
    if (params.external_id) fields.emplace_back("ExternalId", *params.external_id);
    if (params.duration_seconds) fields.emplace_back("DurationSeconds", *params.duration_seconds);
    Request unsigned_request;
    unsigned_request.method = "POST";
    unsigned_request.path = url_path(endpoint);
    unsigned_request.headers = {{"Host", url_authority(endpoint)},
                                {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    unsigned_request.body = form_encode(fields);
    SigningParams sp;
    sp.region = region;
    sp.service = "sts";
    SigningResult signed_request;
    try {
        signed_request = sign_headers(unsigned_request, caller, sp);
    } catch (const std::exception& e) {
        throw CredentialsError(source + ": cannot sign STS AssumeRole (" + e.what() + ")");
    }
    HttpRequest request;
    request.method = "POST";
    request.url = post_url(endpoint);
    request.headers = signed_request.request.headers;
    request.body = signed_request.request.body;
    request.timeout = 10s;
    return sts_credentials(send_or_fail(request, source), "AssumeRole", source);
}

std::filesystem::path sso_cache_file(const std::string& cache_key) {
    return home_dir() / ".aws" / "sso" / "cache" / (sha1_hex(cache_key) + ".json");
}

Credentials sso_role_credentials(const SsoParams& params, const std::string& source) {
    const auto file = sso_cache_file(params.cache_key);
    const std::string login = "run `aws sso login` to sign in";
    std::ifstream in(file, std::ios::binary);
    if (!in) throw CredentialsError(source + ": no cached IAM Identity Center token " + file.string() + "; " + login);
    std::ostringstream text;
    text << in.rdbuf();
    Json cache = parse_json(text.str(), source + ": " + file.string());
    auto token = cache.str("accessToken");
    auto expires = cache.str("expiresAt");
    if (!token || !expires) throw CredentialsError(source + ": " + file.string() + " has no accessToken or expiresAt; " + login);
    if (parse_time(*expires, source, "expiresAt of the cached token") <= std::chrono::system_clock::now())
        throw CredentialsError(source + ": the IAM Identity Center token cached in " + file.string() +
                               " has expired; " + login);
    const std::string endpoint = sso_portal_endpoint(params.sso_region);
    HttpRequest request;
    request.url = endpoint + "/federation/credentials?role_name=" + uri_encode(params.role_name) +
                  "&account_id=" + uri_encode(params.account_id);
    request.headers = {{"x-amz-sso_bearer_token", *token}};
    request.timeout = 10s;
    auto r = send_or_fail(request, source);
    if (r.status != 200) {
        std::string why = source + ": IAM Identity Center GetRoleCredentials answered HTTP " + std::to_string(r.status);
        try {
            Json j = parse_json(r.body, "");
            if (auto m = j.str("message")) why += ": " + short_text(*m);
        } catch (const CredentialsError&) {
        }
        if (r.status == 401 || r.status == 403) why += "; " + login;
        throw CredentialsError(why);
    }
    Json j = parse_json(r.body, source + ": GetRoleCredentials");
    const Json* rc = j.get("roleCredentials");
    if (!rc) throw CredentialsError(source + ": GetRoleCredentials answered without roleCredentials");
    auto id = rc->str("accessKeyId");
    auto secret = rc->str("secretAccessKey");
    if (!id || !secret) throw CredentialsError(source + ": GetRoleCredentials answered with incomplete roleCredentials");
    Credentials c{*id, *secret, rc->str("sessionToken"), source, std::nullopt};
    if (const Json* e = rc->get("expiration"); e && e->kind == Json::Kind::number)
        c.expiration = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::milliseconds(static_cast<long long>(e->number))));
    return c;
}

std::vector<std::string> split_command_line(std::string_view command) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < command.size(); ++i) {
        char c = command[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\'') {
            auto end = command.find('\'', i + 1);
            if (end == std::string_view::npos) throw CredentialsError("credential_process: unterminated ' quote");
            word.append(command.substr(i + 1, end - i - 1));
            i = end;
            in_word = true;
        } else if (c == '"') {
            in_word = true;
            for (++i;; ++i) {
                if (i >= command.size()) throw CredentialsError("credential_process: unterminated \" quote");
                char d = command[i];
                if (d == '"') break;
                if (d == '\\' && i + 1 < command.size() && std::strchr("\\\"$`\n", command[i + 1])) {
                    if (command[i + 1] != '\n') word += command[i + 1];
                    ++i;
                    continue;
                }
                word += d;
            }
        } else if (c == '\\') {
            if (i + 1 < command.size()) {
                if (command[i + 1] != '\n') {
                    word += command[i + 1];
                    in_word = true;
                }
                ++i;
            }
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

}  // namespace detail

using detail::env_value;
using namespace std::chrono_literals;

// ---- web identity ---------------------------------------------------------------------------------------

WebIdentityCredentialsProvider::WebIdentityCredentialsProvider(ProfileOptions options) : options_(std::move(options)) {}

std::string WebIdentityCredentialsProvider::describe() const {
    return "web identity (AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN)";
}

CredentialsProvider::Result WebIdentityCredentialsProvider::load() const {
    auto file = env_value("AWS_WEB_IDENTITY_TOKEN_FILE");
    auto role = env_value("AWS_ROLE_ARN");
    if (!file && !role) return {std::nullopt, "not set"};
    if (!file) throw CredentialsError("web identity: AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not");
    if (!role) throw CredentialsError("web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    const std::string source = "web identity (role " + *role + ")";
    std::string token;
    try {
        token = detail::read_token_file(detail::expand_home(*file), "web identity token file");
    } catch (const CredentialsError& e) {
        throw CredentialsError(source + ": " + e.what());
    }
    auto session = env_value("AWS_ROLE_SESSION_NAME").value_or(detail::default_role_session_name());
    return {detail::assume_role_with_web_identity(*role, session, token, detail::sts_region(options_), source), {}};
}

// ---- credential_process ---------------------------------------------------------------------------------

ProcessCredentialsProvider::ProcessCredentialsProvider(std::string command, std::string source_description,
                                                       std::chrono::seconds timeout)
    : command_(std::move(command)), source_(std::move(source_description)), timeout_(timeout) {}

std::string ProcessCredentialsProvider::describe() const {
    return "credential_process of " + source_;
}

CredentialsProvider::Result ProcessCredentialsProvider::load() const {
    const std::string source = describe();
    std::vector<std::string> words;
    try {
        words = detail::split_command_line(command_);
    } catch (const CredentialsError& e) {
        throw CredentialsError(source + ": " + e.what());
    }
    if (words.empty()) throw CredentialsError(source + ": the command is empty");
    const std::string program = words[0];
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw CredentialsError(source + ": pipe failed: " + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw CredentialsError(source + ": cannot run " + program + ": " + std::strerror(rc));
    }
    std::string out;
    constexpr std::size_t cap = 64 * 1024;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    bool timed_out = false, too_big = false;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;
        char buf[4096];
        auto got = ::read(fds[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        out.append(buf, static_cast<std::size_t>(got));
        if (out.size() > cap) {
            too_big = true;
            break;
        }
    }
    ::close(fds[0]);
    if (timed_out || too_big) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out)
        throw CredentialsError(source + ": " + program + " did not finish within " + std::to_string(timeout_.count()) + " s");
    if (too_big) throw CredentialsError(source + ": " + program + " wrote more than 64 KiB");
    if (WIFSIGNALED(status))
        throw CredentialsError(source + ": " + program + " was killed by signal " + std::to_string(WTERMSIG(status)));
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        throw CredentialsError(source + ": " + program + " exited with status " + std::to_string(WEXITSTATUS(status)));
    detail::Json j = detail::parse_json(out, source + ": the output of " + program);
    const detail::Json* version = j.get("Version");
    if (!version || version->kind != detail::Json::Kind::number || version->number != 1)
        throw CredentialsError(source + ": the output of " + program + " is not Version 1");
    return {detail::credentials_from_json(j, source, "SessionToken"), {}};
}

// ---- container ------------------------------------------------------------------------------------------

std::optional<std::string> ContainerCredentialsProvider::endpoint_url() {
    if (auto relative = env_value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
        if (relative->front() != '/') return "http://169.254.170.2/" + *relative;
        return "http://169.254.170.2" + *relative;
    }
    auto full = env_value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!full) return std::nullopt;
    const std::string scheme = to_lower(full->substr(0, full->find("://") == std::string::npos ? 0 : full->find("://")));
    const std::string host = detail::url_host(*full);
    if (host.empty() || (scheme != "http" && scheme != "https"))
        throw CredentialsError("container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL");
    if (scheme == "https") return *full;
    if (detail::is_loopback_host(host) || host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23")
        return *full;
    throw CredentialsError("container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI names host " + host +
                           " over plain http; only https, a loopback host, 169.254.170.2, 169.254.170.23 or "
                           "fd00:ec2::23 are allowed");
}

std::string ContainerCredentialsProvider::describe() const {
    return "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI)";
}

CredentialsProvider::Result ContainerCredentialsProvider::load() const {
    auto url = endpoint_url();
    if (!url) return {std::nullopt, "not set"};
    const std::string source = "container credentials " + detail::url_for_messages(*url);
    detail::HttpRequest request;
    request.url = *url;
    request.timeout = 5s;
    request.headers = {{"Accept", "application/json"}};
    std::optional<std::string> auth;
    if (auto file = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
        try {
            auth = detail::read_token_file(detail::expand_home(*file), "container authorization token file");
        } catch (const CredentialsError& e) {
            throw CredentialsError(source + ": " + e.what());
        }
    } else {
        auth = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    }
    if (auth) {
        if (auth->find_first_of("\r\n") != std::string::npos)
            throw CredentialsError(source + ": the authorization token holds a line break");
        request.headers.emplace_back("Authorization", *auth);
    }
    auto r = detail::send_or_fail(request, source);
    if (r.status != 200) {
        std::string why = source + ": answered HTTP " + std::to_string(r.status);
        try {
            detail::Json j = detail::parse_json(r.body, "");
            if (auto code = j.str("code")) why += " " + *code;
            if (auto m = j.str("message")) why += ": " + detail::short_text(*m);
        } catch (const CredentialsError&) {
        }
        throw CredentialsError(why);
    }
    return {detail::credentials_from_json(detail::parse_json(r.body, source), source, "Token"), {}};
}

// ---- instance metadata ----------------------------------------------------------------------------------

std::string InstanceMetadataCredentialsProvider::endpoint() {
    if (auto e = env_value("AWS_EC2_METADATA_SERVICE_ENDPOINT")) return detail::strip_trailing_slash(*e);
    if (auto mode = env_value("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"); mode && to_lower(*mode) == "ipv6")
        return "http://[fd00:ec2::254]";
    return "http://169.254.169.254";
}

std::string InstanceMetadataCredentialsProvider::describe() const {
    return "EC2 instance metadata (IMDSv2)";
}

CredentialsProvider::Result InstanceMetadataCredentialsProvider::load() const {
    if (auto off = env_value("AWS_EC2_METADATA_DISABLED"); off && to_lower(*off) == "true")
        return {std::nullopt, "AWS_EC2_METADATA_DISABLED is true"};
    const std::string base = endpoint();
    const std::string source = "EC2 instance metadata " + detail::url_for_messages(base);
    detail::HttpRequest put;
    put.method = "PUT";
    put.url = base + "/latest/api/token";
    put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    put.timeout = 2s;
    put.max_response_bytes = 4096;
    detail::HttpResponse token;
    try {
        token = detail::http_send(put);
    } catch (const detail::HttpError& e) {
        return {std::nullopt, std::string("no answer (") + e.what() + ")"};
    }
    if (token.status != 200 || token.body.empty())
        return {std::nullopt, "the token request (PUT /latest/api/token) answered HTTP " + std::to_string(token.status)};
    const std::string session = retort::detail::trim(token.body);
    auto get = [&](const std::string& path) {
        detail::HttpRequest g;
        g.url = base + path;
        g.headers = {{"X-aws-ec2-metadata-token", session}};
        g.timeout = 2s;
        g.max_response_bytes = 64 * 1024;
        return detail::send_or_fail(g, source);
    };
    const std::string prefix = "/latest/meta-data/iam/security-credentials/";
    auto roles = get(prefix);
    if (roles.status == 404) return {std::nullopt, "no IAM role is attached to this instance"};
    if (roles.status != 200)
        throw CredentialsError(source + ": " + prefix + " answered HTTP " + std::to_string(roles.status));
    std::string role = retort::detail::trim(roles.body.substr(0, roles.body.find('\n')));
    if (role.empty()) return {std::nullopt, "no IAM role is attached to this instance"};
    if (role.find_first_of("/?#% ") != std::string::npos)
        throw CredentialsError(source + ": the role name it gave is not a valid IAM role name");
    const std::string role_source = source + " (role " + role + ")";
    auto r = get(prefix + role);
    if (r.status != 200)
        throw CredentialsError(role_source + ": answered HTTP " + std::to_string(r.status));
    detail::Json j = detail::parse_json(r.body, role_source);
    if (auto code = j.str("Code"); code && *code != "Success")
        throw CredentialsError(role_source + ": Code " + *code);
    return {detail::credentials_from_json(j, role_source, "Token"), {}};
}

// ---- refreshing and callback ----------------------------------------------------------------------------

RefreshingCredentialsProvider::RefreshingCredentialsProvider(std::shared_ptr<const CredentialsProvider> source,
                                                             std::chrono::seconds refresh_before, Clock clock)
    : source_(std::move(source)), refresh_before_(refresh_before), clock_(std::move(clock)) {
    if (!source_) throw ArgumentError("RefreshingCredentialsProvider needs a source");
}

std::string RefreshingCredentialsProvider::describe() const {
    return source_->describe();
}

CredentialsProvider::Result RefreshingCredentialsProvider::load() const {
    std::lock_guard lock(mu_);
    const auto now = clock_ ? clock_() : std::chrono::system_clock::now();
    if (kept_ && kept_->credentials && kept_->credentials->expiration &&
        *kept_->credentials->expiration - refresh_before_ > now)
        return *kept_;
    try {
        Result fresh = source_->load();
        if (fresh.credentials && fresh.credentials->expiration)
            kept_ = fresh;
        else
            kept_.reset();  // long-term keys are read again each time: cheap, and edits are seen
        return fresh;
    } catch (...) {
        // Credentials that still work beat an endpoint that is down for a moment.
        if (kept_ && kept_->credentials && *kept_->credentials->expiration > now) return *kept_;
        throw;
    }
}

void RefreshingCredentialsProvider::invalidate() const {
    std::lock_guard lock(mu_);
    kept_.reset();
}

CallbackCredentialsProvider::CallbackCredentialsProvider(Callback callback, std::string description)
    : callback_(std::move(callback)), description_(std::move(description)) {
    if (!callback_) throw ArgumentError("CallbackCredentialsProvider needs a function");
}

std::string CallbackCredentialsProvider::describe() const {
    return description_;
}

CredentialsProvider::Result CallbackCredentialsProvider::load() const {
    Credentials c;
    try {
        c = callback_();
    } catch (const CredentialsError&) {
        throw;
    } catch (const std::exception& e) {
        throw CredentialsError(description_ + " failed: " + e.what());
    }
    if (c.access_key_id.empty() || c.secret_access_key.empty())
        throw CredentialsError(description_ + " returned credentials without an access key id or secret access key");
    if (c.source.empty()) c.source = description_;
    return {std::move(c), {}};
}

}  // namespace retort::aws
