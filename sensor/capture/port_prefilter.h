// SPDX-License-Identifier: Apache-2.0
// PortPrefilter: the default capture filter's answer for the common packet shapes, without
// running libpcap's BPF interpreter (issue 9). On a SPAN port nearly every packet is untagged
// IPv4 or IPv6 TCP/UDP that is not printer traffic, and for those the default filter
// (sensor/app/bpf.cpp) reduces to "is either port a printer port?". Every other shape (VLAN
// tags, ICMP, an IPv6 extension header, a short capture, an unusual IPv4 header) is left to the
// BPF, so the answer is always the BPF's: tests/unit/prefilter_test.cpp runs both on every
// frame of every golden capture and on crafted edge cases.
#pragma once

#include "core/bytes.h"
#include "core/ports.h"

#include <cstdint>

namespace printwatch::capture {

class PortPrefilter {
  public:
    enum class Verdict : std::uint8_t { Pass, Reject, AskBpf };

    explicit PortPrefilter(core::PortMap ports) : ports_(std::move(ports)) {}

    /// For an Ethernet frame (DLT_EN10MB), as the default filter would judge it, or AskBpf.
    [[nodiscard]] Verdict ethernet(core::Bytes f) const noexcept {
        constexpr std::size_t kEth = 14;
        if (f.size() < kEth + 1) {
            return Verdict::AskBpf;
        }
        const unsigned type = unsigned{f[12]} << 8U | f[13];
        if (type == 0x0800) {
            return ipv4(f, kEth);
        }
        if (type == 0x86dd) {
            return ipv6(f, kEth);
        }
        return Verdict::AskBpf;  // VLAN tags, ARP, ...: the BPF knows what "vlan" means here
    }

  private:
    [[nodiscard]] Verdict ports(core::Bytes f, std::size_t at, unsigned proto) const noexcept {
        if (f.size() < at + 4) {
            return Verdict::AskBpf;  // the BPF would read past the capture: its call
        }
        const auto sport = static_cast<std::uint16_t>(f[at] << 8U | f[at + 1]);
        const auto dport = static_cast<std::uint16_t>(f[at + 2] << 8U | f[at + 3]);
        const bool printer = proto == 6 ? ports_.has_tcp(sport) || ports_.has_tcp(dport)
                                        : ports_.has_udp(sport) || ports_.has_udp(dport);
        return printer ? Verdict::Pass : Verdict::Reject;
    }
    [[nodiscard]] Verdict ipv4(core::Bytes f, std::size_t ip) const noexcept {
        if (f.size() < ip + 20) {
            return Verdict::AskBpf;
        }
        const std::size_t ihl = std::size_t{f[ip] & 0x0fU} * 4;
        const unsigned proto = f[ip + 9];
        if (ihl < 20 || (proto != 6 && proto != 17)) {
            return Verdict::AskBpf;  // ICMP unreachables and odd headers: the BPF's
        }
        // libpcap's port tests hold only for the first fragment; no other term of the default
        // filter matches an IPv4 TCP/UDP packet.
        if (((f[ip + 6] & 0x1fU) << 8U | f[ip + 7]) != 0) {
            return Verdict::Reject;
        }
        return ports(f, ip + ihl, proto);
    }
    [[nodiscard]] Verdict ipv6(core::Bytes f, std::size_t ip) const noexcept {
        if (f.size() < ip + 40) {
            return Verdict::AskBpf;
        }
        const unsigned next = f[ip + 6];
        if (next != 6 && next != 17) {
            return Verdict::AskBpf;  // ICMPv6, extension headers: the BPF's
        }
        return ports(f, ip + 40, next);
    }

    core::PortMap ports_;
};

}  // namespace printwatch::capture
