// SPDX-License-Identifier: Apache-2.0
// AlertGate: decides whether an alert is written. Two stages, both in packet time:
//  1. suppression: one alert per (kind, client, printer, service, outcome) per alerts.suppress;
//  2. the global budget: at most alerts.max_per_minute per minute; the rest of that minute is
//     counted per kind and per source, and summarised by one printer.alert_flood alert.
// The budget is fair, so that a spoofed SYN flood (thousands of one-packet sources) or one noisy
// source cannot hide the alerts of others, above all an attacker's re-test after the firewall
// fix, which is what verifies the fix:
//  - a quarter of the budget is kept for sources that have not alerted yet in this minute;
//  - a source that has alerted before (a written alert, remembered for limits.clients sources)
//    gets the first alert of each new key, e.g. a new (printer, service, outcome), outside the
//    budget, so a spoofed flood (whose sources are all new) cannot drop it. This lane is
//    bounded too, or one real source sweeping a /16 (a new key per address) would be a flood
//    of its own: at most kLaneShare of the budget per source and the budget in all, per
//    minute; past that its alerts queue for the budget like any other.
// Every alert that does not pass is counted in printwatch_alerts_suppressed_total{kind}.
#pragma once

#include "core/config.h"
#include "core/lru_table.h"
#include "core/net.h"
#include "core/stats.h"
#include "core/value.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printwatch::detect {

struct SuppressKey {
    std::uint32_t sid = 0;
    core::IpAddr client;
    core::IpAddr printer;
    std::uint8_t service = 0;
    std::uint8_t outcome = 0;
    std::uint64_t detail = 0;  // protocol rules: hash of the command, so FSDIRLIST does not
                               // suppress a later FSUPLOAD of ../../etc/passwd
    friend bool operator==(const SuppressKey&, const SuppressKey&) = default;
};
struct SuppressKeyHash {
    // Inline, as the key is: a flood hashes one per packet. Seeded from the first step and
    // not finished: LruTable, its one user, passes its seed and finishes.
    std::size_t operator()(const SuppressKey& k, std::uint64_t seed) const noexcept {
        const std::uint64_t small = (static_cast<std::uint64_t>(k.sid) << 16U) |
                                    (static_cast<std::uint64_t>(k.service) << 8U) | k.outcome;
        return static_cast<std::size_t>(core::hash_word(
            core::hash_word(core::hash_addrs(seed, k.client, k.printer), small), k.detail));
    }
};

/// What a finished flood minute looked like, for the printer.alert_flood summary.
struct FloodSummary {
    core::Timestamp minute_start;
    std::uint64_t suppressed = 0;
    core::Object by_kind;
    core::Array top_sources;
};

class AlertGate {
  public:
    /// `hash_seed` keys the tables' hashes (PipelineOptions::hash_seed).
    AlertGate(const core::AlertsConfig& alerts, const core::LimitsConfig& limits,
              core::Stats& stats, std::uint64_t hash_seed = 0);
    void reconfigure(const core::AlertsConfig& alerts) { alerts_ = alerts; }

    /// True when the alert should be written; counts it either way.
    bool admit(const SuppressKey& key, std::string_view kind, const core::IpAddr& source,
               core::Timestamp ts) {
        return admit(key, key_hash(key), kind, source, ts);
    }
    /// admit() with the key's key_hash(), for a caller that hashed it to prefetch.
    bool admit(const SuppressKey& key, std::uint64_t key_hash, std::string_view kind,
               const core::IpAddr& source, core::Timestamp ts);
    /// The gate's hash of a key: the same for every caller and every call (the seed is fixed
    /// for the gate's life).
    [[nodiscard]] std::uint64_t key_hash(const SuppressKey& key) const noexcept {
        return last_.hash_of(key);
    }
    /// Starts loading what admit() of the key of `key_hash` from `source` reads first (see
    /// LruTable::prefetch).
    void prefetch(std::uint64_t key_hash, const core::IpAddr& source) const noexcept {
        last_.prefetch_hash(key_hash);
        alerted_.prefetch(source);
    }
    /// When `now` starts a new minute (or `final` ends the run) and the minute that closes
    /// overflowed the budget, its summary.
    std::optional<FloodSummary> roll(core::Timestamp now, bool final = false);
    /// Counts an alert that bypasses the gate (the flood summary itself).
    void count_emitted(std::string_view kind);
    /// Registers a kind's counters, so that dashboards see zeros rather than missing series.
    void register_kind(std::string_view kind) { kind_entry(kind); }

  private:
    /// A new minute of the budget: its counts start again.
    void start_minute(std::int64_t minute) noexcept;
    /// A kind's series and flood count. Kinds are few (one per signature), so a vector, with
    /// the last kind asked for remembered: under a flood it is the same kind every time.
    struct KindEntry {
        std::string name;
        core::SeriesId emitted;
        core::SeriesId suppressed;
        std::uint64_t flood = 0;  // suppressed by the budget in the current minute
    };
    KindEntry& kind_entry(std::string_view kind) {
        if (kind.data() == last_kind_text_ && last_kind_ < kinds_.size() &&
            kinds_[last_kind_].name.size() == kind.size()) {
            return kinds_[last_kind_];  // inline: under a flood, the kind every time
        }
        return find_kind(kind);
    }
    KindEntry& find_kind(std::string_view kind);

    core::AlertsConfig alerts_;
    core::Stats& stats_;
    core::FamilyId emitted_family_;
    core::FamilyId suppressed_family_;
    core::SeriesId keys_evicted_;        // printwatch_table_evictions_total{table="alert_keys"}
    core::SeriesId sources_evicted_;     // {table="alert_sources"}
    core::SeriesId flood_sources_full_;  // printwatch_table_full_total{table="flood_sources"}
    std::vector<KindEntry> kinds_;
    std::size_t last_kind_ = 0;
    /// The text the last kind was asked by: signatures' kinds are static strings, so the same
    /// kind comes with the same pointer, and a pointer compare saves a string compare per alert.
    const char* last_kind_text_ = nullptr;
    /// Written alerts only: a dropped alert must not suppress the next one of its key.
    core::LruTable<SuppressKey, core::Timestamp, SuppressKeyHash> last_;
    struct SourceMinute {
        std::int64_t minute = INT64_MIN;  // of the source's latest written alert
        std::uint32_t lane = 0;           // its new-key alerts outside the budget that minute
    };
    /// Sources with a written alert.
    core::LruTable<core::IpAddr, SourceMinute, core::IpAddrHash> alerted_;
    std::uint32_t lane_in_minute_ = 0;
    std::int64_t minute_ = INT64_MIN;
    std::uint32_t in_minute_ = 0;
    std::uint64_t flood_suppressed_ = 0;
    /// The current minute's budget-suppressed alerts per source, for its top sources: the
    /// first kMaxFloodSources sources of the minute, cleared when it ends.
    /// Always probed and filled with alerted_'s hash of the source, so that admit() hashes a
    /// source once for both tables (consistent whatever either table's seed).
    core::LruTable<core::IpAddr, std::uint64_t, core::IpAddrHash> flood_sources_;
};

}  // namespace printwatch::detect
