// The usage suite runs against the live database that main() picked (SQLite file, PostgreSQL or MariaDB server).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

#include <retort/dialects/auroradsql.hpp>
#include <retort/retort.hpp>

namespace retort::testkit {

const std::string& test_url();
bool is_postgresql();  // a PostgreSQL server: the postgresql or the DSQL-strict (auroradsql) run
bool is_sqlite();
bool is_mysql();  // a MySQL or MariaDB server
bool is_dsql();  // the DSQL dialect in local emulation, every statement checked by dsql::StrictChecker

// Each test gets an engine, a MetaData to define its tables in, and their cleanup.
class Usage : public ::testing::Test {
protected:
    void SetUp() override { engine = create_engine(test_url(), options()); }
    void TearDown() override {
        engine.dispose();
        // A fresh engine: listeners a test put on `engine` may refer to the test's own locals.
        try {
            md.drop_all(create_engine(test_url()));
        } catch (...) {
        }
        // A statement DSQL would reject fails the test even when the test swallowed the exception.
        for (const auto& v : dsql::StrictChecker::take_violations()) ADD_FAILURE() << v;
    }
    // RETORT_TEST_ECHO=1 logs every statement of the test's engine to stderr.
    virtual EngineOptions options() {
        EngineOptions o;
        o.echo = std::getenv("RETORT_TEST_ECHO") != nullptr;
        return o;
    }

    Engine engine;
    MetaData md;
};

}  // namespace retort::testkit
