// SPDX-License-Identifier: Apache-2.0
// PrinterLearner: what traffic teaches the inventory about printers (a SYN-ACK or a datagram
// from a printer port, a printer's own protocol reply with its model), and the event_type
// "printer" record written when a printer is new or changes.
#pragma once

#include "alert_writer.h"
#include "core/config.h"
#include "core/flow.h"
#include "core/ports.h"
#include "inventory.h"

#include <string_view>

namespace printwatch::detect {

class PrinterLearner {
  public:
    PrinterLearner(const core::SensorConfig& config, Inventory& inventory,
                   const core::PortMap& ports, const core::ServiceCatalog& services,
                   AlertWriter& writer)
        : config_(&config),
          inventory_(inventory),
          ports_(ports),
          services_(services),
          writer_(writer) {}
    void reconfigure(const core::SensorConfig& config) { config_ = &config; }

    /// Learns the flow's server (or, with `client_side`, its client) as a printer; only an
    /// address inside home_net is one.
    void learn(const core::Flow& flow, bool client_side, Inventory::Identity identity,
               std::string_view learned_from, core::Timestamp ts);
    /// Announces the configured printers, once, at the first packet's time.
    void announce_configured(core::Timestamp ts);

  private:
    void write_record(const PrinterRecord& p, core::Timestamp ts);

    const core::SensorConfig* config_;
    Inventory& inventory_;
    const core::PortMap& ports_;  // the pipeline's, rebuilt there on reload
    const core::ServiceCatalog& services_;
    AlertWriter& writer_;
};

/// The flow's client or server MAC, when the link layer had one.
std::optional<core::MacAddr> mac_of(const core::Flow& flow, bool server);

}  // namespace printwatch::detect
