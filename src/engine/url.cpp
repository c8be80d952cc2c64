// URL parsing follows SQLAlchemy's make_url: dialect[+driver]://[user[:password]@][host][:port][/database][?query].
// Credentials end at the last '@' before the first '/' or '?', so a password may hold a raw '@' or ':';
// a '/' or '?' in a password must be percent-encoded. No error message ever quotes the input, because any
// part of a malformed URL may be the password.
#include "retort/engine/url.hpp"

#include <algorithm>
#include <charconv>

#include "detail/text.hpp"
#include "retort/error.hpp"

namespace retort {

namespace {

// Characters that parse unambiguously where they appear, so a rendered URL stays readable.
constexpr std::string_view host_keep = "!$&'()*+,;=";
constexpr std::string_view database_keep = "/:@!$&'()*+,;=";
constexpr std::string_view query_keep = "/:@!$'()*,;";

[[noreturn]] void url_error(std::string_view problem) {
    throw UrlError("could not parse the database URL: " + std::string(problem));
}

void check_drivername(std::string_view name) {
    if (name.empty()) url_error("the dialect name before '://' is empty");
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+';
        if (!ok) url_error("the dialect name before '://' may hold only letters, digits, '_' and '+'");
    }
}

void check_port(int port) {
    if (port < 1 || port > 65535) url_error("the port must be a number from 1 to 65535");
}

int parse_port(std::string_view text) {
    int port = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc{} || p != text.data() + text.size() || text.front() == '-')
        url_error("the port must be a number from 1 to 65535");
    check_port(port);
    return port;
}

// Query strings decode as Python's parse_qsl does: '+' is a space.
std::string query_decode(std::string_view s) {
    std::string plus_free(s);
    std::replace(plus_free.begin(), plus_free.end(), '+', ' ');
    return detail::percent_decode(plus_free);
}

// Query values that carry credentials (libpq takes "password" and "sslpassword" there) are masked too.
bool is_secret_key(std::string_view key) {
    const std::string lower = detail::to_lower(key);
    for (std::string_view word : {"password", "secret", "token"})
        if (lower.find(word) != std::string::npos) return true;
    return false;
}

}  // namespace

URL URL::parse(std::string_view text) {
    auto sep = text.find("://");
    if (sep == std::string_view::npos) url_error("expected the form dialect[+driver]://user:password@host:port/database");
    auto name = text.substr(0, sep);
    check_drivername(name);
    URL u;
    u.drivername_ = std::string(name);

    auto rest = text.substr(sep + 3);
    auto auth_end = std::min(rest.find_first_of("/?"), rest.size());
    auto auth = rest.substr(0, auth_end);
    auto tail = rest.substr(auth_end);

    if (auto at = auth.rfind('@'); at != std::string_view::npos) {
        auto credentials = auth.substr(0, at);
        auth.remove_prefix(at + 1);
        auto colon = credentials.find(':');
        u.username_ = detail::percent_decode(credentials.substr(0, colon));
        if (colon != std::string_view::npos) u.password_ = detail::percent_decode(credentials.substr(colon + 1));
    }

    std::string_view port_text;
    if (!auth.empty() && auth.front() == '[') {
        // An IPv6 literal; its text (zone id included) is taken as is.
        auto close = auth.find(']');
        if (close == std::string_view::npos) url_error("the IPv6 host has no closing ']'");
        if (close > 1) u.host_ = std::string(auth.substr(1, close - 1));
        auto after = auth.substr(close + 1);
        if (!after.empty() && after.front() != ':') url_error("only ':port' may follow an IPv6 host");
        if (!after.empty()) port_text = after.substr(1);
    } else {
        auto colon = auth.find(':');
        auto host = auth.substr(0, colon);
        if (!host.empty()) u.host_ = detail::percent_decode(host);
        if (colon != std::string_view::npos) port_text = auth.substr(colon + 1);
    }
    if (!port_text.empty()) u.port_ = parse_port(port_text);

    if (!tail.empty() && tail.front() == '/') {
        auto q = tail.find('?');
        auto database = tail.substr(1, q == std::string_view::npos ? std::string_view::npos : q - 1);
        if (!database.empty()) u.database_ = detail::percent_decode(database);
        tail = q == std::string_view::npos ? std::string_view{} : tail.substr(q);
    }
    if (!tail.empty()) {
        auto query = tail.substr(1);
        while (!query.empty()) {
            auto amp = std::min(query.find('&'), query.size());
            auto item = query.substr(0, amp);
            query.remove_prefix(std::min(amp + 1, query.size()));
            if (item.empty()) continue;
            auto eq = item.find('=');
            auto value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
            u.query_.emplace_back(query_decode(item.substr(0, eq)), query_decode(value));
        }
    }
    return u;
}

