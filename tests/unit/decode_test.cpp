// SPDX-License-Identifier: Apache-2.0
#include "decode/decode.h"

#include "packet_builder.h"

#include <catch2/catch.hpp>

#include <array>
#include <vector>

using namespace printwatch;  // NOLINT(google-build-using-namespace)
using decode::Layer;
using decode::Outcome;
using test::Buf;

namespace {
struct Decoded {
    decode::DecodeStatus status;
    core::DecodedPacket pkt;
};
Decoded run(const Buf& frame, core::LinkType link = core::LinkType::Ethernet) {
    core::RawFrame f;
    f.link = link;
    f.data = core::Bytes(frame);
    Decoded d;
    d.status = decode::decode(f, d.pkt);
    return d;
}
Buf eth_ipv4_tcp(std::uint8_t flags, const Buf& payload = {}) {
    Buf b = test::ethernet(0x0800);
    test::append(b, test::ipv4(6, static_cast<std::uint16_t>(20 + payload.size())));
    test::append(b, test::tcp(40000, 9100, flags, 77, 0));
    test::append(b, payload);
    return b;
}
}  // namespace

TEST_CASE("Ethernet/IPv4/TCP decodes every field", "[decode]") {
    auto d = run(eth_ipv4_tcp(0x02, {'@', 'P', 'J', 'L'}));
    REQUIRE(d.status.outcome == Outcome::Decoded);
    CHECK(d.pkt.kind == core::PacketKind::Tcp);
    CHECK(d.pkt.src.to_string() == "203.0.113.7");
    CHECK(d.pkt.dst.to_string() == "10.1.0.50");
    CHECK(d.pkt.sport == 40000);
    CHECK(d.pkt.dport == 9100);
    CHECK(d.pkt.seq == 77);
    CHECK(d.pkt.tcp_flags == 0x02);
    CHECK(d.pkt.payload.size() == 4);
    CHECK(d.pkt.has_mac);
    CHECK(d.pkt.src_mac.to_string() == "02:00:00:00:00:01");
}

TEST_CASE("Truncating a valid frame at every byte: truncated at the right layer",
          "[decode][trunc]") {
    const Buf full = eth_ipv4_tcp(0x18, {1, 2, 3, 4});
    for (std::size_t n = 0; n <= full.size(); ++n) {
        const Buf prefix(full.begin(), full.begin() + static_cast<long>(n));
        auto d = run(prefix);
        INFO("prefix length " << n);
        if (n < 14) {
            CHECK(d.status.outcome == Outcome::Error);
            CHECK(d.status.layer == Layer::Link);
            CHECK(d.status.reason == core::ParseError::Truncated);
        } else if (n < 34) {
            CHECK(d.status.layer == Layer::Ipv4);
            CHECK(d.status.reason == core::ParseError::Truncated);
        } else if (n < 54) {
            CHECK(d.status.layer == Layer::Tcp);
            CHECK(d.status.reason == core::ParseError::Truncated);
        } else {
            REQUIRE(d.status.outcome == Outcome::Decoded);
            CHECK(d.pkt.payload.size() == n - 54);
            CHECK(d.pkt.payload_truncated == (n < full.size()));
        }
    }
}

TEST_CASE("Ethernet padding never reaches the payload", "[decode]") {
    Buf b = test::ethernet(0x0800);
    test::append(b, test::ipv4(17, 8 + 2));
    test::append(b, test::udp(5000, 8612, 2));
    test::append(b, Buf{0xaa, 0xbb});
    test::append(b, Buf(18, 0));  // minimum-frame padding
    auto d = run(b);
    REQUIRE(d.status.outcome == Outcome::Decoded);
    CHECK(d.pkt.kind == core::PacketKind::Udp);
    CHECK(d.pkt.payload.size() == 2);
    CHECK_FALSE(d.pkt.payload_truncated);
}

