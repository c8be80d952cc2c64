// A tour of Retort Core on the SQLite default: define tables, create them, insert many rows, select with a
// join, update, delete, and see the SQL that runs. Run: build/bin/core_tour [--url URL] [--echo]
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <retort/retort.hpp>

using namespace retort;

namespace {

struct Users : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(30), .unique = true});
    Col<std::optional<std::string>> fullname = col<std::optional<std::string>>("fullname");
};

struct Addresses : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::int64_t> user_id = col<std::int64_t>("user_id", {.index = true, .foreign_key = "user_account.id"});
    Col<std::string> email = col<std::string>("email_address");
};

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "check failed: %s\n", what);
        std::exit(1);
    }
    std::printf("  ok: %s\n", what);
}

}  // namespace

int main(int argc, char** argv) {
    std::string url = "sqlite:///core_tour.db";
    bool echo = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--url") && i + 1 < argc) url = argv[++i];
        else if (!std::strcmp(argv[i], "--echo")) echo = true;
    }
    try {
        MetaData metadata;
        Users users(metadata, "user_account");
        Addresses addresses(metadata, "address");

        EngineOptions opts;
        opts.echo = echo;
        Engine engine = create_engine(url, opts);
        std::printf("Retort Core tour on %s\n", engine.url().str().c_str());

        metadata.drop_all(engine);
        metadata.create_all(engine);
        std::printf("created tables: user_account, address\n");

        auto conn = engine.connect();
        // executemany: one multi-row INSERT per batch.
        conn.execute(insert(users), std::vector<Params>{{{"name", "spongebob"}, {"fullname", "Spongebob Squarepants"}},
                                                        {{"name", "sandy"}, {"fullname", "Sandy Cheeks"}},
                                                        {{"name", "patrick"}, {"fullname", std::nullopt}}});
        auto sandy_id = conn.execute(select(users.id).where(users.name == "sandy")).scalar_one<std::int64_t>();
        auto sponge_id = conn.execute(select(users.id).where(users.name == "spongebob")).scalar_one<std::int64_t>();
        conn.execute(insert(addresses), std::vector<Params>{{{"user_id", sponge_id}, {"email_address", "spongebob@sqlalchemy.org"}},
                                                            {{"user_id", sandy_id}, {"email_address", "sandy@sqlalchemy.org"}},
                                                            {{"user_id", sandy_id}, {"email_address", "sandy@squirrelpower.org"}}});
        conn.commit();
        std::printf("inserted 3 users and 3 addresses\n");

        std::printf("users with their addresses (JOIN inferred from the foreign key):\n");
        auto q = select(users.name, addresses.email).join(addresses).order_by(users.name, addresses.email);
        int rows = 0;
        for (RowView row : conn.execute(q)) {
            std::printf("  %-10s %s\n", row.get<std::string>(0).c_str(), row.get<std::string>(1).c_str());
            ++rows;
        }
        check(rows == 3, "three user/address pairs");

        auto n = func::count(addresses.id).label("n");
        auto counts = conn.execute(select(users.name, n).outerjoin(addresses).group_by(users.name).order_by(n.desc(), users.name)).all();
        check(counts[0].get<std::string>(0) == "sandy" && counts[0].get<std::int64_t>(1) == 2, "sandy has two addresses");

        auto upd = conn.execute(update(users).value(users.fullname, "Patrick Star").where(users.name == "patrick"));
        check(upd.rowcount() == 1, "updated patrick's full name");
        auto del = conn.execute(delete_(addresses).where(addresses.email.endswith("@squirrelpower.org")));
        check(del.rowcount() == 1, "deleted one address");
        conn.commit();

        auto patrick = conn.execute(select(users.fullname).where(users.name == "patrick")).scalar_one<std::optional<std::string>>();
        check(patrick == "Patrick Star", "patrick's full name reads back");
        auto left = conn.execute(select(func::count()).select_from(addresses)).scalar_one<std::int64_t>();
        check(left == 2, "two addresses left");

        conn.close();
        metadata.drop_all(engine);
        std::printf("dropped the tables; tour done\n");
        return 0;
    } catch (const retort::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
