// SPDX-License-Identifier: Apache-2.0
// HugePageAllocator: the allocator of the large tables (LruTable's slots and index). A SYN
// flood reads them at random: at the default limits that is some 40 MiB, ten thousand 4 KiB
// pages, far more than the TLB holds, so nearly every probe also walked the page tables. An
// array of 2 MiB or more is allocated on a 2 MiB boundary and offered to the kernel's
// transparent huge pages (MADV_HUGEPAGE: honoured where THP is `always` or `madvise`, as on
// Debian); smaller arrays, and systems without THP, get ordinary memory. Memory is still
// committed only as it is touched, but 2 MiB at a time, so a table that a quiet network fills
// sparsely costs more with it: only the flow table, which a flood sweeps, asks for it.
#pragma once

#include <cstddef>
#include <new>

namespace printwatch::core {

/// Allocates `bytes` on a 2 MiB boundary, advised for huge pages; release with free_huge.
void* allocate_huge(std::size_t bytes);
void free_huge(void* p) noexcept;
/// Arrays from this size on are allocated by allocate_huge.
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20U;

/// Huge pages for an array of kHugePageBytes or more when constructed with `huge`; plain
/// memory otherwise (so that one table type serves both).
template <class T>
struct HugePageAllocator {
    using value_type = T;
    HugePageAllocator() noexcept = default;
    explicit HugePageAllocator(bool huge_pages) noexcept : huge(huge_pages) {}
    template <class U>
    explicit HugePageAllocator(const HugePageAllocator<U>& other) noexcept : huge(other.huge) {}

    T* allocate(std::size_t n) {
        if (uses_huge(n)) {
            return static_cast<T*>(allocate_huge(n * sizeof(T)));
        }
        return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{alignof(T)}));
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (uses_huge(n)) {
            free_huge(p);
        } else {
            ::operator delete (p, std::align_val_t{alignof(T)});
        }
    }
    template <class U>
    friend bool operator==(const HugePageAllocator& a, const HugePageAllocator<U>& b) noexcept {
        return a.huge == b.huge;
    }

    bool huge = false;

  private:
    [[nodiscard]] bool uses_huge(std::size_t n) const noexcept {
        return huge && n * sizeof(T) >= kHugePageBytes;
    }
};

}  // namespace printwatch::core
