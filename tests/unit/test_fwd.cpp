// retort/fwd.hpp declares the handles exactly as the full headers define them: included first, then every full
// header, a mismatch (a class declared as a template, a name in the wrong namespace) stops this file's build; and
// a header that includes only fwd.hpp can declare functions over the handles that sources then define and call.
#include <retort/fwd.hpp>

namespace fwd_user {
// What a header holding only fwd.hpp may write.
struct Pet;
int count_tables(const retort::MetaData& md);
retort::orm::Ptr<Pet> first_pet(retort::orm::Session& session);
int column_count(const retort::Table* table);
}  // namespace fwd_user

#include <gtest/gtest.h>

#include <retort/orm.hpp>
#include <retort/retort.hpp>

namespace fwd_user {
struct Pet {
    std::int64_t id = 0;
    std::string name;
};
int count_tables(const retort::MetaData& md) { return static_cast<int>(md.sorted_tables().size()); }
retort::orm::Ptr<Pet> first_pet(retort::orm::Session& session) {
    return session.scalars(retort::select<Pet>()).first();
}
int column_count(const retort::Table* table) { return static_cast<int>(table->columns().size()); }
}  // namespace fwd_user

template <>
void retort::orm::define(retort::orm::Mapping<fwd_user::Pet>& m) {
    m.table("fwd_pet");
    m.column(&fwd_user::Pet::id, "id", {.primary_key = true});
    m.column(&fwd_user::Pet::name, "name");
}

namespace {
// The declarations of fwd.hpp are the same entities as the full headers' (same kind, namespace and arity).
static_assert(std::is_class_v<retort::Engine> && std::is_class_v<retort::orm::Session>);
static_assert(std::is_same_v<retort::orm::Ptr<int>, retort::orm::Ptr<int>>);
template <template <class> class X>
constexpr bool is_template_v = true;
static_assert(is_template_v<retort::orm::Ref> && is_template_v<retort::orm::Collection> &&
              is_template_v<retort::orm::Mapping> && is_template_v<retort::Col> && is_template_v<retort::Expr>);
}  // namespace

TEST(Fwd, HandlesDeclaredByFwdHeaderWorkWithTheFullHeaders) {
    auto engine = retort::create_engine("sqlite://");
    retort::MetaData& md = retort::orm::mapped_metadata<fwd_user::Pet>();
    md.create_all(engine);
    EXPECT_GE(fwd_user::count_tables(md), 1);
    EXPECT_EQ(fwd_user::column_count(md.find_table("fwd_pet")), 2);
    retort::orm::Session session(engine);
    EXPECT_FALSE(fwd_user::first_pet(session));
    session.add(retort::orm::make<fwd_user::Pet>(fwd_user::Pet{.id = 1, .name = "Rex"}));
    session.commit();
    auto pet = fwd_user::first_pet(session);
    ASSERT_TRUE(pet);
    EXPECT_EQ(pet->name, "Rex");
}
