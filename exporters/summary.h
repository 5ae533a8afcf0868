// SPDX-License-Identifier: Apache-2.0
// The end-of-run view for a person (docs/spec.md §2): per printer and service reached from
// outside, its attempts by outcome, first and last, and a verdict (exposed, fixed since <time>,
// never reached); the top sources; alerts by kind. Rendered as text for a terminal and as one
// self-contained HTML page (no scripts or fetches) to attach to a remediation ticket, with a
// timeline of attempts per printer and service coloured by outcome.
//
// Fed by the detector's settled attempts, not by EVE, so suppressed alerts still count. Every
// table is bounded: targets (printer, service) by limits, sources by a space-saving top-k,
// timelines by widening their buckets.
#pragma once

#include "core/flow.h"
#include "core/stats.h"
#include "exporters/top_k.h"

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace printwatch::exporters {

class Summary final : public core::AttemptObserver {
  public:
    enum Outcome : std::uint8_t { kAccepted, kRefused, kUnanswered };
    struct Timeline {
        std::int64_t bucket_us = 1'000'000;  // one second, doubled while there are too many
        std::map<std::int64_t, std::array<std::uint64_t, 3>> buckets;  // bucket start -> counts
    };
    struct Target {
        core::IpAddr printer;
        std::string name;
        core::ServiceId service = core::ServiceId::None;
        std::string_view service_label;  // static, from the catalog
        std::array<std::uint64_t, 3> by_outcome{};
        core::Timestamp first{INT64_MAX};
        core::Timestamp last{INT64_MIN};
        core::Timestamp last_accepted{INT64_MIN};
        core::Timestamp first_blocked_after{INT64_MAX};  // first blocked start after last_accepted
        std::deque<core::Timestamp> recent_blocked;      // latest refused/unanswered starts
        Timeline timeline;
    };
    struct Verdict {
        enum Kind : std::uint8_t { Exposed, Fixed, NeverReached } kind = NeverReached;
        core::Timestamp since;  // Fixed: the first blocked attempt after the last accepted one
    };
    struct RunInfo {
        std::vector<std::string> inputs;
        std::uint64_t packets = 0;
    };

    explicit Summary(std::size_t max_targets = 4096, std::size_t max_sources = 256);
    void on_attempt(const core::SettledAttempt& attempt) override;

    [[nodiscard]] std::vector<const Target*> targets() const;  // by printer, then service
    [[nodiscard]] static Verdict verdict(const Target& t);
    /// The `n` sources with most attempts (counts are exact unless more sources than the
    /// top-k holds were seen; then they are upper bounds, as space-saving gives them).
    [[nodiscard]] std::vector<std::pair<core::IpAddr, std::uint64_t>> top_sources(
        std::size_t n) const;
    [[nodiscard]] std::uint64_t targets_dropped() const noexcept { return targets_dropped_; }
    [[nodiscard]] std::uint64_t attempts() const noexcept { return attempts_; }

  private:
    static constexpr std::size_t kMaxBuckets = 240;  // bars per timeline, whatever the span
    static constexpr std::size_t kRecentBlocked = 64;

    std::size_t max_targets_;
    std::map<std::pair<core::IpAddr, core::ServiceId>, Target> targets_;
    TopK<core::IpAddr> sources_;
    std::uint64_t targets_dropped_ = 0;
    std::uint64_t attempts_ = 0;
};

/// For a terminal: the printers and services reached from outside with their verdict, the top
/// sources and the alerts by kind (written and suppressed, from the metrics).
std::string render_summary_text(const Summary& summary, const core::Stats& stats,
                                const Summary::RunInfo& run);
/// The same as one self-contained HTML page, with an SVG timeline per printer and service.
std::string render_report_html(const Summary& summary, const core::Stats& stats,
                               const Summary::RunInfo& run);

}  // namespace printwatch::exporters