TEST_CASE("802.1Q and QinQ tags are walked and recorded outer first", "[decode]") {
    Buf b = test::ethernet(0x88a8);
    test::append(b, test::vlan_tag(100, 0x8100));
    test::append(b, test::vlan_tag(10, 0x0800));
    test::append(b, test::ipv4(6, 20));
    test::append(b, test::tcp(1, 9100, 0x02));
    auto d = run(b);
    REQUIRE(d.status.outcome == Outcome::Decoded);
    CHECK(d.pkt.vlan_count == 2);
    CHECK(d.pkt.vlan[0] == 100);
    CHECK(d.pkt.vlan[1] == 10);
    for (std::size_t n = 14; n < 22; ++n) {  // cut inside the tags
        auto t = run(Buf(b.begin(), b.begin() + static_cast<long>(n)));
        CHECK(t.status.layer == Layer::Vlan);
        CHECK(t.status.reason == core::ParseError::Truncated);
    }
}

TEST_CASE("Non-IP ethertypes are skipped, not errors", "[decode]") {
    Buf arp = test::ethernet(0x0806);
    test::append(arp, Buf(28, 0));
    CHECK(run(arp).status.outcome == Outcome::NotIp);
    Buf llc = test::ethernet(0x0030);  // 802.3 length field: LLC/CDP
    test::append(llc, Buf(48, 0));
    CHECK(run(llc).status.outcome == Outcome::NotIp);
}

TEST_CASE("IPv6 with Hop-by-Hop and Destination Options reaches UDP", "[decode]") {
    Buf ext{17, 0, 0, 0, 0, 0, 0, 0};  // dest-opts: next=UDP, len=0 (8 bytes)
    Buf hbh{60, 0, 1, 4, 0, 0, 0, 0};  // hop-by-hop: next=dest-opts, PadN
    Buf body = hbh;
    test::append(body, ext);
    test::append(body, test::udp(8611, 8611, 16));
    test::append(body, test::bjnp(1, 1, 0));
    Buf b = test::ethernet(0x86dd);
    test::append(b, test::ipv6(0, static_cast<std::uint16_t>(body.size())));
    test::append(b, body);
    auto d = run(b);
    REQUIRE(d.status.outcome == Outcome::Decoded);
    CHECK(d.pkt.kind == core::PacketKind::Udp);
    CHECK(d.pkt.src.to_string() == "2001:db8::7");
    CHECK(d.pkt.dst.to_string() == "fd00::50");
    CHECK(d.pkt.payload.size() == 16);
    for (std::size_t n = 54; n < 54 + 16; ++n) {  // cut inside the extension headers
        auto t = run(Buf(b.begin(), b.begin() + static_cast<long>(n)));
        CHECK(t.status.layer == Layer::Ipv6);
        CHECK(t.status.reason == core::ParseError::Truncated);
    }
}

TEST_CASE("IPv4 non-first fragments are counted, first fragments keep their ports", "[decode]") {
    Buf later = test::ethernet(0x0800);
    test::append(later, test::ipv4(17, 8, 0xcb007107, 0x0a010032, 0x0010));
    test::append(later, Buf(8, 0));
    CHECK(run(later).pkt.kind == core::PacketKind::Fragment);
    Buf first = test::ethernet(0x0800);
    test::append(first, test::ipv4(17, 8 + 4, 0xcb007107, 0x0a010032, 0x2000));
    test::append(first, test::udp(1, 8611, 4));
    test::append(first, Buf{1, 2, 3, 4});
    auto d = run(first);
    CHECK(d.pkt.kind == core::PacketKind::Udp);
    CHECK(d.pkt.dport == 8611);
}

TEST_CASE("Invalid headers are invalid, not truncated", "[decode]") {
    Buf bad_ihl = test::ethernet(0x0800);
    Buf ip = test::ipv4(6, 20);
    ip[0] = 0x44;  // IHL 4 words < 20 bytes
    test::append(bad_ihl, ip);
    test::append(bad_ihl, test::tcp(1, 2, 0x02));
    CHECK(run(bad_ihl).status.layer == Layer::Ipv4);
    CHECK(run(bad_ihl).status.reason == core::ParseError::Invalid);

    Buf bad_off = eth_ipv4_tcp(0x02);
    bad_off[14 + 20 + 12] = 0x40;  // data offset 16 bytes < 20
    CHECK(run(bad_off).status.layer == Layer::Tcp);
    CHECK(run(bad_off).status.reason == core::ParseError::Invalid);

    Buf bad_udp = test::ethernet(0x0800);
    test::append(bad_udp, test::ipv4(17, 8));
    Buf u = test::udp(1, 2, 0);
    u[5] = 4;  // UDP length 4 < 8
    test::append(bad_udp, u);
    CHECK(run(bad_udp).status.reason == core::ParseError::Invalid);
}

