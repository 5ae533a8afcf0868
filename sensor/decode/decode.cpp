// SPDX-License-Identifier: Apache-2.0
// Frame decoding. References: IEEE 802.1Q (VLAN/QinQ), RFC 791 (IPv4), RFC 8200 (IPv6 and its
// extension headers), RFC 793/9293 (TCP), RFC 768 (UDP), RFC 792 and RFC 4443 (ICMP errors),
// and the tcpdump.org LINKTYPE registry for NULL/LOOP/SLL/SLL2.
//
// Rules kept here, all from style.md §4: every byte goes through core::ByteReader; a header
// that is cut short is "truncated", a header that is wrong is "invalid"; what is handed on is
// clamped to the declared IP/UDP lengths so link padding never reaches a dissector.
#include "decode.h"

#include "core/bytes.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>  // store_v4: one 16-byte store
#endif

namespace printwatch::decode {

using core::ByteReader;
using core::Bytes;
using core::DecodedPacket;
using core::IpAddr;
using core::PacketKind;
using core::ParseError;

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88a8;
constexpr std::uint16_t kEtherQinQOld = 0x9100;
constexpr std::size_t kMaxVlanTags = 4;  // more than this is hostile, not a real network
constexpr std::size_t kMaxIpv6ExtHeaders = 8;

DecodeStatus error(Layer layer, ParseError reason) noexcept {
    return {Outcome::Error, layer, reason};
}
DecodeStatus ok() noexcept {
    return {Outcome::Decoded, Layer::Link, ParseError::Invalid};
}
DecodeStatus not_ip() noexcept {
    return {Outcome::NotIp, Layer::Link, ParseError::Invalid};
}

IpAddr read_v4(Bytes b) noexcept {
    IpAddr a;
    a.family = 4;
    std::copy_n(b.begin(), 4, a.bytes.begin());
    return a;
}
IpAddr read_v6(Bytes b) noexcept {
    IpAddr a;
    a.family = 6;
    std::copy_n(b.begin(), 16, a.bytes.begin());
    return a;
}

/// The datagram quoted inside an ICMP error: its IP header and the first 8 transport bytes,
/// which is all RFC 792 guarantees and is enough for both port fields.
bool parse_quoted(ByteReader r, bool v6, core::QuotedTuple& q) noexcept {
    if (v6) {
        r.skip(6);
        auto next = r.u8();
        r.skip(1);
        auto src = r.take(16);
        auto dst = r.take(16);
        if (r.failed()) {
            return false;
        }
        q.src = read_v6(*src);
        q.dst = read_v6(*dst);
        q.proto = *next;  // extension headers in quoted datagrams are not followed
    } else {
        auto vihl = r.u8();
        r.skip(8);
        auto proto = r.u8();
        r.skip(2);
        auto src = r.take(4);
        auto dst = r.take(4);
        if (r.failed() || (*vihl >> 4U) != 4 || (*vihl & 0x0fU) < 5) {
            return false;
        }
        r.skip(static_cast<std::size_t>(*vihl & 0x0fU) * 4 - 20);
        q.src = read_v4(*src);
        q.dst = read_v4(*dst);
        q.proto = *proto;
    }
    auto sport = r.u16be();
    auto dport = r.u16be();
    if (r.failed()) {
        return false;
    }
    q.sport = *sport;
    q.dport = *dport;
    return true;
}

DecodeStatus decode_l4(std::uint8_t proto, ByteReader r, DecodedPacket& out) noexcept;

/// IPv4 header at the reader. `r` spans what was captured after the link header.
DecodeStatus decode_ipv4(ByteReader r, DecodedPacket& out) noexcept {
    auto vihl = r.u8();
    r.skip(1);  // DSCP/ECN
    auto total = r.u16be();
    auto id = r.u16be();
    auto frag = r.u16be();
    r.skip(1);  // TTL
    auto proto = r.u8();
    r.skip(2);  // checksum: not verified, capture hosts offload it
    auto src = r.take(4);
    auto dst = r.take(4);
    if (r.failed()) {
        return error(Layer::Ipv4, ParseError::Truncated);
    }
    if ((*vihl >> 4U) != 4) {
        return error(Layer::Ipv4, ParseError::Invalid);
    }
    const std::size_t ihl = static_cast<std::size_t>(*vihl & 0x0fU) * 4;
    // A total length of 0 is what TSO-offloaded captures show: trust the capture instead.
    const std::size_t declared = *total == 0 ? 20 + r.remaining() : *total;
    if (ihl < 20 || declared < ihl) {
        return error(Layer::Ipv4, ParseError::Invalid);
    }
    if (!r.skip(ihl - 20)) {
        return error(Layer::Ipv4, ParseError::Truncated);
    }
    out.src = read_v4(*src);
    out.dst = read_v4(*dst);
    out.ip_proto = *proto;
    out.ip_id = *id;
    // Clamp to the declared length: Ethernet padding must not become payload.
    const std::size_t body_len = std::min(declared - ihl, r.remaining());
    out.payload_truncated = body_len < declared - ihl;
    ByteReader body = *r.sub(body_len);
    const std::uint16_t offset = *frag & 0x1fffU;
    if (offset != 0) {
        out.kind = PacketKind::Fragment;  // not reassembled: only the first fragment has ports
        out.payload = body.rest();
        return ok();
    }
    return decode_l4(*proto, body, out);
}

bool is_ipv6_extension(std::uint8_t next) noexcept {
    return next == 0 || next == 43 || next == 44 || next == 60 || next == 51 || next == 135 ||
           next == 139 || next == 140;
}

DecodeStatus decode_ipv6(ByteReader r, DecodedPacket& out) noexcept {
    auto vtc = r.u8();
    r.skip(3);  // traffic class, flow label
    auto plen = r.u16be();
    auto next = r.u8();
    r.skip(1);  // hop limit
    auto src = r.take(16);
    auto dst = r.take(16);
    if (r.failed()) {
        return error(Layer::Ipv6, ParseError::Truncated);
    }
    if ((*vtc >> 4U) != 6) {
        return error(Layer::Ipv6, ParseError::Invalid);
    }
    out.src = read_v6(*src);
    out.dst = read_v6(*dst);
    // Payload length 0 means a jumbogram (RFC 2675) or an offloaded capture: use what we have.
    const std::size_t declared = *plen == 0 ? r.remaining() : *plen;
    const std::size_t body_len = std::min<std::size_t>(declared, r.remaining());
    out.payload_truncated = body_len < declared;
    ByteReader body = *r.sub(body_len);
    std::uint8_t proto = *next;
    for (std::size_t n = 0; is_ipv6_extension(proto); ++n) {
        if (n == kMaxIpv6ExtHeaders) {
            return error(Layer::Ipv6, ParseError::Unsupported);
        }
        auto nh = body.u8();
        auto len = body.u8();
        if (body.failed()) {
            return error(Layer::Ipv6, ParseError::Truncated);
        }
        if (proto == 44) {  // fragment header: fixed 8 bytes
            auto frag = body.u16be();
            if (!body.skip(4)) {
                return error(Layer::Ipv6, ParseError::Truncated);
            }
            if ((*frag & 0xfff8U) != 0) {
                out.kind = PacketKind::Fragment;
                out.ip_proto = *nh;
                out.payload = body.rest();
                return ok();
            }
        } else {
            // AH counts its length in 4-byte units minus 2; the others in 8-byte units minus 1.
            const std::size_t total = proto == 51 ? (static_cast<std::size_t>(*len) + 2) * 4
                                                  : (static_cast<std::size_t>(*len) + 1) * 8;
            if (!body.skip(total - 2)) {
                return error(Layer::Ipv6, ParseError::Truncated);
            }
        }
        proto = *nh;
    }
    out.ip_proto = proto;
    return decode_l4(proto, body, out);
}

DecodeStatus decode_tcp(ByteReader r, DecodedPacket& out) noexcept {
    auto sport = r.u16be();
    auto dport = r.u16be();
    auto seq = r.u32be();
    auto ack = r.u32be();
    auto off = r.u8();
    auto flags = r.u8();
    r.skip(6);  // window, checksum, urgent pointer
    if (r.failed()) {
        return error(Layer::Tcp, ParseError::Truncated);
    }
    const std::size_t hlen = static_cast<std::size_t>(*off >> 4U) * 4;
    if (hlen < 20) {
        return error(Layer::Tcp, ParseError::Invalid);
    }
    if (!r.skip(hlen - 20)) {
        return error(Layer::Tcp, ParseError::Truncated);
    }
    out.kind = PacketKind::Tcp;
    out.sport = *sport;
    out.dport = *dport;
    out.seq = *seq;
    out.ack = *ack;
    out.tcp_flags = *flags;
    out.payload = r.rest();
    return ok();
}

DecodeStatus decode_udp(ByteReader r, DecodedPacket& out) noexcept {
    auto sport = r.u16be();
    auto dport = r.u16be();
    auto len = r.u16be();
    r.skip(2);  // checksum
    if (r.failed()) {
        return error(Layer::Udp, ParseError::Truncated);
    }
    if (*len < 8) {
        return error(Layer::Udp, ParseError::Invalid);
    }
    out.kind = PacketKind::Udp;
    out.sport = *sport;
    out.dport = *dport;
    const std::size_t declared = *len - 8U;
    const std::size_t have = std::min(declared, r.remaining());
    out.payload_truncated = out.payload_truncated || have < declared;
    out.payload = *r.take(have);
    return ok();
}

/// ICMP (v4 type 3, v6 type 1) destination unreachable: remember the quoted tuple so that
/// detection can mark the attempt it answers as refused.
DecodeStatus decode_icmp(ByteReader r, DecodedPacket& out, bool v6) noexcept {
    const Layer layer = v6 ? Layer::Icmpv6 : Layer::Icmp;
    auto type = r.u8();
    auto code = r.u8();
    r.skip(6);  // checksum + unused/MTU
    if (r.failed()) {
        return error(layer, ParseError::Truncated);
    }
    out.icmp_type = *type;
    out.icmp_code = *code;
    const bool unreachable = v6 ? *type == 1 : *type == 3;
    if (!unreachable) {
        out.kind = PacketKind::OtherIp;
        return ok();
    }
    if (!parse_quoted(r, v6, out.quoted)) {
        return error(layer, ParseError::Truncated);
    }
    const bool transport =
        out.quoted.proto == core::ip_proto::kTcp || out.quoted.proto == core::ip_proto::kUdp;
    out.kind = transport ? PacketKind::IcmpUnreachable : PacketKind::OtherIp;
    return ok();
}

DecodeStatus decode_l4(std::uint8_t proto, ByteReader r, DecodedPacket& out) noexcept {
    switch (proto) {
        case core::ip_proto::kTcp:
            return decode_tcp(r, out);
        case core::ip_proto::kUdp:
            return decode_udp(r, out);
        case core::ip_proto::kIcmp:
            return decode_icmp(r, out, false);
        case core::ip_proto::kIcmpv6:
            return decode_icmp(r, out, true);
        default:
            out.kind = PacketKind::OtherIp;
            out.payload = r.rest();
            return ok();
    }
}

DecodeStatus decode_ip_by_version(ByteReader r, DecodedPacket& out) noexcept {
    auto first = r.peek();
    if (!first) {
        return error(Layer::Link, ParseError::Truncated);
    }
    switch (*first >> 4U) {
        case 4:
            return decode_ipv4(r, out);
        case 6:
            return decode_ipv6(r, out);
        default:
            return error(Layer::Link, ParseError::Invalid);
    }
}

/// Dispatch on an EtherType, walking any 802.1Q / 802.1ad tags first.
DecodeStatus decode_ethertype(std::uint16_t type, ByteReader r, DecodedPacket& out) noexcept {
    for (std::size_t tags = 0; type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld;
         ++tags) {
        if (tags == kMaxVlanTags) {
            return error(Layer::Vlan, ParseError::Unsupported);
        }
        auto tci = r.u16be();
        auto inner = r.u16be();
        if (r.failed()) {
            return error(Layer::Vlan, ParseError::Truncated);
        }
        if (out.vlan_count < out.vlan.size()) {
            out.vlan.at(out.vlan_count++) = *tci & 0x0fffU;
        }
        type = *inner;
    }
    switch (type) {
        case kEtherIpv4:
            return decode_ipv4(r, out);
        case kEtherIpv6:
            return decode_ipv6(r, out);
        default:
            return not_ip();
    }
}

DecodeStatus decode_ethernet(ByteReader r, DecodedPacket& out) noexcept {
    auto dst = r.take(6);
    auto src = r.take(6);
    auto type = r.u16be();
    if (r.failed()) {
        return error(Layer::Link, ParseError::Truncated);
    }
    out.has_mac = true;
    std::memcpy(out.dst_mac.bytes.data(), dst->data(), 6);
    std::memcpy(out.src_mac.bytes.data(), src->data(), 6);
    return decode_ethertype(*type, r, out);
}

/// BSD loopback: the address family is in the byte order of the host that wrote the file
/// (DLT_NULL), or in network order (DLT_LOOP). Families are small, so the zero high bytes tell
/// a big-endian writer from a little-endian one.
DecodeStatus decode_null(ByteReader r, DecodedPacket& out, bool network_order) noexcept {
    auto af = r.take(4);
    if (r.failed()) {
        return error(Layer::Link, ParseError::Truncated);
    }
    ByteReader fam(*af);
    const bool big = network_order || ((*af)[0] == 0 && (*af)[1] == 0);
    const std::uint32_t family = big ? *fam.u32be() : *fam.u32le();
    switch (family) {
        case 2:
            return decode_ipv4(r, out);
        case 10:
        case 24:
        case 28:
        case 30:
            return decode_ipv6(r, out);  // Linux, BSDs, macOS
        default:
            return not_ip();
    }
}

/// The common tail of Linux cooked headers: the sender's MAC (when it is one) and the protocol.
DecodeStatus finish_cooked(std::uint16_t hatype, std::size_t alen, Bytes addr, std::uint16_t proto,
                           ByteReader r, DecodedPacket& out) noexcept {
    if (hatype == 1 && alen == 6) {  // ARPHRD_ETHER
        out.has_mac = true;
        std::copy_n(addr.begin(), 6, out.src_mac.bytes.begin());
    }
    return decode_ethertype(proto, r, out);
}

/// SLL: packet type(2) hatype(2) halen(2) address(8) protocol(2)
DecodeStatus decode_sll(ByteReader r, DecodedPacket& out) noexcept {
    r.skip(2);
    auto hatype = r.u16be();
    auto alen = r.u16be();
    auto addr = r.take(8);
    auto proto = r.u16be();
    if (r.failed()) {
        return error(Layer::Link, ParseError::Truncated);
    }
    return finish_cooked(*hatype, *alen, *addr, *proto, r, out);
}

/// SLL2: protocol(2) reserved(2) ifindex(4) hatype(2) packet type(1) halen(1) address(8)
DecodeStatus decode_sll2(ByteReader r, DecodedPacket& out) noexcept {
    auto proto = r.u16be();
    r.skip(6);
    auto hatype = r.u16be();
    r.skip(1);
    auto alen = r.u8();
    auto addr = r.take(8);
    if (r.failed()) {
        return error(Layer::Link, ParseError::Truncated);
    }
    return finish_cooked(*hatype, *alen, *addr, *proto, r, out);
}

}  // namespace

