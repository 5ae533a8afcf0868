// SPDX-License-Identifier: Apache-2.0
// Byte-level builders for unit tests: headers are written field by field next to the layout.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace printwatch::test {

using Buf = std::vector<std::uint8_t>;

inline void put16(Buf& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8U));
    b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Buf& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16U));
    put16(b, static_cast<std::uint16_t>(v));
}
inline void append(Buf& b, const Buf& more) {
    b.insert(b.end(), more.begin(), more.end());
}
inline void append(Buf& b, std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
}

/// dst(6) src(6) ethertype(2)
inline Buf ethernet(std::uint16_t type) {
    Buf b{0x02, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0x01};
    put16(b, type);
    return b;
}
/// 802.1Q tag: TCI(2) inner ethertype(2)
inline Buf vlan_tag(std::uint16_t vid, std::uint16_t inner) {
    Buf b;
    put16(b, vid);
    put16(b, inner);
    return b;
}
/// IPv4 header, 20 bytes, no options: ver/ihl tos len id frag ttl proto csum src dst
inline Buf ipv4(std::uint8_t proto, std::uint16_t payload_len, std::uint32_t src = 0xcb007107,
                std::uint32_t dst = 0x0a010032, std::uint16_t frag = 0) {
    Buf b{0x45, 0};
    put16(b, static_cast<std::uint16_t>(20 + payload_len));
    put16(b, 0x1234);
    put16(b, frag);
    b.push_back(64);
    b.push_back(proto);
    put16(b, 0);
    put32(b, src);
    put32(b, dst);
    return b;
}
/// IPv6 header, 40 bytes: ver/tc/flow(4) plen(2) next(1) hop(1) src(16) dst(16)
inline Buf ipv6(std::uint8_t next, std::uint16_t payload_len) {
    Buf b{0x60, 0, 0, 0};
    put16(b, payload_len);
    b.push_back(next);
    b.push_back(64);
    Buf src(16, 0);
    src[0] = 0x20, src[1] = 0x01, src[2] = 0x0d, src[3] = 0xb8, src[15] = 7;
    Buf dst(16, 0);
    dst[0] = 0xfd, dst[15] = 0x50;
    append(b, src);
    append(b, dst);
    return b;
}
/// TCP header, 20 bytes: sport dport seq ack off/flags win csum urg
inline Buf tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags,
               std::uint32_t seq = 1000, std::uint32_t ack = 0) {
    Buf b;
    put16(b, sport);
    put16(b, dport);
    put32(b, seq);
    put32(b, ack);
    b.push_back(0x50);
    b.push_back(flags);
    put16(b, 65535);
    put16(b, 0);
    put16(b, 0);
    return b;
}
/// UDP header, 8 bytes: sport dport len csum
inline Buf udp(std::uint16_t sport, std::uint16_t dport, std::uint16_t payload_len) {
    Buf b;
    put16(b, sport);
    put16(b, dport);
    put16(b, static_cast<std::uint16_t>(8 + payload_len));
    put16(b, 0);
    return b;
}
/// BJNP header: magic dev cmd reserved(2) seq(2) session(2) len(4)
inline Buf bjnp(std::uint8_t dev, std::uint8_t cmd, std::uint16_t seq, const Buf& payload = {},
                std::string_view magic = "BJNP") {
    Buf b;
    append(b, magic);
    b.push_back(dev);
    b.push_back(cmd);
    put16(b, 0);
    put16(b, seq);
    put16(b, 0);
    put32(b, static_cast<std::uint32_t>(payload.size()));
    append(b, payload);
    return b;
}

}  // namespace printwatch::test
