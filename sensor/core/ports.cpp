// SPDX-License-Identifier: Apache-2.0
#include "ports.h"

#include <algorithm>

namespace printwatch::core {

void PortMap::add(Entries& entries, std::bitset<65536>& bits, std::vector<std::uint16_t>& list,
                  std::uint16_t port, ServiceId service) {
    if (bits.test(port)) {
        return;  // the first group to claim a port keeps it (config loading refuses overlaps)
    }
    bits.set(port);
    entries.emplace_back(port, service);
    list.insert(std::upper_bound(list.begin(), list.end(), port), port);
}

std::vector<std::uint16_t> effective_ports(const PortGroup& group, const PortsConfig& ports) {
    if (const auto* listed = ports.find(group.key); listed != nullptr) {
        return *listed;
    }
    return {group.defaults.begin(), group.defaults.end()};
}

PortMap::PortMap(const ServiceCatalog& catalog, const PortsConfig& ports) : catalog_(&catalog) {
    for (const auto* group : catalog.groups()) {
        for (auto p : effective_ports(*group, ports)) {
            const auto service = catalog.of(*group, p);
            if (service == ServiceId::None) {
                continue;  // a group without a catch-all service serves only its named ports
            }
            if (group->tcp) {
                add(tcp_, tcp_bits_, tcp_list_, p, service);
            }
            if (group->udp) {
                add(udp_, udp_bits_, udp_list_, p, service);
            }
        }
    }
}

}  // namespace printwatch::core
