// The engine's log against the live database: echo's lines (values, cache status, run time), executemany and long
// values cut as SQLAlchemy cuts them, hide_parameters, columns marked sensitive, and the LogRecord's level and
// fields.
#include <algorithm>
#include <regex>

#include <retort/orm.hpp>

#include "usage/fixture.hpp"

using namespace retort;
using retort::testkit::Usage;

namespace {

struct Accounts : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(50), .unique = true});
    Col<std::optional<std::string>> password =
        col<std::optional<std::string>>("password", {.type = types::String(100), .sensitive = true});
    Col<std::optional<std::string>> note = col<std::optional<std::string>>("note", {.type = types::Text()});
};

struct Things : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::optional<std::string>> data = col<std::optional<std::string>>("data", {.type = types::Text()});
    Col<std::optional<Bytes>> blob = col<std::optional<Bytes>>("blob");
};

// A LogRecord kept past the handler's call.
struct Kept {
    LogLevel level;
    std::string logger, message, statement, parameters;
    CacheStatus cache;
    double cache_age, duration;
    bool failed;
};

Kept keep(const LogRecord& r) {
    return Kept{r.level, std::string(r.logger), std::string(r.message), std::string(r.statement),
                std::string(r.parameters), r.cache, r.cache_age.count(), r.duration.count(), r.failed};
}

std::string first_line(const Kept& r) { return r.message.substr(0, r.message.find('\n')); }
std::string second_line(const Kept& r) {
    const auto nl = r.message.find('\n');
    return nl == std::string::npos ? std::string() : r.message.substr(nl + 1);
}

// A statement record's second line is "[<stats>; executed in <seconds>s] <values>": stats is a regular expression,
// values the exact text (also the record's parameters).
void expect_values_line(const Kept& r, const std::string& stats, const std::string& values, bool failed = false) {
    EXPECT_EQ(r.parameters, values);
    const std::string line = second_line(r);
    const std::string tail = "] " + values;
    ASSERT_TRUE(line.size() >= tail.size() && line.compare(line.size() - tail.size(), tail.size(), tail) == 0)
        << line << "\nexpected to end with\n" << tail;
    const std::string bracket = line.substr(0, line.size() - tail.size() + 1);
    const std::regex pattern("\\[" + stats + (failed ? "; failed after " : "; executed in ") + "\\d+\\.\\d{5}s\\]");
    EXPECT_TRUE(std::regex_match(bracket, pattern)) << bracket;
    EXPECT_EQ(r.failed, failed);
}

const std::string kGenerated = "generated in \\d+\\.\\d{5}s";
const std::string kCached = "cached since [0-9.e+-]+s ago";

// The text of a value as echo shows it when it is long: its first and last 150 characters.
std::string cut(const std::string& repr) {
    return repr.substr(0, 150) + " ... (" + std::to_string(repr.size() - 300) + " characters truncated) ... " +
           repr.substr(repr.size() - 150);
}

// Deterministic text of n letters, the first `from`.
std::string text_of(std::size_t n, char from = 'a') {
    std::string s(n, ' ');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (static_cast<std::size_t>(from - 'a') + i) % 26);
    return s;
}

class Logging : public Usage {
protected:
    EngineOptions options() override {
        EngineOptions o;
        o.echo = true;
        o.log_handler = [this](const LogRecord& r) { records.push_back(keep(r)); };
        return o;
    }
    void SetUp() override {
        Usage::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
        records.clear();
    }
    // The statement records, those whose statement contains `part` when given.
    std::vector<Kept> statements(std::string_view part = {}) const {
        std::vector<Kept> out;
        for (const auto& r : records)
            if (!r.statement.empty() && r.statement.find(part) != std::string::npos) out.push_back(r);
        return out;
    }
    // Every message and every field of every record: where a secret must never be.
    std::string everything() const {
        std::string all;
        for (const auto& r : records) all += r.message + "\n" + r.statement + "\n" + r.parameters + "\n";
        return all;
    }
    std::string ph(int n) const { return engine.dialect().placeholder(n); }

    std::vector<Kept> records;
    Accounts accounts{md, "logged_accounts"};
    Things things{md, "logged_things"};
};