const char* to_string(Layer l) noexcept {
    switch (l) {
        case Layer::Link:
            return "link";
        case Layer::Vlan:
            return "vlan";
        case Layer::Ipv4:
            return "ipv4";
        case Layer::Ipv6:
            return "ipv6";
        case Layer::Tcp:
            return "tcp";
        case Layer::Udp:
            return "udp";
        case Layer::Icmp:
            return "icmp";
        case Layer::Icmpv6:
            return "icmpv6";
        case Layer::Count:
            break;
    }
    return "link";
}

namespace {

/// An IPv4 address written in one 16-byte store: what reads it next (the duplicate filter's
/// and the flow key's 8-byte words, the key's 16-byte copy) is then forwarded from that store.
/// A load is forwarded only from a store that holds all of it: a 4-byte store inside an
/// earlier 16-byte one stalled the 8-byte loads, and two 8-byte stores stalled the 16-byte
/// copy (a sixth of the flood's samples, on that copy in FlowTable::probe).
void store_v4(std::span<const std::uint8_t, 4> addr, IpAddr& out) noexcept {
    std::uint32_t v4 = 0;
    std::memcpy(&v4, addr.data(), 4);  // the address bytes first, whatever the byte order
#if defined(__SSE2__)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.bytes.data()),  // NOLINT: unaligned store
                     _mm_cvtsi32_si128(static_cast<int>(v4)));
#else
    out.bytes = {};
    std::memcpy(out.bytes.data(), &v4, 4);
#endif
    out.family = 4;
}

