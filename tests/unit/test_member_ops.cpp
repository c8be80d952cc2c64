// A mapped member is reached through its offset in the model (detail::member_offset) by accessors compiled once
// per member type (detail::MemberOps<M>): the offsets are the members' own, for members of the model and of its
// base structs, and the accessors read and write exactly the member the mapping named.
#include <cstddef>

#include <gtest/gtest.h>

#include <retort/orm.hpp>

namespace member_ops_test {
struct Base {
    std::int64_t id = 0;
    double weight = 0;
};
struct Extra {
    char pad[3] = {};
    std::optional<std::string> note;
};
struct Model : Base, Extra {
    std::string name;
    bool active = false;
};
}  // namespace member_ops_test

using member_ops_test::Model;
using retort::orm::ColumnProp;
using retort::orm::detail::member_offset;
using retort::orm::detail::MemberOps;

namespace {
std::ptrdiff_t real_offset(const Model& m, const void* member) {
    return static_cast<const char*>(member) - reinterpret_cast<const char*>(&m);
}
}  // namespace

TEST(MemberOps, OffsetsAreTheMembersOwnIncludingBaseStructs) {
    Model m;
    EXPECT_EQ((member_offset<Model, std::string>)(&Model::name), real_offset(m, &m.name));
    EXPECT_EQ((member_offset<Model, bool>)(&Model::active), real_offset(m, &m.active));
    // Members of a base struct, named through the model (the pointer converts to the model's).
    EXPECT_EQ((member_offset<Model, std::int64_t>)(&Model::id), real_offset(m, &m.id));
    EXPECT_EQ((member_offset<Model, double>)(&Model::weight), real_offset(m, &m.weight));
    EXPECT_EQ((member_offset<Model, std::optional<std::string>>)(&Model::note), real_offset(m, &m.note));
    EXPECT_NE((member_offset<Model, std::optional<std::string>>)(&Model::note), 0);
}

TEST(MemberOps, AccessorsReadAndWriteTheNamedMemberOnly) {
    Model m;
    m.id = 7;
    m.name = "Tom";
    m.weight = 2.5;
    ColumnProp name_prop;
    name_prop.offset = (member_offset<Model, std::string>)(&Model::name);
    ColumnProp note_prop;
    note_prop.offset = (member_offset<Model, std::optional<std::string>>)(&Model::note);
    ColumnProp weight_prop;
    weight_prop.offset = (member_offset<Model, double>)(&Model::weight);

    EXPECT_EQ(MemberOps<std::string>::get(&m, name_prop), retort::Value("Tom"));
    EXPECT_EQ(MemberOps<double>::get(&m, weight_prop), retort::Value(2.5));
    EXPECT_TRUE(MemberOps<std::optional<std::string>>::get(&m, note_prop).is_null());

    MemberOps<std::optional<std::string>>::set(&m, retort::Value("a note"), note_prop);
    MemberOps<std::string>::set(&m, retort::Value("Jerry"), name_prop);
    EXPECT_EQ(m.note, std::optional<std::string>("a note"));
    EXPECT_EQ(m.name, "Jerry");
    EXPECT_EQ(m.id, 7);  // untouched
    EXPECT_EQ(m.weight, 2.5);
    EXPECT_FALSE(m.active);

    // Change tracking compares the member with what was written for it.
    std::vector<retort::orm::snap::Byte> snap(MemberOps<std::string>::snap_size(&m, name_prop));
    MemberOps<std::string>::snap_put(&m, snap.data(), name_prop);
    EXPECT_TRUE(MemberOps<std::string>::snap_same(&m, snap.data(), name_prop));
    m.name = "Spike";
    EXPECT_FALSE(MemberOps<std::string>::snap_same(&m, snap.data(), name_prop));
}
