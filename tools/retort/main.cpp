// retort: the command-line tool. Subcommands register themselves (see commands.hpp); main only dispatches.
#include <algorithm>
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "commands.hpp"

namespace {

void print_usage(std::ostream& out) {
    out << "usage: retort <command> [options]\n"
           "       retort <command> --help\n\n"
           "commands:\n";
    std::size_t width = 0;
    for (const auto& c : retort::cli::commands()) width = std::max(width, c.name.size());
    for (const auto& c : retort::cli::commands())
        out << "  " << c.name << std::string(width - c.name.size() + 2, ' ') << c.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_usage(std::cerr);
        return 2;
    }
    if (args[0] == "help" && args.size() > 1) args = {args[1], "--help"};
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_usage(std::cout);
        return 0;
    }
    const std::string name = args[0];
    for (const auto& command : retort::cli::commands()) {
        if (command.name != name) continue;
        try {
            return command.run(std::span<const std::string>(args).subspan(1));
        } catch (const retort::cli::UsageError& e) {
            std::cerr << "retort " << name << ": " << e.what() << "\n"
                      << "Run 'retort " << name << " --help' for usage.\n";
            return 2;
        } catch (const std::exception& e) {
            std::cerr << "retort " << name << ": error: " << e.what() << "\n";
            return 1;
        }
    }
    std::cerr << "retort: unknown command '" << name << "'\n\n";
    print_usage(std::cerr);
    return 2;
}