// ---------------------------------------------------------------- a statement's lines

TEST_F(Logging, StatementShowsItsValuesThenGeneratedThenCachedSince) {
    auto conn = engine.connect();
    auto stmt = select(accounts.id).where(accounts.name == "abc");
    (void)conn.execute(stmt).all();
    (void)conn.execute(stmt).all();                                            // the statement's own compiled form
    (void)conn.execute(select(accounts.id).where(accounts.name == "xyz")).all();  // same shape: the engine's cache
    const auto s = statements("logged_accounts");
    ASSERT_EQ(s.size(), 3u);
    for (const auto& r : s) {
        EXPECT_EQ(r.level, LogLevel::Info);
        EXPECT_EQ(r.logger, "retort.engine");
        EXPECT_EQ(first_line(r), r.statement);
        EXPECT_GE(r.duration, 0.0);
    }
    EXPECT_EQ(s[0].statement, s[2].statement);
    expect_values_line(s[0], kGenerated, "('abc',)");
    EXPECT_EQ(s[0].cache, CacheStatus::Generated);
    expect_values_line(s[1], kCached, "('abc',)");
    EXPECT_EQ(s[1].cache, CacheStatus::Cached);
    expect_values_line(s[2], kCached, "('xyz',)");
    EXPECT_EQ(s[2].cache, CacheStatus::Cached);
    // The age is that of the one compilation.
    EXPECT_GE(s[1].cache_age, s[0].cache_age);
    EXPECT_GE(s[2].cache_age, s[1].cache_age);
}

TEST_F(Logging, CachingDisabledSaysSo) {
    std::vector<Kept> got;
    EngineOptions o;
    o.echo = true;
    o.compiled_cache_size = 0;
    o.log_handler = [&](const LogRecord& r) { got.push_back(keep(r)); };
    auto e = create_engine(testkit::test_url(), o);
    auto conn = e.connect();
    (void)conn.execute(select(accounts.id).where(accounts.name == "a")).all();
    (void)conn.execute(select(accounts.id).where(accounts.name == "b")).all();
    std::vector<Kept> s;
    for (const auto& r : got)
        if (!r.statement.empty()) s.push_back(r);
    ASSERT_EQ(s.size(), 2u);
    expect_values_line(s[0], "caching disabled \\d+\\.\\d{5}s", "('a',)");
    expect_values_line(s[1], "caching disabled \\d+\\.\\d{5}s", "('b',)");
    EXPECT_EQ(s[1].cache, CacheStatus::Disabled);
}

TEST_F(Logging, ValuesOfSeveralKindsAreRendered) {
    auto conn = engine.connect();
    conn.execute(insert(accounts).values({{"name", "o'neil\\\n\t"}, {"note", nullptr}}));
    const auto s = statements("INSERT INTO logged_accounts");
    ASSERT_EQ(s.size(), 1u);
    // Quotes, backslashes and control characters escaped; NULL as NULL.
    expect_values_line(s[0], kGenerated, "('o\\'neil\\\\\\n\\t', NULL)");
    records.clear();
    (void)conn.execute(select(accounts.id).where(accounts.id == 7).where(accounts.name.in_({"x", "y"}))).all();
    expect_values_line(statements("logged_accounts").at(0), kGenerated, "(7, 'x', 'y')");
}

TEST_F(Logging, DriverSqlIsRawSql) {
    auto conn = engine.connect();
    conn.exec_driver_sql("INSERT INTO logged_accounts (name, note) VALUES (" + ph(1) + ", " + ph(2) + ")",
                         {Value("raw"), Value("x")});
    (void)conn.exec_driver_sql("SELECT count(*) FROM logged_accounts").all();
    const auto s = statements("logged_accounts");
    ASSERT_EQ(s.size(), 2u);
    expect_values_line(s[0], "raw sql", "('raw', 'x')");
    EXPECT_EQ(s[0].cache, CacheStatus::Raw);
    expect_values_line(s[1], "raw sql", "()");
}

