// MariaDB Connector/C for the benchmark's own programs (bench_data and bench_raw_mariadb), without Retort:
// the target URL, connecting, plain queries, and LOAD DATA LOCAL INFILE fed from memory.
#pragma once

#include <mysql.h>

#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bench::maria {

// The runner's target, Retort's URL form: mysql://user[:password]@[host[:port]]/database[?unix_socket=PATH].
struct Target {
    std::string user, password, host, database, socket;
    unsigned port = 0;
};

inline Target parse_target(std::string_view url) {
    Target t;
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos) throw std::invalid_argument("not a mysql:// URL: " + std::string(url));
    std::string_view rest = url.substr(scheme + 3);
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    std::string_view authority = rest, path;
    if (auto s = rest.find('/'); s != std::string_view::npos) {
        authority = rest.substr(0, s);
        path = rest.substr(s + 1);
    }
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view cred = authority.substr(0, at);
        authority = authority.substr(at + 1);
        if (auto colon = cred.find(':'); colon != std::string_view::npos) {
            t.password = std::string(cred.substr(colon + 1));
            cred = cred.substr(0, colon);
        }
        t.user = std::string(cred);
    }
    if (auto colon = authority.find(':'); colon != std::string_view::npos) {
        t.port = static_cast<unsigned>(std::stoul(std::string(authority.substr(colon + 1))));
        authority = authority.substr(0, colon);
    }
    t.host = std::string(authority);
    t.database = std::string(path);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view kv = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (kv.substr(0, 12) == "unix_socket=") t.socket = std::string(kv.substr(12));
    }
    return t;
}

// A connection: utf8mb4, LOAD DATA LOCAL allowed (the client refuses it unless asked).
class Conn {
public:
    explicit Conn(const std::string& url) : m_(mysql_init(nullptr)) {
        if (!m_) throw std::runtime_error("mysql_init failed");
        const Target t = parse_target(url);
        unsigned int on = 1;
        mysql_optionsv(m_, MYSQL_OPT_LOCAL_INFILE, &on);
        mysql_optionsv(m_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
        if (!mysql_real_connect(m_, t.host.empty() ? nullptr : t.host.c_str(), t.user.c_str(),
                                t.password.empty() ? nullptr : t.password.c_str(), t.database.c_str(), t.port,
                                t.socket.empty() ? nullptr : t.socket.c_str(), 0)) {
            const std::string msg = std::string("connect: ") + mysql_error(m_);
            mysql_close(m_);
            throw std::runtime_error(msg);
        }
    }
    ~Conn() { mysql_close(m_); }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;
    MYSQL* get() const { return m_; }

    [[noreturn]] void fail(std::string_view what) const {
        throw std::runtime_error(std::string(what) + ": " + mysql_error(m_));
    }
    // A statement without parameters over the text protocol; returns the rows it changed.
    std::uint64_t exec(std::string_view sql) {
        if (mysql_real_query(m_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) fail(sql);
        if (MYSQL_RES* r = mysql_store_result(m_)) mysql_free_result(r);
        else if (mysql_field_count(m_) > 0) fail(sql);
        return mysql_affected_rows(m_);
    }

    // LOAD DATA LOCAL INFILE whose "file" is made in memory: fill(buf) appends the next chunk of lines to buf
    // (tab-separated fields, backslash escapes, newline-terminated) and returns false when there are no more.
    // Returns the rows loaded.
    std::uint64_t load_local(const std::string& sql, const std::function<bool(std::string&)>& fill) {
        Source src{fill, {}, 0, false};
        mysql_set_local_infile_handler(m_, &Source::init, &Source::read, &Source::end, &Source::error, &src);
        const bool ok = mysql_real_query(m_, sql.data(), static_cast<unsigned long>(sql.size())) == 0;
        mysql_set_local_infile_default(m_);
        if (!ok) fail(sql);
        return mysql_affected_rows(m_);
    }

private:
    struct Source {
        const std::function<bool(std::string&)>& fill;
        std::string buf;
        std::size_t pos;
        bool done;
        static int init(void** ptr, const char*, void* user) {
            *ptr = user;
            return 0;
        }
        static int read(void* ptr, char* out, unsigned int len) {
            auto* s = static_cast<Source*>(ptr);
            while (s->pos == s->buf.size()) {
                if (s->done) return 0;
                s->buf.clear();
                s->pos = 0;
                s->done = !s->fill(s->buf);
            }
            const std::size_t n = std::min<std::size_t>(len, s->buf.size() - s->pos);
            std::memcpy(out, s->buf.data() + s->pos, n);
            s->pos += n;
            return static_cast<int>(n);
        }
        static void end(void*) {}
        static int error(void*, char* msg, unsigned int len) {
            std::strncpy(msg, "reading the rows failed", len);
            return 2000;
        }
    };
    MYSQL* m_;
};

// Appends v to out as a LOAD DATA field (backslash escapes for the separators and the escape character).
inline void put_field(std::string& out, std::string_view v, char end) {
    for (char ch : v) {
        switch (ch) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\0': out += "\\0"; break;
            default: out += ch;
        }
    }
    out += end;
}

}  // namespace bench::maria
