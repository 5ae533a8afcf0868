// SPDX-License-Identifier: Apache-2.0
#include "printer_learner.h"

#include "core/result.h"

namespace printwatch::detect {

std::optional<core::MacAddr> mac_of(const core::Flow& flow, bool server) {
    if (!flow.has_mac) {
        return std::nullopt;
    }
    return server ? flow.server_mac : flow.client_mac;
}

void PrinterLearner::learn(const core::Flow& flow, bool client_side, Inventory::Identity identity,
                           std::string_view learned_from, core::Timestamp ts) {
    const core::IpAddr& address = client_side ? flow.client : flow.server;
    if (!config_->in_home_net(address)) {
        return;
    }
    // A printer that initiated the flow (a reply to a broadcast) serves on its source port.
    const core::ServiceId service =
        client_side ? ports_.lookup(flow.proto, flow.client_port) : flow.service;
    const auto change = inventory_.observe_printer(address, mac_of(flow, !client_side), service,
                                                   identity, learned_from, ts);
    if (change != Change::None) {
        write_record(*inventory_.printer(address), ts);
    }
}

void PrinterLearner::announce_configured(core::Timestamp ts) {
    for (auto& [addr, p] : inventory_.printers()) {
        if (p.learned_from == "config" && !p.announced) {
            p.announced = true;
            p.first_seen = ts;
            write_record(p, ts);
        }
    }
}

void PrinterLearner::write_record(const PrinterRecord& p, core::Timestamp ts) {
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
    e.body = core::Object{{"address", p.address.to_string()}};
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
    writer_.write(e);
}

}  // namespace printwatch::detect
