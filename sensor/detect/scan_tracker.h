// SPDX-License-Identifier: Apache-2.0
// ScanTracker: per source, the distinct printer ports and printer hosts it reached within
// alerts.scan.window of packet time. Sources are bounded by limits.clients (LRU), and each
// source keeps at most threshold entries per list, so memory is bounded by configuration.
//
// A source's first contact goes to a direct-mapped table of first sightings, and only its
// second moves it into the LRU table: a spoofed flood is all first contacts, and the LRU's
// insert and eviction were two to three cache misses per packet, and most of its memory.
// A first sighting that another source overwrites is forgotten early; the LRU forgets too,
// after limits.clients newer sources.
#pragma once

#include "core/config.h"
#include "core/lru_table.h"
#include "core/net.h"
#include "core/prefetch.h"
#include "core/stats.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace printwatch::detect {

struct ScanVerdict {
    bool fired = false;
    std::uint32_t ports = 0;
    std::uint32_t hosts = 0;
    std::vector<std::uint16_t> port_list;  // sorted, for the alert detail
};

class ScanTracker {
  public:
    /// `hash_seed` keys the tables' hashes (PipelineOptions::hash_seed).
    ScanTracker(const core::AlertsConfig& alerts, const core::LimitsConfig& limits,
                core::Stats& stats, std::uint64_t hash_seed = 0);
    void reconfigure(const core::AlertsConfig& alerts) { scan_ = alerts.scan; }

    /// Records that `source` opened a flow to `host`:`port` (a printer port) at `ts`.
    ScanVerdict record(const core::IpAddr& source, const core::IpAddr& host, std::uint16_t port,
                       core::Timestamp ts) {
        return record(source, source_hash(source), host, port, ts);
    }
    /// record() with the source's source_hash(), for a caller that hashed it to prefetch.
    ScanVerdict record(const core::IpAddr& source, std::uint64_t hash, const core::IpAddr& host,
                       std::uint16_t port, core::Timestamp ts);
    /// The one hash of a source both tables use: the same for every call (the seed is fixed
    /// for the tracker's life).
    [[nodiscard]] std::uint64_t source_hash(const core::IpAddr& source) const noexcept {
        return sources_.hash_of(source);
    }

    /// Starts loading what record() of the source of `hash` reads first (see
    /// LruTable::prefetch).
    void prefetch(std::uint64_t hash) const noexcept {
        sources_.prefetch_hash(hash);
        core::prefetch(&first_[first_index(hash)]);
    }

  private:
    struct PortSeen {
        std::uint16_t port = 0;
        core::Timestamp ts;
    };
    struct HostSeen {
        core::IpAddr host;
        core::Timestamp ts;
    };
    /// A window list that keeps its first kInline entries in place and moves to the heap only
    /// beyond them. A flood's one-packet sources never get here (first sightings); this is for
    /// the sources that do: the LRU resets an evicted entry's value, so two vectors would be two
    /// allocations for every source it takes in, while most reach only one or two ports.
    template <class Entry>
    class WindowList {
      public:
        template <class Drop>
        void erase_if(Drop drop) {
            if (!heap_.empty()) {
                std::erase_if(heap_, drop);
                return;
            }
            std::size_t kept = 0;
            for (std::size_t i = 0; i < inline_size_; ++i) {
                if (!drop(inline_.at(i))) {
                    inline_.at(kept++) = inline_.at(i);
                }
            }
            inline_size_ = static_cast<std::uint8_t>(kept);
        }
        void erase_oldest() {
            if (!heap_.empty()) {
                heap_.erase(heap_.begin());
                return;
            }
            if (inline_size_ > 0) {
                std::move(inline_.begin() + 1, inline_.begin() + inline_size_, inline_.begin());
                --inline_size_;
            }
        }
        void push_back(const Entry& e) {
            if (heap_.empty() && inline_size_ < kInline) {
                inline_.at(inline_size_++) = e;
                return;
            }
            if (heap_.empty()) {
                heap_.assign(inline_.begin(), inline_.begin() + inline_size_);
                inline_size_ = 0;
            }
            heap_.push_back(e);
        }
        [[nodiscard]] std::size_t size() const noexcept {
            return heap_.empty() ? inline_size_ : heap_.size();
        }
        template <class Fn>
        void for_each(Fn fn) const {
            if (!heap_.empty()) {
                std::for_each(heap_.begin(), heap_.end(), fn);
            } else {
                std::for_each(inline_.begin(), inline_.begin() + inline_size_, fn);
            }
        }

      private:
        static constexpr std::size_t kInline = 2;
        std::array<Entry, kInline> inline_{};
        std::uint8_t inline_size_ = 0;
        std::vector<Entry> heap_;
    };
    struct Source {
        WindowList<PortSeen> ports;
        WindowList<HostSeen> hosts;
    };

    struct FirstSight {
        core::IpAddr source;  // family 0: empty
        core::IpAddr host;
        std::uint16_t port = 0;
        core::Timestamp ts;
    };
    FirstSight& first_sight(std::uint64_t hash) noexcept { return first_[first_index(hash)]; }
    /// The LRU table's hash, whose low bits pick its index cell: the high bits pick the slot
    /// here, so one hash serves both tables.
    [[nodiscard]] std::size_t first_index(std::uint64_t hash) const noexcept {
        return (hash >> 32U) & (first_.size() - 1);
    }

    core::ScanConfig scan_;
    std::vector<FirstSight> first_;  // a power of two in size, >= limits.clients
    core::Stats& stats_;
    core::SeriesId evicted_;  // printwatch_table_evictions_total{table="scan_sources"}
    core::LruTable<core::IpAddr, Source, core::IpAddrHash> sources_;
};

}  // namespace printwatch::detect
