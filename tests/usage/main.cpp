#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "usage/fixture.hpp"

namespace retort::testkit {
namespace {
std::string g_url;
}
const std::string& test_url() { return g_url; }
// The DSQL-strict mode runs on the local PostgreSQL server too.
bool is_postgresql() { return g_url.rfind("postgresql", 0) == 0 || is_dsql(); }
bool is_dsql() { return g_url.rfind("auroradsql", 0) == 0; }
bool is_sqlite() { return g_url.rfind("sqlite", 0) == 0; }
bool is_mysql() { return g_url.rfind("mysql", 0) == 0 || g_url.rfind("mariadb", 0) == 0; }
}  // namespace retort::testkit

int main(int argc, char** argv) {
    const char* dialect = std::getenv("RETORT_TEST_DIALECT");
    std::string url;
    if (dialect && (std::string(dialect) == "postgresql" || std::string(dialect) == "auroradsql")) {
        // auroradsql: the DSQL dialect in local emulation (dsql_local=1) on the same server.
        const char* var = std::string(dialect) == "postgresql" ? "RETORT_TEST_PG_URL" : "RETORT_TEST_DSQL_URL";
        const char* pg = std::getenv(var);
        if (!pg || !*pg) {
            if (std::getenv("RETORT_REQUIRE_PG")) {
                std::fprintf(stderr, "%s is not set but RETORT_REQUIRE_PG is\n", var);
                return 1;
            }
            std::printf("no PostgreSQL server (set %s): skipped\n", var);
            return 77;
        }
        url = pg;
    } else if (dialect && std::string(dialect) == "mysql") {
        const char* my = std::getenv("RETORT_TEST_MARIADB_URL");
        if (!my || !*my) {
            if (std::getenv("RETORT_REQUIRE_MARIADB")) {
                std::fprintf(stderr, "RETORT_TEST_MARIADB_URL is not set but RETORT_REQUIRE_MARIADB is\n");
                return 1;
            }
            std::printf("no MariaDB server (set RETORT_TEST_MARIADB_URL): skipped\n");
            return 77;
        }
        url = my;
    } else {
        const char* u = std::getenv("RETORT_TEST_URL");
        url = u && *u ? u : "sqlite:///usage_test.db";
        // A fresh database file per run.
        auto parsed = retort::URL::parse(url);
        if (parsed.database() && !parsed.database()->empty() && *parsed.database() != ":memory:")
            std::filesystem::remove(*parsed.database());
    }
    retort::testkit::g_url = url;
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
