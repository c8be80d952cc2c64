// detail::large_allocate: small blocks from the heap, large ones mapped 2 MiB-aligned and reused after large_free.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include <retort/detail/large_memory.hpp>

using namespace retort::detail;

namespace {
constexpr std::size_t kMiB = std::size_t{1} << 20;
}

TEST(LargeMemory, SizesAndThreshold) {
    EXPECT_FALSE(large_is_mapped(1));
    EXPECT_FALSE(large_is_mapped(256 * 1024 - 1));
    EXPECT_TRUE(large_is_mapped(256 * 1024));
    EXPECT_EQ(large_usable_size(1000), 1000u);
    EXPECT_EQ(large_usable_size(256 * 1024), 2 * kMiB);
    EXPECT_EQ(large_usable_size(2 * kMiB), 2 * kMiB);
    EXPECT_EQ(large_usable_size(2 * kMiB + 1), 4 * kMiB);
}

TEST(LargeMemory, BlocksAreWritableAndLargeOnesAligned) {
    for (std::size_t size : {std::size_t{64}, std::size_t{100000}, std::size_t{300 * 1024}, 2 * kMiB, 5 * kMiB + 3}) {
        auto* p = static_cast<unsigned char*>(large_allocate(size));
        ASSERT_NE(p, nullptr);
        const std::size_t usable = large_usable_size(size);
        std::memset(p, 0xAB, usable);  // the whole usable size can be written
        EXPECT_EQ(p[usable - 1], 0xAB);
        if (large_is_mapped(size)) EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % (2 * kMiB), 0u) << size;
        large_free(p, size);
    }
    large_free(nullptr, 4 * kMiB);  // a no-op, as delete of null
}

TEST(LargeMemory, FreedMappedBlocksAreReused) {
    large_release_cached();  // whatever earlier tests left
    void* a = large_allocate(4 * kMiB);
    static_cast<char*>(a)[0] = 7;
    large_free(a, 4 * kMiB);
    void* b = large_allocate(4 * kMiB);  // same size: the kept block comes back
    EXPECT_EQ(a, b);
    void* c = large_allocate(4 * kMiB);  // none kept now: a fresh one
    EXPECT_NE(b, c);
    large_free(b, 4 * kMiB);
    large_free(c, 4 * kMiB);
    // Many blocks given back at once: those over the cache's bound are unmapped, and all can be had again.
    std::vector<void*> many;
    for (int i = 0; i < 24; ++i) many.push_back(large_allocate(2 * kMiB));
    for (void* p : many) large_free(p, 2 * kMiB);
    for (auto& p : many) {
        p = large_allocate(2 * kMiB);
        static_cast<char*>(p)[2 * kMiB - 1] = 1;
    }
    for (void* p : many) large_free(p, 2 * kMiB);
}

TEST(LargeMemory, AllocatorServesVectors) {
    std::vector<std::uint64_t, LargeAllocator<std::uint64_t>> v;
    for (std::uint64_t i = 0; i < 1'000'000; ++i) v.push_back(i);  // grows through heap and mapped blocks
    std::uint64_t sum = 0;
    for (auto x : v) sum += x;
    EXPECT_EQ(sum, 999'999ull * 1'000'000ull / 2);
}
