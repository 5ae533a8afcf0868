// SPDX-License-Identifier: Apache-2.0
#include "pipeline.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <utility>

namespace printwatch::app {

using core::PacketKind;
using core::Timestamp;

namespace {
constexpr core::Duration kStatsInterval = core::Duration::seconds(60);
constexpr std::size_t kHashedPayloadBytes = 64;
}  // namespace

bool DuplicateFilter::seen(const core::DecodedPacket& pkt) noexcept {
    // Everything that identifies the packet end to end, nothing that a hop rewrites.
    std::uint64_t h = core::hash_addrs(seed_ ^ pkt.ip_proto, pkt.src, pkt.dst);
    h = core::hash_word(h, (static_cast<std::uint64_t>(pkt.ip_id) << 32U) |
                               (static_cast<std::uint64_t>(pkt.sport) << 16U) | pkt.dport);
    h = core::hash_word(h, (static_cast<std::uint64_t>(pkt.seq) << 32U) | pkt.ack);
    h = core::hash_word(h, (pkt.payload.size() << 8U) | pkt.tcp_flags);
    // An empty payload (every SYN of a flood) is already in the size hashed above.
    const auto head = pkt.payload.first(std::min(pkt.payload.size(), kHashedPayloadBytes));
    h = head.empty() ? core::hash_finish(h) : core::hash_bytes(head.data(), head.size(), h);
    Entry& e = slots_.at(h & (kSlots - 1));
    if (e.hash == h && pkt.ts - e.ts <= kWindow && pkt.ts >= e.ts) {
        return true;
    }
    e = Entry{h, pkt.ts};
    return false;
}

Pipeline::Pipeline(const core::SensorConfig& config, core::Stats& stats, core::EventSink& sink,
                   std::span<const core::DissectorInfo* const> registry, PipelineOptions options)
    : config_(&config),
      stats_(stats),
      sink_(sink),
      options_(std::move(options)),
      services_(registry),
      ports_(services_, config.ports),
      envelope_(inputs_, services_, options_.flow_id_salt),
      records_(sink, envelope_),
      detector_(config, stats, sink, envelope_, ports_, services_, registry, options_.detection,
                options_.hash_seed),
      // The flow table's own constant, so that a replay's flows hash as they always have.
      flows_(config.limits, config.flow.vlan_tracking, stats, *this, 0x5eed ^ options_.hash_seed),
      app_(registry, services_, config, options_.all_traffic, stats),
      duplicates_(options_.hash_seed) {
    if (!options_.stats_deadline) {
        options_.stats_deadline = std::make_shared<std::atomic<std::int64_t>>(INT64_MIN);
    }
    const auto fam = stats.family(core::Metric::DecodeErrors);
    for (std::size_t l = 0; l < decode_errors_.size(); ++l) {
        for (auto reason : {core::ParseError::Truncated, core::ParseError::Invalid,
                            core::ParseError::Unsupported}) {
            decode_errors_.at(l).at(static_cast<std::size_t>(reason)) =
                stats.series(fam, {{"layer", decode::to_string(static_cast<decode::Layer>(l))},
                                   {"reason", core::to_string(reason)}});
        }
    }
    duplicates_series_ = stats.series(stats.family(core::Metric::DuplicatePackets));
    fragments_series_ = stats.series(stats.family(core::Metric::IpFragments));
    last_packet_ = stats.series(stats.family(core::Metric::LastPacketTimestamp));
    capture_errors_ = stats.series(fam, {{"layer", "capture"}, {"reason", "truncated"}});
}

std::uint16_t Pipeline::add_interface(const std::string& name, const std::string& pcap_filename) {
    auto it = std::find_if(inputs_.begin(), inputs_.end(), [&](const core::InputName& in) {
        return in.name == name && in.pcap_filename == pcap_filename;
    });
    if (it != inputs_.end()) {
        return static_cast<std::uint16_t>(it - inputs_.begin());
    }
    inputs_.push_back(core::InputName{name, pcap_filename});
    const core::Labels labels{{"interface", name}};
    iface_series_.push_back(
        InterfaceSeries{stats_.series(stats_.family(core::Metric::CapturePackets), labels),
                        stats_.series(stats_.family(core::Metric::CaptureKernelDrops), labels),
                        stats_.series(stats_.family(core::Metric::CaptureInterfaceDrops), labels)});
    return static_cast<std::uint16_t>(inputs_.size() - 1);
}

void Pipeline::count_capture_error(std::uint16_t /*iface*/) {
    stats_.add(capture_errors_);
}

void Pipeline::set_capture_drops(std::uint16_t iface, std::uint64_t kernel,
                                 std::uint64_t interface) {
    auto& s = iface_series_.at(iface);
    // Each worker's socket has its own ring and drop count, added up by difference; the
    // interface's own drops are the same figure from every worker.
    if (kernel > s.kernel_drops_reported) {
        stats_.add(s.kernel_drops, static_cast<double>(kernel - s.kernel_drops_reported));
        s.kernel_drops_reported = kernel;
    }
    stats_.set(s.interface_drops, static_cast<double>(interface));
}

void Pipeline::count_decode_error(const decode::DecodeStatus& status) {
    stats_.add(decode_errors_.at(static_cast<std::size_t>(status.layer))
                   .at(static_cast<std::size_t>(status.reason)));
}

void Pipeline::tick(Timestamp now) {
    if (!started_) {
        return;  // no packet yet: nothing to time out
    }
    now_ = std::max(now_, now);
    detector_.advance(now_);
    flows_.expire(now_);
    if (stats_due()) {
        write_stats(now_);
    }
}

bool Pipeline::stats_due() {
    auto& deadline = *options_.stats_deadline;
    std::int64_t due = deadline.load(std::memory_order_relaxed);
    if (due == INT64_MIN) {  // the workers' first packet starts the interval
        deadline.compare_exchange_strong(due, (now_ + kStatsInterval).usec);
        return false;
    }
    // One worker wins the exchange; the others see the new deadline. (A lone pipeline has a
    // deadline of its own, and always wins.)
    return now_.usec >= due && deadline.compare_exchange_strong(due, (now_ + kStatsInterval).usec);
}

void Pipeline::on_filtered(std::uint16_t iface) {
    ++iface_series_.at(iface).unpublished_packets;
}

void Pipeline::publish() {
    // Per packet, the counter add and the gauge's store (a double conversion and an atomic)
    // were a fiftieth of a SYN flood's instructions.
    for (auto& s : iface_series_) {
        if (s.unpublished_packets != 0) {
            stats_.add(s.packets, static_cast<double>(s.unpublished_packets));
            s.unpublished_packets = 0;
        }
    }
    if (clock_unpublished_) {
        stats_.set(last_packet_, core::to_seconds(now_));
        clock_unpublished_ = false;
    }
    detector_.publish();
}

void Pipeline::prepare(const core::RawFrame& frame, PreparedPacket& out) noexcept {
    out.status = decode::decode(frame, out.pkt);
    out.transport = false;
    out.duplicate = false;
    if (out.status.outcome != decode::Outcome::Decoded) {
        return;
    }
    const auto& pkt = out.pkt;
    out.transport = pkt.kind == PacketKind::Tcp || pkt.kind == PacketKind::Udp;
    if (out.transport) {
        flows_.probe(pkt, out.probe);
        // A SYN is where a flood's misses are: a new flow, an eviction, a new source. Asked
        // for here, as early as the keys are known, they load while the rest runs. Other
        // packets mostly hit warm entries, and there the prefetch's extra hashing would be
        // pure cost.
        if (core::is_syn_only(pkt)) {
            flows_.prefetch(out.probe);
            detector_.prefetch(pkt, flows_.next_victim());
        }
    }
    out.duplicate = duplicates_.seen(pkt);
}

void Pipeline::process(std::uint16_t iface, const PreparedPacket& p) {
    ++iface_series_.at(iface).unpublished_packets;
    if (p.status.outcome == decode::Outcome::Error) {
        count_decode_error(p.status);
        return;
    }
    const core::DecodedPacket& pkt = p.pkt;
    if (!started_) {
        started_ = true;
        now_ = pkt.ts;
    }
    // Packet time never runs backwards for timers, even across files or reordered captures.
    now_ = std::max(now_, pkt.ts);
    clock_unpublished_ = true;
    if (p.status.outcome == decode::Outcome::NotIp) {
        tick(now_);
        return;
    }
    if (p.duplicate) {
        stats_.add(duplicates_series_);
        return;
    }
    tick(now_);
    handle_transport(pkt, p.probe);
}

void Pipeline::handle_transport(const core::DecodedPacket& pkt, const flow::FlowProbe& probe) {
    switch (pkt.kind) {
        case PacketKind::Tcp:
        case PacketKind::Udp: {
            const bool dst_is_service =
                ports_.lookup(pkt.ip_proto, pkt.dport) != core::ServiceId::None;
            auto obs = flows_.observe(pkt, probe, dst_is_service);
            if (obs.created) {
                obs.flow->service = ports_.lookup(obs.flow->proto, obs.flow->server_port);
            }
            app_.on_packet(*obs.flow, obs.dir, pkt, *this);
            detector_.on_packet(*obs.flow, obs.dir, obs.created, pkt);
            break;
        }
        case PacketKind::IcmpUnreachable:
            if (auto* f = flows_.find_quoted(pkt); f != nullptr) {
                detector_.on_icmp_unreachable(*f, pkt);
            }
            break;
        case PacketKind::Fragment:
            stats_.add(fragments_series_);
            break;
        case PacketKind::OtherIp:
            break;
    }
}

void Pipeline::on_flow_end(core::Flow& flow, flow::EndReason /*reason*/, Timestamp now) {
    app_.on_flow_end(flow, *this);
    detector_.on_flow_end(flow, now);
}

void Pipeline::on_app_event(core::Flow& flow, core::AppEvent& event) {
    records_.on_app_event(flow, event);
    detector_.on_app_event(flow, event);
}

void Pipeline::finish(bool last_worker) {
    if (!started_) {
        publish();  // packets counted, none decoded
        return;
    }
    flows_.end_all(now_);
    detector_.finish(now_, last_worker);
    publish();  // with what settling the last attempts left pending
    if (last_worker) {
        write_stats(now_);
    }
    sink_.flush();
}

void Pipeline::reconfigure(const core::SensorConfig& config) {
    config_ = &config;
    ports_ = core::PortMap(services_, config.ports);
    detector_.reconfigure(config);
    app_.reconfigure(config);
}

namespace {

enum class Shape : std::uint8_t {
    Value,  // an unlabelled family: one number
    Sum,    // a labelled family summed into one number (as Suricata's capture.kernel_packets)
    Rows,   // a labelled family as an array of objects: its labels as keys, plus "value"
};
struct StatsField {
    std::string_view family;
    std::string_view section;
    std::string_view key;
    Shape shape;
};
// The EVE stats record in Suricata's shape: nested objects with fixed keys, and per-printer or
// per-kind figures as arrays of objects, never addresses as keys (Elasticsearch would make a
// field of every printer). A family missing here lands in "other", which the golden tests
// would show.
constexpr std::array kStatsFields{
    StatsField{"printwatch_capture_packets_total", "capture", "packets", Shape::Sum},
    StatsField{"printwatch_capture_packets_total", "capture", "packets_by_interface", Shape::Rows},
    StatsField{"printwatch_capture_worker_packets_total", "capture", "packets_by_worker",
               Shape::Rows},
    StatsField{"printwatch_capture_kernel_drops_total", "capture", "kernel_drops", Shape::Sum},
    StatsField{"printwatch_capture_interface_drops_total", "capture", "interface_drops",
               Shape::Sum},
    StatsField{"printwatch_decode_errors_total", "decoder", "errors", Shape::Sum},
    StatsField{"printwatch_decode_errors_total", "decoder", "errors_by_reason", Shape::Rows},
    StatsField{"printwatch_duplicate_packets_total", "decoder", "duplicates", Shape::Value},
    StatsField{"printwatch_ip_fragments_total", "decoder", "ip_fragments", Shape::Value},
    StatsField{"printwatch_last_packet_timestamp_seconds", "decoder", "last_packet_time",
               Shape::Value},
    StatsField{"printwatch_flows_active", "flow", "active", Shape::Value},
    StatsField{"printwatch_flow_evictions_total", "flow", "evictions", Shape::Value},
    StatsField{"printwatch_stream_gaps_total", "tcp", "stream_gaps", Shape::Value},
    StatsField{"printwatch_dissector_detached_total", "app_layer", "detached", Shape::Value},
    StatsField{"printwatch_dissector_errors_total", "app_layer", "errors", Shape::Sum},
    StatsField{"printwatch_dissector_errors_total", "app_layer", "errors_by_dissector",
               Shape::Rows},
    StatsField{"printwatch_alerts_total", "detect", "alert", Shape::Sum},
    StatsField{"printwatch_alerts_total", "detect", "alert_by_kind", Shape::Rows},
    StatsField{"printwatch_alerts_suppressed_total", "detect", "suppressed", Shape::Sum},
    StatsField{"printwatch_alerts_suppressed_total", "detect", "suppressed_by_kind", Shape::Rows},
    StatsField{"printwatch_inbound_attempts_total", "detect", "inbound_attempts", Shape::Sum},
    StatsField{"printwatch_inbound_attempts_total", "detect", "inbound_attempts_by_outcome",
               Shape::Rows},
    StatsField{"printwatch_printers_known", "inventory", "printers", Shape::Value},
    StatsField{"printwatch_clients_known", "inventory", "clients", Shape::Value},
    StatsField{"printwatch_table_full_total", "inventory", "refused_by_table", Shape::Rows},
    StatsField{"printwatch_table_evictions_total", "inventory", "evicted_by_table", Shape::Rows},
    StatsField{"printwatch_printer_exposed", "printers", "exposed", Shape::Rows},
    StatsField{"printwatch_printer_last_inbound_attempt_timestamp_seconds", "printers",
               "last_inbound_attempt", Shape::Rows},
};

/// Families that describe the process or its collectors, not the packets: in the EVE record
/// they would make a replay's output depend on the machine, the run and the sinks. They stay
/// in the metrics.
bool kept_out_of_eve(std::string_view name) {
    return name == "printwatch_build_info" || name.starts_with("printwatch_output_") ||
           name.starts_with("process_") || name == "printwatch_interface_rx_packets_total";
}

core::Value field_value(const core::Stats& stats, const core::Stats::Family& fam, Shape shape) {
    if (shape == Shape::Value) {
        return fam.series.empty() ? 0.0 : stats.series_at(fam.series.front()).value.load();
    }
    if (shape == Shape::Sum) {
        double sum = 0;
        for (auto idx : fam.series) {
            sum += stats.series_at(idx).value.load();
        }
        return sum;
    }
    core::Array rows;
    for (auto idx : fam.series) {
        const auto& series = stats.series_at(idx);
        const double v = series.value.load();
        if (v == 0.0) {
            continue;  // only what happened, to stay readable
        }
        core::Object row;
        for (const auto& [k, lv] : series.labels) {
            row.emplace_back(k, lv);
        }
        row.emplace_back("value", v);
        rows.emplace_back(std::move(row));
    }
    return rows;
}

}  // namespace

void Pipeline::write_stats(Timestamp ts) {
    publish();
    core::EveEvent e;
    e.ts = ts;
    e.event_type = "stats";
    e.body_key = "stats";
    std::array<std::optional<core::Value>, kStatsFields.size()> values;
    core::Object other;
    stats_.visit_families([&](const core::Stats::Family& fam) {
        if (kept_out_of_eve(fam.name)) {
            return;
        }
        bool known = false;
        for (std::size_t i = 0; i < kStatsFields.size(); ++i) {
            if (kStatsFields.at(i).family == fam.name) {
                values.at(i) = field_value(stats_, fam, kStatsFields.at(i).shape);
                known = true;
            }
        }
        if (!known && !fam.series.empty()) {
            const bool plain =
                fam.series.size() == 1 && stats_.series_at(fam.series.front()).labels.empty();
            other.emplace_back(fam.name,
                               field_value(stats_, fam, plain ? Shape::Value : Shape::Rows));
        }
    });
    for (std::size_t i = 0; i < kStatsFields.size(); ++i) {
        if (!values.at(i)) {
            continue;
        }
        const auto section = kStatsFields.at(i).section;
        auto it = std::find_if(e.body.begin(), e.body.end(),
                               [&](const auto& kv) { return kv.first == section; });
        if (it == e.body.end()) {
            e.body.emplace_back(std::string(section), core::Object{});
            it = std::prev(e.body.end());
        }
        std::get<core::Object>(it->second.v)
            .emplace_back(std::string(kStatsFields.at(i).key), std::move(*values.at(i)));
    }
    if (!other.empty()) {
        e.body.emplace_back("other", std::move(other));
    }
    sink_.write(e);
}

}  // namespace printwatch::app
