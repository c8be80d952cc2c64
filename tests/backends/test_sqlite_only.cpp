// A program linked with one backend, retort::sqlite, and nothing else of Retort's (tests/CMakeLists.txt):
// its scheme works, registered before the program's own static objects are made, and the schemes of the
// backends it did not link say which library to link.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <retort/retort.hpp>

using namespace retort;

namespace {

// Made during static initialization, after the include above.
const std::vector<std::string> schemes_at_static_init = registered_dialects();

std::string no_such_module_message(const std::string& url) {
    try {
        (void)make_dialect(URL::parse(url));
    } catch (const NoSuchModuleError& e) {
        return e.what();
    }
    return "(no NoSuchModuleError)";
}

}  // namespace

TEST(LinkedBackends, OnlyTheLinkedBackendRegistersItsScheme) {
    EXPECT_EQ(registered_dialects(), std::vector<std::string>{"sqlite"});
    EXPECT_EQ(schemes_at_static_init, std::vector<std::string>{"sqlite"});
}

TEST(LinkedBackends, TheLinkedSchemeWorks) {
    Engine engine = create_engine("sqlite://");
    EXPECT_EQ(engine.dialect().name(), "sqlite");
    auto conn = engine.connect();
    EXPECT_EQ(conn.execute(text("SELECT 6 * 7")).scalar_one<std::int64_t>(), 42);
}

TEST(LinkedBackends, AnUnlinkedBuiltInSchemeNamesTheLibraryToLink) {
    EXPECT_EQ(no_such_module_message("postgresql://app@db.example.com/shop"),
              "the 'postgresql' dialect is not linked into this program: link retort::postgresql "
              "(pkg-config: retort-postgresql)");
    EXPECT_EQ(no_such_module_message("postgresql+libpq://app@db.example.com/shop"),
              "the 'postgresql' dialect is not linked into this program: link retort::postgresql "
              "(pkg-config: retort-postgresql)");
    EXPECT_EQ(no_such_module_message("postgres://app@db.example.com/shop"),
              "the 'postgresql' dialect (URL scheme 'postgres') is not linked into this program: link "
              "retort::postgresql (pkg-config: retort-postgresql)");
    EXPECT_EQ(no_such_module_message("auroradsql://admin@abc.dsql.us-east-1.on.aws/postgres"),
              "the 'auroradsql' dialect is not linked into this program: link retort::auroradsql "
              "(pkg-config: retort-auroradsql)");
    // create_engine says the same, as the error type every unknown scheme gets.
    EXPECT_THROW((void)create_engine("postgresql://app@db.example.com/shop"), NoSuchModuleError);
}

TEST(LinkedBackends, AnUnknownSchemeListsTheLinkedOnes) {
    EXPECT_EQ(no_such_module_message("nosuchdb://host/db"), "no dialect for URL scheme 'nosuchdb' (known: sqlite)");
}

// Last: it changes the registry. A program may give an unlinked built-in scheme a dialect of its own.
TEST(LinkedBackends, AProgramMayRegisterAnUnlinkedBuiltInScheme) {
    register_dialect("postgresql", [](const URL&) { return make_dialect(URL::parse("sqlite://")); });
    EXPECT_EQ(make_dialect(URL::parse("postgresql://host/db"))->name(), "sqlite");
    EXPECT_EQ(registered_dialects(), (std::vector<std::string>{"postgresql", "sqlite"}));
}
