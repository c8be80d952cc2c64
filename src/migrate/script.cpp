#include "retort/migrate/script.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <fstream>
#include <tuple>

namespace retort::migrate {

// ---------------------------------------------------------------- ScriptDirectory

ScriptDirectory::ScriptDirectory(std::filesystem::path location) : location_(std::move(location)) {}

RevisionGraph ScriptDirectory::load() const {
    std::vector<Revision> revs;
    const auto dir = versions_dir();
    if (!std::filesystem::is_directory(dir))
        throw ArgumentError("no versions folder at " + dir.string() + " (run 'init' first)");
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.is_regular_file() && entry.path().extension() == ".rev") revs.push_back(read_revision_file(entry.path()));
    std::sort(revs.begin(), revs.end(),
              [](const Revision& a, const Revision& b) { return std::tie(a.created, a.id) < std::tie(b.created, b.id); });
    return RevisionGraph(std::move(revs));
}

std::filesystem::path ScriptDirectory::write(const Revision& rev) const {
    std::filesystem::create_directories(versions_dir());
    std::string slug = slugify(rev.message);
    auto path = versions_dir() / (rev.id + (slug.empty() ? "" : "_" + slug) + ".rev");
    std::ofstream out(path, std::ios::binary);
    if (!out) throw ArgumentError("cannot write " + path.string());
    out << render_revision(rev);
    if (!out) throw ArgumentError("cannot write " + path.string());
    return path;
}

std::string slugify(std::string_view message) {
    std::string out;
    for (char c : message) {
        if (std::isalnum(static_cast<unsigned char>(c)))
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else if (!out.empty() && out.back() != '_')
            out += '_';
        if (out.size() >= 40) break;
    }
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

std::string utc_timestamp() {
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace retort::migrate
