// SPDX-License-Identifier: Apache-2.0
// LruTable: a bounded hash table with least-recently-used eviction. Slots live in one vector
// that grows to `capacity` and never beyond; buckets are fixed at construction. After the table
// has warmed up, insert/find/evict allocate nothing, so attacker-driven key churn (SYN floods,
// spoofed sources) costs no heap traffic and no unbounded memory.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace printwatch::core {

template <class Key, class Value, class Hash = std::hash<Key>>
class LruTable {
  public:
    static constexpr std::uint32_t kNone = UINT32_MAX;

    explicit LruTable(std::size_t capacity, std::uint64_t seed = 0)
        : capacity_(capacity == 0 ? 1 : capacity), seed_(seed) {
        std::size_t buckets = 16;
        while (buckets < capacity_) {
            buckets <<= 1U;
        }
        buckets_.assign(buckets, kNone);
        // Reserving the whole capacity keeps every value at a fixed address for the table's
        // lifetime (callers may hold pointers to live entries); untouched pages cost no memory.
        slots_.reserve(capacity_);
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

    /// Finds a key without changing its recency.
    Value* find(const Key& key) noexcept {
        const auto idx = lookup(key);
        return idx == kNone ? nullptr : &slots_[idx].value;
    }
    /// Finds a key and marks it most recently used.
    Value* touch(const Key& key) noexcept {
        const auto idx = lookup(key);
        if (idx == kNone) {
            return nullptr;
        }
        unlink_lru(idx);
        push_front(idx);
        return &slots_[idx].value;
    }

    /// Inserts a default-constructed value for a key that is not present. When the table is full
    /// the least recently used entry is passed to `on_evict` and then replaced.
    /// Returns the new value; pointers from earlier calls may be invalidated.
    template <class OnEvict>
    Value& insert(const Key& key, OnEvict&& on_evict) {
        std::uint32_t idx = kNone;
        if (free_ != kNone) {
            idx = free_;
            free_ = slots_[idx].next;
        } else if (slots_.size() < capacity_) {
            slots_.emplace_back();
            idx = static_cast<std::uint32_t>(slots_.size() - 1);
        } else {
            idx = tail_;
            on_evict(slots_[idx].key, slots_[idx].value);
            remove_index(idx);
            idx = free_;
            free_ = slots_[idx].next;
        }
        Slot& s = slots_[idx];
        s.key = key;
        s.value = Value{};
        s.used = true;
        const auto b = bucket(key);
        s.hnext = buckets_[b];
        buckets_[b] = idx;
        push_front(idx);
        ++size_;
        return s.value;
    }
    Value& insert(const Key& key) {
        return insert(key, [](const Key&, Value&) {});
    }

    /// The least recently used entry, or nullptr when empty.
    std::pair<const Key*, Value*> oldest() noexcept {
        if (tail_ == kNone) {
            return {nullptr, nullptr};
        }
        return {&slots_[tail_].key, &slots_[tail_].value};
    }
    void erase(const Key& key) noexcept {
        const auto idx = lookup(key);
        if (idx != kNone) {
            remove_index(idx);
        }
    }
    /// Visits entries from most to least recently used.
    template <class Fn>
    void for_each(Fn&& fn) {
        for (auto i = head_; i != kNone; i = slots_[i].next) {
            fn(slots_[i].key, slots_[i].value);
        }
    }

  private:
    struct Slot {
        Key key{};
        Value value{};
        std::uint32_t hnext = kNone;
        std::uint32_t prev = kNone;
        std::uint32_t next = kNone;
        bool used = false;
    };

    std::size_t bucket(const Key& key) const noexcept {
        auto h = static_cast<std::uint64_t>(Hash{}(key)) ^ seed_;
        h ^= h >> 33U;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33U;
        return static_cast<std::size_t>(h & (buckets_.size() - 1));
    }
    std::uint32_t lookup(const Key& key) const noexcept {
        for (auto i = buckets_[bucket(key)]; i != kNone; i = slots_[i].hnext) {
            if (slots_[i].key == key) {
                return i;
            }
        }
        return kNone;
    }
    void push_front(std::uint32_t idx) noexcept {
        slots_[idx].prev = kNone;
        slots_[idx].next = head_;
        if (head_ != kNone) {
            slots_[head_].prev = idx;
        }
        head_ = idx;
        if (tail_ == kNone) {
            tail_ = idx;
        }
    }
    void unlink_lru(std::uint32_t idx) noexcept {
        Slot& s = slots_[idx];
        if (s.prev != kNone) {
            slots_[s.prev].next = s.next;
        } else {
            head_ = s.next;
        }
        if (s.next != kNone) {
            slots_[s.next].prev = s.prev;
        } else {
            tail_ = s.prev;
        }
    }
    void remove_index(std::uint32_t idx) noexcept {
        unlink_lru(idx);
        const auto b = bucket(slots_[idx].key);
        for (auto* link = &buckets_[b]; *link != kNone; link = &slots_[*link].hnext) {
            if (*link == idx) {
                *link = slots_[idx].hnext;
                break;
            }
        }
        slots_[idx].used = false;
        slots_[idx].value = Value{};  // release owned state (dissectors, buffers) now
        slots_[idx].next = free_;
        free_ = idx;
        --size_;
    }

    std::size_t capacity_;
    std::uint64_t seed_;
    std::vector<std::uint32_t> buckets_;
    std::vector<Slot> slots_;
    std::uint32_t head_ = kNone;
    std::uint32_t tail_ = kNone;
    std::uint32_t free_ = kNone;
    std::size_t size_ = 0;
};

}  // namespace printwatch::core
