#include "retort/detail/large_memory.hpp"

#include <cstdint>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace retort::detail {

namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t round_up(std::size_t n) noexcept { return (n + kHugePage - 1) & ~(kHugePage - 1); }
}  // namespace

void* large_allocate(std::size_t bytes) {
#ifdef __linux__
    if (large_is_mapped(bytes)) {
        // Over-map by one huge page, then unmap the ends so the block starts on a huge-page boundary.
        const std::size_t size = round_up(bytes);
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
    return ::operator new(bytes);
}

void large_free(void* p, std::size_t bytes) noexcept {
    if (!p) return;
#ifdef __linux__
    if (large_is_mapped(bytes)) {
        ::munmap(p, round_up(bytes));
        return;
    }
#endif
    ::operator delete(p);
}

}  // namespace retort::detail