TEST_F(Logging, TransactionLinesAreInfoRecordsWithoutStatementFields) {
    {
        auto conn = engine.connect();
        conn.execute(insert(accounts).values({{"name", "t"}}));
        conn.commit();
    }
    std::vector<std::string> lines;
    for (const auto& r : records)
        if (r.statement.empty()) {
            EXPECT_EQ(r.level, LogLevel::Info);
            EXPECT_EQ(r.logger, "retort.engine");
            EXPECT_EQ(r.cache, CacheStatus::None);
            EXPECT_TRUE(r.parameters.empty());
            lines.push_back(r.message);
        }
    EXPECT_EQ(lines, (std::vector<std::string>{"BEGIN (implicit)", "COMMIT"}));
    // BEGIN, then the statement, then COMMIT.
    ASSERT_EQ(records.size(), 3u);
    EXPECT_FALSE(records[1].statement.empty());
}

TEST_F(Logging, FailedStatementIsWrittenAsFailed) {
    auto conn = engine.connect();
    EXPECT_THROW(conn.exec_driver_sql("SELECT * FROM logged_no_such_table"), DBAPIError);
    const auto s = statements("logged_no_such_table");
    ASSERT_EQ(s.size(), 1u);
    expect_values_line(s[0], "raw sql", "()", true);
    EXPECT_TRUE(s[0].failed);
}

// ---------------------------------------------------------------- executemany

TEST_F(Logging, ExecutemanyShowsTheFirstEightAndTheLastTwoSets) {
    auto conn = engine.connect();
    auto del = delete_(accounts).where(accounts.name == bindparam<std::string>("n"));
    std::vector<Params> sets;
    for (int i = 0; i < 100; ++i) sets.push_back({{"n", std::to_string(i)}});
    conn.execute(del, sets);
    auto s = statements("DELETE FROM logged_accounts");
    ASSERT_EQ(s.size(), 1u);
    expect_values_line(s[0], kGenerated,
                       "[('0',), ('1',), ('2',), ('3',), ('4',), ('5',), ('6',), ('7',)  ... displaying 10 of 100 "
                       "total bound parameter sets ...  ('98',), ('99',)]");
    // Ten sets or fewer: all of them.
    records.clear();
    conn.execute(del, std::vector<Params>{{{"n", "a"}}, {{"n", "b"}}, {{"n", "c"}}});
    s = statements("DELETE FROM logged_accounts");
    ASSERT_EQ(s.size(), 1u);
    expect_values_line(s[0], kCached, "[('a',), ('b',), ('c',)]");
    // execute_many() with rows made one at a time shows the same.
    records.clear();
    conn.execute_many(del, 12, [](std::size_t i, std::span<Value> out) { out[0] = "r" + std::to_string(i); });
    s = statements("DELETE FROM logged_accounts");
    ASSERT_EQ(s.size(), 1u);
    expect_values_line(s[0], kCached,
                       "[('r0',), ('r1',), ('r2',), ('r3',), ('r4',), ('r5',), ('r6',), ('r7',)  ... displaying 10 of "
                       "12 total bound parameter sets ...  ('r10',), ('r11',)]");
}

TEST_F(Logging, InsertmanyvaluesBatchesAreWrittenOneByOne) {
    std::vector<Kept> got;
    EngineOptions o;
    o.echo = true;
    o.log_handler = [&](const LogRecord& r) { got.push_back(keep(r)); };
    o.capabilities = [](DialectCapabilities& c) { c.insertmanyvalues_page_size = 150; };
    auto e = create_engine(testkit::test_url(), o);
    auto conn = e.connect();
    std::vector<Params> sets;
    for (int i = 0; i < 327; ++i) sets.push_back({{"data", "d" + std::to_string(i)}});
    conn.execute(insert(things), sets);
    std::vector<Kept> s;
    for (const auto& r : got)
        if (r.statement.find("INSERT INTO logged_things") != std::string::npos) s.push_back(r);
    ASSERT_EQ(s.size(), 3u);
    auto values = [](int from, int to) {  // 'd<from>', ... 'd<to - 1>'
        std::string out;
        for (int i = from; i < to; ++i) out += (i == from ? "'d" : ", 'd") + std::to_string(i) + "'";
        return out;
    };
    // A batch of 150 values: its first and last 50.
    expect_values_line(s[0], kGenerated + " \\(insertmanyvalues\\) 1/3",
                       "(" + values(0, 50) + " ... 50 parameters truncated ... " + values(100, 150) + ")");
    expect_values_line(s[1], "insertmanyvalues 2/3",
                       "(" + values(150, 200) + " ... 50 parameters truncated ... " + values(250, 300) + ")");
    expect_values_line(s[2], "insertmanyvalues 3/3", "(" + values(300, 327) + ")");
    EXPECT_EQ(s[0].cache, CacheStatus::Generated);
    // A statement over 500 characters: its first 250 and last 100.
    const std::string& full = s[0].statement;
    ASSERT_GT(full.size(), 500u);
    EXPECT_EQ(first_line(s[0]), full.substr(0, 250) + " ... " + std::to_string(full.size() - 350) +
                                    " characters truncated ... " + full.substr(full.size() - 100));
    EXPECT_EQ(first_line(s[2]), s[2].statement);
    EXPECT_LT(s[2].statement.size(), 500u);
}

