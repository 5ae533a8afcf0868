// SPDX-License-Identifier: Apache-2.0
// LruTable: a bounded hash table with least-recently-used eviction, sized once at start.
//
// Entries live in one slot array reserved for `capacity` and never beyond; an open-addressing
// index (linear probing, at most half full) maps a key's hash to its slot. Each index cell
// holds the slot number and 32 bits of the key's hash, so a probe compares a key only when those
// bits match: a miss (every packet of a SYN flood from spoofed sources) touches the index and
// almost never a slot. A byte per cell, in an array of its own, holds 7 more bits of the hash
// (0: empty), so a miss reads only that array: an eighth of the index, small enough to stay in
// the core's cache while a flood sweeps the rest, where the index cells were the one cache miss
// left on most of its probes. Deleting shifts the following cells back (no tombstones), so probe
// lengths stay short however long the churn goes on. After warm-up, insert/find/evict allocate
// nothing.
//
// With a KeyOf functor the key is not stored at all but derived from the value when a probe's
// hash bits match: a flow holds its own addresses and ports, and a second copy of them was a
// fifth of every flow slot.
//
// Hand-written rather than taken from a library: Debian packages no bounded LRU map, and the
// chained table it replaced spent a third of the flood's time in key compares and hashing.
#pragma once

#include "core/huge_pages.h"
#include "core/prefetch.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace printwatch::core {

/// The default: the table stores each entry's key.
struct StoredKey {};

template <class Key, class Value, class Hash = std::hash<Key>, class KeyOf = StoredKey>
class LruTable {
    static constexpr bool kStoresKey = std::is_same_v<KeyOf, StoredKey>;

  public:
    static constexpr std::uint32_t kNone = UINT32_MAX;