TEST_CASE("ICMP unreachable yields the quoted tuple", "[decode]") {
    Buf quoted = test::ipv4(6, 20);
    test::append(quoted, test::tcp(40003, 9100, 0x02));
    Buf b = test::ethernet(0x0800);
    test::append(b, test::ipv4(1, static_cast<std::uint16_t>(8 + 28), 0x0a010001, 0xcb007107));
    test::append(b, Buf{3, 13, 0, 0, 0, 0, 0, 0});
    test::append(b, Buf(quoted.begin(), quoted.begin() + 28));  // IP header + 8 bytes, RFC 792
    auto d = run(b);
    REQUIRE(d.status.outcome == Outcome::Decoded);
    CHECK(d.pkt.kind == core::PacketKind::IcmpUnreachable);
    CHECK(d.pkt.icmp_code == 13);
    CHECK(d.pkt.quoted.src.to_string() == "203.0.113.7");
    CHECK(d.pkt.quoted.dport == 9100);
    CHECK(d.pkt.quoted.sport == 40003);
    // Cut anywhere before the quoted IP header and both ports (20 + 4 bytes) is truncated.
    for (std::size_t n = 14 + 20; n < 14 + 20 + 8 + 24; ++n) {
        auto t = run(Buf(b.begin(), b.begin() + static_cast<long>(n)));
        INFO("prefix " << n);
        CHECK(t.status.layer == Layer::Icmp);
        CHECK(t.status.reason == core::ParseError::Truncated);
    }
}

TEST_CASE("Link types: NULL (both byte orders), LOOP, raw, SLL, SLL2", "[decode]") {
    Buf ip = test::ipv4(6, 20);
    test::append(ip, test::tcp(1, 9100, 0x02));

    Buf null_le{2, 0, 0, 0};
    test::append(null_le, ip);
    CHECK(run(null_le, core::LinkType::Null).pkt.dport == 9100);
    Buf null_be{0, 0, 0, 2};
    test::append(null_be, ip);
    CHECK(run(null_be, core::LinkType::Null).pkt.dport == 9100);
    CHECK(run(null_be, core::LinkType::Loop).pkt.dport == 9100);
    Buf null_other{7, 0, 0, 0};
    test::append(null_other, ip);
    CHECK(run(null_other, core::LinkType::Null).status.outcome == Outcome::NotIp);

    CHECK(run(ip, core::LinkType::Raw).pkt.dport == 9100);
    CHECK(run(ip, core::LinkType::Ipv4).pkt.dport == 9100);
    Buf v6 = test::ipv6(6, 20);
    test::append(v6, test::tcp(1, 9100, 0x02));
    CHECK(run(v6, core::LinkType::Raw).pkt.src.family == 6);
    CHECK(run(v6, core::LinkType::Ipv6).pkt.dport == 9100);
    Buf garbage{0x00, 1, 2};
    CHECK(run(garbage, core::LinkType::Raw).status.reason == core::ParseError::Invalid);

    // SLL: pkttype(2) hatype(2) halen(2) addr(8) proto(2)
    Buf sll{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0x20, 0, 0, 0x08, 0x00};
    test::append(sll, ip);
    auto s = run(sll, core::LinkType::LinuxSll);
    CHECK(s.pkt.dport == 9100);
    CHECK(s.pkt.src_mac.to_string() == "02:00:00:00:00:20");
    // SLL2: proto(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
    Buf sll2{0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0x21, 0, 0};
    test::append(sll2, ip);
    auto s2 = run(sll2, core::LinkType::LinuxSll2);
    CHECK(s2.pkt.dport == 9100);
    CHECK(s2.pkt.src_mac.to_string() == "02:00:00:00:00:21");
    for (std::size_t n = 0; n < 20; ++n) {
        CHECK(run(Buf(sll2.begin(), sll2.begin() + static_cast<long>(n)), core::LinkType::LinuxSll2)
                  .status.reason == core::ParseError::Truncated);
    }
    CHECK(run(ip, core::LinkType::Unsupported).status.reason == core::ParseError::Unsupported);
}