URL URL::create(std::string drivername, std::optional<std::string> username, std::optional<std::string> password,
                std::optional<std::string> host, std::optional<int> port, std::optional<std::string> database,
                std::vector<std::pair<std::string, std::string>> query) {
    check_drivername(drivername);
    if (port) check_port(*port);
    URL u;
    u.drivername_ = std::move(drivername);
    u.username_ = std::move(username);
    u.password_ = std::move(password);
    u.host_ = std::move(host);
    u.port_ = port;
    u.database_ = std::move(database);
    u.query_ = std::move(query);
    return u;
}

std::string URL::backend_name() const { return drivername_.substr(0, drivername_.find('+')); }

std::string URL::driver() const {
    auto plus = drivername_.find('+');
    return plus == std::string::npos ? std::string{} : drivername_.substr(plus + 1);
}

std::optional<std::string> URL::query_value(std::string_view key) const {
    for (auto it = query_.rbegin(); it != query_.rend(); ++it)
        if (it->first == key) return it->second;
    return std::nullopt;
}

URL URL::set_password(std::optional<std::string> password) const {
    URL u = *this;
    u.password_ = std::move(password);
    return u;
}

URL URL::set_database(std::optional<std::string> database) const {
    URL u = *this;
    u.database_ = std::move(database);
    return u;
}

// Replaces the key's first occurrence in place (keeping the order of the rest) and drops any repeats.
URL URL::set_query_value(std::string key, std::string value) const {
    URL u = *this;
    auto same_key = [&](const auto& kv) { return kv.first == key; };
    auto it = std::find_if(u.query_.begin(), u.query_.end(), same_key);
    if (it == u.query_.end()) {
        u.query_.emplace_back(std::move(key), std::move(value));
        return u;
    }
    it->second = std::move(value);
    u.query_.erase(std::remove_if(std::next(it), u.query_.end(), same_key), u.query_.end());
    return u;
}

URL URL::without_query_value(std::string_view key) const {
    URL u = *this;
    std::erase_if(u.query_, [&](const auto& kv) { return kv.first == key; });
    return u;
}

std::string URL::render(bool hide_password) const {
    std::string out = drivername_ + "://";
    if (username_ || password_) {
        out += detail::percent_encode(username_.value_or(""));
        if (password_) out += ':' + (hide_password ? std::string("***") : detail::percent_encode(*password_));
        out += '@';
    }
    if (host_) {
        // Brackets only where they parse back; any other host with ':' is percent-encoded instead.
        if (host_->find(':') != std::string::npos && host_->find_first_of("[]/?@") == std::string::npos)
            out += '[' + *host_ + ']';
        else
            out += detail::percent_encode(*host_, host_keep);
    }
    if (port_) out += ':' + std::to_string(*port_);
    if (database_) out += '/' + detail::percent_encode(*database_, database_keep);
    for (std::size_t i = 0; i < query_.size(); ++i) {
        const auto& [key, value] = query_[i];
        out += i == 0 ? '?' : '&';
        out += detail::percent_encode(key, query_keep);
        out += '=';
        out += hide_password && is_secret_key(key) ? std::string("***") : detail::percent_encode(value, query_keep);
    }
    return out;
}

}  // namespace retort
