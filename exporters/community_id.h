// SPDX-License-Identifier: Apache-2.0
// Community ID v1 (https://github.com/corelight/community-id-spec): a flow hash that Zeek,
// Suricata and printwatch agree on, so one flow can be joined across tools.
#pragma once

#include "core/net.h"

#include <cstdint>
#include <string>

namespace printwatch::exporters {

/// "1:<base64 sha1>" for a TCP/UDP flow; seed 0 unless configured otherwise.
std::string community_id_v1(const core::IpAddr& src, std::uint16_t sport, const core::IpAddr& dst,
                            std::uint16_t dport, std::uint8_t proto, std::uint16_t seed = 0);

}  // namespace printwatch::exporters
