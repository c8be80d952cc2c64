#include "commands.hpp"

#include <algorithm>

namespace retort::cli {
namespace {

// A function-local static, so registrations from other translation units' static initialisers find it
// constructed whatever the initialisation order.
std::vector<Command>& registry() {
    static std::vector<Command> commands;
    return commands;
}

}  // namespace

std::vector<Command> commands() {
    auto out = registry();
    std::sort(out.begin(), out.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
    return out;
}

Registration::Registration(Command command) {
    registry().push_back(command);
}

Options::Options(std::span<const std::string> args, std::span<const OptionSpec> spec) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0 || arg.size() == 2) throw UsageError("unexpected argument '" + arg + "'");
        auto eq = arg.find('=');
        std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        auto it = std::find_if(spec.begin(), spec.end(), [&](const OptionSpec& s) { return s.name == name; });
        if (it == spec.end()) throw UsageError("unknown option '--" + name + "'");
        if (values_.count(name)) throw UsageError("option '--" + name + "' given twice");
        std::string value;
        if (!it->takes_value) {
            if (eq != std::string::npos) throw UsageError("option '--" + name + "' takes no value");
        } else if (eq != std::string::npos) {
            value = arg.substr(eq + 1);
        } else {
            if (i + 1 >= args.size()) throw UsageError("option '--" + name + "' needs a value");
            value = args[++i];
        }
        values_[name] = value;
    }
}

std::optional<std::string> Options::value(std::string_view name) const {
    auto it = values_.find(std::string(name));
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

}  // namespace retort::cli
