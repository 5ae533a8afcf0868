// SPDX-License-Identifier: Apache-2.0
#include "ports.h"

#include <algorithm>

namespace printwatch::core {

namespace {
Service bjnp_service(std::uint16_t port) noexcept {
    switch (port) {
        case 8611:
            return Service::BjnpPrinter;
        case 8612:
            return Service::BjnpScanner;
        case 8613:
            return Service::Bjnp8613;
        case 8614:
            return Service::Bjnp8614;
        default:
            return Service::BjnpOther;
    }
}
void add_sorted(std::vector<std::uint16_t>& v, std::uint16_t p) {
    if (std::find(v.begin(), v.end(), p) == v.end()) {
        v.insert(std::upper_bound(v.begin(), v.end(), p), p);
    }
}
}  // namespace

PortMap::PortMap(const PortsConfig& ports) {
    // 9100 is raw JetDirect over TCP only; BJNP and MFNP use both UDP and TCP (protocols.md §1.2).
    for (auto p : ports.raw) {
        tcp_[p] = Service::Raw;
        add_sorted(tcp_list_, p);
    }
    for (auto p : ports.bjnp) {
        tcp_[p] = udp_[p] = bjnp_service(p);
        add_sorted(tcp_list_, p);
        add_sorted(udp_list_, p);
    }
    for (auto p : ports.mfnp) {
        tcp_[p] = udp_[p] = Service::Mfnp;
        add_sorted(tcp_list_, p);
        add_sorted(udp_list_, p);
    }
}

std::string_view service_family(Service s) noexcept {
    switch (s) {
        case Service::None:
            return {};
        case Service::Raw:
            return "raw";
        default:
            return "bjnp";
    }
}

}  // namespace printwatch::core
