// SPDX-License-Identifier: Apache-2.0
// TopK: the heaviest keys of an unbounded stream in k counters, by Metwally, Agrawal and El
// Abbadi's space-saving ("Efficient Computation of Frequent and Top-k Elements in Data
// Streams", 2005): a key not counted takes the counter of the smallest count and inherits it,
// so counts are upper bounds and a key seen more often than the smallest count is never lost.
//
// With their stream-summary layout every step is O(1) and allocates nothing after start:
// counters hang in buckets of equal count, the buckets in a list by count, so the smallest is
// the first bucket's and an increment moves a counter to the next bucket. The summary's
// unordered_map searched all k counters for the smallest at every new key: under a spoofed
// flood (every source new) that was 2.5 s of a 5 M-attempt replay, and a node allocation each.
// Hand-written: Debian packages no such structure.
#pragma once

#include "core/lru_table.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace printwatch::exporters {

template <class Key, class Hash = std::hash<Key>>
class TopK {
  public:
    explicit TopK(std::size_t k) : k_(std::max<std::size_t>(k, 1)), index_(k_) {
        counters_.reserve(k_);
        buckets_.reserve(k_ + 1);  // one per distinct count at most, and one being made
    }

    /// Counts one more of `key`.
    void add(const Key& key) {
        if (const std::uint32_t* c = index_.find(key); c != nullptr) {
            increment(*c);
            return;
        }
        if (counters_.size() < k_) {
            const auto c = static_cast<std::uint32_t>(counters_.size());
            counters_.push_back(Counter{key, 0, kNone, kNone, kNone});
            index_.insert(key) = c;
            // A count of 0 goes before every bucket: the increment makes or joins count 1.
            const std::uint32_t b = new_bucket(0, kNone, head_);
            attach(c, b);
            increment(c);
            return;
        }
        // Full: the key takes a counter of the smallest count and counts on from there.
        const std::uint32_t c = buckets_[head_].first;
        index_.erase(counters_[c].key);
        counters_[c].key = key;
        index_.insert(key) = c;
        increment(c);
    }

    /// Every counted key with its count, the largest count first, ties by key.
    [[nodiscard]] std::vector<std::pair<Key, std::uint64_t>> sorted() const {
        std::vector<std::pair<Key, std::uint64_t>> out;
        out.reserve(counters_.size());
        for (const auto& c : counters_) {
            out.emplace_back(c.key, buckets_[c.bucket].count);
        }
        std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
            return x.second != y.second ? x.second > y.second : x.first < y.first;
        });
        return out;
    }
    [[nodiscard]] std::size_t size() const noexcept { return counters_.size(); }

  private:
    static constexpr std::uint32_t kNone = UINT32_MAX;
    struct Counter {
        Key key;
        std::uint32_t bucket;
        std::uint32_t prev;  // within its bucket
        std::uint32_t next;
        std::uint32_t pad;
    };
    struct Bucket {
        std::uint64_t count = 0;
        std::uint32_t first = kNone;  // its counters
        std::uint32_t prev = kNone;   // the bucket of the next smaller count
        std::uint32_t next = kNone;   // of the next larger count
    };

    /// A bucket of `count` between `prev` and `next` (kNone: the list's ends).
    std::uint32_t new_bucket(std::uint64_t count, std::uint32_t prev, std::uint32_t next) {
        std::uint32_t b = free_bucket_;
        if (b != kNone) {
            free_bucket_ = buckets_[b].next;
        } else {
            b = static_cast<std::uint32_t>(buckets_.size());
            buckets_.emplace_back();
        }
        buckets_[b] = Bucket{count, kNone, prev, next};
        (prev == kNone ? head_ : buckets_[prev].next) = b;
        if (next != kNone) {
            buckets_[next].prev = b;
        }
        return b;
    }
    void attach(std::uint32_t c, std::uint32_t b) noexcept {
        Counter& ctr = counters_[c];
        ctr.bucket = b;
        ctr.prev = kNone;
        ctr.next = buckets_[b].first;
        if (ctr.next != kNone) {
            counters_[ctr.next].prev = c;
        }
        buckets_[b].first = c;
    }
    /// Takes counter `c` out of its bucket, and the bucket out of the list when that empties it.
    void detach(std::uint32_t c) noexcept {
        Counter& ctr = counters_[c];
        (ctr.prev == kNone ? buckets_[ctr.bucket].first : counters_[ctr.prev].next) = ctr.next;
        if (ctr.next != kNone) {
            counters_[ctr.next].prev = ctr.prev;
        }
        Bucket& b = buckets_[ctr.bucket];
        if (b.first == kNone) {
            (b.prev == kNone ? head_ : buckets_[b.prev].next) = b.next;
            if (b.next != kNone) {
                buckets_[b.next].prev = b.prev;
            }
            b.next = free_bucket_;
            free_bucket_ = ctr.bucket;
        }
    }
    void increment(std::uint32_t c) {
        const std::uint32_t from = counters_[c].bucket;
        const std::uint64_t count = buckets_[from].count + 1;
        std::uint32_t to = buckets_[from].next;
        if (to == kNone || buckets_[to].count != count) {
            to = new_bucket(count, from, to);  // before `from` empties, so it stays in place
        }
        detach(c);
        attach(c, to);
    }

    std::size_t k_;
    std::vector<Counter> counters_;
    std::vector<Bucket> buckets_;
    std::uint32_t head_ = kNone;  // the bucket of the smallest count
    std::uint32_t free_bucket_ = kNone;
    core::LruTable<Key, std::uint32_t, Hash> index_;  // key -> counter; never full past k
};

}  // namespace printwatch::exporters
