// SPDX-License-Identifier: Apache-2.0
#include "mapped_pager.h"

#include <algorithm>
#include <sys/mman.h>
#include <unistd.h>

namespace printwatch::capture {

namespace {
constexpr std::size_t kCacheLine = 64;
}  // namespace

MappedPager::MappedPager(const std::uint8_t* base, std::size_t size)
    : base_(base), size_(size), page_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))) {
    thread_ = std::thread([this] { run(); });
}

MappedPager::~MappedPager() {
    {
        const std::lock_guard lock(mutex_);
        stop_.store(true, std::memory_order_relaxed);
    }
    wake_.notify_one();
    thread_.join();
}

void MappedPager::load(std::size_t from, std::size_t to) noexcept {
    // Best effort: before Linux 5.14 this says EINVAL, and the reader's faults map the pages.
    // EFAULT means a page is past the end of the file (truncated since it was mapped): touching
    // it would raise SIGBUS on this thread, so nothing is touched then.
    if (::madvise(const_cast<std::uint8_t*>(base_ + from), to - from,  // NOLINT: void*, offsets
                  MADV_POPULATE_READ) == 0) {
        const volatile std::uint8_t* p = base_;
        std::uint8_t sink = 0;
        for (std::size_t at = from; at < to; at += kCacheLine) {
            sink ^= p[at];  // NOLINT(*-pointer-arithmetic): at < size_
        }
        static_cast<void>(sink);
    }
    // The reader may have passed and released some of these pages meanwhile (it releases
    // when this thread falls behind): those were just mapped again, and would stay resident
    // for good (peak RSS 38 MiB in one run of six, before this). release() moves the mark
    // before it releases, so a release this check does not see comes after the mapping above
    // and removes it itself.
    if (const std::size_t released = released_.load(std::memory_order_acquire); released > from) {
        ::madvise(const_cast<std::uint8_t*>(base_ + from),  // NOLINT: void*, offsets
                  std::min(released, to) - from, MADV_DONTNEED);
    }
}

void MappedPager::release(std::size_t pos) noexcept {
    // Claim [from, upto) first, then release it: see load().
    const std::size_t upto = pos / page_ * page_;
    std::size_t from = released_.load(std::memory_order_relaxed);
    do {
        if (upto <= from) {
            return;
        }
    } while (!released_.compare_exchange_weak(from, upto, std::memory_order_acq_rel));
    ::madvise(const_cast<std::uint8_t*>(base_ + from),  // NOLINT: void*, offsets
              upto - from, MADV_DONTNEED);
}

void MappedPager::run() {
    std::size_t loaded = 0;  // mapped and touched before this
    auto poll = kPoll;
    for (;;) {
        const std::size_t pos = consumed_.load(std::memory_order_acquire);
        bool worked = false;
        if (pos - released_.load(std::memory_order_relaxed) >= kStep + page_) {
            release(pos);
            worked = true;
        }
        // From where the reader is, if it overtook the pager: pages behind it are of no use.
        loaded = std::max(loaded, pos / page_ * page_);
        if (const std::size_t want = std::min(size_, pos + kAhead); loaded < want) {
            const std::size_t to = std::min(size_, loaded + kStep);
            load(loaded, to);
            loaded = to;
            worked = true;
        }
        if (worked) {
            poll = kPoll;
            continue;
        }
        std::unique_lock lock(mutex_);
        if (stop_.load(std::memory_order_relaxed)) {
            return;
        }
        wake_.wait_for(lock, poll);  // woken early only to stop
        // A reader busy with its packets (a SYN flood reads a step in milliseconds) need not
        // be looked at 10,000 times a second: each idle look waits twice as long, to kMaxPoll.
        poll = std::min(2 * poll, kMaxPoll);
    }
}

}  // namespace printwatch::capture
