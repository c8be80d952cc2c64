// The usage suite runs against the live database that main() picked (SQLite file or PostgreSQL server).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

#include <retort/retort.hpp>

namespace retort::testkit {

const std::string& test_url();
bool is_postgresql();
bool is_sqlite();

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
