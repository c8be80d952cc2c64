// A small HTTP/1.1 server on 127.0.0.1 for tests of Retort's HTTP client and of the AWS credential
// sources: a thread accepts connections on an ephemeral port, reads each request (headers and a
// Content-Length body), records it, and answers with what the test's handler returns, then closes the
// connection. It stands in for STS, the IAM Identity Center portal, the container credentials endpoint and
// EC2 instance metadata, so no test reaches anything beyond the loopback interface.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace retort::testing {

struct HttpExchange {
    std::string method;
    std::string target;  // path and query as sent
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;

    [[nodiscard]] std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
    [[nodiscard]] bool has_header(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
    [[nodiscard]] std::string path() const { return target.substr(0, target.find('?')); }
};

struct HttpReply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

class LocalHttpServer {
public:
    using Handler = std::function<HttpReply(const HttpExchange&)>;

    explicit LocalHttpServer(Handler handler) : handler_(std::move(handler)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) throw std::runtime_error("socket() failed");
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
            ::close(fd_);
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~LocalHttpServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    LocalHttpServer(const LocalHttpServer&) = delete;
    LocalHttpServer& operator=(const LocalHttpServer&) = delete;

    [[nodiscard]] int port() const noexcept { return port_; }
    // "http://127.0.0.1:<port>"
    [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] std::vector<HttpExchange> requests() const {
        std::lock_guard lock(mu_);
        return requests_;
    }
    [[nodiscard]] std::size_t request_count() const {
        std::lock_guard lock(mu_);
        return requests_.size();
    }
    void clear() {
        std::lock_guard lock(mu_);
        requests_.clear();
    }

private:
    void run() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            int client = ::accept(fd_, nullptr, nullptr);
            if (client < 0) continue;
            serve(client);
            ::close(client);
        }
    }

    static bool read_more(int fd, std::string& buf) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 2000) <= 0) return false;
        char chunk[4096];
        auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buf.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    void serve(int fd) {
        std::string buf;
        std::size_t head_end;
        while ((head_end = buf.find("\r\n\r\n")) == std::string::npos)
            if (!read_more(fd, buf)) return;
        HttpExchange ex;
        std::string head = buf.substr(0, head_end);
        std::size_t line_end = head.find("\r\n");
        std::string request_line = head.substr(0, line_end);
        auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
        ex.method = request_line.substr(0, sp1);
        ex.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
        std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
            auto end = head.find("\r\n", pos);
            if (end == std::string::npos) end = head.size();
            std::string line = head.substr(pos, end - pos);
            pos = end + 2;
            auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string name = line.substr(0, colon);
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            ex.headers[name] = value;
        }
        std::size_t length = 0;
        if (auto it = ex.headers.find("content-length"); it != ex.headers.end()) length = std::stoul(it->second);
        ex.body = buf.substr(head_end + 4);
        while (ex.body.size() < length && read_more(fd, ex.body)) {
        }
        {
            std::lock_guard lock(mu_);
            requests_.push_back(ex);
        }
        HttpReply reply = handler_(ex);
        std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
        bool has_type = false;
        for (const auto& [k, v] : reply.headers) {
            out += k + ": " + v + "\r\n";
            if (k == "Content-Type") has_type = true;
        }
        if (!has_type) out += "Content-Type: application/json\r\n";
        out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n";
        out += reply.body;
        std::size_t sent = 0;
        while (sent < out.size()) {
            auto n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
    }

    static const char* reason(int status) {
        switch (status) {
            case 200: return "OK";
            case 302: return "Found";
            case 400: return "Bad Request";
            case 401: return "Unauthorized";
            case 403: return "Forbidden";
            case 404: return "Not Found";
            case 500: return "Internal Server Error";
            default: return "Status";
        }
    }

    Handler handler_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    mutable std::mutex mu_;
    std::vector<HttpExchange> requests_;
    std::thread thread_;
};

}  // namespace retort::testing
