// SPDX-License-Identifier: Apache-2.0
#include "inventory.h"

namespace printwatch::detect {

std::uint32_t service_bit(core::ServiceId s) noexcept {
    return 1U << static_cast<std::uint32_t>(s);
}

Inventory::Inventory(const core::SensorConfig& config, core::Stats& stats)
    : config_(&config), stats_(stats) {
    printers_known_ = stats.series(stats.family(core::Metric::PrintersKnown));
    clients_known_ = stats.series(stats.family(core::Metric::ClientsKnown));
    const auto full = core::table_full_family(stats);
    refused_printers_ = stats.series(full, {{"table", "printers"}});
    refused_clients_ = stats.series(full, {{"table", "clients"}});
    stats.series(full, {{"table", "flows"}});
    reconfigure(config);
}

void Inventory::reconfigure(const core::SensorConfig& config) {
    config_ = &config;
    for (const auto& p : config.printers) {
        auto [it, inserted] = printers_.try_emplace(p.address);
        it->second.address = p.address;
        it->second.name = p.name;
        if (inserted) {
            it->second.learned_from = "config";
        }
    }
    update_gauges();
}

PrinterRecord* Inventory::find_printer(const core::IpAddr& a) {
    auto it = printers_.find(a);
    if (it == printers_.end()) {
        return nullptr;
    }
    if (it->second.address == a) {  // what printer() compares (always so: set with the key)
        last_printer_ = &it->second;
    }
    return &it->second;
}

Change Inventory::observe_printer(const core::IpAddr& a, const std::optional<core::MacAddr>& mac,
                                  core::ServiceId service, Identity identity,
                                  std::string_view learned_from, core::Timestamp ts) {
    auto it = printers_.find(a);
    if (it == printers_.end()) {
        if (printers_.size() >= config_->limits.printers) {
            stats_.add(refused_printers_);
            return Change::None;
        }
        it = printers_.emplace(a, PrinterRecord{}).first;
        it->second.address = a;
        it->second.learned_from = std::string(learned_from);
    }
    PrinterRecord& p = it->second;
    Change change = p.announced ? Change::None : Change::New;
    if (!p.announced) {
        p.first_seen = ts;
        p.announced = true;
    }
    if (mac && !mac->is_zero() && p.mac != mac) {
        p.mac = mac;
        change = change == Change::None ? Change::Updated : change;
    }
    if (service != core::ServiceId::None && (p.services & service_bit(service)) == 0) {
        p.services |= service_bit(service);
        change = change == Change::None ? Change::Updated : change;
    }
    for (auto [value, field] :
         {std::pair{identity.model, &p.model}, std::pair{identity.uuid, &p.uuid}}) {
        if (!value.empty() && *field != value) {
            *field = std::string(value);
            change = change == Change::None ? Change::Updated : change;
        }
    }
    update_gauges();
    return change;
}

bool Inventory::learn_client(const core::IpAddr& a, const std::optional<core::MacAddr>& mac,
                             core::Timestamp ts) {
    if (clients_.contains(a)) {
        return true;
    }
    if (clients_.size() >= config_->limits.clients) {
        stats_.add(refused_clients_);
        return false;
    }
    clients_.emplace(a, ClientRecord{mac, ts});
    update_gauges();
    return true;
}

void Inventory::restore_printer(PrinterRecord record) {
    if (printers_.size() >= config_->limits.printers && !printers_.contains(record.address)) {
        return;
    }
    auto& slot = printers_[record.address];
    const std::string name = slot.name;
    slot = std::move(record);
    if (!name.empty()) {
        slot.name = name;
    }
    update_gauges();
}

void Inventory::restore_client(const core::IpAddr& a, ClientRecord record) {
    if (clients_.size() < config_->limits.clients) {
        clients_.insert_or_assign(a, record);
    }
    update_gauges();
}

void Inventory::update_gauges() {
    stats_.set(printers_known_, static_cast<double>(printers_.size()));
    stats_.set(clients_known_, static_cast<double>(clients_.size()));
}

}  // namespace printwatch::detect
