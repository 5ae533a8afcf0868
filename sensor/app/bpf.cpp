// SPDX-License-Identifier: Apache-2.0
#include "bpf.h"

#include <vector>

namespace printwatch::app {

namespace {
/// "tcp port 9100 or tcp portrange 8611-8614", merging consecutive ports into ranges.
void add_ports(std::vector<std::string>& terms, const char* proto,
               const std::vector<std::uint16_t>& ports) {
    for (std::size_t i = 0; i < ports.size();) {
        std::size_t j = i;
        while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) {
            ++j;
        }
        if (j == i) {
            terms.push_back(std::string(proto) + " port " + std::to_string(ports[i]));
        } else {
            terms.push_back(std::string(proto) + " portrange " + std::to_string(ports[i]) + "-" +
                            std::to_string(ports[j]));
        }
        i = j + 1;
    }
}
}  // namespace

std::string default_filter(const core::PortMap& ports, bool vlan_tags) {
    std::vector<std::string> terms;
    add_ports(terms, "tcp", ports.tcp_ports());
    add_ports(terms, "udp", ports.udp_ports());
    terms.emplace_back("icmp[icmptype] == icmp-unreach");
    terms.emplace_back("(icmp6 and ip6[40] == 1)");
    // libpcap's tcp/udp/icmp6 primitives only look at the first IPv6 next-header, so a packet
    // behind Hop-by-Hop, Routing or Destination Options headers would never match them. Pass
    // IPv6 with extension headers through; the decoder walks the chain in user space.
    terms.emplace_back("(ip6 and not (ip6 proto 6 or ip6 proto 17 or ip6 proto 58))");
    std::string base = "(";
    for (std::size_t i = 0; i < terms.size(); ++i) {
        base += (i == 0 ? "" : " or ") + terms[i];
    }
    base += ")";
    if (!vlan_tags) {
        return base;
    }
    return base + " or (vlan and (" + base + " or (vlan and " + base + ")))";
}

}  // namespace printwatch::app