/// The shape of nearly every packet on a printer LAN and in a flood: Ethernet, at most one
/// 802.1Q tag, IPv4 without options, not a fragment, TCP or UDP with its whole header
/// captured. Read with one bounds check and fixed offsets, where the layer walk checks every
/// field (the walk was 280 instructions of a SYN flood's 3,000 per packet, this about 120).
/// It fills `out` exactly as the walk would, or returns false having written nothing the walk
/// does not overwrite; anything else (options, fragments, errors, IPv6) takes the walk.
/// decode_test.cpp checks both against each other on mutated frames.
template <std::size_t L2>
bool decode_common_ipv4(core::Bytes frame, DecodedPacket& out) noexcept {
    constexpr std::size_t kIp = L2;
    constexpr std::size_t kL4 = L2 + 20;
    ByteReader r(frame);
    const auto fixed = r.take_fixed<kL4 + 8>();  // link, IP, and a UDP header's worth of L4
    if (!fixed) {
        return false;
    }
    const auto h = *fixed;
    if constexpr (L2 == 18) {
        if (core::be16<12>(h) != kEtherVlan || core::be16<16>(h) != kEtherIpv4) {
            return false;
        }
    } else if (core::be16<12>(h) != kEtherIpv4) {
        return false;
    }
    const std::uint16_t total = core::be16<kIp + 2>(h);
    const std::uint8_t proto = h[kIp + 9];
    if (h[kIp] != 0x45 || (total != 0 && total < 20) || (core::be16<kIp + 6>(h) & 0x1fffU) != 0 ||
        (proto != core::ip_proto::kTcp && proto != core::ip_proto::kUdp)) {
        return false;
    }
    const std::size_t after_ip = frame.size() - kL4;
    // A total length of 0 is what TSO-offloaded captures show: trust the capture instead.
    const std::size_t declared = total == 0 ? after_ip : total - 20U;
    const std::size_t body_len = std::min(declared, after_ip);
    ByteReader body(frame);
    body.skip(kL4);
    body = *body.sub(body_len);  // within the frame: body_len <= after_ip
    if (proto == core::ip_proto::kTcp) {
        auto tcp = body.take_fixed<20>();
        if (!tcp) {
            return false;
        }
        const std::size_t hlen = static_cast<std::size_t>((*tcp)[12] >> 4U) * 4;
        if (hlen < 20 || !body.skip(hlen - 20)) {
            return false;
        }
        out.kind = PacketKind::Tcp;
        out.sport = core::be16<0>(*tcp);
        out.dport = core::be16<2>(*tcp);
        out.seq = core::be32<4>(*tcp);
        out.ack = core::be32<8>(*tcp);
        out.tcp_flags = (*tcp)[13];
        out.payload = body.rest();
        out.payload_truncated = body_len < declared;
    } else {
        const std::uint16_t len = core::be16<kL4 + 4>(h);
        if (body_len < 8 || len < 8) {
            return false;
        }
        body.skip(8);
        const std::size_t udp_declared = len - 8U;
        const std::size_t have = std::min(udp_declared, body.remaining());
        out.kind = PacketKind::Udp;
        out.sport = core::be16<kL4>(h);
        out.dport = core::be16<kL4 + 2>(h);
        out.payload = *body.take(have);
        out.payload_truncated = body_len < declared || have < udp_declared;
    }
    out.has_mac = true;
    // memcpy of a constant size compiles to moves; std::copy_n of 6 bytes was a memmove call.
    std::memcpy(out.dst_mac.bytes.data(), h.data(), 6);
    std::memcpy(out.src_mac.bytes.data(), h.template subspan<6, 6>().data(), 6);
    if constexpr (L2 == 18) {
        out.vlan_count = 1;
        out.vlan[0] = core::be16<14>(h) & 0x0fffU;
    }
    store_v4(h.template subspan<kIp + 12, 4>(), out.src);
    store_v4(h.template subspan<kIp + 16, 4>(), out.dst);
    out.ip_proto = proto;
    out.ip_id = core::be16<kIp + 4>(h);
    return true;
}

