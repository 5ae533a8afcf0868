// SPDX-License-Identifier: Apache-2.0
#include "exposure_tracker.h"

#include "core/metrics.h"
#include "core/packet.h"

namespace printwatch::detect {

namespace {
constexpr core::Duration kExposureWindow = core::Duration::seconds(std::int64_t{24} * 3600);
}  // namespace

ExposureTracker::ExposureTracker(core::Stats& stats, Inventory& inventory, PrinterLearner& printers,
                                 AlertWriter& alerts)
    : stats_(stats),
      inventory_(inventory),
      printers_(printers),
      alerts_(alerts),
      exposed_family_(stats.family(core::Metric::PrinterExposed)),
      last_attempt_family_(stats.family(core::Metric::PrinterLastInboundAttempt)) {}

void ExposureTracker::mark_exposed(core::Flow& flow, core::Timestamp ts) {
    auto* p = inventory_.printer(flow.server);
    if (p == nullptr) {
        // A UDP answer from a printer port with no protocol confirmation yet.
        printers_.learn(flow, false, {},
                        flow.proto == core::ip_proto::kTcp ? "syn-ack" : "udp-reply", ts);
        p = inventory_.printer(flow.server);
    }
    if (p != nullptr) {
        auto& series = p->exposed[flow.service];
        if (!series.valid()) {
            series = stats_.series(exposed_family_,
                                   {{"printer", p->label()}, {"service", alerts_.label(flow)}});
        }
        stats_.set(series, 1);
        p->exposed_at[flow.service] = ts;
    }
    alerts_.alert(
        &flow, sid::kExposed,
        {sid::kExposed, {}, flow.server, static_cast<std::uint8_t>(flow.service), 0}, flow.client,
        [&] {
            core::Object details{{"service", alerts_.label(flow)}};
            if (p != nullptr && !p->name.empty()) {
                details.emplace_back("printer", p->name);
            }
            return details;
        },
        ts);
}

void ExposureTracker::note_attempt(const core::Flow& flow) {
    if (auto* p = inventory_.printer(flow.server); p != nullptr) {
        if (!p->last_attempt.valid()) {
            p->last_attempt = stats_.series(last_attempt_family_, {{"printer", p->label()}});
        }
        if (pending_series_.valid() && pending_series_.index != p->last_attempt.index) {
            publish();
        }
        pending_series_ = p->last_attempt;
        pending_value_ = flow.first_seen;
    }
}

void ExposureTracker::publish() {
    if (pending_series_.valid()) {
        stats_.set(pending_series_, core::to_seconds(pending_value_));
        pending_series_ = {};
    }
}

void ExposureTracker::expire(core::Timestamp now) {
    for (auto& [addr, p] : inventory_.printers()) {
        for (auto& [svc, at] : p.exposed_at) {
            if (now - at > kExposureWindow) {
                stats_.set(p.exposed[svc], 0);
            }
        }
    }
}

}  // namespace printwatch::detect