// ---------------------------------------------------------------- long values

TEST_F(Logging, LongValuesAreCutToTheirFirstAndLast150Characters) {
    auto conn = engine.connect();
    const std::string large = text_of(5000);
    conn.execute(insert(things).values({{"data", large}}));
    auto s = statements("INSERT INTO logged_things");
    ASSERT_EQ(s.size(), 1u);
    expect_values_line(s[0], kGenerated, "(" + cut("'" + large + "'") + ",)");
    EXPECT_NE(s[0].parameters.find("(4702 characters truncated)"), std::string::npos);

    // Several values: each cut on its own.
    records.clear();
    const std::string lp1 = text_of(5), lp2 = text_of(8, 'k'), lp3 = text_of(670, 'c');
    (void)conn.execute(select(things.id).where(things.data == lp1).where(things.data == lp2).where(things.data == lp3)).all();
    s = statements("logged_things");
    ASSERT_EQ(s.size(), 1u);
    expect_values_line(s[0], kGenerated, "('" + lp1 + "', '" + lp2 + "', " + cut("'" + lp3 + "'") + ")");
    EXPECT_NE(s[0].parameters.find("(372 characters truncated)"), std::string::npos);

    // Each set of an executemany too.
    records.clear();
    const std::string big = text_of(5000, 'b'), mid = text_of(200, 'm');
    conn.execute(delete_(things).where(things.data == bindparam<std::string>("d")),
                 std::vector<Params>{{{"d", big}}, {{"d", mid}}, {{"d", lp3}}});
    s = statements("DELETE FROM logged_things");
    ASSERT_EQ(s.size(), 1u);
    expect_values_line(s[0], kGenerated,
                       "[(" + cut("'" + big + "'") + ",), ('" + mid + "',), (" + cut("'" + lp3 + "'") + ",)]");
}

TEST_F(Logging, LongValuesAreCutByCharactersNotBytes) {
    auto conn = engine.connect();
    std::string accents;
    for (int i = 0; i < 400; ++i) accents += "\xc3\xa9";  // é
    conn.execute(insert(things).values({{"data", accents}}));
    const auto s = statements("INSERT INTO logged_things");
    ASSERT_EQ(s.size(), 1u);
    std::string side;
    for (int i = 0; i < 149; ++i) side += "\xc3\xa9";
    // 402 characters ('...'): 102 cut.
    expect_values_line(s[0], kGenerated, "('" + side + " ... (102 characters truncated) ... " + side + "',)");
}

TEST_F(Logging, BytesShowInHexAndAreCutLikeText) {
    auto conn = engine.connect();
    conn.execute(insert(things).values({{"blob", Bytes{0x00, 0xff, 0x10}}}));
    Bytes large(200);
    for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<std::uint8_t>(i);
    conn.execute(insert(things).values({{"blob", large}}));
    const auto s = statements("INSERT INTO logged_things");
    ASSERT_EQ(s.size(), 2u);
    expect_values_line(s[0], kGenerated, "(x'00ff10',)");
    std::string hex = "x'";
    for (std::size_t i = 0; i < large.size(); ++i) {
        static constexpr char digits[] = "0123456789abcdef";
        hex += digits[large[i] >> 4];
        hex += digits[large[i] & 15];
    }
    hex += "'";
    expect_values_line(s[1], kCached, "(" + cut(hex) + ",)");
}

