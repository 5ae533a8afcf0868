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

std::size_t SuppressKeyHash::operator()(const SuppressKey& k) const noexcept {
    std::uint64_t h = core::hash_bytes(k.client.bytes.data(), k.client.bytes.size(), k.sid);
    h = core::hash_bytes(k.printer.bytes.data(), k.printer.bytes.size(), h);
    return static_cast<std::size_t>(h ^ (static_cast<std::uint64_t>(k.service) << 8U) ^ k.outcome ^
                                    (k.detail * 0x9e3779b97f4a7c15ULL));
}

AlertGate::AlertGate(const core::AlertsConfig& alerts, const core::LimitsConfig& limits,
                     core::Stats& stats)
    : alerts_(alerts),
      stats_(stats),
      emitted_family_(stats.family("printwatch_alerts_total", "Alerts written, by kind",
                                   core::MetricType::Counter)),
      suppressed_family_(stats.family("printwatch_alerts_suppressed_total",
                                      "Alerts not written (suppression window or alert budget)",
                                      core::MetricType::Counter)),
      last_(limits.clients),
      alerted_(limits.clients) {
    // Register every kind up front so dashboards see zeros rather than missing series.
    for (const auto& sig : all_signatures()) {
        emitted_series(sig.kind);
    }
}

core::SeriesId AlertGate::emitted_series(std::string_view kind) {
    auto it = series_.find(kind);
    if (it == series_.end()) {
        const core::Labels labels{{"kind", std::string(kind)}};
        it = series_
                 .emplace(std::string(kind),
                          std::make_pair(stats_.series(emitted_family_, labels),
                                         stats_.series(suppressed_family_, labels)))
                 .first;
    }
    return it->second.first;
}

core::SeriesId AlertGate::suppressed_series(std::string_view kind) {
    emitted_series(kind);
    return series_.find(kind)->second.second;
}

void AlertGate::count_emitted(std::string_view kind) {
    stats_.add(emitted_series(kind));
}

void AlertGate::start_minute(std::int64_t minute) noexcept {
    minute_ = minute;
    in_minute_ = 0;
    lane_in_minute_ = 0;
}

bool AlertGate::admit(const SuppressKey& key, std::string_view kind, const core::IpAddr& source,
                      core::Timestamp ts) {
    core::Timestamp* last = last_.touch(key);
    if (last != nullptr && ts - *last < alerts_.suppress) {
        stats_.add(suppressed_series(kind));
        return false;
    }
    const std::int64_t minute = ts.usec / kMinuteUsec;
    if (minute != minute_) {
        start_minute(minute);  // roll() normally runs first; this keeps the budget right if not
    }
    SourceMinute* src = alerted_.touch(source);
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
        stats_.add(suppressed_series(kind));
        ++flood_suppressed_;
        ++flood_by_kind_[std::string(kind)];
        if (auto it = flood_sources_.find(source); it != flood_sources_.end()) {
            ++it->second;
        } else if (flood_sources_.size() < kMaxFloodSources) {
            flood_sources_.emplace(source, 1);
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
        last_.insert(key) = ts;
    }
    if (src == nullptr) {
        src = &alerted_.insert(source);
    }
    src->minute = minute;
    stats_.add(emitted_series(kind));
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
        for (const auto& [kind, n] : flood_by_kind_) {
            s.by_kind.emplace_back(kind, n);
        }
        std::vector<std::pair<core::IpAddr, std::uint64_t>> ranked(flood_sources_.begin(),
                                                                   flood_sources_.end());
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
    flood_by_kind_.clear();
    flood_sources_.clear();
    return out;
}

}  // namespace printwatch::detect
