// SPDX-License-Identifier: Apache-2.0
#include "client_policy.h"

#include "printer_learner.h"

#include <algorithm>

namespace printwatch::detect {

bool ClientPolicy::trusted(const core::Flow& flow) const {
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

bool ClientPolicy::admit(core::Flow& flow, core::Timestamp ts) {
    if (!config_->has_trusted_clients() && inventory_.learning_start &&
        ts - *inventory_.learning_start < config_->learning.period) {
        // Learned clients are trusted; one the full client table refused is not.
        return inventory_.learn_client(flow.client, mac_of(flow, false), ts);
    }
    if (trusted(flow)) {
        return true;
    }
    alerts_.alert(
        &flow, sid::kUnknownClient,
        {sid::kUnknownClient, flow.client, flow.server, static_cast<std::uint8_t>(flow.service), 0},
        flow.client,
        [&] {
            core::Object details{{"service", alerts_.label(flow)}};
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

}  // namespace printwatch::detect
