// The retort command-line tool's subcommands. Each lives in its own cmd_<name>.cpp and registers itself
// with a namespace-scope Registration, so adding a subcommand never touches main.cpp:
//
//   namespace {
//   int run(std::span<const std::string> args) { ... }
//   const retort::cli::Registration registration{{"name", "one-line summary", run}};
//   }
//
// run() gets the arguments after the subcommand's name and returns the exit status. It throws UsageError
// for bad arguments (exit status 2, with a pointer to --help) and anything else derived from
// std::exception for failures (exit status 1). Messages go to stderr; only results go to stdout.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace retort::cli {

struct Command {
    std::string_view name;
    std::string_view summary;
    int (*run)(std::span<const std::string> args);
};

// All registered subcommands, sorted by name.
[[nodiscard]] std::vector<Command> commands();

struct Registration {
    explicit Registration(Command command);
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A small option parser: "--name value", "--name=value" and bare "--flag"; no positional arguments.
struct OptionSpec {
    std::string_view name;  // without the leading "--"
    bool takes_value = true;
};

class Options {
public:
    // Throws UsageError for an unknown option, a missing value, a value given to a flag, a repeated
    // option or a positional argument.
    Options(std::span<const std::string> args, std::span<const OptionSpec> spec);

    [[nodiscard]] bool has(std::string_view name) const { return values_.count(std::string(name)) != 0; }
    [[nodiscard]] std::optional<std::string> value(std::string_view name) const;

private:
    std::map<std::string, std::string> values_;
};

}  // namespace retort::cli
