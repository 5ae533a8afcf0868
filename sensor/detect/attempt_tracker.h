// SPDX-License-Identifier: Apache-2.0
// AttemptTracker: inbound attempts and their outcomes (docs/spec.md §4). An attempt starts at
// an outside client's opening packet (a SYN, or the first datagram) and settles once: accepted
// (a SYN-ACK, or any datagram back), refused (an RST, or an ICMP unreachable quoting the
// client's datagram) or unanswered (attempt_timeout of packet time, the flow dropped first, or
// the end of the run). Each settled attempt is counted by service and outcome, told to the
// attempt observer (the verify report) and alerted; an accepted one marks the service exposed.
#pragma once

#include "alert_writer.h"
#include "core/config.h"
#include "core/flow.h"
#include "core/packet.h"
#include "core/ring_queue.h"
#include "core/stats.h"
#include "exposure_tracker.h"
#include "inventory.h"
#include "signatures.h"

#include <array>
#include <vector>

namespace printwatch::detect {

class AttemptTracker {
  public:
    /// `observer` is read at each settle (the sensor sets it after start); nullptr: nobody.
    AttemptTracker(const core::SensorConfig& config, core::Stats& stats,
                   const core::ServiceCatalog& services, Inventory& inventory, AlertWriter& alerts,
                   ExposureTracker& exposure, core::AttemptObserver* const& observer);
    void reconfigure(const core::SensorConfig& config) { config_ = &config; }

    /// The opening packet of `flow` is an inbound attempt. An attempt is always a flow's first
    /// packet (docs/spec.md §4), so its start is the flow's `first_seen`.
    void start(core::Flow& flow);
    /// A packet from the server side of `flow`: settles a pending attempt it answers.
    void on_answer(core::Flow& flow, const core::DecodedPacket& pkt);
    /// An ICMP/ICMPv6 unreachable that quotes a datagram of `flow`.
    void on_icmp_unreachable(core::Flow& flow, const core::DecodedPacket& pkt);
    /// The flow's state is about to be dropped: a pending attempt ends unanswered.
    void on_flow_end(core::Flow& flow, core::Timestamp now);
    /// The flow's state is about to be dropped, after on_flow_end() for a pending attempt: its
    /// queue entry goes now if it is the oldest (any other waits for its deadline or the sweep).
    void forget(const core::Flow& flow) noexcept;

    /// Whether an attempt's timeout has passed by `now`, or the oldest entry is done with
    /// (checked per packet, without a lock; the oldest entry's flow is in cache).
    [[nodiscard]] bool due(core::Timestamp now) const noexcept {
        if (pending_.empty()) {
            return false;
        }
        const Pending& p = pending_.front();
        return !p.live() || deadline(p) <= now;
    }
    /// Settles as unanswered the pending attempts whose deadline is at or before `now`.
    void settle_due(core::Timestamp now) { settle_pending(false, now); }
    /// End of run: settles every pending attempt as unanswered as of `now`.
    void settle_all(core::Timestamp now) { settle_pending(true, now); }

    /// The alert gate's key for the settled attempt of `flow`.
    /// Inline: built in place where it is hashed and kept (Detector::prefetch), where a call
    /// returned it through memory that the next loads then waited on.
    static SuppressKey alert_key(const core::Flow& flow, core::AttemptState outcome) noexcept {
        return {sid::kInboundAttempt, flow.client, flow.server,
                static_cast<std::uint8_t>(flow.service), static_cast<std::uint8_t>(outcome)};
    }

  private:
    /// No deadline of its own: it is the flow's first_seen plus alerts.attempt_timeout, and an
    /// entry whose flow is gone has none. 16 bytes, and a flood queues one per flow.
    struct Pending {
        core::Flow* flow = nullptr;    // FlowTable keeps flow addresses stable
        std::uint32_t generation = 0;  // the flow's, which guards against the slot's reuse
        [[nodiscard]] bool live() const noexcept {
            return flow->generation == generation && flow->attempt == core::AttemptState::Pending;
        }
    };
    /// A live entry's deadline, from alerts.attempt_timeout as it is now.
    [[nodiscard]] core::Timestamp deadline(const Pending& p) const noexcept {
        return p.flow->first_seen + config_->alerts.attempt_timeout;
    }
    void settle_pending(bool everything, core::Timestamp now);
    void settle(core::Flow& flow, core::AttemptState outcome, core::Timestamp ts);
    /// printwatch_inbound_attempts_total{service, outcome}: an array read per settled attempt
    /// (a flood settles one per packet), registered at construction.
    core::SeriesId series(core::ServiceId s, core::AttemptState outcome) {
        const core::SeriesId id =
            series_.at(static_cast<std::size_t>(s)).at(outcome_index(outcome));
        return id.valid() ? id : register_series(s, outcome);
    }
    core::SeriesId register_series(core::ServiceId s, core::AttemptState outcome);
    static std::size_t outcome_index(core::AttemptState s) noexcept {
        return s == core::AttemptState::Accepted ? 0 : s == core::AttemptState::Refused ? 1 : 2;
    }

    const core::SensorConfig* config_;
    core::Stats& stats_;
    const core::ServiceCatalog& services_;
    Inventory& inventory_;
    AlertWriter& alerts_;
    ExposureTracker& exposure_;
    core::AttemptObserver* const& observer_;
    core::RingQueue<Pending> pending_;
    core::FamilyId family_;
    /// printwatch_inbound_attempts_total by service, then outcome.
    std::vector<std::array<core::SeriesId, 3>> series_;
};

}  // namespace printwatch::detect
