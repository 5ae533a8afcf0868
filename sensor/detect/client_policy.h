// SPDX-License-Identifier: Apache-2.0
// ClientPolicy: which inside clients may use the printers. A client is trusted when it is
// configured in trusted_clients (networks or MACs) or, with that list empty, was learned during
// learning.period; any other inside client opening a printer service raises unknown-client.
#pragma once

#include "alert_writer.h"
#include "core/config.h"
#include "core/flow.h"
#include "inventory.h"

namespace printwatch::detect {

class ClientPolicy {
  public:
    ClientPolicy(const core::SensorConfig& config, Inventory& inventory, AlertWriter& alerts)
        : config_(&config), inventory_(inventory), alerts_(alerts) {}
    void reconfigure(const core::SensorConfig& config) { config_ = &config; }

    /// Whether the flow's client is trusted (configured, or learned during the learning period).
    [[nodiscard]] bool trusted(const core::Flow& flow) const;
    /// An inside client opened `flow`: learns it (learning period) or alerts on it (untrusted).
    /// True when it is trusted.
    bool admit(core::Flow& flow, core::Timestamp ts);

  private:
    const core::SensorConfig* config_;
    Inventory& inventory_;
    AlertWriter& alerts_;
};

}  // namespace printwatch::detect
