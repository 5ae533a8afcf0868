// SPDX-License-Identifier: Apache-2.0
#include "attempt_tracker.h"

#include "core/metrics.h"
#include "core/result.h"

namespace printwatch::detect {

using core::AttemptState;
namespace tf = core::tcp_flags;

namespace {
const char* outcome_name(AttemptState s) noexcept {
    switch (s) {
        case AttemptState::Accepted:
            return "accepted";
        case AttemptState::Refused:
            return "refused";
        default:
            return "unanswered";
    }
}
}  // namespace

AttemptTracker::AttemptTracker(const core::SensorConfig& config, core::Stats& stats,
                               const core::ServiceCatalog& services, Inventory& inventory,
                               AlertWriter& alerts, ExposureTracker& exposure,
                               core::AttemptObserver* const& observer)
    : config_(&config),
      stats_(stats),
      services_(services),
      inventory_(inventory),
      alerts_(alerts),
      exposure_(exposure),
      observer_(observer),
      family_(stats.family(core::Metric::InboundAttempts)),
      series_(services.size() + 1) {
    // Every series exists from the start, so that dashboards see zeros rather than gaps.
    for (std::size_t i = 0; i < services.size(); ++i) {
        for (auto o : {AttemptState::Accepted, AttemptState::Refused, AttemptState::Unanswered}) {
            series(core::ServiceCatalog::id_at(i), o);
        }
    }
}

core::SeriesId AttemptTracker::register_series(core::ServiceId s, AttemptState outcome) {
    auto& slot = series_.at(static_cast<std::size_t>(s)).at(outcome_index(outcome));
    if (!slot.valid()) {
        slot = stats_.series(family_, {{"service", std::string(services_.label(s))},
                                       {"outcome", outcome_name(outcome)}});
    }
    return slot;
}

void AttemptTracker::start(core::Flow& flow) {
    flow.attempt = AttemptState::Pending;
    // An entry outlives its flow when the flow ends first (evicted under a flood, say): at
    // 500 k SYNs/s that is millions within attempt_timeout. Past twice the flow tables, drop
    // the entries whose attempt is gone: at most one per live flow remains, so this bounds the
    // queue by the tables' size at O(1) amortised.
    const auto& limits = config_->limits;
    if (pending_.size() >= 2 * (std::size_t{limits.flows} + limits.half_open)) {
        pending_.remove_if([](const Pending& p) { return !p.live(); });
    }
    pending_.push_back({&flow, flow.generation});
}

void AttemptTracker::on_answer(core::Flow& flow, const core::DecodedPacket& pkt) {
    if (flow.attempt != AttemptState::Pending) {
        return;
    }
    const bool tcp = flow.proto == core::ip_proto::kTcp;
    const std::uint8_t synack = tf::kSyn | tf::kAck;
    if (!tcp || (pkt.tcp_flags & synack) == synack) {  // a SYN-ACK, or any datagram back
        settle(flow, AttemptState::Accepted, pkt.ts);
    } else if ((pkt.tcp_flags & tf::kRst) != 0) {
        flow.refused_by = core::RefusedBy::Rst;
        settle(flow, AttemptState::Refused, pkt.ts);
    }
}

void AttemptTracker::on_icmp_unreachable(core::Flow& flow, const core::DecodedPacket& pkt) {
    // Only an error about the client's datagram refuses the client's attempt.
    if (flow.attempt == AttemptState::Pending && pkt.quoted.src == flow.client &&
        pkt.quoted.sport == flow.client_port) {
        flow.refused_by = core::RefusedBy::Icmp;
        settle(flow, AttemptState::Refused, pkt.ts);
    }
}

void AttemptTracker::on_flow_end(core::Flow& flow, core::Timestamp now) {
    if (flow.attempt == AttemptState::Pending) {
        // Dropped before its timeout (table full, port reuse): nothing answered it in time.
        settle(flow, AttemptState::Unanswered, std::max(now, flow.first_seen));
    }
}

void AttemptTracker::forget(const core::Flow& flow) noexcept {
    // Under a flood the flow table evicts flows in the order their attempts began, so the
    // ending flow's entry is usually the oldest one: dropping it here keeps the queue near the
    // live flows' count, without the sweep in start() that visits every queued flow.
    if (!pending_.empty() && pending_.front().flow == &flow &&
        pending_.front().generation == flow.generation) {
        pending_.pop_front();
    }
}

void AttemptTracker::settle_pending(bool everything, core::Timestamp now) {
    while (!pending_.empty()) {
        const Pending p = pending_.front();
        if (!p.live()) {
            pending_.pop_front();  // answered, or its flow ended and was settled then
            continue;
        }
        const core::Timestamp due_at = deadline(p);
        if (!everything && due_at > now) {
            break;
        }
        pending_.pop_front();
        // Timed out at its deadline, or (end of run) unanswered as of now.
        settle(*p.flow, AttemptState::Unanswered, everything ? now : due_at);
    }
}

void AttemptTracker::settle(core::Flow& flow, AttemptState outcome, core::Timestamp ts) {
    flow.attempt = outcome;
    stats_.add(series(flow.service, outcome));
    if (observer_ != nullptr) {
        const auto* known = inventory_.printer(flow.server);
        observer_->on_attempt(core::SettledAttempt{
            flow.client, flow.server,
            known != nullptr ? std::string_view(known->name) : std::string_view{}, flow.service,
            services_.label(flow.service), outcome, flow.first_seen});
    }
    exposure_.note_attempt(flow);
    alerts_.alert(
        &flow, sid::kInboundAttempt, alert_key(flow, outcome), flow.client,
        [&] {
            core::Object details{{"outcome", outcome_name(outcome)},
                                 {"service", alerts_.label(flow)},
                                 {"attempt_start", core::format_iso8601(flow.first_seen)}};
            if (outcome == AttemptState::Refused) {
                details.emplace_back("refused_by",
                                     flow.refused_by == core::RefusedBy::Icmp ? "icmp" : "rst");
            }
            if (const auto* p = inventory_.printer(flow.server); p != nullptr && !p->name.empty()) {
                details.emplace_back("printer", p->name);
            }
            return details;
        },
        ts);
    if (outcome == AttemptState::Accepted) {
        exposure_.mark_exposed(flow, ts);
    }
}

}  // namespace printwatch::detect
