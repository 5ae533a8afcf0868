// SPDX-License-Identifier: Apache-2.0
#include "app_layer.h"

#include "stream.h"

#include <array>

namespace printwatch::flow {

using core::Direction;

namespace {

struct AppState final : core::FlowAppSlot {
    const core::DissectorInfo* info = nullptr;
    std::unique_ptr<core::Dissector> dissector;
    std::array<StreamReassembler, 2> streams;
    AppState(std::size_t max_bytes, ReassemblyBudget* budget)
        : streams{StreamReassembler(max_bytes, kMaxSegments, budget),
                  StreamReassembler(max_bytes, kMaxSegments, budget)} {}
    static constexpr std::size_t kMaxSegments = 64;
};

/// The dissector's sink for one call: it names the flow, so no one keeps a "current flow".
class BoundSink final : public core::AppEventSink {
  public:
    BoundSink(core::Flow& flow, FlowEventHandler& handler) : flow_(flow), handler_(handler) {}
    void on_app_event(core::AppEvent&& event) override { handler_.on_app_event(flow_, event); }

  private:
    core::Flow& flow_;
    FlowEventHandler& handler_;
};

/// Out-of-order bytes held across all flows: full buffers in both directions for this many
/// flows at once, far more than real printer traffic needs.
constexpr std::size_t kBudgetFlows = 1024;

/// A flow's app state. Only this file sets Flow::app, always to an AppState, so a static cast
/// (no dynamic_cast per packet).
AppState* app_state(core::Flow& flow) noexcept {
    return static_cast<AppState*>(flow.app.get());  // NOLINT(*-static-cast-downcast): see above
}

}  // namespace

AppLayer::AppLayer(std::span<const core::DissectorInfo* const> registry,
                   const core::ServiceCatalog& services, const core::SensorConfig& config,
                   bool all_traffic, core::Stats& stats)
    : registry_(registry),
      services_(&services),
      config_(&config),
      all_traffic_(all_traffic),
      stats_(stats) {
    const auto fam = stats.family(core::Metric::DissectorDetached);
    detached_ = stats.series(fam);
    budget_.limit = kBudgetFlows * config.limits.stream_bytes;
    budget_refused_ = stats.series(core::table_full_family(stats), {{"table", "stream_memory"}});
    gaps_ = stats.series(stats.family(core::Metric::StreamGaps));
}

const core::DissectorInfo* AppLayer::select(const core::Flow& flow, core::Bytes payload,
                                            Direction dir, bool& detach) const {
    const bool tcp = flow.proto == core::ip_proto::kTcp;
    const auto* service = services_->find(flow.service);
    if (service != nullptr) {
        // On its own port a dissector only needs the probe not to say "no".
        const auto* info = service->dissector;
        if (info->probe(payload, dir) != core::Confidence::No) {
            return info;
        }
        detach = true;
        return nullptr;
    }
    if (!all_traffic_) {
        return nullptr;
    }
    for (const auto* info : registry_) {
        if ((tcp ? info->tcp : info->udp) && info->probe(payload, dir) == core::Confidence::Yes) {
            return info;
        }
    }
    detach = true;
    return nullptr;
}

core::FlowAppSlot* AppLayer::attach(core::Flow& flow, Direction dir,
                                    const core::DecodedPacket& pkt) {
    if (flow.app != nullptr || flow.app_rejected || pkt.payload.empty()) {
        return nullptr;  // already rejected, or nothing to look at yet
    }
    if (flow.service == core::ServiceId::None && !all_traffic_) {
        return nullptr;
    }
    bool detach = false;
    const auto* info = select(flow, pkt.payload, dir, detach);
    if (info == nullptr) {
        if (detach) {
            // Only a printer port whose content is not the protocol counts as "detached";
            // ordinary traffic that --all-traffic probed and rejected is just not ours.
            if (flow.service != core::ServiceId::None) {
                stats_.add(detached_);
            }
            flow.app_rejected = true;  // a flag, not a marker object: no allocation per flow
        }
        return nullptr;
    }
    const bool tcp = flow.proto == core::ip_proto::kTcp;
    auto fresh = std::make_unique<AppState>(config_->limits.stream_bytes, &budget_);
    fresh->info = info;
    fresh->dissector = info->make(
        core::DissectorContext{config_->limits, tcp ? core::Transport::Tcp : core::Transport::Udp});
    if (tcp && flow.syn_seen) {
        fresh->streams[0].set_isn(flow.client_isn);
    }
    fresh->proto = info->name;
    flow.app = std::move(fresh);
    return flow.app.get();
}

void AppLayer::on_packet(core::Flow& flow, Direction dir, const core::DecodedPacket& pkt,
                         FlowEventHandler& handler) {
    const bool tcp = flow.proto == core::ip_proto::kTcp;
    auto* state = app_state(flow);
    if (state == nullptr) {
        if (attach(flow, dir, pkt) == nullptr) {
            return;
        }
        state = app_state(flow);
    }
    if (state->dissector->detached()) {
        return;
    }
    auto& dissector = *state->dissector;
    BoundSink sink(flow, handler);
    if (!tcp) {
        dissector.on_data(dir, pkt.payload, pkt.ts, sink);
        return;
    }
    auto& stream = state->streams.at(static_cast<std::size_t>(dir));
    if ((pkt.tcp_flags & core::tcp_flags::kSyn) != 0) {
        stream.set_isn(pkt.seq);
        if (pkt.payload.empty()) {
            return;
        }
    }
    const std::uint32_t data_seq =
        pkt.seq + ((pkt.tcp_flags & core::tcp_flags::kSyn) != 0 ? 1U : 0U);
    const auto refused_before = budget_.refused;
    stream.on_segment(
        data_seq, pkt.payload, [&](core::Bytes b) { dissector.on_data(dir, b, pkt.ts, sink); },
        [&](std::size_t n) {
            stats_.add(gaps_);
            dissector.on_gap(dir, n);
        });
    if (budget_.refused != refused_before) {
        stats_.add(budget_refused_, static_cast<double>(budget_.refused - refused_before));
    }
}

void AppLayer::on_flow_end(core::Flow& flow, FlowEventHandler& handler) {
    auto* state = app_state(flow);
    if (state == nullptr || state->dissector->detached()) {
        return;
    }
    BoundSink sink(flow, handler);
    for (std::size_t d = 0; d < 2; ++d) {
        const auto dir = static_cast<Direction>(d);
        state->streams.at(d).flush(
            [&](core::Bytes b) { state->dissector->on_data(dir, b, flow.last_seen, sink); },
            [&](std::size_t n) {
                stats_.add(gaps_);
                state->dissector->on_gap(dir, n);
            });
    }
    state->dissector->on_end(flow.last_seen, sink);
}

}  // namespace printwatch::flow
