// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/ports.h"

#include <string>

namespace printwatch::app {

/// The default capture filter (docs/spec.md §5): the configured printer ports and ICMP/ICMPv6
/// unreachables, untagged, 802.1Q-tagged and QinQ-tagged. libpcap's `vlan` keyword shifts the
/// offsets of everything after it, hence the nesting rather than a flat "or".
/// `vlan_tags`: add the 802.1Q/QinQ variants (Ethernet only; libpcap refuses `vlan` elsewhere).
std::string default_filter(const core::PortMap& ports, bool vlan_tags);

}  // namespace printwatch::app
