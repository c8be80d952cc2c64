// Helpers for the conformance ports of Alembic's tests: revisions built in code, steps written short, and a
// version table on the run's database that the traversal tests move for real.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <retort/migrate/migration.hpp>
#include <retort/migrate/revision.hpp>

#include "conformance/kit.hpp"

namespace retort::migrate {

inline void PrintTo(const MigrationStep& s, std::ostream* os) {
    if (!s.stamp) {
        *os << (s.upgrade ? "up(" : "down(") << s.revision << ")";
        return;
    }
    *os << (s.upgrade ? "stamp_up(" : "stamp_down(");
    for (const auto& f : s.from) *os << f << " ";
    *os << "-> ";
    for (const auto& t : s.to) *os << t << " ";
    *os << (s.branch_move ? "branch)" : ")");
}

}  // namespace retort::migrate

namespace retort::testkit::mig {

using migrate::MigrationStep;
using migrate::Revision;
using migrate::RevisionGraph;
using V = std::vector<std::string>;
using Heads = std::set<std::string>;

// A revision without operations: id, parents, depends_on, branch labels.
inline Revision rev(std::string id, V parents = {}, V depends_on = {}, V labels = {}) {
    Revision r;
    r.id = std::move(id);
    r.parents = std::move(parents);
    r.depends_on = std::move(depends_on);
    r.branch_labels = std::move(labels);
    return r;
}

inline MigrationStep up(const std::string& id) { return MigrationStep{.upgrade = true, .revision = id}; }
inline MigrationStep down(const std::string& id) { return MigrationStep{.upgrade = false, .revision = id}; }

inline Heads apply_all(const RevisionGraph& g, const V& source, const std::vector<MigrationStep>& steps) {
    Heads heads(source.begin(), source.end());
    for (const auto& s : steps) (void)g.apply_step(heads, s);
    return heads;
}

// The message of the RevisionError fn throws ("" when it throws none).
template <class Fn>
std::string revision_error(Fn&& fn) {
    try {
        fn();
    } catch (const migrate::RevisionError& e) {
        return e.what();
    }
    return {};
}

// A conformance test that also runs traversals against a version table on the run's database.
class Traversal : public Conformance {
protected:
    static constexpr const char* version_table = "conf_traversal_version";

    void SetUp() override {
        Conformance::SetUp();
        drop_version_table();
    }
    void TearDown() override {
        drop_version_table();
        Conformance::TearDown();
    }
    void drop_version_table() {
        auto conn = create_engine(test_url()).connect();
        conn.exec_driver_sql(std::string("DROP TABLE IF EXISTS ") + version_table);
        conn.commit();
    }
    migrate::MigrationOptions options() const {
        migrate::MigrationOptions o;
        o.version_table = version_table;
        return o;
    }
    // Sets the version table's rows.
    void set_rows(const RevisionGraph& g, const V& rows) {
        {
            auto conn = engine.connect();
            if (engine.dialect().has_table(conn, version_table, std::nullopt))
                conn.exec_driver_sql(std::string("DELETE FROM ") + version_table);
            conn.commit();
        }
        migrate::MigrationContext ctx(engine, options());
        ctx.stamp(g, migrate::RevisionSpec());  // creates the table when missing
        auto conn = engine.connect();
        for (const auto& r : Heads(rows.begin(), rows.end()))
            conn.exec_driver_sql(std::string("INSERT INTO ") + version_table + " (version_num) VALUES ('" + r + "')");
        conn.commit();
    }
    Heads db_rows() {
        migrate::MigrationContext ctx(engine, options());
        auto rows = ctx.current_heads();
        return Heads(rows.begin(), rows.end());
    }
    static V ids(const std::vector<MigrationStep>& steps) {
        V out;
        for (const auto& s : steps) out.push_back(s.revision);
        return out;
    }

    // Alembic's _assert_upgrade: the steps, the heads they leave in memory, and (on_db) the same run on
    // the database's version table.
    void assert_upgrade(const RevisionGraph& g, const migrate::RevisionSpec& destination, const V& source,
                        const std::vector<MigrationStep>& expected, const Heads& expected_heads, bool on_db = true) {
        auto steps = g.upgrade_steps(source, destination);
        EXPECT_EQ(steps, expected);
        EXPECT_EQ(apply_all(g, source, steps), expected_heads);
        if (!on_db) return;
        set_rows(g, source);
        migrate::MigrationContext ctx(engine, options());
        EXPECT_EQ(ctx.upgrade(g, destination), ids(expected));
        EXPECT_EQ(db_rows(), expected_heads);
    }
    void assert_downgrade(const RevisionGraph& g, const std::string& destination, const V& source,
                          const std::vector<MigrationStep>& expected, const Heads& expected_heads, bool on_db = true) {
        auto steps = g.downgrade_steps(source, destination);
        EXPECT_EQ(steps, expected);
        EXPECT_EQ(apply_all(g, source, steps), expected_heads);
        if (!on_db) return;
        set_rows(g, source);
        migrate::MigrationContext ctx(engine, options());
        EXPECT_EQ(ctx.downgrade(g, destination), ids(expected));
        EXPECT_EQ(db_rows(), expected_heads);
    }
    // A stamp on the database: its rows afterwards.
    Heads db_stamp(const RevisionGraph& g, const migrate::RevisionSpec& target, const V& source) {
        set_rows(g, source);
        migrate::MigrationContext ctx(engine, options());
        ctx.stamp(g, target);
        return db_rows();
    }
};

}  // namespace retort::testkit::mig
