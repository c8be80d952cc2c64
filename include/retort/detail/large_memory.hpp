// Memory for Retort's large internal arrays (the identity map, a session's object lists).
#pragma once

#include <cstddef>
#include <new>

#include "retort/export.hpp"

namespace retort::detail {

// Blocks of 256 KiB and up are mapped on their own, in multiples of 2 MiB, 2 MiB-aligned and advised onto
// transparent huge pages where the system offers them: faulting in 2 MiB then costs one page fault instead of
// 512 (on virtual machines a page fault can cost 10 us). Mapped blocks given back are kept for reuse, up to
// 8 MiB per process. Smaller blocks come from operator new. `bytes` must be passed back unchanged to large_free.
[[nodiscard]] RETORT_API void* large_allocate(std::size_t bytes);
RETORT_API void large_free(void* p, std::size_t bytes) noexcept;
// Unmaps the blocks kept for reuse (as malloc_trim does for the heap).
RETORT_API void large_release_cached() noexcept;
// Whether a block of that size is mapped on its own (else it came from operator new).
[[nodiscard]] constexpr bool large_is_mapped(std::size_t bytes) noexcept { return bytes >= (std::size_t{256} << 10); }
// The bytes a block asked for with that size can hold: mapped blocks are whole multiples of 2 MiB.
[[nodiscard]] constexpr std::size_t large_usable_size(std::size_t bytes) noexcept {
    constexpr std::size_t huge = std::size_t{2} << 20;
    return large_is_mapped(bytes) ? (bytes + huge - 1) & ~(huge - 1) : bytes;
}

// An allocator for std::vector over large_allocate. Element types need no more than the default new alignment.
template <class T>
struct LargeAllocator {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    using value_type = T;
    LargeAllocator() noexcept = default;
    template <class U>
    LargeAllocator(const LargeAllocator<U>&) noexcept {}  // NOLINT: converting, as allocators are
    [[nodiscard]] T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        return static_cast<T*>(large_allocate(n * sizeof(T)));
    }
    void deallocate(T* p, std::size_t n) noexcept { large_free(p, n * sizeof(T)); }
    template <class U>
    bool operator==(const LargeAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace retort::detail
