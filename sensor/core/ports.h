// SPDX-License-Identifier: Apache-2.0
// PortMap: which printer service a destination port is, per transport. Built once from the
// service catalog and the configured port lists. A 64K-bit set per transport answers "is this a
// printer port?" with one bit test, so the common case (not a printer port) costs nothing; only
// printer ports look up their service in the short list of configured ports. Cheap to build and
// to copy (two 8 KiB sets).
#pragma once

#include "config.h"
#include "service.h"

#include <bitset>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace printwatch::core {

class PortMap {
  public:
    PortMap() = default;
    /// `catalog` must outlive the map and its copies.
    PortMap(const ServiceCatalog& catalog, const PortsConfig& ports);

    [[nodiscard]] ServiceId tcp(std::uint16_t port) const noexcept {
        return tcp_bits_.test(port) ? find(tcp_, port) : ServiceId::None;
    }
    [[nodiscard]] ServiceId udp(std::uint16_t port) const noexcept {
        return udp_bits_.test(port) ? find(udp_, port) : ServiceId::None;
    }
    [[nodiscard]] ServiceId lookup(std::uint8_t proto, std::uint16_t port) const noexcept {
        return proto == 6 ? tcp(port) : proto == 17 ? udp(port) : ServiceId::None;
    }
    /// Is `port` a configured printer port for TCP (UDP)? One bit test.
    [[nodiscard]] bool has_tcp(std::uint16_t port) const noexcept { return tcp_bits_.test(port); }
    [[nodiscard]] bool has_udp(std::uint16_t port) const noexcept { return udp_bits_.test(port); }
    /// Every configured port, ascending, for building the capture filter.
    [[nodiscard]] const std::vector<std::uint16_t>& tcp_ports() const noexcept { return tcp_list_; }
    [[nodiscard]] const std::vector<std::uint16_t>& udp_ports() const noexcept { return udp_list_; }
    /// The catalog the map was built from; nullptr for a default-constructed map.
    [[nodiscard]] const ServiceCatalog* catalog() const noexcept { return catalog_; }

  private:
    using Entries = std::vector<std::pair<std::uint16_t, ServiceId>>;
    static ServiceId find(const Entries& entries, std::uint16_t port) noexcept {
        for (const auto& [p, s] : entries) {
            if (p == port) {
                return s;
            }
        }
        return ServiceId::None;
    }
    static void add(Entries& entries, std::bitset<65536>& bits, std::vector<std::uint16_t>& list,
                    std::uint16_t port, ServiceId service);

    const ServiceCatalog* catalog_ = nullptr;
    std::bitset<65536> tcp_bits_;
    std::bitset<65536> udp_bits_;
    Entries tcp_;
    Entries udp_;
    std::vector<std::uint16_t> tcp_list_;
    std::vector<std::uint16_t> udp_list_;
};

/// The ports `group` runs with: its configured list, else its defaults.
std::vector<std::uint16_t> effective_ports(const PortGroup& group, const PortsConfig& ports);

}  // namespace printwatch::core
