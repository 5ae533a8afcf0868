// SPDX-License-Identifier: Apache-2.0
// Inventory: the printers we know (from config or learned from traffic) and the inside clients
// learned during the learning period. Both maps are capped by limits.printers/limits.clients;
// when full, new entries are refused and counted, never grown. Ordered maps keep state files
// and end-of-run output deterministic.
#pragma once

#include "core/config.h"
#include "core/flow.h"
#include "core/stats.h"
#include "core/timestamp.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace printwatch::detect {

struct PrinterRecord {
    core::IpAddr address;
    std::string name;  // from config, else empty
    std::optional<core::MacAddr> mac;
    std::uint32_t services = 0;  // bit per core::ServiceId
    std::string model;
    std::string uuid;          // a printer that names itself (IPP printer-uuid), else empty
    std::string learned_from;  // bjnp | pjl | syn-ack | config
    core::Timestamp first_seen;
    bool announced = false;  // an event_type "printer" record was written
    // Per-printer metric series, created on first use (bounded by limits.printers).
    core::SeriesId last_attempt;
    std::map<core::ServiceId, core::SeriesId> exposed;
    std::map<core::ServiceId, core::Timestamp> exposed_at;

    [[nodiscard]] std::string label() const { return name.empty() ? address.to_string() : name; }
};

struct ClientRecord {
    std::optional<core::MacAddr> mac;
    core::Timestamp first_seen;
};

/// What a printer observation changed.
enum class Change : std::uint8_t { None, New, Updated };

class Inventory {
  public:
    Inventory(const core::SensorConfig& config, core::Stats& stats);
    void reconfigure(const core::SensorConfig& config);

    /// The printer at `a`, or nullptr. The last one found is remembered: under a flood every
    /// attempt asks for the same printer, and the map walk was a sixtieth of its time. (Records
    /// are never erased, so the pointer stays good.)
    PrinterRecord* printer(const core::IpAddr& a) {
        if (last_printer_ != nullptr && last_printer_->address == a) {
            return last_printer_;
        }
        return find_printer(a);
    }
    /// What a printer's own reply says about it; either may be empty.
    struct Identity {
        std::string_view model;
        std::string_view uuid;
    };
    /// Learns or updates a printer. `mac` and the identity may be empty. Capped by
    /// limits.printers.
    Change observe_printer(const core::IpAddr& a, const std::optional<core::MacAddr>& mac,
                           core::ServiceId service, Identity identity,
                           std::string_view learned_from, core::Timestamp ts);

    [[nodiscard]] bool client_known(const core::IpAddr& a) const { return clients_.contains(a); }
    /// Learns a client; false when the table is full.
    bool learn_client(const core::IpAddr& a, const std::optional<core::MacAddr>& mac,
                      core::Timestamp ts);

    [[nodiscard]] std::map<core::IpAddr, PrinterRecord>& printers() { return printers_; }
    [[nodiscard]] const std::map<core::IpAddr, PrinterRecord>& printers() const {
        return printers_;
    }
    [[nodiscard]] const std::map<core::IpAddr, ClientRecord>& clients() const { return clients_; }

    /// Learning period start (first packet ever, or restored from --state).
    std::optional<core::Timestamp> learning_start;

    /// Restores learned state (from --state). Config printers keep their configured names.
    void restore_printer(PrinterRecord record);
    void restore_client(const core::IpAddr& a, ClientRecord record);

  private:
    PrinterRecord* find_printer(const core::IpAddr& a);
    void update_gauges();
    PrinterRecord* last_printer_ = nullptr;

    const core::SensorConfig* config_;
    core::Stats& stats_;
    std::map<core::IpAddr, PrinterRecord> printers_;
    std::map<core::IpAddr, ClientRecord> clients_;
    core::SeriesId printers_known_;
    core::SeriesId clients_known_;
    core::SeriesId refused_printers_;
    core::SeriesId refused_clients_;
};

std::uint32_t service_bit(core::ServiceId s) noexcept;

}  // namespace printwatch::detect
