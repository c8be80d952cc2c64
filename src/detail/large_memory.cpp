#include "retort/detail/large_memory.hpp"

#include <array>
#include <cstdint>
#include <mutex>
#include <utility>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace retort::detail {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t round_up(std::size_t n) noexcept { return large_usable_size(n); }

#ifdef __linux__
// Mapped blocks given back are kept for reuse (up to kCacheBytes in all): a process that makes one large session
// after another then maps and faults in fresh memory once, as it would with the heap.
constexpr std::size_t kCacheBytes = std::size_t{8} << 20;
struct Cache {
    std::mutex mu;
    std::array<std::pair<void*, std::size_t>, 4> blocks{};
    std::size_t count = 0, bytes = 0;

    void* take(std::size_t size) {
        std::lock_guard<std::mutex> lock(mu);
        for (std::size_t i = count; i-- > 0;) {
            if (blocks[i].second != size) continue;
            void* p = blocks[i].first;
            blocks[i] = blocks[--count];
            bytes -= size;
            return p;
        }
        return nullptr;
    }
    void release() noexcept {
        std::lock_guard<std::mutex> lock(mu);
        for (std::size_t i = 0; i < count; ++i) ::munmap(blocks[i].first, blocks[i].second);
        count = bytes = 0;
    }
    bool keep(void* p, std::size_t size) {
        std::lock_guard<std::mutex> lock(mu);
        if (count == blocks.size() || bytes + size > kCacheBytes) return false;
        blocks[count++] = {p, size};
        bytes += size;
        return true;
    }
};
// Never destroyed: blocks can be given back by objects that outlive static destruction.
Cache& cache() {
    static Cache* c = new Cache;  // NOLINT: deliberately leaked
    return *c;
}

void* map_block(std::size_t size) {
    // Over-map by one huge page, then unmap the ends so the block starts on a huge-page boundary.
    const std::size_t len = size + kHugePage;
    void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    const auto base = reinterpret_cast<std::uintptr_t>(m);
    const std::uintptr_t start = (base + kHugePage - 1) & ~(std::uintptr_t{kHugePage} - 1);
    if (start > base) ::munmap(m, start - base);
    const std::uintptr_t tail = base + len - (start + size);
    if (tail) ::munmap(reinterpret_cast<void*>(start + size), tail);
    void* p = reinterpret_cast<void*>(start);
    (void)::madvise(p, size, MADV_HUGEPAGE);  // advice only: small pages if the system says no
    return p;
}
#endif

}  // namespace

void* large_allocate(std::size_t bytes) {
#ifdef __linux__
    if (large_is_mapped(bytes)) {
        const std::size_t size = round_up(bytes);
        if (void* p = cache().take(size)) return p;
        return map_block(size);
    }
#endif
    return ::operator new(bytes);
}

void large_free(void* p, std::size_t bytes) noexcept {
    if (!p) return;
#ifdef __linux__
    if (large_is_mapped(bytes)) {
        const std::size_t size = round_up(bytes);
        if (!cache().keep(p, size)) ::munmap(p, size);
        return;
    }
#endif
    ::operator delete(p);
}

void large_release_cached() noexcept {
#ifdef __linux__
    cache().release();
#endif
}

}  // namespace retort::detail