    /// `huge_pages`: the slots and index of a large table on transparent huge pages
    /// (huge_pages.h), for a table that a flood probes at random.
    explicit LruTable(std::size_t capacity, std::uint64_t seed = 0, bool huge_pages = false)
        : capacity_(std::clamp<std::size_t>(capacity, 1, kMaxCapacity)),
          seed_(seed),
          index_(HugePageAllocator<Cell>(huge_pages)),
          tags_(HugePageAllocator<std::uint8_t>(huge_pages)),
          slots_(HugePageAllocator<Slot>(huge_pages)) {
        const std::size_t cells = std::bit_ceil(std::max<std::size_t>(16, 2 * capacity_));
        index_.assign(cells, Cell{});
        tags_.assign(cells, kEmpty);
        mask_ = cells - 1;
        // Reserving the whole capacity keeps every value at a fixed address for the table's
        // lifetime (callers may hold pointers to live entries); untouched pages cost no memory.
        slots_.reserve(capacity_);
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

    /// Finds a key without changing its recency.
    Value* find(const Key& key) noexcept { return find(key, hash(key)); }
    /// find() with the key's hash_of().
    Value* find(const Key& key, std::uint64_t h) noexcept {
        const auto idx = lookup(key, h);
        return idx == kNone ? nullptr : &slots_[idx].value;
    }
    /// The table's hash of a key, for a caller that probes and then inserts the same key: the
    /// overloads below that take it hash once instead of twice.
    [[nodiscard]] std::uint64_t hash_of(const Key& key) const noexcept { return hash(key); }

    /// Finds a key and marks it most recently used.
    Value* touch(const Key& key) noexcept { return touch(key, hash(key)); }
    /// touch() with the key's hash_of().
    Value* touch(const Key& key, std::uint64_t h) noexcept {
        const auto idx = lookup(key, h);
        if (idx == kNone) {
            return nullptr;
        }
        unlink_lru(idx);
        push_front(idx);
        return &slots_[idx].value;
    }

    /// Starts loading the cache line a lookup of `key` reads first, for a caller that knows the
    /// key a little before it looks: a flood's misses then overlap instead of queueing. Reads
    /// nothing that inserts or erases change, so it may run beside them.
    void prefetch(const Key& key) const noexcept { prefetch_hash(hash(key)); }
    /// prefetch() with the key's hash_of().
    void prefetch_hash(std::uint64_t h) const noexcept {
        const std::size_t cell = h & mask_;
        core::prefetch(&tags_[cell]);
        core::prefetch(&index_[cell]);  // where an insert of the key writes
    }
    /// In a full table, starts loading what the next inserts' evictions read: the evicted
    /// entry's index cells (and those of the entry after it in the LRU list), and the slot two
    /// entries on. Where each entry is, is in the slot of the one before, so the list is walked
    /// one step per call, each step's slot loaded a call before it is read.
    void prefetch_evictions() const noexcept {
        if (size_ < capacity_ || free_ != kNone || tail_ == kNone) {
            return;
        }
        const Slot& victim = slots_[tail_];
        prefetch_cells(victim.hash);
        prefetch_slot(tail_);
        if (victim.prev == kNone) {
            return;
        }
        // Two inserts ahead: the next victim's slot was loaded by the call before, so its index
        // cells can be asked for now, a whole packet before they are read (asking only when it
        // is the victim left the flood stalled on them), and the slot after it in the list.
        const Slot& next = slots_[victim.prev];
        prefetch_cells(next.hash);
        if (next.prev != kNone) {
            prefetch_slot(next.prev);
        }
    }

    /// Inserts a default-constructed value for a key that is not present. When the table is full
    /// the least recently used entry is passed to `on_evict` and then replaced.
    /// Returns the new value; pointers from earlier calls may be invalidated.
    template <class OnEvict>
    Value& insert(const Key& key, OnEvict&& on_evict) {
        return insert(key, hash(key), std::forward<OnEvict>(on_evict));
    }
    /// insert() with the key's hash_of().
    template <class OnEvict>
    Value& insert(const Key& key, std::uint64_t h, OnEvict&& on_evict) {
        std::uint32_t idx = kNone;
        if (free_ != kNone) {
            idx = free_;
            free_ = slots_[idx].next;
        } else if (slots_.size() < capacity_) {
            slots_.emplace_back();
            idx = static_cast<std::uint32_t>(slots_.size() - 1);
        } else {
            idx = tail_;
            on_evict(key_of(slots_[idx]), slots_[idx].value);
            remove_index(idx);
            idx = free_;
            free_ = slots_[idx].next;
        }
        Slot& s = slots_[idx];
        if constexpr (kStoresKey) {
            s.key = key;
        }
        // No reset of s.value: a new slot is default-constructed and a reused one was reset
        // when it was removed (remove_index), so a second reset was pure cost per new flow.
        s.hash = static_cast<std::uint32_t>(h);
        std::size_t cell = h & mask_;
        while (tags_[cell] != kEmpty) {
            cell = (cell + 1) & mask_;
        }
        index_[cell] = Cell{idx, s.hash};
        tags_[cell] = tag_of(h);
        push_front(idx);
        ++size_;
        return s.value;
    }
    Value& insert(const Key& key) {
        return insert(key, [](const Key&, Value&) {});
    }

    /// The least recently used entry's value, or nullptr when empty.
    Value* oldest() noexcept { return tail_ == kNone ? nullptr : &slots_[tail_].value; }
    /// The least recently used entry's key; the table must not be empty.
    Key oldest_key() const noexcept { return key_of(slots_[tail_]); }
    /// Removes the least recently used entry, if any, without hashing its key again.
    void erase_oldest() noexcept {
        if (tail_ != kNone) {
            remove_index(tail_);
        }
    }
    void erase(const Key& key) noexcept { erase(key, hash(key)); }
    /// erase() with the key's hash_of().
    void erase(const Key& key, std::uint64_t h) noexcept {
        const auto idx = lookup(key, h);
        if (idx != kNone) {
            remove_index(idx);
        }
    }
    /// Removes every entry; the memory stays reserved. O(capacity).
    void clear() noexcept {
        if (size_ == 0) {
            return;  // callers clear every minute; an empty index needs no pass
        }
        std::fill(index_.begin(), index_.end(), Cell{});
        std::fill(tags_.begin(), tags_.end(), kEmpty);
        slots_.clear();  // keeps the reservation, so later entries keep fixed addresses
        head_ = tail_ = free_ = kNone;
        size_ = 0;
    }
    /// Visits entries from most to least recently used.
    template <class Fn>
    void for_each(Fn&& fn) {
        for (auto i = head_; i != kNone; i = slots_[i].next) {
            fn(key_of(slots_[i]), slots_[i].value);
        }
    }

  private:
    // Slot numbers and hash bits are 32 bits wide; the index has twice the capacity in cells.
    static constexpr std::size_t kMaxCapacity = std::size_t{1} << 30U;

    struct Cell {
        std::uint32_t slot = kNone;
        std::uint32_t hash = 0;  // the low 32 bits of the key's hash: its home cell and a filter
    };
    static constexpr std::uint8_t kEmpty = 0;
    /// Hash bits above the 32 a cell keeps, with the top bit set so that no tag is kEmpty.
    static std::uint8_t tag_of(std::uint64_t h) noexcept {
        return static_cast<std::uint8_t>(0x80U | (h >> 57U));
    }
    struct NoKey {};
    struct Slot {
        [[no_unique_address]] std::conditional_t<kStoresKey, Key, NoKey> key{};
        Value value{};
        std::uint32_t hash = 0;
        std::uint32_t prev = kNone;
        std::uint32_t next = kNone;
    };
    static bool key_equals(const Slot& s, const Key& key) noexcept {
        if constexpr (kStoresKey) {
            return s.key == key;
        } else {
            return KeyOf{}(s.value) == key;
        }
    }
    static Key key_of(const Slot& s) noexcept {
        if constexpr (kStoresKey) {
            return s.key;
        } else {
            return KeyOf{}(s.value);
        }
    }

    std::uint64_t hash(const Key& key) const noexcept {
        // The seed and a final mix, so that a weak Hash (or an attacker who knows it) cannot
        // aim keys at one run of cells. A Hash that takes the seed starts its chain from it:
        // XORed in after the chain, the seed left every pair of keys whose chains collide
        // (computable offline for IPv6 and flow keys) colliding whatever its value.
        std::uint64_t h = 0;
        if constexpr (std::is_invocable_v<const Hash&, const Key&, std::uint64_t>) {
            h = static_cast<std::uint64_t>(Hash{}(key, seed_));
        } else {
            h = static_cast<std::uint64_t>(Hash{}(key)) ^ seed_;
        }
        h ^= h >> 33U;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33U;
        return h;
    }
    void prefetch_cells(std::uint32_t hash) const noexcept {
        core::prefetch(&index_[hash & mask_]);
        core::prefetch(&tags_[hash & mask_]);
    }
    void prefetch_slot(std::uint32_t idx) const noexcept {
        const auto* p = reinterpret_cast<const char*>(&slots_[idx]);  // NOLINT: cache lines
        for (std::size_t line = 0; line < sizeof(Slot); line += 64) {
            core::prefetch(p + line);  // NOLINT: pointer arithmetic over one slot
        }
    }
    std::uint32_t lookup(const Key& key, std::uint64_t h) const noexcept {
        const auto bits = static_cast<std::uint32_t>(h);
        const std::uint8_t tag = tag_of(h);
        for (std::size_t cell = h & mask_; tags_[cell] != kEmpty; cell = (cell + 1) & mask_) {
            if (tags_[cell] != tag) {
                continue;
            }
            const Cell c = index_[cell];
            if (c.hash == bits && key_equals(slots_[c.slot], key)) {
                return c.slot;
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
    /// Empties the index cell of slot `idx`, then moves back each later cell of the run that
    /// may live there (its home is not cyclically within (hole, cell]), so that no lookup ever
    /// stops early at the hole.
    void unindex(std::uint32_t idx) noexcept {
        std::size_t hole = slots_[idx].hash & mask_;
        while (index_[hole].slot != idx) {
            hole = (hole + 1) & mask_;
        }
        for (std::size_t cell = (hole + 1) & mask_; tags_[cell] != kEmpty;
             cell = (cell + 1) & mask_) {
            const std::size_t home = index_[cell].hash & mask_;
            if (((cell - home) & mask_) >= ((cell - hole) & mask_)) {
                index_[hole] = index_[cell];
                tags_[hole] = tags_[cell];
                hole = cell;
            }
        }
        index_[hole] = Cell{};
        tags_[hole] = kEmpty;
    }
    void remove_index(std::uint32_t idx) noexcept {
        unlink_lru(idx);
        unindex(idx);
        // Release owned state (dissectors, buffers) now. Destroyed and built in place: an
        // assignment from Value{} zeroed a temporary with `rep stos` and copied it over, a
        // twentieth of a SYN flood's time.
        std::destroy_at(&slots_[idx].value);
        std::construct_at(&slots_[idx].value);
        slots_[idx].next = free_;
        free_ = idx;
        --size_;
    }

    std::size_t capacity_;
    std::uint64_t seed_;
    std::vector<Cell, HugePageAllocator<Cell>> index_;
    std::vector<std::uint8_t, HugePageAllocator<std::uint8_t>> tags_;  // one per index cell
    std::size_t mask_ = 0;
    std::vector<Slot, HugePageAllocator<Slot>> slots_;
    std::uint32_t head_ = kNone;
    std::uint32_t tail_ = kNone;
    std::uint32_t free_ = kNone;
    std::size_t size_ = 0;
};

}  // namespace printwatch::core
