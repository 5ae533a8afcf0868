// SPDX-License-Identifier: Apache-2.0
// decode: link layer (Ethernet/802.1Q/QinQ, SLL, SLL2, raw IP, NULL/LOOP) -> IPv4/IPv6 (with
// extension headers) -> TCP/UDP/ICMP unreachable, into a DecodedPacket. Pure and noexcept.
#pragma once

#include "core/packet.h"
#include "core/result.h"

#include <cstdint>

namespace printwatch::decode {

/// The protocol layer at which decoding stopped with an error. Also the metric label.
enum class Layer : std::uint8_t { Link, Vlan, Ipv4, Ipv6, Tcp, Udp, Icmp, Icmpv6, Count };
const char* to_string(Layer l) noexcept;

enum class Outcome : std::uint8_t {
    Decoded,  // an IP packet; see DecodedPacket::kind
    NotIp,    // ARP, LLC, LLDP...: not our business, and not an error
    Error,    // see DecodeStatus::layer and ::reason
};

struct DecodeStatus {
    Outcome outcome = Outcome::Decoded;
    Layer layer = Layer::Link;
    core::ParseError reason = core::ParseError::Invalid;
};

/// Decodes one frame. `out` is fully overwritten. Never reads outside frame.data.
DecodeStatus decode(const core::RawFrame& frame, core::DecodedPacket& out) noexcept;
/// The same by walking every layer with its checks: what decode() does for any frame outside
/// its fast path's common shape (Ethernet, one VLAN tag at most, IPv4 without options, TCP or
/// UDP). Public so that a test can hold the two to the same answer.
DecodeStatus decode_layers(const core::RawFrame& frame, core::DecodedPacket& out) noexcept;

}  // namespace printwatch::decode
