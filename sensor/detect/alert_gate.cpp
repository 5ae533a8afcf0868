// SPDX-License-Identifier: Apache-2.0
#include "alert_gate.h"

#include "signatures.h"

#include <algorithm>
#include <vector>

namespace printwatch::detect {

namespace {
constexpr std::int64_t kMinuteUsec = 60'000'000;
// Spoofed floods have as many sources as packets; only this many are ranked per minute.
constexpr std::size_t kMaxFloodSources = 4096;
constexpr std::size_t kTopSources = 10;
// A known source's new-key alerts outside the budget: 1/kLaneShare of it per source and minute.
constexpr std::uint32_t kLaneShare = 8;
constexpr std::uint32_t kMinLanePerSource = 8;
}  // namespace

AlertGate::AlertGate(const core::AlertsConfig& alerts, const core::LimitsConfig& limits,
                     core::Stats& stats, std::uint64_t hash_seed)
    : alerts_(alerts),
      stats_(stats),
      emitted_family_(stats.family(core::Metric::Alerts)),
      suppressed_family_(stats.family(core::Metric::AlertsSuppressed)),
      keys_evicted_(stats.series(core::table_evictions_family(stats), {{"table", "alert_keys"}})),
      sources_evicted_(
          stats.series(core::table_evictions_family(stats), {{"table", "alert_sources"}})),
      flood_sources_full_(
          stats.series(core::table_full_family(stats), {{"table", "flood_sources"}})),
      last_(limits.clients, hash_seed),
      alerted_(limits.clients, hash_seed),
      flood_sources_(kMaxFloodSources, hash_seed) {}

AlertGate::KindEntry& AlertGate::find_kind(std::string_view kind) {
    for (std::size_t i = 0; i < kinds_.size(); ++i) {
        if (kinds_[i].name == kind) {
            last_kind_ = i;
            last_kind_text_ = kind.data();
            return kinds_[i];
        }
    }
    const core::Labels labels{{"kind", std::string(kind)}};
    kinds_.push_back(KindEntry{std::string(kind), stats_.series(emitted_family_, labels),
                               stats_.series(suppressed_family_, labels)});
    last_kind_ = kinds_.size() - 1;
    last_kind_text_ = kind.data();
    return kinds_.back();
}

void AlertGate::count_emitted(std::string_view kind) {
    stats_.add(kind_entry(kind).emitted);
}

void AlertGate::start_minute(std::int64_t minute) noexcept {
    minute_ = minute;
    in_minute_ = 0;
    lane_in_minute_ = 0;
}

bool AlertGate::admit(const SuppressKey& key, std::uint64_t key_hash, std::string_view kind,
                      const core::IpAddr& source, core::Timestamp ts) {
    core::Timestamp* last = last_.touch(key, key_hash);
    KindEntry& entry = kind_entry(kind);
    if (last != nullptr && ts - *last < alerts_.suppress) {
        stats_.add(entry.suppressed);
        return false;
    }
    const std::int64_t minute = ts.usec / kMinuteUsec;
    if (minute != minute_) {
        start_minute(minute);  // roll() normally runs first; this keeps the budget right if not
    }
    // One hash of the source for both of its tables (the same key type, hash and seed).
    const std::uint64_t source_hash = alerted_.hash_of(source);
    SourceMinute* src = alerted_.touch(source, source_hash);
    if (src != nullptr && src->minute != minute) {
        src->lane = 0;  // its lane count belongs to the minute of its latest alert
    }
    const std::uint32_t budget = alerts_.max_per_minute;
    const std::uint32_t shared = budget - budget / 4;  // the rest waits for new sources
    const bool source_alerted_this_minute = src != nullptr && src->minute == minute;
    const bool within_budget =
        in_minute_ < shared || (in_minute_ < budget && !source_alerted_this_minute);
    const std::uint32_t lane_per_source = std::max(kMinLanePerSource, budget / kLaneShare);
    const bool lane = !within_budget && src != nullptr && last == nullptr &&
                      src->lane < lane_per_source && lane_in_minute_ < budget;
    if (!within_budget && !lane) {
        stats_.add(entry.suppressed);
        ++flood_suppressed_;
        ++entry.flood;
        if (auto* n = flood_sources_.find(source, source_hash); n != nullptr) {
            ++*n;
        } else if (flood_sources_.size() < flood_sources_.capacity()) {
            flood_sources_.insert(source, source_hash, [](const core::IpAddr&, std::uint64_t&) {}) =
                1;
        } else {
            stats_.add(flood_sources_full_);  // counted in the summary, not among its top sources
        }
        return false;
    }
    if (lane) {
        ++src->lane;
        ++lane_in_minute_;
    } else {
        ++in_minute_;
    }
    if (last != nullptr) {
        *last = ts;
    } else {
        last_.insert(key, key_hash, [this](const SuppressKey&, core::Timestamp&) {
            stats_.add(keys_evicted_);
        }) = ts;
    }
    if (src == nullptr) {
        src = &alerted_.insert(source, source_hash, [this](const core::IpAddr&, SourceMinute&) {
            stats_.add(sources_evicted_);
        });
    }
    src->minute = minute;
    stats_.add(entry.emitted);
    return true;
}

std::optional<FloodSummary> AlertGate::roll(core::Timestamp now, bool final) {
    const std::int64_t minute = now.usec / kMinuteUsec;
    if (minute == minute_ && !final) {
        return std::nullopt;
    }
    std::optional<FloodSummary> out;
    if (flood_suppressed_ > 0) {
        FloodSummary s;
        s.minute_start = core::Timestamp{minute_ * kMinuteUsec};
        s.suppressed = flood_suppressed_;
        std::vector<const KindEntry*> flooded;
        for (const auto& k : kinds_) {
            if (k.flood > 0) {
                flooded.push_back(&k);
            }
        }
        std::sort(flooded.begin(), flooded.end(),
                  [](const KindEntry* a, const KindEntry* b) { return a->name < b->name; });
        for (const auto* k : flooded) {
            s.by_kind.emplace_back(k->name, k->flood);
        }
        std::vector<std::pair<core::IpAddr, std::uint64_t>> ranked;
        ranked.reserve(flood_sources_.size());
        flood_sources_.for_each(
            [&](const core::IpAddr& ip, std::uint64_t n) { ranked.emplace_back(ip, n); });
        // Highest count first; ties by address so the output is deterministic.
        std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        ranked.resize(std::min(ranked.size(), kTopSources));
        for (const auto& [ip, n] : ranked) {
            s.top_sources.emplace_back(core::Object{{"src_ip", ip.to_string()}, {"alerts", n}});
        }
        out = std::move(s);
    }
    start_minute(minute);
    flood_suppressed_ = 0;
    for (auto& k : kinds_) {
        k.flood = 0;
    }
    flood_sources_.clear();
    return out;
}

}  // namespace printwatch::detect