// ---------------------------------------------------------------- hide_parameters, errors

TEST_F(Logging, HideParametersHidesEveryValue) {
    std::vector<Kept> got;
    EngineOptions o;
    o.echo = true;
    o.hide_parameters = true;
    o.log_handler = [&](const LogRecord& r) { got.push_back(keep(r)); };
    auto e = create_engine(testkit::test_url(), o);
    const std::string hidden = "[SQL parameters hidden due to hide_parameters=True]";
    {
        auto conn = e.connect();
        conn.execute(insert(accounts).values({{"name", "s3cr3t-name"}, {"note", "s3cr3t-note"}}));
        conn.exec_driver_sql("UPDATE logged_accounts SET note = " + ph(1), {Value("s3cr3t-raw")});
        std::vector<Params> sets;
        for (int i = 0; i < 100; ++i) sets.push_back({{"n", "s3cr3t-" + std::to_string(i)}});
        conn.execute(delete_(accounts).where(accounts.name == bindparam<std::string>("n")), sets);
        conn.commit();
        // The error of a statement that fails carries no value either.
        try {
            conn.execute(insert(accounts).values({{"name", "s3cr3t-name"}, {"note", "s3cr3t-note"}}));
            ADD_FAILURE() << "the duplicate name was accepted";
        } catch (const DBAPIError& err) {
            EXPECT_EQ(std::string(err.what()).find("s3cr3t"), std::string::npos) << err.what();
        }
    }
    std::vector<Kept> s;
    for (const auto& r : got)
        if (r.statement.find("logged_accounts") != std::string::npos) s.push_back(r);
    ASSERT_EQ(s.size(), 4u);
    expect_values_line(s[0], kGenerated, hidden);
    expect_values_line(s[1], "raw sql", hidden);
    expect_values_line(s[2], kGenerated, hidden);
    expect_values_line(s[3], kCached, hidden, true);
    for (const auto& r : got) {
        EXPECT_EQ(r.message.find("s3cr3t"), std::string::npos) << r.message;
        EXPECT_EQ(r.parameters.find("s3cr3t"), std::string::npos) << r.parameters;
    }
}

TEST_F(Logging, ErrorsNeverCarryValuesEvenWhenEchoShowsThem) {
    auto conn = engine.connect();
    conn.execute(insert(accounts).values({{"name", "dup-value-1"}}));
    try {
        conn.execute(insert(accounts).values({{"name", "dup-value-1"}}));
        ADD_FAILURE() << "the duplicate name was accepted";
    } catch (const IntegrityError& err) {
        EXPECT_EQ(std::string(err.what()).find("dup-value-1"), std::string::npos) << err.what();
        EXPECT_NE(std::string(err.what()).find("[parameter types: text]"), std::string::npos) << err.what();
    }
    conn.rollback();
    const auto s = statements("INSERT INTO logged_accounts");
    ASSERT_EQ(s.size(), 2u);
    expect_values_line(s[1], kCached, "('dup-value-1',)", true);
    // A missing value is refused before anything runs: nothing is written.
    records.clear();
    auto stmt = select(accounts.id).where(accounts.name == bindparam<std::string>("a") || accounts.name == bindparam<std::string>("b"));
    EXPECT_THROW((void)conn.execute(stmt, {{"a", "some data"}}), ArgumentError);
    EXPECT_TRUE(statements().empty());
}

// ---------------------------------------------------------------- sensitive columns

