// retort: the command-line tool. Subcommands register themselves (see commands.hpp); main parses and
// dispatches.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "retort/version.hpp"

int main(int argc, char** argv) {
    CLI::App app{"Retort's command-line tool: migrations, schema inspection and diagrams, DSQL auth tokens.", "retort"};
    app.set_version_flag("--version", std::string("retort ") + retort::version());
    app.require_subcommand(1);
    app.footer("Run 'retort COMMAND --help' for one command's options.");
    int status = 0;
    for (auto setup : retort::cli::setups()) setup(app, status);
    for (auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        if (sub->get_footer() == app.get_footer()) sub->footer("");  // the pointer to COMMAND --help is the top's
    std::string command;
    try {
        app.parse(argc, argv);
        return status;
    } catch (const CLI::Success& e) {  // --help, --version
        return app.exit(e, std::cout, std::cerr);
    } catch (const CLI::ParseError& e) {
        for (const auto* sub : app.get_subcommands())
            if (sub->parsed()) command = " " + sub->get_name();
        std::cerr << "retort" << command << ": " << e.what() << "\nRun 'retort" << command << " --help' for usage.\n";
        return 2;
    } catch (const retort::cli::UsageError& e) {
        for (const auto* sub : app.get_subcommands())
            if (sub->parsed()) command = " " + sub->get_name();
        std::cerr << "retort" << command << ": " << e.what() << "\nRun 'retort" << command << " --help' for usage.\n";
        return 2;
    } catch (const std::exception& e) {
        for (const auto* sub : app.get_subcommands())
            if (sub->parsed()) command = " " + sub->get_name();
        std::cerr << "retort" << command << ": error: " << e.what() << "\n";
        return 1;
    }
}
