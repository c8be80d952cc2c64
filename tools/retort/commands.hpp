// The retort command-line tool's subcommands, on CLI11. Each lives in its own cmd_<name>.cpp and registers
// itself with a namespace-scope Registration, so adding a subcommand never touches main.cpp:
//
//   namespace {
//   void setup(CLI::App& retort, int& status) {
//       auto* cmd = retort.add_subcommand("name", "one-line summary");
//       ... options ...
//       cmd->callback([&status, ...] { status = run(...); });
//   }
//   const retort::cli::Registration registration{setup};
//   }
//
// Callbacks throw UsageError for bad arguments (exit status 2, with a pointer to --help) and anything else
// derived from std::exception for failures (exit status 1). Messages go to stderr; only results go to stdout.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace retort::cli {

using Setup = void (*)(CLI::App& retort, int& status);

// Every registered subcommand's setup, in registration order.
[[nodiscard]] const std::vector<Setup>& setups();

struct Registration {
    explicit Registration(Setup setup);
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace retort::cli