namespace {
/// Every field of two decodes, payload by position (both must alias the same frame bytes).
void require_same(const Decoded& fast, const Decoded& walk) {
    REQUIRE(fast.status.outcome == walk.status.outcome);
    REQUIRE(fast.status.layer == walk.status.layer);
    REQUIRE(fast.status.reason == walk.status.reason);
    if (walk.status.outcome == Outcome::Error) {
        return;  // what an error leaves in the packet is never read
    }
    const auto& a = fast.pkt;
    const auto& b = walk.pkt;
    CHECK(a.kind == b.kind);
    CHECK(a.has_mac == b.has_mac);
    CHECK(a.src_mac == b.src_mac);
    CHECK(a.dst_mac == b.dst_mac);
    CHECK(a.vlan_count == b.vlan_count);
    CHECK(a.vlan == b.vlan);
    CHECK(a.src == b.src);
    CHECK(a.dst == b.dst);
    CHECK(a.ip_proto == b.ip_proto);
    CHECK(a.ip_id == b.ip_id);
    CHECK(a.sport == b.sport);
    CHECK(a.dport == b.dport);
    CHECK(a.tcp_flags == b.tcp_flags);
    CHECK(a.seq == b.seq);
    CHECK(a.ack == b.ack);
    CHECK(a.payload.data() == b.payload.data());
    CHECK(a.payload.size() == b.payload.size());
    CHECK(a.payload_truncated == b.payload_truncated);
    CHECK(a.icmp_type == b.icmp_type);
    CHECK(a.quoted.src == b.quoted.src);
    CHECK(a.quoted.sport == b.quoted.sport);
}
}  // namespace

TEST_CASE("The fast path decodes exactly as the layer walk, on mutated and cut frames",
          "[decode][fastpath]") {
    // Seeds of every shape near the fast path's edges: TCP and UDP, tagged and not, options,
    // fragments, other protocols; then every header byte set to values that cross its checks,
    // and every truncation.
    std::vector<Buf> seeds;
    seeds.push_back(eth_ipv4_tcp(0x02));
    seeds.push_back(eth_ipv4_tcp(0x18, {'@', 'P', 'J', 'L', '\n'}));
    {
        Buf b = test::ethernet(0x8100);
        test::append(b, test::vlan_tag(0x2007, 0x0800));
        test::append(b, test::ipv4(17, 12));
        test::append(b, test::udp(8611, 40000, 4));
        test::append(b, Buf{'B', 'J', 'N', 'P'});
        seeds.push_back(b);
    }
    {
        Buf b = test::ethernet(0x0800);
        test::append(b, test::ipv4(17, 8 + 3));
        test::append(b, test::udp(40000, 8612, 3));
        test::append(b, Buf{1, 2, 3, 0, 0, 0, 0, 0, 0, 0});  // and Ethernet padding
        seeds.push_back(b);
    }
    std::uint32_t rng = 12345;
    auto next = [&] {
        rng = rng * 1103515245U + 12345U;
        return static_cast<std::uint8_t>(rng >> 16U);
    };
    const std::array<std::uint8_t, 12> interesting{0x00, 0x01, 0x05, 0x06, 0x08, 0x11,
                                                   0x14, 0x20, 0x45, 0x46, 0x81, 0xff};
    std::size_t compared = 0;
    for (const Buf& seed : seeds) {
        std::vector<Buf> variants{seed};
        for (std::size_t pos = 12; pos < std::min<std::size_t>(seed.size(), 70); ++pos) {
            for (auto v : interesting) {
                Buf m = seed;
                m[pos] = v;
                variants.push_back(m);
            }
            Buf m = seed;
            m[pos] = next();
            variants.push_back(m);
        }
        for (std::size_t n = 0; n < seed.size(); ++n) {
            variants.emplace_back(seed.begin(), seed.begin() + static_cast<long>(n));
        }
        for (const Buf& frame : variants) {
            core::RawFrame f;
            f.link = core::LinkType::Ethernet;
            f.data = core::Bytes(frame);
            Decoded fast;
            Decoded walk;
            fast.status = decode::decode(f, fast.pkt);
            walk.status = decode::decode_layers(f, walk.pkt);
            require_same(fast, walk);
            ++compared;
        }
    }
    CHECK(compared > 1000);
}
