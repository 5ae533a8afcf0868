// SPDX-License-Identifier: Apache-2.0
#include "state_file.h"

#include "dissectors/registry.h"
#include "exporters/metrics_text.h"

// gcc 12 at -O2 reports a "potential null pointer dereference" inside nlohmann's inlined
// accessors (json.hpp's is_string), depending on what it inlines where; nothing here can be null.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#endif
#include <nlohmann/json.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <array>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace printwatch::app {

namespace {
constexpr int kStateVersion = 1;

/// The string at `j`; a state file is ours, so anything else is corruption.
const std::string& text_of(const nlohmann::json& j) {
    if (!j.is_string()) {
        throw std::runtime_error("expected a string, found " + std::string(j.type_name()));
    }
    return j.get_ref<const std::string&>();
}

core::IpAddr need_ip(const nlohmann::json& j, const char* key) {
    auto ip = core::IpAddr::parse(text_of(j.at(key)));
    if (!ip) {
        throw std::runtime_error(std::string("bad address in '") + key + "'");
    }
    return *ip;
}
std::optional<core::MacAddr> opt_mac(const nlohmann::json& j) {
    if (!j.contains("mac") || j.at("mac").is_null()) {
        return std::nullopt;
    }
    return core::MacAddr::parse(text_of(j.at("mac")));
}

/// Everything a state file holds, parsed and validated before any of it is applied.
struct StateData {
    std::optional<core::Timestamp> learning_start;
    std::vector<std::pair<core::IpAddr, detect::ClientRecord>> clients;
    std::vector<detect::PrinterRecord> printers;
};

/// False when there is no file: a first start, nothing learned yet.
bool read_all(const std::string& path, std::string& text) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return false;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
    return true;
}

StateData parse_state(const std::string& text) {
    StateData d;
    const auto j = nlohmann::json::parse(text);
    if (j.at("version").get<int>() != kStateVersion) {
        throw std::runtime_error("unsupported state version");
    }
    if (j.contains("learning_start_usec")) {
        d.learning_start = core::Timestamp{j.at("learning_start_usec").get<std::int64_t>()};
    }
    for (const auto& c : j.at("clients")) {
        d.clients.emplace_back(
            need_ip(c, "address"),
            detect::ClientRecord{opt_mac(c), {c.at("first_seen_usec").get<std::int64_t>()}});
    }
    for (const auto& p : j.at("printers")) {
        detect::PrinterRecord r;
        r.address = need_ip(p, "address");
        r.name = p.value("name", "");
        r.mac = opt_mac(p);
        r.model = p.value("model", "");
        r.uuid = p.value("uuid", "");
        r.learned_from = p.value("learned_from", "config");
        r.first_seen = core::Timestamp{p.at("first_seen_usec").get<std::int64_t>()};
        r.announced = true;
        for (const auto& s : p.at("services")) {
            // A label no registered protocol has (an older build's) is dropped.
            if (const auto svc = dissectors::services().by_label(text_of(s));
                svc != core::ServiceId::None) {
                r.services |= detect::service_bit(svc);
            }
        }
        d.printers.push_back(std::move(r));
    }
    return d;
}

std::string utc_stamp() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::array<char, 32> buf{};
    const auto n = std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
    return {buf.data(), n};
}
}  // namespace

std::optional<std::string> check_state(const std::string& path) {
    std::string text;
    if (!read_all(path, text)) {
        return std::nullopt;
    }
    try {
        parse_state(text);
    } catch (const std::exception& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

StateLoad load_state(const std::string& path, detect::Inventory& inventory) {
    StateLoad result;
    std::string text;
    if (!read_all(path, text)) {
        return result;
    }
    StateData d;
    try {
        d = parse_state(text);
    } catch (const std::exception& e) {
        result.outcome = StateLoad::Outcome::MovedAside;
        result.reason = e.what();
        result.moved_to = path + ".corrupt-" + utc_stamp();
        std::error_code ec;
        std::filesystem::rename(path, result.moved_to, ec);
        if (ec) {
            throw std::runtime_error("--state " + path + ": " + result.reason +
                                     ", and it cannot be moved aside to " + result.moved_to + ": " +
                                     ec.message());
        }
        return result;
    }
    if (d.learning_start) {
        inventory.learning_start = d.learning_start;
    }
    for (const auto& [ip, c] : d.clients) {
        inventory.restore_client(ip, c);
    }
    for (auto& p : d.printers) {
        inventory.restore_printer(std::move(p));
    }
    result.outcome = StateLoad::Outcome::Loaded;
    return result;
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
        const auto& catalog = dissectors::services();
        for (std::size_t i = 0; i < catalog.size(); ++i) {
            if ((p.services & detect::service_bit(core::ServiceCatalog::id_at(i))) != 0) {
                o["services"].push_back(catalog.entries()[i].label);
            }
        }
        o["model"] = p.model;
        if (!p.uuid.empty()) {
            o["uuid"] = p.uuid;
        }
        o["learned_from"] = p.learned_from;
        o["first_seen_usec"] = p.first_seen.usec;
        j["printers"].push_back(o);
    }
    exporters::write_file_atomically(path, j.dump(2) + "\n");
}

}  // namespace printwatch::app
