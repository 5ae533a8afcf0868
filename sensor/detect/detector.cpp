// SPDX-License-Identifier: Apache-2.0
#include "detector.h"

#include "core/metrics.h"

#include <algorithm>

namespace printwatch::detect {

using core::Direction;
using core::Flow;
using core::Object;
using core::ServiceId;
using core::Timestamp;
namespace tf = core::tcp_flags;

namespace {
constexpr core::Duration kMinute = core::Duration::seconds(60);
}  // namespace

DetectionState::DetectionState(const core::SensorConfig& config, core::Stats& stats,
                               std::uint64_t hash_seed)
    : gate(config.alerts, config.limits, stats, hash_seed),
      scans(config.alerts, config.limits, stats, hash_seed),
      inventory(config, stats) {}

Detector::Detector(const core::SensorConfig& config, core::Stats& stats, core::EventSink& sink,
                   const EveEnvelope& envelope, const core::PortMap& ports,
                   const core::ServiceCatalog& services,
                   std::span<const core::DissectorInfo* const> dissectors,
                   std::shared_ptr<DetectionState> shared, std::uint64_t hash_seed)
    : config_(&config),
      stats_(stats),
      shared_(shared ? std::move(shared)
                     : std::make_shared<DetectionState>(config, stats, hash_seed)),
      scans_(shared_->scans),
      inventory_(shared_->inventory),
      ports_(ports),
      alerts_(shared_->gate, sink, envelope, services, dissectors),
      printers_(config, inventory_, ports, services, alerts_),
      exposure_(stats, inventory_, printers_, alerts_),
      clients_(config, inventory_, alerts_),
      attempts_(config, stats, services, inventory_, alerts_, exposure_, shared_->attempt_observer),
      scan_source_{core::IpAddr{}, scans_.source_hash(core::IpAddr{})} {
    for (const auto* info : dissectors) {
        if (info->rules.apply != nullptr) {
            rules_.emplace_back(info->name, info->rules.apply);
        }
    }
    const auto errors = stats.family(core::Metric::DissectorErrors);
    for (const auto* info : dissectors) {
        std::array<core::SeriesId, 4> by_reason{};
        for (auto reason : {core::ParseError::Truncated, core::ParseError::Invalid,
                            core::ParseError::TooLarge, core::ParseError::Unsupported}) {
            by_reason.at(static_cast<std::size_t>(reason)) = stats.series(
                errors,
                {{"dissector", std::string(info->name)}, {"reason", core::to_string(reason)}});
        }
        violation_series_.emplace_back(info->name, by_reason);
    }
}

void Detector::reconfigure(const core::SensorConfig& config) {
    config_ = &config;
    shared_->gate.reconfigure(config.alerts);
    scans_.reconfigure(config.alerts);
    inventory_.reconfigure(config);
    printers_.reconfigure(config);
    clients_.reconfigure(config);
    attempts_.reconfigure(config);
}

void Detector::first_packet(Timestamp ts) {
    shared_->started = true;
    shared_->next_minute = ts + kMinute;
    if (!inventory_.learning_start) {
        inventory_.learning_start = ts;
    }
    printers_.announce_configured(ts);
}

void Detector::advance(Timestamp now) {
    now_ = std::max(now_, now);
    if (!attempts_.due(now_) && now_ < next_shared_due_) {
        return;  // the common case, per packet: nothing to settle, nothing shared to do
    }
    const auto lock = lock_shared();
    if (!shared_->started) {
        first_packet(now);
    }
    attempts_.settle_due(now_);
    alerts_.roll(now_);
    if (now_ >= shared_->next_minute) {
        shared_->next_minute = now_ + kMinute;
        exposure_.expire(now_);
    }
    // The gate's budget rolls on minutes of packet time; another worker may roll it first,
    // which leaves this worker's roll a no-op.
    const Timestamp next_budget_minute{(now_.usec / kMinute.usec + 1) * kMinute.usec};
    next_shared_due_ = std::min(next_budget_minute, shared_->next_minute);
}

void Detector::prefetch(const core::DecodedPacket& pkt, const Flow* victim) noexcept {
    if (core::is_syn_only(pkt)) {
        scan_source_ = {pkt.src, scans_.source_hash(pkt.src)};
        scans_.prefetch(scan_source_.hash);
    }
    if (victim != nullptr && victim->attempt == core::AttemptState::Pending) {
        alerts_.prefetch(AttemptTracker::alert_key(*victim, core::AttemptState::Unanswered),
                         victim->client);
    }
}

void Detector::on_packet(Flow& flow, Direction dir, bool created, const core::DecodedPacket& pkt) {
    if (flow.service == ServiceId::None) {
        return;
    }
    const auto lock = lock_shared();
    if (created) {
        // A known printer sending from its own service port (a reply to a broadcast discover
        // opens a flow of its own) is serving, not using a printer service.
        const bool printer_serving =
            ports_.lookup(flow.proto, flow.client_port) != ServiceId::None &&
            inventory_.printer(flow.client) != nullptr;
        if (!printer_serving) {
            on_opening(flow, dir, pkt);
        }
    }
    if (dir == Direction::ToClient) {
        on_answer(flow, pkt);
    }
}

void Detector::on_opening(Flow& flow, Direction dir, const core::DecodedPacket& pkt) {
    const bool tcp = flow.proto == core::ip_proto::kTcp;
    if ((tcp && !core::is_syn_only(pkt)) || dir != Direction::ToServer) {
        return;  // ACK/FIN/RST probes and mid-stream pickups are not attempts (docs/spec.md §4)
    }
    const bool client_inside = config_->in_home_net(flow.client);
    const bool inbound = !client_inside && config_->in_home_net(flow.server);
    if (inbound) {
        attempts_.start(flow);
    } else if (client_inside && clients_.admit(flow, pkt.ts)) {
        return;  // a CUPS/SANE host using 9100, 8611 and 8612 of a printer is not scanning
    }
    const std::uint64_t source_hash =
        flow.client == scan_source_.addr ? scan_source_.hash : scans_.source_hash(flow.client);
    const auto v = scans_.record(flow.client, source_hash, flow.server, flow.server_port, pkt.ts);
    if (v.fired) {
        alerts_.alert(
            &flow, sid::kScan, {sid::kScan, flow.client, {}, 0, 0}, flow.client,
            [&] {
                return Object{{"ports", core::Array(v.port_list.begin(), v.port_list.end())},
                              {"distinct_ports", v.ports},
                              {"distinct_hosts", v.hosts},
                              {"window_seconds", config_->alerts.scan.window.usec / 1'000'000}};
            },
            pkt.ts);
    }
}

void Detector::on_answer(Flow& flow, const core::DecodedPacket& pkt) {
    const std::uint8_t synack = tf::kSyn | tf::kAck;
    const bool syn_ack = flow.proto == core::ip_proto::kTcp && (pkt.tcp_flags & synack) == synack;
    if (syn_ack && config_->in_home_net(flow.server)) {
        printers_.learn(flow, false, {}, "syn-ack", pkt.ts);
    }
    attempts_.on_answer(flow, pkt);
}

void Detector::on_icmp_unreachable(Flow& flow, const core::DecodedPacket& pkt) {
    const auto lock = lock_shared();
    attempts_.on_icmp_unreachable(flow, pkt);
}

void Detector::on_app_event(Flow& flow, core::AppEvent& event) {
    const auto lock = lock_shared();
    if (event.violation) {
        for (const auto& [name, by_reason] : violation_series_) {
            if (name == event.dissector) {
                stats_.add(by_reason.at(static_cast<std::size_t>(*event.violation)));
            }
        }
    }
    apply_app_rules(flow, event);
}

void Detector::on_flow_end(Flow& flow, Timestamp now) {
    if (flow.attempt == core::AttemptState::Pending) {
        const auto lock = lock_shared();
        attempts_.on_flow_end(flow, now);
    }
    attempts_.forget(flow);  // this worker's queue only: no lock
}

void Detector::finish(Timestamp now, bool last_worker) {
    advance(now);
    const auto lock = lock_shared();
    attempts_.settle_all(now);
    if (last_worker) {
        alerts_.roll(now, true);
    }
}

}  // namespace printwatch::detect
