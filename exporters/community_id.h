// SPDX-License-Identifier: Apache-2.0
// Community ID v1 (https://github.com/corelight/community-id-spec): a flow hash that Zeek,
// Suricata and printwatch agree on, so one flow can be joined across tools.
#pragma once

#include "core/net.h"

#include <array>
#include <cstdint>
#include <string>

namespace printwatch::exporters {

/// "1:" and the base64 of a SHA-1: 30 characters.
inline constexpr std::size_t kCommunityIdSize = 30;
using CommunityId = std::array<char, kCommunityIdSize>;

/// "1:<base64 sha1>" for a TCP/UDP flow; seed 0 unless configured otherwise. Allocates
/// nothing: every EVE record of a flow carries it.
CommunityId community_id(const core::IpAddr& src, std::uint16_t sport, const core::IpAddr& dst,
                         std::uint16_t dport, std::uint8_t proto, std::uint16_t seed = 0);
/// The same as a string.
std::string community_id_v1(const core::IpAddr& src, std::uint16_t sport, const core::IpAddr& dst,
                            std::uint16_t dport, std::uint8_t proto, std::uint16_t seed = 0);

}  // namespace printwatch::exporters
