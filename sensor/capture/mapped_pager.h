// SPDX-License-Identifier: Apache-2.0
// MappedPager: a helper thread that keeps the page work of a mapped capture file off the
// thread that reads it (issue 9).
//
// A replay of a mapped file pays the kernel twice per page: once to map it (a page fault, even
// with the kernel's fault-around) and once to hand it back behind the reader, so that resident
// memory stays a few MiB and not the file's size (about 17 % of a default-filter replay of the
// 1 GB benchmark capture). And each record header is a load from memory, most of the rest of
// its reading. The pager works a little ahead of the reader on another core: it maps the next
// stretch in one call (MADV_POPULATE_READ) and touches one byte of each of its cache lines, so
// that the reader finds them in the shared cache, and it releases what the reader has passed
// (MADV_DONTNEED). The touching is what pays: mapping alone, without it, measured no faster.
// Default-filter replay, medians of 7: 0.30 s against 0.43 s wall, 0.49 s against 0.43 s CPU.
// The window is small (kAhead) because mapped pages count in resident memory.
//
// Nothing here decides what the reader sees. The mapping is private and read-only, so a page
// released too early is simply read again from the page cache; the pager only moves when the
// work is done. Replay output stays what it was, byte for byte.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace printwatch::capture {

class MappedPager {
  public:
    /// Pages in this many bytes ahead of the reader, in steps of kStep.
    static constexpr std::size_t kAhead = std::size_t{2} * 1024 * 1024;
    static constexpr std::size_t kStep = std::size_t{512} * 1024;
    /// How often an idle pager looks at the reader's position: the reader takes about 100 us
    /// to read a kStep, so the window ahead covers several polls.
    static constexpr std::chrono::microseconds kPoll{100};
    static constexpr std::chrono::microseconds kMaxPoll{800};

    /// `base` is a page-aligned mapping of `size` bytes that outlives the pager.
    MappedPager(const std::uint8_t* base, std::size_t size);
    ~MappedPager();
    MappedPager(const MappedPager&) = delete;
    MappedPager& operator=(const MappedPager&) = delete;

    /// The reader is done with every byte before `pos`. Called for every record, so it is one
    /// store: the pager looks every kPoll rather than being woken (a wake-up per step was a
    /// system call on the reader's thread, 2 % of its time). Should the pager fall behind (not
    /// scheduled, with both cores busy), the reader releases pages itself once kMaxBehind
    /// have piled up, so that memory stays bounded anyway.
    void consumed(std::size_t pos) noexcept {
        consumed_.store(pos, std::memory_order_release);
        if (pos - released_.load(std::memory_order_relaxed) > kMaxBehind) {
            release(pos);
        }
    }

  private:
    static constexpr std::size_t kMaxBehind = std::size_t{2} * 1024 * 1024;
    void run();
    /// Hands back the pages before `pos` not yet released, from either thread: releasing a
    /// range twice is harmless, and released_ only grows.
    void release(std::size_t pos) noexcept;
    /// Maps [from, to) and brings one byte of each cache line into the cache.
    void load(std::size_t from, std::size_t to) noexcept;

    const std::uint8_t* base_;
    std::size_t size_;
    std::size_t page_;
    std::atomic<std::size_t> consumed_{0};
    std::atomic<std::size_t> released_{0};  // handed back before this (page-aligned)
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::thread thread_;
};

}  // namespace printwatch::capture
