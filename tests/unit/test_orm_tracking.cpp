// The ORM's internal bookkeeping: the identity map's open addressing under churn, and the snapshot encoding
// that change tracking compares members with.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <random>
#include <set>

#include "orm/session_impl.hpp"
#include "retort/orm.hpp"

namespace retort::orm {
namespace {

struct TrackedThing {
    std::int64_t id = 0;
    std::string name;
    std::optional<std::string> note;
    std::optional<std::int64_t> count;
    double ratio = 0;
    Date day;
    Uuid tag;
    bool flag = false;
};

}  // namespace

template <>
void define(Mapping<TrackedThing>& m) {
    m.table("tracked_thing");
    m.column(&TrackedThing::id, "id", {.primary_key = true});
    m.column(&TrackedThing::name, "name");
    m.column(&TrackedThing::note, "note");
    m.column(&TrackedThing::count, "count");
    m.column(&TrackedThing::ratio, "ratio");
    m.column(&TrackedThing::day, "day");
    m.column(&TrackedThing::tag, "tag");
    m.column(&TrackedThing::flag, "flag");
}

namespace {

struct Fake final : InstanceState {
    Fake(const MapperBase* m, Value k) : InstanceState(m, nullptr) { key.push_back(std::move(k)); }
};

TEST(OrmIdentityMap, FindsInsertsAndErasesUnderChurnLikeAReferenceMap) {
    const MapperBase* a = &mapper_of<TrackedThing>();
    const MapperBase* b = reinterpret_cast<const MapperBase*>(reinterpret_cast<std::uintptr_t>(a) + 64);
    std::vector<std::unique_ptr<Fake>> objects;
    for (int i = 0; i < 4000; ++i) {
        // Keys in steps of 1024 and text keys, for two "mappers": the same key under two mappers is two objects.
        Value k = i % 3 == 0 ? Value("k" + std::to_string(i / 2)) : Value(std::int64_t{(i / 2) * 1024});
        objects.push_back(std::make_unique<Fake>(i % 2 ? a : b, k));
    }
    IdentityMap map;
    std::map<std::pair<const MapperBase*, std::string>, InstanceState*> ref;
    std::mt19937 rng(7);
    for (int round = 0; round < 20000; ++round) {
        auto* st = objects[rng() % objects.size()].get();
        const auto rk = std::make_pair(st->mapper, st->key[0].repr());
        if (rng() % 3 == 0) {
            map.erase(st);
            if (ref.count(rk) && ref[rk] == st) ref.erase(rk);
        } else {
            const bool inserted = map.insert(st);
            auto it = ref.find(rk);
            EXPECT_EQ(inserted, it == ref.end() || it->second == st);
            if (it == ref.end()) ref[rk] = st;
        }
        ASSERT_EQ(map.size(), ref.size());
    }
    for (const auto& o : objects) {
        const auto rk = std::make_pair(o->mapper, o->key[0].repr());
        auto it = ref.find(rk);
        EXPECT_EQ(map.find(o->mapper, o->key), it == ref.end() ? nullptr : it->second);
        EXPECT_EQ(o->key.with_values([&](std::span<const Value> vs) { return map.find(o->mapper, vs); }),
                  it == ref.end() ? nullptr : it->second);
    }
    std::size_t seen = 0;
    for (auto* st : map) {
        ++seen;
        EXPECT_EQ(ref[std::make_pair(st->mapper, st->key[0].repr())], st);
    }
    EXPECT_EQ(seen, ref.size());
    map.clear();
    EXPECT_EQ(map.size(), 0u);
    EXPECT_EQ(map.find(a, objects[1]->key), nullptr);
}

TEST(OrmIdentityMap, IntegerKeysInRunsStridesAndBothSignsAreAllFound) {
    // Integer keys of one aligned group of four share a cache line of the table: runs of keys, strides that
    // are multiples of four (whole groups apart), large power-of-two strides and negative keys must all stay
    // distinct and findable, and absent keys must be reported absent.
    const MapperBase* m = &mapper_of<TrackedThing>();
    std::vector<std::int64_t> keys;
    for (std::int64_t k = 1; k <= 20000; ++k) keys.push_back(k);                 // a run
    for (std::int64_t k = 0; k < 5000; ++k) keys.push_back(1'000'000 + k * 4);    // one key per group
    for (std::int64_t k = 0; k < 5000; ++k) keys.push_back(5'000'000 + k * 4096);  // large power-of-two strides
    for (std::int64_t k = 1; k <= 3000; ++k) keys.push_back(-k);                  // negative keys
    keys.push_back(std::numeric_limits<std::int64_t>::max());
    keys.push_back(std::numeric_limits<std::int64_t>::min());
    std::vector<std::unique_ptr<Fake>> objects;
    IdentityMap map;
    for (auto k : keys) {
        objects.push_back(std::make_unique<Fake>(m, Value(k)));
        ASSERT_TRUE(map.insert(objects.back().get())) << k;
    }
    ASSERT_EQ(map.size(), keys.size());
    for (const auto& o : objects) {
        EXPECT_EQ(map.find(m, o->key), o.get());
        const Value v = o->key[0];
        EXPECT_EQ(map.find(m, std::span<const Value>(&v, 1)), o.get());
    }
    for (std::int64_t k = 20001; k < 20001 + 20000; ++k) {
        const Value v(k);
        ASSERT_EQ(map.find(m, std::span<const Value>(&v, 1)), nullptr) << k;
    }
    // A second object with a key already present is refused; erased keys are gone and can come back.
    Fake dup(m, Value(std::int64_t{7}));
    EXPECT_FALSE(map.insert(&dup));
    for (std::size_t i = 0; i < objects.size(); i += 2) map.erase(objects[i].get());
    for (std::size_t i = 0; i < objects.size(); ++i) EXPECT_EQ(map.find(m, objects[i]->key), i % 2 ? objects[i].get() : nullptr);
    EXPECT_TRUE(map.insert(&dup));  // 7 was erased (index 6)
    EXPECT_EQ(map.find(m, dup.key), &dup);
}

TEST(OrmIdentityMap, ProbeFindsTheObjectOrThePlaceForItUnderChurn) {
    // What loading does per row: probe the key; when no object has it, register the new one where the probe
    // says (an erased slot is taken again). Checked against a reference map, with find() and iteration.
    const MapperBase* m = &mapper_of<TrackedThing>();
    std::vector<std::unique_ptr<Fake>> objects;
    for (int i = 0; i < 3000; ++i) {
        Value k = i % 4 == 0 ? Value("t" + std::to_string(i / 2)) : Value(std::int64_t{i / 2});
        objects.push_back(std::make_unique<Fake>(m, k));
    }
    IdentityMap map;
    std::map<std::string, InstanceState*> ref;
    std::mt19937 rng(11);
    for (int round = 0; round < 30000; ++round) {
        auto* st = objects[rng() % objects.size()].get();
        const std::string rk = st->key[0].repr();
        if (rng() % 4 == 0) {
            map.erase(st);
            if (ref.count(rk) && ref[rk] == st) ref.erase(rk);
        } else {
            const IdentityMap::Probe p = map.probe(m, st->key);
            auto it = ref.find(rk);
            ASSERT_EQ(p.found, it == ref.end() ? nullptr : it->second);
            if (!p.found) {
                map.insert_at(p, st);
                ref[rk] = st;
            }
        }
        ASSERT_EQ(map.size(), ref.size());
    }
    for (const auto& o : objects) {
        auto it = ref.find(o->key[0].repr());
        EXPECT_EQ(map.find(m, o->key), it == ref.end() ? nullptr : it->second);
    }
    std::size_t seen = 0;
    for (auto* st : map) {
        ++seen;
        EXPECT_EQ(ref[st->key[0].repr()], st);
    }
    EXPECT_EQ(seen, ref.size());
}

TEST(OrmStateSet, KeepsEachObjectOnceThroughGrowthAndReserve) {
    std::vector<std::unique_ptr<Fake>> objects;
    for (int i = 0; i < 5000; ++i) objects.push_back(std::make_unique<Fake>(&mapper_of<TrackedThing>(), Value(i)));
    StateSet set;
    std::set<InstanceState*> ref;
    std::mt19937 rng(5);
    for (int round = 0; round < 20000; ++round) {
        if (round == 7000) set.reserve(6000);  // growing while holding objects keeps them
        auto* st = objects[rng() % objects.size()].get();
        EXPECT_EQ(set.insert(st), ref.insert(st).second);
        ASSERT_EQ(set.size(), ref.size());
    }
    for (const auto& o : objects) EXPECT_EQ(set.contains(o.get()), ref.count(o.get()) == 1);
    StateSet empty;
    EXPECT_TRUE(empty.empty());
    EXPECT_FALSE(empty.contains(objects[0].get()));
    empty.reserve(3);
    EXPECT_TRUE(empty.insert(objects[0].get()));
    EXPECT_FALSE(empty.insert(objects[0].get()));
}

TEST(OrmKeyValues, HoldOneValueInlineAndSeveralInAnArray) {
    KeyValues k;
    EXPECT_TRUE(k.empty());
    k.push_back(Value(std::int64_t{5}));
    EXPECT_EQ(k.size(), 1u);
    EXPECT_EQ(k[0], Value(std::int64_t{5}));
    EXPECT_TRUE(k.is_int());
    EXPECT_EQ(k.int_value(), 5);
    EXPECT_TRUE(k.equals(std::vector<Value>{Value(std::int64_t{5})}));
    EXPECT_FALSE(k.equals(std::vector<Value>{Value(5.0)}));
    k.push_back(Value("b"));
    EXPECT_FALSE(k.is_int());
    k.push_back(Value(2.5));
    ASSERT_EQ(k.size(), 3u);
    const std::vector<Value> three{Value(std::int64_t{5}), Value("b"), Value(2.5)};
    EXPECT_EQ(k.with_values([](std::span<const Value> vs) { return std::vector<Value>(vs.begin(), vs.end()); }), three);
    EXPECT_TRUE(k.equals(three));
    KeyValues text{Value("only")};
    EXPECT_FALSE(text.is_int());
    EXPECT_EQ(text[0], Value("only"));
    KeyValues copy = k;
    EXPECT_EQ(copy, k);
    KeyValues moved = std::move(copy);
    EXPECT_EQ(moved, k);
    EXPECT_TRUE(copy.empty());  // NOLINT: moved-from is empty by contract
    KeyValues one{Value(std::int64_t{5})};
    EXPECT_FALSE(one == k);
    one = k;
    EXPECT_EQ(one, k);
    k.clear();
    EXPECT_TRUE(k.empty());
    EXPECT_FALSE(k.is_int());
    EXPECT_EQ(one.size(), 3u);
}

TEST(OrmSnapshot, EveryValueKindRoundTripsAndComparesExactly) {
    const std::vector<Value> values = {
        Value{}, Value(true), Value(false), Value(std::int64_t{-5}), Value(2.5), Value(-0.0), Value(std::string()),
        Value("text with \0 inside"), Value(Bytes{0, 1, 255}), Value(Date{2024, 2, 29}), Value(Time{23, 59, 58, 7}),
        Value(DateTime{{2024, 1, 2}, {3, 4, 5, 6}, 60}), Value(DateTime{{2024, 1, 2}, {3, 4, 5, 6}, std::nullopt}),
        Value(Interval{1, 2, 3}), Value(Uuid::parse("12345678-1234-5678-1234-567812345678")), Value(Numeric("12.50")),
        Value(Json{"{\"a\": 1}"}), Value(std::string(300, 'x'))};
    for (const auto& v : values) {
        std::vector<snap::Byte> buf(snap::size_of(v));
        snap::Byte* end = snap::write(buf.data(), v);
        EXPECT_EQ(end - buf.data(), static_cast<std::ptrdiff_t>(buf.size())) << v.repr();
        EXPECT_EQ(snap::skip(buf.data()), end) << v.repr();
        EXPECT_EQ(snap::read(buf.data()), v) << v.repr();
        for (const auto& w : values) EXPECT_EQ(snap::equal(buf.data(), w), v == w) << v.repr() << " vs " << w.repr();
    }
}

TEST(OrmSnapshot, ChangedColumnsAreExactlyTheMembersThatDiffer) {
    Registry::configure_all();
    const auto& m = mapper_of<TrackedThing>();
    Instance<TrackedThing> inst(&m, TrackedThing{1, "a name", std::nullopt, 3, 0.5, {2020, 1, 1}, {}, false});
    tracking::take(&inst);
    std::vector<int> changed;
    tracking::changed_columns(&inst, changed);
    EXPECT_TRUE(changed.empty());
    EXPECT_FALSE(tracking::changed(&inst));
    inst.value.note = "now set";
    inst.value.ratio = 0.25;
    inst.value.tag = Uuid::parse("00000000-0000-0000-0000-000000000001");
    tracking::changed_columns(&inst, changed);
    EXPECT_EQ(changed, (std::vector<int>{2, 4, 6}));
    inst.value.note.reset();
    inst.value.ratio = 0.5;
    inst.value.tag = Uuid{};
    inst.value.name = "a namE";
    inst.value.count.reset();
    tracking::changed_columns(&inst, changed);
    EXPECT_EQ(changed, (std::vector<int>{1, 3}));
    EXPECT_EQ(tracking::committed_value(&inst, 1), Value("a name"));
    EXPECT_EQ(tracking::committed_value(&inst, 3), Value(std::int64_t{3}));
    EXPECT_EQ(tracking::committed_value(&inst, 5), Value(Date{2020, 1, 1}));
}

}  // namespace
}  // namespace retort::orm
