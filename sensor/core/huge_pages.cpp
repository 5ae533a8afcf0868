// SPDX-License-Identifier: Apache-2.0
#include "huge_pages.h"

#include <cstdlib>
#include <sys/mman.h>

namespace printwatch::core {

void* allocate_huge(std::size_t bytes) {
    const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* p = std::aligned_alloc(kHugePageBytes, rounded);
    if (p == nullptr) {
        throw std::bad_alloc();
    }
    // Advice only: without THP the kernel ignores it, and the table works as before.
    static_cast<void>(::madvise(p, rounded, MADV_HUGEPAGE));
    return p;
}

void free_huge(void* p) noexcept {
    std::free(p);  // NOLINT(cppcoreguidelines-no-malloc): aligned_alloc's pair
}

}  // namespace printwatch::core
