#include "retort/error.hpp"

namespace retort {
namespace {

// what() names the statement and the parameters' types; values are never part of it, so secrets bound as
// parameters cannot leak through an error's message.
std::string dbapi_message(const std::string& message, const std::string& statement,
                          const std::vector<std::string>& param_types) {
    std::string out = message;
    if (!statement.empty()) out.append("\n[SQL: ").append(statement).append("]");
    if (!param_types.empty()) {
        out += "\n[parameter types: ";
        for (std::size_t i = 0; i < param_types.size(); ++i) {
            if (i) out += ", ";
            out += param_types[i];
        }
        out += "]";
    }
    return out;
}

}  // namespace

DBAPIError::DBAPIError(std::string message, std::string sqlstate, std::string statement,
                       std::vector<std::string> param_types, bool connection_invalidated)
    : Error(dbapi_message(message, statement, param_types)),
      orig_(std::move(message)),
      sqlstate_(std::move(sqlstate)),
      statement_(std::move(statement)),
      param_types_(std::move(param_types)),
      invalidated_(connection_invalidated) {}

}  // namespace retort
