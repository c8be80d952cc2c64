// retort diagram: an entity-relationship diagram of a database, or of what a migrations folder's revisions make,
// as Graphviz DOT (and SVG through Graphviz's `dot` where it is installed).
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "detail/process.hpp"
#include "schema_view.hpp"

namespace {

using retort::cli::UsageError;

struct Args {
    std::string url;
    bool head = false;
    std::optional<std::string> config;
    std::string output;
    std::vector<std::string> tables;
    std::optional<std::string> schema;
};

// Text inside an HTML-like label.
std::string html(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// A quoted DOT identifier.
std::string dot_id(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

std::string port_of(const retort::cli::ViewTable& t, const std::string& column) {
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        if (t.columns[i].name == column) return "c" + std::to_string(i);
    return {};
}

std::string to_dot(const std::vector<retort::cli::ViewTable>& tables) {
    std::ostringstream out;
    out << "digraph schema {\n"
        << "  graph [rankdir=LR, fontname=\"Helvetica\"];\n"
        << "  node [shape=plaintext, fontname=\"Helvetica\"];\n"
        << "  edge [arrowhead=crow, arrowtail=none, dir=both, fontname=\"Helvetica\", fontsize=9];\n";
    for (const auto& t : tables) {
        out << "  " << dot_id(t.name) << " [label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" "
            << "CELLPADDING=\"4\">\n    <TR><TD BGCOLOR=\"#d0e0f0\" COLSPAN=\"2\"><B>" << html(t.name) << "</B></TD></TR>\n";
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            const auto& c = t.columns[i];
            std::string name = html(c.name);
            if (c.primary_key) name = "<U>" + name + "</U>";
            if (!c.nullable && !c.primary_key) name = "<B>" + name + "</B>";
            out << "    <TR><TD ALIGN=\"LEFT\" PORT=\"c" << i << "\">" << name << "</TD><TD ALIGN=\"LEFT\">"
                << html(c.type) << (c.nullable ? "" : " NOT NULL") << "</TD></TR>\n";
        }
        out << "  </TABLE>>];\n";
    }
    for (const auto& t : tables) {
        for (const auto& fk : t.foreign_keys) {
            // Each referencing row points at one referred row: the edge runs from the foreign key's column to the
            // referred key's, with the crow's foot at the referencing ("many") end.
            const retort::cli::ViewTable* target = nullptr;
            for (const auto& other : tables)
                if (other.name == fk.referred_table) target = &other;
            out << "  " << dot_id(fk.referred_table);
            if (target && !fk.referred_columns.empty()) {
                auto port = port_of(*target, fk.referred_columns.front());
                if (!port.empty()) out << ":" << port;
            }
            out << " -> " << dot_id(t.name);
            if (!fk.columns.empty()) {
                auto port = port_of(t, fk.columns.front());
                if (!port.empty()) out << ":" << port;
            }
            std::string label;
            for (const auto& c : fk.columns) label += (label.empty() ? "" : ", ") + c;
            out << " [label=" << dot_id(label) << "];\n";
        }
    }
    out << "}\n";
    return out.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

int run(const Args& args) {
    if (!args.url.empty() && args.head) throw UsageError("give a URL or --head, not both");
    if (args.url.empty() && !args.head) throw UsageError("give a database URL, or --head for the migrations' head");
    const auto tables = args.head ? retort::cli::view_revisions(args.config, args.tables)
                                  : retort::cli::view_database(args.url, args.tables, args.schema);
    const std::string dot = to_dot(tables);
    if (args.output.empty() || args.output == "-") {
        std::cout << dot;
        return 0;
    }
    const std::filesystem::path out = args.output;
    const auto ext = out.extension().string();
    if (ext == ".dot" || ext == ".gv") {
        write_file(out, dot);
        std::cerr << "Wrote " << out.string() << " (" << tables.size() << " tables)\n";
        return 0;
    }
    if (ext != ".svg" && ext != ".png" && ext != ".pdf")
        throw UsageError("-o wants a file ending in .dot, .gv, .svg, .png or .pdf");
    // Graphviz renders the other formats: the DOT goes to a file beside the output, then `dot -T<format>`.
    const auto source = std::filesystem::path(out.string() + ".dot");
    write_file(source, dot);
    const auto r = retort::detail::run_program({"dot", "-T" + ext.substr(1), "-o", out.string(), source.string()});
    std::filesystem::remove(source);
    if (r.start_error == ENOENT)
        throw std::runtime_error("Graphviz's dot is not installed (Debian: apt-get install graphviz); write -o " +
                                 out.stem().string() + ".dot instead");
    if (r.start_error) throw std::runtime_error(std::string("cannot run dot: ") + std::strerror(r.start_error));
    if (r.signal) throw std::runtime_error("dot was killed by signal " + std::to_string(r.signal));
    if (r.exit_status != 0) throw std::runtime_error("dot failed (status " + std::to_string(r.exit_status) + ")");
    std::cerr << "Wrote " << out.string() << " (" << tables.size() << " tables)\n";
    return 0;
}

void setup(CLI::App& retort, int& status) {
    auto* cmd = retort.add_subcommand("diagram", "draw the tables and their foreign keys (Graphviz DOT, SVG)");
    auto args = std::make_shared<Args>();
    cmd->add_option("url", args->url, "the database to draw")->type_name("URL");
    cmd->add_flag("--head", args->head, "draw what the migrations folder's revisions make at their heads instead");
    cmd->add_option("-c,--config", args->config, "with --head: the settings file (default retort.ini)")->type_name("FILE");
    cmd->add_option("-o,--output", args->output, "write to FILE: .dot/.gv as DOT, .svg/.png/.pdf through Graphviz's dot "
                                                 "(default: DOT to standard output)")->type_name("FILE");
    cmd->add_option("-t,--table", args->tables, "only this table (repeatable)")->type_name("NAME")->allow_extra_args(false);
    cmd->add_option("--schema", args->schema, "the schema to read (default: the connection's)")->type_name("NAME");
    cmd->callback([args, &status] { status = run(*args); });
}

const retort::cli::Registration registration{setup};

}  // namespace
