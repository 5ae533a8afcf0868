// SPDX-License-Identifier: Apache-2.0
// prefetch(): asks for the cache line at an address ahead of its use, in a form the optimiser
// keeps.
//
// GCC counts __builtin_prefetch as free of side effects, so a function that only reads memory
// and prefetches (LruTable::prefetch_evictions, say) is found pure, and a call to it whose
// result is unused is deleted, at -O1 and above: until this header, the flood's eviction
// prefetches were never in the binary. An asm volatile statement is never deleted. The
// address is only named, never loaded from, so any address is fine, mapped or not.
#pragma once

namespace printwatch::core {

inline void prefetch(const void* p) noexcept {
#if defined(__x86_64__) || defined(__i386__)
    asm volatile("prefetcht0 (%0)" : : "r"(p));  // NOLINT(hicpp-no-assembler): see above
#elif defined(__aarch64__)
    asm volatile("prfm pldl1keep, [%0]" : : "r"(p));  // NOLINT(hicpp-no-assembler)
#else
    __builtin_prefetch(p);
#endif
}

}  // namespace printwatch::core
