// SPDX-License-Identifier: Apache-2.0
#include "state_file.h"

#include "exporters/metrics_text.h"

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace printwatch::app {

namespace {
constexpr int kStateVersion = 1;

core::IpAddr need_ip(const nlohmann::json& j, const char* key) {
    auto ip = core::IpAddr::parse(j.at(key).get<std::string>());
    if (!ip) {
        throw std::runtime_error(std::string("bad address in '") + key + "'");
    }
    return *ip;
}
std::optional<core::MacAddr> opt_mac(const nlohmann::json& j) {
    if (!j.contains("mac") || j.at("mac").is_null()) {
        return std::nullopt;
    }
    return core::MacAddr::parse(j.at("mac").get<std::string>());
}
}  // namespace

void load_state(const std::string& path, detect::Inventory& inventory) {
    std::ifstream in(path);
    if (!in) {
        return;  // first start: nothing learned yet
    }
    try {
        const auto j = nlohmann::json::parse(in);
        if (j.at("version").get<int>() != kStateVersion) {
            throw std::runtime_error("unsupported state version");
        }
        if (j.contains("learning_start_usec")) {
            inventory.learning_start =
                core::Timestamp{j.at("learning_start_usec").get<std::int64_t>()};
        }
        for (const auto& c : j.at("clients")) {
            inventory.restore_client(
                need_ip(c, "address"),
                detect::ClientRecord{opt_mac(c), {c.at("first_seen_usec").get<std::int64_t>()}});
        }
        for (const auto& p : j.at("printers")) {
            detect::PrinterRecord r;
            r.address = need_ip(p, "address");
            r.name = p.value("name", "");
            r.mac = opt_mac(p);
            r.model = p.value("model", "");
            r.learned_from = p.value("learned_from", "config");
            r.first_seen = core::Timestamp{p.at("first_seen_usec").get<std::int64_t>()};
            r.announced = true;
            for (const auto& s : p.at("services")) {
                for (auto svc : core::kAllServices) {
                    if (s.get<std::string>() == core::to_string(svc)) {
                        r.services |= detect::service_bit(svc);
                    }
                }
            }
            inventory.restore_printer(std::move(r));
        }
    } catch (const std::exception& e) {
        throw std::runtime_error("--state " + path + ": " + e.what());
    }
}

void save_state(const std::string& path, const detect::Inventory& inventory) {
    nlohmann::ordered_json j;
    j["version"] = kStateVersion;
    if (inventory.learning_start) {
        j["learning_start_usec"] = inventory.learning_start->usec;
    }
    j["clients"] = nlohmann::ordered_json::array();
    for (const auto& [ip, c] : inventory.clients()) {
        nlohmann::ordered_json o;
        o["address"] = ip.to_string();
        o["mac"] = c.mac ? nlohmann::ordered_json(c.mac->to_string()) : nlohmann::ordered_json();
        o["first_seen_usec"] = c.first_seen.usec;
        j["clients"].push_back(o);
    }
    j["printers"] = nlohmann::ordered_json::array();
    for (const auto& [ip, p] : inventory.printers()) {
        if (!p.announced) {
            continue;  // a configured printer never seen: config will bring it back
        }
        nlohmann::ordered_json o;
        o["address"] = ip.to_string();
        if (!p.name.empty()) {
            o["name"] = p.name;
        }
        o["mac"] = p.mac ? nlohmann::ordered_json(p.mac->to_string()) : nlohmann::ordered_json();
        o["services"] = nlohmann::ordered_json::array();
        for (auto svc : core::kAllServices) {
            if ((p.services & detect::service_bit(svc)) != 0) {
                o["services"].push_back(core::to_string(svc));
            }
        }
        o["model"] = p.model;
        o["learned_from"] = p.learned_from;
        o["first_seen_usec"] = p.first_seen.usec;
        j["printers"].push_back(o);
    }
    exporters::write_file_atomically(path, j.dump(2) + "\n");
}

}  // namespace printwatch::app
