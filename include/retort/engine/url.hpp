// Database URLs in SQLAlchemy's form: dialect[+driver]://user:password@host:port/database?key=value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/export.hpp"

namespace retort {

class RETORT_API URL {
public:
    // Parses a URL; credentials and database may be percent-encoded. Throws UrlError, whose message
    // never contains the password.
    static URL parse(std::string_view text);
    static URL create(std::string drivername, std::optional<std::string> username = {},
                      std::optional<std::string> password = {}, std::optional<std::string> host = {},
                      std::optional<int> port = {}, std::optional<std::string> database = {},
                      std::vector<std::pair<std::string, std::string>> query = {});

    [[nodiscard]] const std::string& drivername() const noexcept { return drivername_; }
    // The part before '+': "postgresql" for "postgresql+libpq".
    [[nodiscard]] std::string backend_name() const;
    // The part after '+', or empty.
    [[nodiscard]] std::string driver() const;
    [[nodiscard]] const std::optional<std::string>& username() const noexcept { return username_; }
    [[nodiscard]] const std::optional<std::string>& password() const noexcept { return password_; }
    [[nodiscard]] const std::optional<std::string>& host() const noexcept { return host_; }
    [[nodiscard]] const std::optional<int>& port() const noexcept { return port_; }
    [[nodiscard]] const std::optional<std::string>& database() const noexcept { return database_; }
    // Query parameters in the order given; a key may repeat.
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& query() const noexcept { return query_; }
    // The last value given for key, if any.
    [[nodiscard]] std::optional<std::string> query_value(std::string_view key) const;

    [[nodiscard]] URL set_password(std::optional<std::string> password) const;
    [[nodiscard]] URL set_database(std::optional<std::string> database) const;
    [[nodiscard]] URL set_query_value(std::string key, std::string value) const;
    [[nodiscard]] URL without_query_value(std::string_view key) const;

    // The URL as text with the password shown as "***"; this is what every message and log shows.
    [[nodiscard]] std::string render(bool hide_password = true) const;
    [[nodiscard]] std::string str() const { return render(true); }

    bool operator==(const URL&) const = default;

private:
    std::string drivername_;
    std::optional<std::string> username_, password_, host_;
    std::optional<int> port_;
    std::optional<std::string> database_;
    std::vector<std::pair<std::string, std::string>> query_;
};

}  // namespace retort
