// The DSQL strict checker on a corpus of statements Aurora DSQL accepts and rejects, written from the syntax
// pages of its User Guide: tests/unit/data/dsql_accept.sql and dsql_reject.sql (their heads say the format).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <retort/dialects/auroradsql.hpp>

using namespace retort;

namespace {

struct Case {
    int line = 0;          // where the case starts in its file
    std::string expect;    // the "-- expect:" text (reject cases)
    std::vector<std::string> calls;  // one check() call each
};

std::string read_file(const std::string& name) {
    const std::string path = std::string(RETORT_UNIT_DATA_DIR) + "/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Cases are runs of non-blank lines; comment lines at their head are directives or notes; a line ending
// with ";" ends a call (the text since the previous call, several lines allowed).
std::vector<Case> load(const std::string& name) {
    std::vector<Case> cases;
    std::istringstream in(read_file(name));
    std::string line;
    Case cur;
    std::string pending;
    int n = 0;
    auto flush = [&] {
        if (!pending.empty()) ADD_FAILURE() << name << ":" << cur.line << ": a call without a closing ';'";
        if (!cur.calls.empty()) cases.push_back(cur);
        cur = Case{};
        pending.clear();
    };
    while (std::getline(in, line)) {
        ++n;
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            flush();
            continue;
        }
        if (cur.line == 0) cur.line = n;
        if (pending.empty() && line.rfind("--", 0) == 0) {
            if (line.rfind("-- expect: ", 0) == 0) cur.expect = line.substr(11);
            continue;
        }
        pending += (pending.empty() ? "" : "\n") + line;
        if (line.back() == ';') {
            cur.calls.push_back(pending);
            pending.clear();
        }
    }
    flush();
    return cases;
}

}  // namespace

TEST(DsqlCorpus, AcceptsWhatDsqlAccepts) {
    const auto cases = load("dsql_accept.sql");
    ASSERT_GT(cases.size(), 40u);
    for (const auto& c : cases) {
        dsql::StrictChecker checker;
        for (const auto& sql : c.calls) {
            auto why = checker.check(sql);
            EXPECT_EQ(why, std::nullopt) << "dsql_accept.sql:" << c.line << ": " << sql;
            if (why) break;
        }
        EXPECT_FALSE(checker.in_transaction()) << "dsql_accept.sql:" << c.line << " leaves a transaction open";
    }
}

TEST(DsqlCorpus, RejectsWhatDsqlRejectsNamingTheRule) {
    const auto cases = load("dsql_reject.sql");
    ASSERT_GT(cases.size(), 80u);
    for (const auto& c : cases) {
        ASSERT_FALSE(c.expect.empty()) << "dsql_reject.sql:" << c.line << " has no '-- expect:' line";
        dsql::StrictChecker checker;
        for (std::size_t i = 0; i + 1 < c.calls.size(); ++i)
            EXPECT_EQ(checker.check(c.calls[i]), std::nullopt) << "dsql_reject.sql:" << c.line << ": " << c.calls[i];
        auto why = checker.check(c.calls.back());
        if (!why) {
            ADD_FAILURE() << "dsql_reject.sql:" << c.line << ": accepted: " << c.calls.back();
            continue;
        }
        EXPECT_NE(why->find(c.expect), std::string::npos)
            << "dsql_reject.sql:" << c.line << ": " << c.calls.back() << "\n  reason: " << *why << "\n  expected: " << c.expect;
    }
}