/// What decode() starts from: copied, where `out = DecodedPacket{}` zeroed a temporary with
/// `rep stos` and copied it, and the copy's loads waited for those stores (a third of the
/// decoder's time under a SYN flood).
constexpr DecodedPacket kEmptyPacket{};
}  // namespace

// Flattened: the layers' functions pass their ByteReader by value, and as separate calls they
// did so through the stack, where each callee's wide loads of it stalled on the caller's
// narrow stores. Inlined, the reader lives in registers.
DecodeStatus decode(const core::RawFrame& frame, DecodedPacket& out) noexcept {
    if (frame.link == core::LinkType::Ethernet) {
        out = kEmptyPacket;
        out.ts = frame.ts;
        out.iface = frame.iface;
        if (decode_common_ipv4<14>(frame.data, out) || decode_common_ipv4<18>(frame.data, out)) {
            return ok();
        }
    }
    return decode_layers(frame, out);
}

[[gnu::flatten]] DecodeStatus decode_layers(const core::RawFrame& frame,
                                            DecodedPacket& out) noexcept {
    out = kEmptyPacket;
    out.ts = frame.ts;
    out.iface = frame.iface;
    ByteReader r(frame.data);
    switch (frame.link) {
        case core::LinkType::Ethernet:
            return decode_ethernet(r, out);
        case core::LinkType::Null:
            return decode_null(r, out, false);
        case core::LinkType::Loop:
            return decode_null(r, out, true);
        case core::LinkType::Raw:
            return decode_ip_by_version(r, out);
        case core::LinkType::Ipv4:
            return decode_ipv4(r, out);
        case core::LinkType::Ipv6:
            return decode_ipv6(r, out);
        case core::LinkType::LinuxSll:
            return decode_sll(r, out);
        case core::LinkType::LinuxSll2:
            return decode_sll2(r, out);
        case core::LinkType::Unsupported:
            break;
    }
    return error(Layer::Link, ParseError::Unsupported);
}

}  // namespace printwatch::decode