TEST_F(Logging, SensitiveColumnsAreMaskedWhereverTheirValuesAreBound) {
    auto conn = engine.connect();
    conn.execute(insert(accounts).values({{"name", "alice"}, {"password", "hunter2"}}));
    conn.execute(update(accounts).value(accounts.password, "hunter3").where(accounts.name == "alice"));
    (void)conn.execute(select(accounts.id).where(accounts.password == "hunter3")).all();
    (void)conn.execute(select(accounts.id).where(accounts.password.in_({"hunter4", "hunter5"}))).all();
    const auto a = alias(accounts, "a2");
    (void)conn.execute(select(aliased(a, accounts.id)).where(aliased(a, accounts.password) == "hunter6")).all();
    auto s = statements("logged_accounts");
    ASSERT_EQ(s.size(), 5u);
    expect_values_line(s[0], kGenerated, "('alice', '***')");
    expect_values_line(s[1], kGenerated, "('***', 'alice')");
    expect_values_line(s[2], kGenerated, "('***',)");
    expect_values_line(s[3], kGenerated, "('***', '***')");
    expect_values_line(s[4], kGenerated, "('***',)");

    // executemany: in every batch and set.
    records.clear();
    conn.execute(insert(accounts), std::vector<Params>{{{"name", "bob"}, {"password", "hunter7"}},
                                                       {{"name", "carol"}, {"password", "hunter8"}}});
    conn.execute(update(accounts).value(accounts.password, bindparam<std::string>("p")).where(accounts.name == bindparam<std::string>("n")),
                 std::vector<Params>{{{"p", "hunter9"}, {"n", "bob"}}, {{"p", "hunter10"}, {"n", "carol"}}});
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 3; ++i) rows.push_back({Value("row" + std::to_string(i)), Value("hunter-row" + std::to_string(i))});
    auto by_rows = insert(accounts).value(accounts.name, bindparam<std::string>("name")).value(accounts.password, bindparam<std::string>("password"));
    conn.execute_rows(by_rows, rows);
    s = statements("logged_accounts");
    ASSERT_GE(s.size(), 3u);
    for (const auto& r : s) {
        EXPECT_NE(r.parameters.find("'***'"), std::string::npos) << r.message;
        // The other values show.
        EXPECT_TRUE(r.parameters.find("'bob'") != std::string::npos || r.parameters.find("'row0'") != std::string::npos)
            << r.message;
    }
    conn.commit();
    EXPECT_EQ(everything().find("hunter"), std::string::npos) << everything();
}

TEST_F(Logging, SensitiveColumnsAreMaskedInBulkLoadsAndUpdatesFromValues) {
    std::vector<Kept> got;
    EngineOptions o;
    o.echo = true;
    o.log_handler = [&](const LogRecord& r) { got.push_back(keep(r)); };
    o.capabilities = [](DialectCapabilities& c) { c.copy_from_min_rows = 2; };
    auto e = create_engine(testkit::test_url(), o);
    const auto& caps = e.dialect().caps();
    auto conn = e.connect();
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 12; ++i) rows.push_back({Value("bulk" + std::to_string(i)), Value("hunter-bulk" + std::to_string(i))});
    auto by_rows = insert(accounts).value(accounts.name, bindparam<std::string>("name")).value(accounts.password, bindparam<std::string>("password"));
    conn.execute_rows(by_rows, rows);
    std::vector<Params> sets;
    for (int i = 0; i < 12; ++i) sets.push_back({{"p", "hunter-set" + std::to_string(i)}, {"n", "bulk" + std::to_string(i)}});
    conn.execute(update(accounts).value(accounts.password, bindparam<std::string>("p")).where(accounts.name == bindparam<std::string>("n")), sets);
    conn.commit();
    std::vector<Kept> s;
    for (const auto& r : got)
        if (r.statement.find("logged_accounts") != std::string::npos) s.push_back(r);
    ASSERT_GE(s.size(), 2u);
    if (caps.supports_copy_from) {
        // One load of the 12 rows.
        expect_values_line(s[0], kGenerated + " \\(bulk load\\)",
                           "[('bulk0', '***'), ('bulk1', '***'), ('bulk2', '***'), ('bulk3', '***'), ('bulk4', '***'), "
                           "('bulk5', '***'), ('bulk6', '***'), ('bulk7', '***')  ... displaying 10 of 12 total bound "
                           "parameter sets ...  ('bulk10', '***'), ('bulk11', '***')]");
    }
    if (caps.supports_update_from_values) {
        const auto& u = s.back();
        EXPECT_NE(u.statement.find("VALUES"), std::string::npos) << u.statement;
        std::string values = "(";
        for (int i = 0; i < 12; ++i) values += (i ? ", '***', 'bulk" : "'***', 'bulk") + std::to_string(i) + "'";
        expect_values_line(u, kGenerated + " \\(update from values\\) 1/1", values + ")");
    }
    for (const auto& r : got) EXPECT_EQ(r.message.find("hunter"), std::string::npos) << r.message;
}

