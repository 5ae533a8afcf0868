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
}  // namespace

void PortMap::add(Entries& entries, std::bitset<65536>& bits, std::vector<std::uint16_t>& list,
                  std::uint16_t port, Service service) {
    if (bits.test(port)) {
        return;  // the first family to claim a port keeps it
    }
    bits.set(port);
    entries.emplace_back(port, service);
    list.insert(std::upper_bound(list.begin(), list.end(), port), port);
}

PortMap::PortMap(const PortsConfig& ports) {
    // 9100 is raw JetDirect over TCP only; BJNP and MFNP use both UDP and TCP (docs/protocols.md
    // §1.2).
    for (auto p : ports.raw) {
        add(tcp_, tcp_bits_, tcp_list_, p, Service::Raw);
    }
    for (auto p : ports.bjnp) {
        add(tcp_, tcp_bits_, tcp_list_, p, bjnp_service(p));
        add(udp_, udp_bits_, udp_list_, p, bjnp_service(p));
    }
    for (auto p : ports.mfnp) {
        add(tcp_, tcp_bits_, tcp_list_, p, Service::Mfnp);
        add(udp_, udp_bits_, udp_list_, p, Service::Mfnp);
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
