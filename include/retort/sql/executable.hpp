// What a Connection executes and the values it binds: Executable wraps a statement's node (select, insert,
// update, delete, text(), DDL); Params and InlineParams name the values of its bound parameters.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retort/export.hpp"
#include "retort/sql/elements.hpp"
#include "retort/types/value.hpp"

namespace retort {

// Named parameters for execute(): {{"name", "Joe"}, {"id", 5}}. They override binds of the same key.
using Params = std::vector<std::pair<std::string, Value>>;
// The same written inline at the call, conn.execute(stmt, {{"id", 5}}): read where they are, no Params built.
using InlineParams = std::initializer_list<std::pair<std::string_view, Value>>;

// Anything execute() runs: select / insert / update / delete / text() / DDL. Wraps the statement's node.
class RETORT_API Executable {
public:
    Executable() = default;
    explicit Executable(std::shared_ptr<const sql::Node> n) : node_(std::move(n)) {}
    [[nodiscard]] const std::shared_ptr<const sql::Node>& node() const noexcept { return node_; }

protected:
    std::shared_ptr<const sql::Node> node_;
};

}  // namespace retort