// ---------------------------------------------------------------- levels, loggers, the text sink

TEST_F(Logging, PoolEventsAreDebugRecordsOfRetortPool) {
    std::vector<Kept> got;
    EngineOptions o;
    o.echo_pool = true;
    o.poolclass = PoolClass::Queue;
    o.log_handler = [&](const LogRecord& r) { got.push_back(keep(r)); };
    {
        auto e = create_engine(testkit::test_url(), o);
        {
            auto conn = e.connect();
            (void)conn.exec_driver_sql("SELECT 1").all();
        }
        e.dispose();
    }
    std::vector<std::string> lines;
    for (const auto& r : got) {
        // echo is off: no statement records.
        EXPECT_TRUE(r.statement.empty()) << r.message;
        EXPECT_EQ(r.level, LogLevel::Debug) << r.message;
        EXPECT_EQ(r.logger, "retort.pool") << r.message;
        lines.push_back(r.message);
    }
    EXPECT_EQ(lines, (std::vector<std::string>{"Created new connection #1", "Connection #1 checked out from pool",
                                               "Connection #1 being returned to pool", "Closing connection #1"}));
}

TEST_F(Logging, LogSinkStillTakesTheLinesAsText) {
    std::vector<std::string> lines;
    EngineOptions o;
    o.echo = true;
    o.log_sink = [&](std::string_view l) { lines.emplace_back(l); };
    auto e = create_engine(testkit::test_url(), o);
    auto conn = e.connect();
    conn.execute(insert(accounts).values({{"name", "sunk"}, {"password", "hunter-sink"}}));
    conn.rollback();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "BEGIN (implicit)");
    EXPECT_NE(lines[1].find("INSERT INTO logged_accounts"), std::string::npos);
    EXPECT_TRUE(lines[1].ends_with("] ('sunk', '***')")) << lines[1];
    EXPECT_EQ(lines[2], "ROLLBACK");
}

// ---------------------------------------------------------------- the ORM

struct Secret {
    std::int64_t id = 0;
    std::string login;
    std::optional<std::string> token;
};

}  // namespace

template <>
void retort::orm::define(orm::Mapping<Secret>& m) {
    m.table("logged_secrets");
    m.name("Secret");
    m.column(&Secret::id, "id", {.primary_key = true});
    m.column(&Secret::login, "login", {.type = types::String(40)});
    m.column(&Secret::token, "token", {.type = types::String(200), .sensitive = true});
}

namespace {

TEST_F(Logging, OrmFlushMasksSensitiveColumnsAndWarnsAtWarningLevel) {
    Table& secrets = *orm::mapped_metadata<Secret>().find_table("logged_secrets");
    secrets.drop(engine);
    secrets.create(engine);
    records.clear();
    {
        orm::Session s(engine);
        auto a = s.add(Secret{.login = "ann", .token = "tok-secret-1"});
        auto b = s.add(Secret{.login = "ben", .token = "tok-secret-2"});
        s.commit();
        a->token = "tok-secret-3";
        s.commit();
        // The row goes behind the unit of work's back: its DELETE then matches nothing, which is a warning.
        const std::int64_t gone = b->id;
        s.delete_(b);
        s.connection().exec_driver_sql("DELETE FROM logged_secrets WHERE id = " + ph(1), {Value(gone)});
        s.commit();
    }
    secrets.drop(create_engine(testkit::test_url()));
    EXPECT_EQ(everything().find("tok-secret"), std::string::npos) << everything();
    bool masked = false;
    for (const auto& r : statements("logged_secrets")) masked = masked || r.parameters.find("'***'") != std::string::npos;
    EXPECT_TRUE(masked);
    std::vector<Kept> warnings;
    for (const auto& r : records)
        if (r.level == LogLevel::Warning) warnings.push_back(r);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].logger, "retort.orm");
    EXPECT_EQ(warnings[0].message, "DELETE statement on table 'logged_secrets' expected to delete 1 row(s); 0 were matched");
}

}  // namespace
