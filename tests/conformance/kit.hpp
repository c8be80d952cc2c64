// The conformance suite: behaviours that SQLAlchemy's and Alembic's own test suites check, each test ported to
// Retort and run on every dialect (SQLite, PostgreSQL, and the DSQL dialect in strict local emulation).
//
// Conventions:
// - One file per ported SQLAlchemy/Alembic test file, named after it (orm/test_unitofworkv2.cpp ports
//   test/orm/test_unitofworkv2.py). Each TEST_F carries a line `// ports: <file>::<Class>::<test>` naming the
//   test it ports (several when one Retort test covers a few); `tests/conformance/count` tallies them.
// - Models of a file live in a namespace of their own with their own Registry, so files can reuse
//   SQLAlchemy's table names ("users", "addresses") without clashing: RETORT_CONFORMANCE_REGISTRY() in that
//   namespace declares the registry and the hook (retort_registry, found by argument-dependent lookup) that
//   gives it to every model of the namespace.
// - A behaviour a dialect cannot have (SAVEPOINT on DSQL, ...) skips there with GTEST_SKIP() saying why;
//   a behaviour where Retort deliberately differs is listed in the README's "Differences from SQLAlchemy".
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include <retort/orm.hpp>

#include "usage/fixture.hpp"

// In a test file's namespace: models() is the namespace's Registry, and every model of the namespace maps in it.
#define RETORT_CONFORMANCE_REGISTRY()                       \
    inline ::retort::orm::Registry& models() {              \
        static ::retort::orm::Registry r;                   \
        return r;                                           \
    }                                                       \
    template <class T>                                      \
    ::retort::orm::Registry& retort_registry(const T*) {    \
        return models();                                    \
    }

namespace retort::testkit {

// A test with an engine (from the run's URL) that records the statements it sends.
class Conformance : public Usage {
protected:
    void SetUp() override {
        Usage::SetUp();
        engine.on_before_execute([this](const ExecuteEvent& e) {
            if (recording_) sql_.push_back(normalize(std::string(e.statement)));
        });
    }
    void TearDown() override {
        recording_ = false;
        Usage::TearDown();
    }
    // $1, $2 ... become ? so one expectation serves every dialect.
    static std::string normalize(std::string s) { return std::regex_replace(s, std::regex("\\$[0-9]+"), "?"); }
    // Starts recording (clearing what was recorded).
    void record() {
        sql_.clear();
        recording_ = true;
    }
    // The statements recorded since record(), and stops recording.
    std::vector<std::string> take() {
        recording_ = false;
        auto out = std::move(sql_);
        sql_.clear();
        return out;
    }
    // Recorded statements that start with `prefix` (case-sensitive: "INSERT", "UPDATE", "SELECT" ...).
    static std::vector<std::string> starting(const std::vector<std::string>& stmts, std::string_view prefix) {
        std::vector<std::string> out;
        for (const auto& s : stmts)
            if (s.starts_with(prefix)) out.push_back(s);
        return out;
    }
    // Statements of the ORM's own making (leaves out BEGIN/COMMIT/ROLLBACK/SAVEPOINT, which some drivers
    // send without an execute event).
    static std::vector<std::string> dml(const std::vector<std::string>& stmts) {
        std::vector<std::string> out;
        for (const auto& s : stmts)
            if (s.starts_with("SELECT") || s.starts_with("INSERT") || s.starts_with("UPDATE") ||
                s.starts_with("DELETE") || s.starts_with("WITH"))
                out.push_back(s);
        return out;
    }
    // One row count over a fresh connection (what is committed), e.g. count("users", "name = 'ed'").
    std::int64_t count_rows(const std::string& table, const std::string& where = {}) {
        auto conn = engine.connect();
        std::string q = "SELECT COUNT(*) FROM " + engine.dialect().quote_identifier(table);
        if (!where.empty()) q += " WHERE " + where;
        return conn.exec_driver_sql(q).scalar_one<std::int64_t>();
    }
    bool supports_savepoints() const { return engine.dialect().caps().supports_savepoints; }

private:
    bool recording_ = false;
    std::vector<std::string> sql_;
};

// Whether the object is among the states a Session listing returned (new_objects(), deleted_objects(), ...).
template <class T>
bool among(const std::vector<orm::InstanceState*>& states, const orm::Ptr<T>& p) {
    return std::find(states.begin(), states.end(), p.state()) != states.end();
}

// A conformance test over the ORM models of one registry: their tables are created before each test and
// dropped after it.
class OrmConformance : public Conformance {
protected:
    explicit OrmConformance(orm::Registry& r) : registry_(r) {}
    void SetUp() override {
        Conformance::SetUp();
        orm::Registry::configure_all();
        registry_.configure();
        registry_.metadata().drop_all(engine);
        registry_.metadata().create_all(engine);
    }
    void TearDown() override {
        try {
            registry_.metadata().drop_all(create_engine(test_url()));
        } catch (...) {
        }
        Conformance::TearDown();
    }
    orm::Registry& registry_;
};

}  // namespace retort::testkit
