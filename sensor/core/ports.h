// SPDX-License-Identifier: Apache-2.0
// PortMap: which printer service a destination port is, per transport. A flat table built once
// from config, so the per-packet question is one array load.
#pragma once

#include "config.h"
#include "flow.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace printwatch::core {

class PortMap {
  public:
    PortMap() = default;
    explicit PortMap(const PortsConfig& ports);

    [[nodiscard]] Service tcp(std::uint16_t port) const noexcept { return tcp_[port]; }
    [[nodiscard]] Service udp(std::uint16_t port) const noexcept { return udp_[port]; }
    [[nodiscard]] Service lookup(std::uint8_t proto, std::uint16_t port) const noexcept {
        return proto == 6 ? tcp(port) : proto == 17 ? udp(port) : Service::None;
    }
    /// Every configured port, for building the capture filter.
    [[nodiscard]] const std::vector<std::uint16_t>& tcp_ports() const noexcept { return tcp_list_; }
    [[nodiscard]] const std::vector<std::uint16_t>& udp_ports() const noexcept { return udp_list_; }

  private:
    // One entry per port value (index < 65536 by type), on the heap: 128 KiB does not belong
    // in the objects that embed a PortMap.
    std::vector<Service> tcp_ = std::vector<Service>(65536, Service::None);
    std::vector<Service> udp_ = std::vector<Service>(65536, Service::None);
    std::vector<std::uint16_t> tcp_list_;
    std::vector<std::uint16_t> udp_list_;
};

/// The dissector family that serves a service: "raw" for 9100, "bjnp" for BJNP and MFNP.
std::string_view service_family(Service s) noexcept;

}  // namespace printwatch::core
