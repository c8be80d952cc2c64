// The revision file format: every operation survives print -> parse, and bad input names its line.
#include <gtest/gtest.h>

#include <retort/migrate/ops.hpp>

using namespace retort;
using namespace retort::migrate;

namespace {

const char* sample = R"(# banner
revision: abc123
parents: p1 p2
message: Add User Table
created: 2025-01-30T10:15:00Z
# data-losing: drop_column users old

upgrade:
create_table users
  column id Integer primary_key
  column name String(50) not_null default="'anon'"
  column score Numeric(10,2)
  column mood Enum(mood:happy|sad)
  unique uq_users_name columns=name
  foreign_key fk_users_org columns=org_id references=orgs(id) ondelete=CASCADE
  check ck_users_score sql="score >= 0"
create_index ix_users_name table=users columns=name,score unique
add_column users email String(120) not_null default="''"
alter_column users name type=Text nullable=true default=none new_name=full_name existing_type=String(50)
alter_column users score default="none"
# possible rename: a hint
drop_column users old
rename_table users people
drop_index ix_users_name table=people
create_unique uq_email table=people columns=email
create_foreign_key fk_x table=people columns=org_id references=orgs(id)
create_check ck_x table=people sql="length(email) > 3"
drop_constraint uq_email table=people type=unique columns=email
execute "UPDATE people SET email = 'a \"b\"'"
execute <<SQL
UPDATE people
   SET name = 'x'
SQL
bulk_insert people columns=id,full_name,score
  row 1 "Joe" 1.5
  row 2 null true

downgrade:
drop_table people
)";

TEST(MigrateFormat, ParsesEveryOperation) {
    Revision r = parse_revision(sample);
    EXPECT_EQ(r.id, "abc123");
    EXPECT_EQ(r.parents, (std::vector<std::string>{"p1", "p2"}));
    EXPECT_EQ(r.message, "Add User Table");
    ASSERT_EQ(r.header_comments.size(), 1u);
    auto ops = r.upgrade_ops();
    ASSERT_EQ(ops.size(), 15u);
    const auto& t = ops[0].table_spec;
    ASSERT_EQ(t.columns.size(), 4u);
    EXPECT_TRUE(t.columns[0].primary_key);
    EXPECT_FALSE(t.columns[1].nullable);
    EXPECT_EQ(*t.columns[1].server_default, "'anon'");
    EXPECT_EQ(t.columns[2].type, types::Numeric(10, 2));
    EXPECT_EQ(t.columns[3].type.kind, TypeKind::Enum);
    EXPECT_EQ(t.uniques[0].name, std::optional<std::string>("uq_users_name"));
    EXPECT_EQ(t.foreign_keys[0].referred_table, "orgs");
    EXPECT_EQ(*t.foreign_keys[0].ondelete, "CASCADE");
    EXPECT_EQ(t.checks[0].sqltext, "score >= 0");
    EXPECT_TRUE(ops[1].unique);
    EXPECT_EQ(ops[1].columns, (std::vector<std::string>{"name", "score"}));
    EXPECT_EQ(*ops[2].column.server_default, "''");
    EXPECT_EQ(*ops[3].type, types::Text());
    EXPECT_EQ(ops[3].nullable, std::optional<bool>(true));
    ASSERT_TRUE(ops[3].server_default.has_value());
    EXPECT_FALSE(ops[3].server_default->has_value());  // default=none drops it
    EXPECT_EQ(*ops[3].new_name, "full_name");
    EXPECT_EQ(**ops[4].server_default, "none");  // quoted: the SQL text none
    EXPECT_EQ(ops[12].sql, "UPDATE people SET email = 'a \"b\"'");
    EXPECT_EQ(ops[13].sql, "UPDATE people\n   SET name = 'x'");
    ASSERT_EQ(ops[14].rows.size(), 2u);
    EXPECT_EQ(ops[14].rows[0][1], Value("Joe"));
    EXPECT_EQ(ops[14].rows[0][2], Value(1.5));
    EXPECT_TRUE(ops[14].rows[1][1].is_null());
    EXPECT_EQ(ops[14].rows[1][2], Value(true));
    EXPECT_EQ(r.downgrade_ops().size(), 1u);
    EXPECT_EQ(r.upgrade[5].comment, "possible rename: a hint");

}

TEST(MigrateFormat, RoundTrips) {
    Revision r = parse_revision(sample);
    std::string text = render_revision(r);
    Revision again = parse_revision(text);
    EXPECT_EQ(render_revision(again), text);
    ASSERT_EQ(again.upgrade_ops().size(), r.upgrade_ops().size());
    for (std::size_t i = 0; i < r.upgrade_ops().size(); ++i)
        EXPECT_EQ(render_operation(again.upgrade_ops()[i]), render_operation(r.upgrade_ops()[i]));

}

// SQL given to execute comes back byte for byte: a leading empty line, a line that is the tag, carriage
// returns at line ends (which the reader would take as CR LF) and a trailing line break.
TEST(MigrateFormat, ExecuteSqlRoundTripsExactly) {
    for (std::string sql : {std::string("\nSELECT 1"), std::string("SELECT 1\nSQL\nSELECT 2\n"),
                            std::string("UPDATE t SET a = 1\r\nWHERE b = 2\r"), std::string("\n"),
                            std::string("a\n\n\nb"), std::string("x\ty \\ \"z\"")}) {
        Revision r;
        r.id = "abc123";
        Operation op;
        op.kind = OpKind::Execute;
        op.sql = sql;
        r.upgrade.push_back(Step{op, {}});
        const std::string text = render_revision(r);
        Revision back = parse_revision(text);
        ASSERT_EQ(back.upgrade_ops().size(), 1u) << text;
        EXPECT_EQ(back.upgrade_ops()[0].sql, sql) << text;
        EXPECT_EQ(render_revision(back), text);
    }
}

TEST(MigrateFormat, Types) {
    for (const auto& t : {types::Integer(), types::String(), types::String(7), types::Numeric(5, 1), types::DateTime(true),
                          types::Time(), types::Uuid(), types::Jsonb(), types::Enum("e", {"a", "b"}, false)})
        EXPECT_EQ(type_text(parse_type(type_text(t))), type_text(t));
    EXPECT_THROW((void)parse_type("Strin"), FormatError);

}

TEST(MigrateFormat, ErrorsNameTheLine) {
    try {
        (void)parse_revision("revision: a1\nupgrade:\nfrobnicate x\n", "r.rev");
        FAIL();
    } catch (const FormatError& e) {
        EXPECT_NE(std::string(e.what()).find("r.rev:3"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)parse_revision("parents:\nupgrade:\n"), FormatError);
    EXPECT_THROW((void)parse_revision("revision: a-b\n"), FormatError);
    EXPECT_THROW((void)parse_revision("revision: a\nupgrade:\nexecute \"open\n"), FormatError);
    EXPECT_THROW((void)parse_revision("revision: a\nupgrade:\nbulk_insert t columns=a,b\n  row 1\n"), FormatError);
}

}  // namespace
