// SPDX-License-Identifier: Apache-2.0
// AppLayer: attaches a dissector to a flow and feeds it. Selection is Suricata's scheme: the
// dissector registered for the flow's service port, confirmed by its probe on the first
// payload; under --all-traffic, content probes on any port. A flow whose content fails the
// probe is detached and stays accounted. TCP bytes arrive in order through StreamReassembler.
#pragma once

#include "core/dissector.h"
#include "core/flow.h"
#include "core/packet.h"
#include "core/service.h"
#include "core/stats.h"
#include "stream.h"

#include <span>

namespace printwatch::flow {

/// Receives every protocol record with the flow it belongs to.
class FlowEventHandler {
  public:
    virtual ~FlowEventHandler() = default;
    virtual void on_app_event(core::Flow& flow, core::AppEvent& event) = 0;
};

class AppLayer {
  public:
    /// `services` must be the catalog of `registry`, and outlive the AppLayer.
    AppLayer(std::span<const core::DissectorInfo* const> registry,
             const core::ServiceCatalog& services, const core::SensorConfig& config,
             bool all_traffic, core::Stats& stats);

    /// Feeds the packet's payload to the flow's dissector; its records go to `handler`, each
    /// with this flow.
    void on_packet(core::Flow& flow, core::Direction dir, const core::DecodedPacket& pkt,
                   FlowEventHandler& handler);
    /// Delivers what the reassemblers still hold; call before a flow's state is dropped.
    void on_flow_end(core::Flow& flow, FlowEventHandler& handler);
    void reconfigure(const core::SensorConfig& config) { config_ = &config; }

  private:
    /// Chooses and attaches a dissector on the flow's first payload; nullptr when none applies.
    core::FlowAppSlot* attach(core::Flow& flow, core::Direction dir,
                              const core::DecodedPacket& pkt);
    const core::DissectorInfo* select(const core::Flow& flow, core::Bytes payload,
                                      core::Direction dir, bool& detach) const;

    std::span<const core::DissectorInfo* const> registry_;
    const core::ServiceCatalog* services_;
    const core::SensorConfig* config_;
    bool all_traffic_;
    core::Stats& stats_;
    core::SeriesId detached_;
    core::SeriesId gaps_;
    core::SeriesId budget_refused_;
    ReassemblyBudget budget_;  // shared by every flow's reassemblers
};

}  // namespace printwatch::flow
