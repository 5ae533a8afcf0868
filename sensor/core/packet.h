// SPDX-License-Identifier: Apache-2.0
// RawFrame (what capture hands over) and DecodedPacket (what decode produces): plain values.
#pragma once

#include "bytes.h"
#include "net.h"
#include "timestamp.h"

#include <array>
#include <cstdint>

namespace printwatch::core {

/// Link-layer framing of a capture, independent of libpcap's DLT numbers.
enum class LinkType : std::uint8_t {
    Ethernet,
    Null,       // BSD loopback, host-order address family
    Loop,       // OpenBSD loopback, network-order address family
    Raw,        // raw IP, version from the first nibble
    Ipv4,       // LINKTYPE_IPV4
    Ipv6,       // LINKTYPE_IPV6
    LinuxSll,   // Linux cooked v1
    LinuxSll2,  // Linux cooked v2
    Unsupported,
};

struct RawFrame {
    Timestamp ts;
    std::uint32_t wire_len = 0;
    LinkType link = LinkType::Ethernet;
    std::uint16_t iface = 0;  // index into the pipeline's interface names
    Bytes data;               // data.size() is the caplen
};

namespace tcp_flags {
constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kRst = 0x04;
constexpr std::uint8_t kPsh = 0x08;
constexpr std::uint8_t kAck = 0x10;
}  // namespace tcp_flags

namespace ip_proto {
constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIcmpv6 = 58;
}  // namespace ip_proto

/// The 5-tuple an ICMP unreachable quotes: the datagram that could not be delivered.
struct QuotedTuple {
    IpAddr src;
    IpAddr dst;
    std::uint8_t proto = 0;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
};

enum class PacketKind : std::uint8_t { Tcp, Udp, IcmpUnreachable, OtherIp, Fragment };

struct DecodedPacket {
    Timestamp ts;
    std::uint16_t iface = 0;
    PacketKind kind = PacketKind::OtherIp;
    bool has_mac = false;
    MacAddr src_mac;
    MacAddr dst_mac;
    std::uint8_t vlan_count = 0;
    std::array<std::uint16_t, 2> vlan{};  // outer first
    IpAddr src;
    IpAddr dst;
    std::uint8_t ip_proto = 0;
    std::uint16_t ip_id = 0;  // IPv4 identification, 0 for IPv6; used for duplicate detection
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
    std::uint8_t tcp_flags = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    QuotedTuple quoted;  // valid when kind == IcmpUnreachable
    std::uint8_t icmp_type = 0;
    std::uint8_t icmp_code = 0;
    /// L4 payload, clamped to what the IP and UDP length fields declare: link padding and
    /// trailing junk never reach a dissector. May be shorter than declared when truncated.
    Bytes payload;
    bool payload_truncated = false;
};

/// A TCP SYN without ACK: a connection's first packet, and what a SYN flood is made of.
constexpr bool is_syn_only(const DecodedPacket& p) noexcept {
    return p.ip_proto == ip_proto::kTcp &&
           (p.tcp_flags & (tcp_flags::kSyn | tcp_flags::kAck)) == tcp_flags::kSyn;
}

}  // namespace printwatch::core
