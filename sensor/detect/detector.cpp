// SPDX-License-Identifier: Apache-2.0
#include "detector.h"

#include "core/result.h"
#include "signatures.h"

#include <algorithm>

namespace printwatch::detect {

using core::AttemptState;
using core::Direction;
using core::Flow;
using core::Object;
using core::ServiceId;
using core::Timestamp;
namespace tf = core::tcp_flags;

namespace {
constexpr core::Duration kExposureWindow = core::Duration::seconds(std::int64_t{24} * 3600);
constexpr core::Duration kMinute = core::Duration::seconds(60);

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
std::size_t outcome_index(AttemptState s) noexcept {
    switch (s) {
        case AttemptState::Accepted:
            return 0;
        case AttemptState::Refused:
            return 1;
        default:
            return 2;
    }
}
std::optional<core::MacAddr> mac_of(const Flow& f, bool server) {
    if (!f.has_mac) {
        return std::nullopt;
    }
    return server ? f.server_mac : f.client_mac;
}
}  // namespace

DetectionState::DetectionState(const core::SensorConfig& config, core::Stats& stats)
    : gate(config.alerts, config.limits, stats),
      scans(config.alerts, config.limits, stats),
      inventory(config, stats) {}

Detector::Detector(const core::SensorConfig& config, core::Stats& stats, core::EventSink& sink,
                   const std::vector<core::InputName>& inputs, const core::PortMap& ports,
                   const core::ServiceCatalog& services,
                   std::span<const core::DissectorInfo* const> dissectors,
                   std::shared_ptr<DetectionState> shared)
    : config_(&config),
      stats_(stats),
      sink_(sink),
      envelope_(inputs, services),
      shared_(shared ? std::move(shared) : std::make_shared<DetectionState>(config, stats)),
      gate_(shared_->gate),
      scans_(shared_->scans),
      inventory_(shared_->inventory),
      ports_(ports),
      services_(services),
      signatures_(dissectors),
      attempts_(services.size() + 1) {
    for (const auto& sig : signatures_.all()) {
        gate_.register_kind(sig.kind);
    }
    for (const auto* info : dissectors) {
        if (info->rules.apply != nullptr) {
            rules_.emplace_back(info->name, info->rules.apply);
        }
    }
    attempts_family_ = stats.family(core::Metric::InboundAttempts);
    for (std::size_t i = 0; i < services.size(); ++i) {
        for (auto o : {AttemptState::Accepted, AttemptState::Refused, AttemptState::Unanswered}) {
            attempt_series(core::ServiceCatalog::id_at(i), o);
        }
    }
    exposed_family_ = stats.family(core::Metric::PrinterExposed);
    last_attempt_family_ = stats.family(core::Metric::PrinterLastInboundAttempt);
    dissector_errors_family_ = stats.family(core::Metric::DissectorErrors);
    for (const auto* info : dissectors) {
        std::array<core::SeriesId, 4> by_reason{};
        for (auto reason : {core::ParseError::Truncated, core::ParseError::Invalid,
                            core::ParseError::TooLarge, core::ParseError::Unsupported}) {
            by_reason.at(static_cast<std::size_t>(reason)) = stats.series(
                dissector_errors_family_,
                {{"dissector", std::string(info->name)}, {"reason", core::to_string(reason)}});
        }
        violation_series_.emplace_back(info->name, by_reason);
    }
}

void Detector::reconfigure(const core::SensorConfig& config) {
    config_ = &config;
    gate_.reconfigure(config.alerts);
    scans_.reconfigure(config.alerts);
    inventory_.reconfigure(config);
}

core::SeriesId Detector::attempt_series(ServiceId s, AttemptState outcome) {
    auto& slot = attempts_.at(static_cast<std::size_t>(s)).at(outcome_index(outcome));
    if (!slot.valid()) {
        slot = stats_.series(attempts_family_, {{"service", std::string(services_.label(s))},
                                                {"outcome", outcome_name(outcome)}});
    }
    return slot;
}

bool Detector::trusted(const Flow& flow) const {
    if (config_->has_trusted_clients()) {
        for (const auto& c : config_->trusted_networks) {
            if (c.contains(flow.client)) {
                return true;
            }
        }
        return flow.has_mac && std::find(config_->trusted_macs.begin(), config_->trusted_macs.end(),
                                         flow.client_mac) != config_->trusted_macs.end();
    }
    return inventory_.client_known(flow.client);
}

void Detector::alert(const Flow* flow, std::uint32_t sid, const SuppressKey& key,
                     const core::IpAddr& source, core::FunctionRef<Object()> details, Timestamp ts,
                     std::string_view app_proto) {
    const auto& sig = signatures_.at(sid);
    if (!gate_.admit(key, sig.kind, source, ts)) {
        return;
    }
    core::EveEvent e;
    if (flow != nullptr) {
        e = envelope_.of(*flow, ts, "alert");
    } else {
        e.ts = ts;
        e.event_type = "alert";
    }
    if (!app_proto.empty()) {
        e.app_proto = app_proto;
    }
    e.alert = &sig;
    e.severity = sig.severity;
    e.body_key = "printwatch";
    e.body.emplace_back("kind", std::string(sig.kind));
    for (auto& kv : details()) {
        e.body.push_back(std::move(kv));
    }
    sink_.write(e);
}

void Detector::first_packet(Timestamp ts) {
    shared_->started = true;
    shared_->next_minute = ts + kMinute;
    if (!inventory_.learning_start) {
        inventory_.learning_start = ts;
    }
    // Configured printers are announced once, at the first packet's time.
    for (auto& [addr, p] : inventory_.printers()) {
        if (p.learned_from == "config" && !p.announced) {
            p.announced = true;
            p.first_seen = ts;
            write_printer_record(p, ts);
        }
    }
}

void Detector::advance(Timestamp now) {
    now_ = std::max(now_, now);
    const bool attempts_due = !pending_.empty() && pending_.front().deadline <= now_;
    if (!attempts_due && now_ < next_shared_due_) {
        return;  // the common case, per packet: nothing to settle, nothing shared to do
    }
    const auto lock = lock_shared();
    if (!shared_->started) {
        first_packet(now);
    }
    settle_pending(false, now_);
    if (auto summary = gate_.roll(now_)) {
        write_flood_summary(*summary, now_);
    }
    if (now_ >= shared_->next_minute) {
        shared_->next_minute = now_ + kMinute;
        for (auto& [addr, p] : inventory_.printers()) {
            for (auto& [svc, at] : p.exposed_at) {
                if (now_ - at > kExposureWindow) {
                    stats_.set(p.exposed[svc], 0);
                }
            }
        }
    }
    // The gate's budget rolls on minutes of packet time; another worker may roll it first,
    // which leaves this worker's roll a no-op.
    const Timestamp next_budget_minute{(now_.usec / kMinute.usec + 1) * kMinute.usec};
    next_shared_due_ = std::min(next_budget_minute, shared_->next_minute);
}

bool Detector::check_unknown_client(Flow& flow, Timestamp ts) {
    if (!config_->has_trusted_clients() && inventory_.learning_start &&
        ts - *inventory_.learning_start < config_->learning.period) {
        // Learned clients are trusted; one the full client table refused is not.
        return inventory_.learn_client(flow.client, mac_of(flow, false), ts);
    }
    if (trusted(flow)) {
        return true;
    }
    alert(
        &flow, sid::kUnknownClient,
        {sid::kUnknownClient, flow.client, flow.server, static_cast<std::uint8_t>(flow.service), 0},
        flow.client,
        [&] {
            Object details{{"service", label(flow)}};
            details.emplace_back("client_mac", flow.has_mac
                                                   ? core::Value(flow.client_mac.to_string())
                                                   : core::Value());
            if (const auto* p = inventory_.printer(flow.server); p != nullptr && !p->name.empty()) {
                details.emplace_back("printer", p->name);
            }
            return details;
        },
        ts);
    return false;
}

void Detector::start_attempt(Flow& flow, Timestamp ts) {
    flow.attempt = AttemptState::Pending;
    flow.attempt_ts = ts;
    // An entry outlives its flow when the flow ends first (evicted under a flood, say): at
    // 500 k SYNs/s that is millions within attempt_timeout. Past twice the flow table, drop
    // the entries whose attempt is gone: at most one per live flow remains, so this bounds the
    // queue by limits.flows at O(1) amortised.
    if (pending_.size() >= 2 * static_cast<std::size_t>(config_->limits.flows)) {
        pending_.remove_if([](const Pending& p) {
            return p.flow->id != p.id || p.flow->attempt != AttemptState::Pending;
        });
    }
    pending_.push_back({ts + config_->alerts.attempt_timeout, &flow, flow.id});
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
    const bool syn_only = tcp && (pkt.tcp_flags & (tf::kSyn | tf::kAck)) == tf::kSyn;
    if ((tcp && !syn_only) || dir != Direction::ToServer) {
        return;  // ACK/FIN/RST probes and mid-stream pickups are not attempts (docs/spec.md §4)
    }
    const bool client_inside = config_->in_home_net(flow.client);
    const bool inbound = !client_inside && config_->in_home_net(flow.server);
    if (inbound) {
        start_attempt(flow, pkt.ts);
    } else if (client_inside) {
        if (check_unknown_client(flow, pkt.ts)) {
            return;  // a CUPS/SANE host using 9100, 8611 and 8612 of a printer is not scanning
        }
    }
    const auto v = scans_.record(flow.client, flow.server, flow.server_port, pkt.ts);
    if (v.fired) {
        alert(
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
    const bool tcp = flow.proto == core::ip_proto::kTcp;
    const std::uint8_t synack = tf::kSyn | tf::kAck;
    const bool syn_ack = tcp && (pkt.tcp_flags & synack) == synack;
    if (syn_ack && config_->in_home_net(flow.server)) {
        learn_printer(flow, false, {}, "syn-ack", pkt.ts);
    }
    if (flow.attempt != AttemptState::Pending) {
        return;
    }
    if (syn_ack || !tcp) {  // a SYN-ACK, or any datagram back
        settle(flow, AttemptState::Accepted, pkt.ts);
    } else if ((pkt.tcp_flags & tf::kRst) != 0) {
        flow.refused_by = "rst";
        settle(flow, AttemptState::Refused, pkt.ts);
    }
}

void Detector::on_icmp_unreachable(Flow& flow, const core::DecodedPacket& pkt) {
    // Only an error about the client's datagram refuses the client's attempt.
    const auto lock = lock_shared();
    if (flow.attempt == AttemptState::Pending && pkt.quoted.src == flow.client &&
        pkt.quoted.sport == flow.client_port) {
        flow.refused_by = "icmp";
        settle(flow, AttemptState::Refused, pkt.ts);
    }
}

void Detector::settle(Flow& flow, AttemptState outcome, Timestamp ts) {
    flow.attempt = outcome;
    stats_.add(attempt_series(flow.service, outcome));
    if (shared_->attempt_observer != nullptr) {
        const auto* known = inventory_.printer(flow.server);
        shared_->attempt_observer->on_attempt(core::SettledAttempt{
            flow.client, flow.server,
            known != nullptr ? std::string_view(known->name) : std::string_view{}, flow.service,
            services_.label(flow.service), outcome, flow.attempt_ts});
    }
    if (auto* p = inventory_.printer(flow.server); p != nullptr) {
        if (!p->last_attempt.valid()) {
            p->last_attempt = stats_.series(last_attempt_family_, {{"printer", p->label()}});
        }
        stats_.set(p->last_attempt, core::to_seconds(flow.attempt_ts));
    }
    alert(
        &flow, sid::kInboundAttempt,
        {sid::kInboundAttempt, flow.client, flow.server, static_cast<std::uint8_t>(flow.service),
         static_cast<std::uint8_t>(outcome)},
        flow.client,
        [&] {
            Object details{{"outcome", outcome_name(outcome)},
                           {"service", label(flow)},
                           {"attempt_start", core::format_iso8601(flow.attempt_ts)}};
            if (outcome == AttemptState::Refused) {
                details.emplace_back("refused_by", std::string(flow.refused_by));
            }
            if (const auto* p = inventory_.printer(flow.server); p != nullptr && !p->name.empty()) {
                details.emplace_back("printer", p->name);
            }
            return details;
        },
        ts);
    if (outcome == AttemptState::Accepted) {
        mark_exposed(flow, ts);
    }
}

void Detector::mark_exposed(Flow& flow, Timestamp ts) {
    auto* p = inventory_.printer(flow.server);
    if (p == nullptr) {
        // A UDP answer from a printer port with no protocol confirmation yet.
        learn_printer(flow, false, {}, flow.proto == core::ip_proto::kTcp ? "syn-ack" : "udp-reply",
                      ts);
        p = inventory_.printer(flow.server);
    }
    if (p != nullptr) {
        auto& series = p->exposed[flow.service];
        if (!series.valid()) {
            series =
                stats_.series(exposed_family_, {{"printer", p->label()}, {"service", label(flow)}});
        }
        stats_.set(series, 1);
        p->exposed_at[flow.service] = ts;
    }
    alert(
        &flow, sid::kExposed,
        {sid::kExposed, {}, flow.server, static_cast<std::uint8_t>(flow.service), 0}, flow.client,
        [&] {
            Object details{{"service", label(flow)}};
            if (p != nullptr && !p->name.empty()) {
                details.emplace_back("printer", p->name);
            }
            return details;
        },
        ts);
}

void Detector::learn_printer(const Flow& flow, bool client_side, Inventory::Identity identity,
                             std::string_view learned_from, Timestamp ts) {
    const core::IpAddr& address = client_side ? flow.client : flow.server;
    if (!config_->in_home_net(address)) {
        return;
    }
    // A printer that initiated the flow (a reply to a broadcast) serves on its source port.
    const ServiceId service =
        client_side ? ports_.lookup(flow.proto, flow.client_port) : flow.service;
    const auto change = inventory_.observe_printer(address, mac_of(flow, !client_side), service,
                                                   identity, learned_from, ts);
    if (change != Change::None) {
        write_printer_record(*inventory_.printer(address), ts);
    }
}

void Detector::write_printer_record(const PrinterRecord& p, Timestamp ts) {
    core::EveEvent e;
    e.ts = ts;
    e.event_type = "printer";
    e.body_key = "printer";
    core::Array services;
    for (std::size_t i = 0; i < services_.size(); ++i) {
        if ((p.services & service_bit(core::ServiceCatalog::id_at(i))) != 0) {
            services.emplace_back(std::string(services_.entries()[i].label));
        }
    }
    e.body = Object{{"address", p.address.to_string()}};
    if (!p.name.empty()) {
        e.body.emplace_back("name", p.name);
    }
    e.body.emplace_back("mac", p.mac ? core::Value(p.mac->to_string()) : core::Value());
    e.body.emplace_back("services", std::move(services));
    e.body.emplace_back("model", p.model.empty() ? core::Value() : core::Value(p.model));
    if (!p.uuid.empty()) {
        e.body.emplace_back("uuid", p.uuid);
    }
    e.body.emplace_back("learned_from", p.learned_from);
    e.body.emplace_back("first_seen", core::format_iso8601(p.first_seen));
    sink_.write(e);
}

void Detector::write_flood_summary(const FloodSummary& s, Timestamp ts) {
    const auto& sig = signatures_.at(sid::kAlertFlood);
    gate_.count_emitted(sig.kind);
    core::EveEvent e;
    e.ts = ts;
    e.event_type = "alert";
    e.alert = &sig;
    e.severity = sig.severity;
    e.body_key = "printwatch";
    e.body = Object{{"kind", std::string(sig.kind)},
                    {"minute_start", core::format_iso8601(s.minute_start)},
                    {"suppressed", s.suppressed},
                    {"suppressed_by_kind", s.by_kind},
                    {"top_sources", s.top_sources}};
    sink_.write(e);
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
    if (flow.attempt == AttemptState::Pending) {
        // Dropped before its timeout (table full, port reuse): nothing answered it in time.
        const auto lock = lock_shared();
        settle(flow, AttemptState::Unanswered, std::max(now, flow.attempt_ts));
    }
}

void Detector::settle_pending(bool everything, Timestamp now) {
    while (!pending_.empty() && (everything || pending_.front().deadline <= now)) {
        const Pending p = pending_.front();
        pending_.pop_front();
        if (p.flow->id == p.id && p.flow->attempt == AttemptState::Pending) {
            // Timed out at its deadline, or (end of run) unanswered as of now.
            settle(*p.flow, AttemptState::Unanswered, everything ? now : p.deadline);
        }
    }
}

void Detector::finish(Timestamp now, bool last_worker) {
    advance(now);
    const auto lock = lock_shared();
    settle_pending(true, now);
    if (!last_worker) {
        return;
    }
    if (auto summary = gate_.roll(now, true)) {
        write_flood_summary(*summary, now);
    }
}

}  // namespace printwatch::detect
