// SPDX-License-Identifier: Apache-2.0
// The port prefilter must give the default BPF's answer whenever it answers at all: on every
// frame of every golden capture, and on crafted frames of every shape it decides or defers.
#include "app/bpf.h"
#include "capture/file_reader.h"
#include "capture/pcap_source.h"
#include "capture/port_prefilter.h"
#include "core/config.h"
#include "core/ports.h"
#include "dissectors/registry.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

using printwatch::capture::PcapSource;
using printwatch::capture::PortPrefilter;
using printwatch::capture::ReadStatus;
using printwatch::core::LinkType;
using printwatch::core::PortMap;
using printwatch::core::PortsConfig;

const PortMap kPorts{printwatch::dissectors::services(), PortsConfig{}};

PcapSource open(const std::string& path, bool prefilter) {
    auto src = PcapSource::open_offline(path);
    src.set_filter(
        [](LinkType link) {
            return printwatch::app::default_filter(kPorts, link == LinkType::Ethernet);
        },
        "default filter");
    if (prefilter) {
        src.set_prefilter(std::make_shared<const PortPrefilter>(kPorts));
    }
    return src;
}

struct Compared {
    std::size_t frames = 0;
    std::size_t decided = 0;  // frames the prefilter answered without the BPF
    std::size_t differ = 0;
};

/// Reads `path` with the BPF alone and with the prefilter in front, in step.
Compared compare(const std::string& path) {
    auto bpf = open(path, false);
    auto fast = open(path, true);
    const PortPrefilter pre(kPorts);
    Compared c;
    for (;;) {
        printwatch::core::RawFrame a;
        printwatch::core::RawFrame b;
        const auto sa = bpf.next(a);
        const auto sb = fast.next(b);
        if (sa != sb) {
            ++c.differ;
        }
        if (sa != ReadStatus::Packet && sa != ReadStatus::Filtered) {
            return c;
        }
        ++c.frames;
        if (a.link == LinkType::Ethernet &&
            pre.ethernet(a.data) != PortPrefilter::Verdict::AskBpf) {
            ++c.decided;
        }
    }
}

void put16(std::vector<std::uint8_t>& v, unsigned x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8U));
    v.push_back(static_cast<std::uint8_t>(x));
}

std::vector<std::uint8_t> ether(unsigned type) {
    std::vector<std::uint8_t> f{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    put16(f, type);
    return f;
}

/// IPv4 with `ihl` words of header, then sport/dport and 16 more transport bytes.
std::vector<std::uint8_t> ipv4(unsigned proto, unsigned sport, unsigned dport, unsigned frag = 0,
                               unsigned ihl = 5, std::size_t cut = 0) {
    auto f = ether(0x0800);
    f.push_back(static_cast<std::uint8_t>(0x40U | ihl));
    f.push_back(0);
    put16(f, 40);
    put16(f, 1);
    put16(f, frag);
    f.push_back(64);
    f.push_back(static_cast<std::uint8_t>(proto));
    put16(f, 0);
    for (const unsigned b : {203U, 0U, 113U, 9U, 10U, 1U, 0U, 50U}) {
        f.push_back(static_cast<std::uint8_t>(b));
    }
    for (unsigned i = 5; i < ihl; ++i) {
        f.insert(f.end(), {1, 1, 1, 1});  // NOP options
    }
    put16(f, sport);
    put16(f, dport);
    f.resize(f.size() + 16, 0);
    if (cut != 0) {
        f.resize(cut);
    }
    return f;
}

std::vector<std::uint8_t> ipv6(unsigned next, unsigned sport, unsigned dport) {
    auto f = ether(0x86dd);
    f.insert(f.end(), {0x60, 0, 0, 0});
    put16(f, 20);
    f.push_back(static_cast<std::uint8_t>(next));
    f.push_back(64);
    f.resize(f.size() + 32, 0);
    f[22] = 0x20;     // source 2000::..., an outside address
    f[38] = 0xfd;     // destination fd00::..., inside
    if (next == 0) {  // hop-by-hop, then TCP
        f.insert(f.end(), {6, 0, 1, 4, 0, 0, 0, 0});
    }
    if (next == 58) {
        f.insert(f.end(), {1, 4, 0, 0, 0, 0, 0, 0});
    }
    put16(f, sport);
    put16(f, dport);
    f.resize(f.size() + 16, 0);
    return f;
}

std::vector<std::uint8_t> vlan(std::vector<std::uint8_t> inner) {
    auto f = ether(0x8100);
    put16(f, 10);
    f.insert(f.end(), inner.begin() + 12, inner.end());
    return f;
}

void write_pcap(const std::string& path, const std::vector<std::vector<std::uint8_t>>& frames) {
    std::ofstream out(path, std::ios::binary);
    const auto u32 = [&](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    const auto u16 = [&](std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
    u32(0xa1b2c3d4);
    u16(2);
    u16(4);
    u32(0);
    u32(0);
    u32(65535);
    u32(1);
    std::uint32_t t = 1700000000;
    for (const auto& f : frames) {
        u32(t++);
        u32(0);
        u32(static_cast<std::uint32_t>(f.size()));
        u32(static_cast<std::uint32_t>(f.size()));
        out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
    }
}

}  // namespace

TEST_CASE("The prefilter agrees with the default BPF on every golden capture", "[prefilter]") {
    std::size_t frames = 0;
    std::size_t decided = 0;
    for (const auto& entry : std::filesystem::directory_iterator(PRINTWATCH_SOURCE_DIR "/pcaps")) {
        for (const char* name : {"input.pcap", "input.pcapng"}) {
            const auto path = entry.path() / name;
            if (!std::filesystem::exists(path)) {
                continue;
            }
            INFO(path.string());
            const auto c = compare(path.string());
            CHECK(c.differ == 0);
            frames += c.frames;
            decided += c.decided;
        }
    }
    CHECK(frames > 5000);
    CHECK(decided > frames / 2);  // the prefilter answers most frames itself
}

TEST_CASE("The prefilter decides the common shapes and defers the rest, as the BPF would",
          "[prefilter]") {
    const std::vector<std::vector<std::uint8_t>> frames{
        ipv4(6, 40000, 9100),            // to a printer port: pass
        ipv4(6, 9100, 40000),            // from it: pass
        ipv4(6, 40000, 80),              // not a printer port: reject
        ipv4(17, 40000, 8612),           // BJNP: pass
        ipv4(17, 40000, 53),             // DNS: reject
        ipv4(6, 40000, 9100, 0x0010),    // a later fragment: reject
        ipv4(6, 40000, 9100, 0x2000),    // the first, more to come: pass
        ipv4(6, 40000, 9100, 0, 6),      // IP options: pass
        ipv4(6, 40000, 9100, 0, 4),      // header length 16: the BPF's call
        ipv4(6, 40000, 9100, 0, 5, 36),  // capture cut inside the ports
        ipv4(1, 0x0303, 0, 0),           // ICMP unreachable: the BPF's
        ipv6(6, 40000, 9100),            // pass
        ipv6(17, 40000, 53),             // reject
        ipv6(0, 40000, 9100),            // hop-by-hop header: the BPF's (pass)
        ipv6(58, 0, 0),                  // ICMPv6 unreachable: the BPF's
        vlan(ipv4(6, 40000, 9100)),      // tagged: the BPF's
        vlan(ipv4(6, 40000, 80)),
        ether(0x0806),  // ARP, 14 bytes: the BPF's
    };
    const auto path =
        (std::filesystem::temp_directory_path() / "printwatch-prefilter-test.pcap").string();
    write_pcap(path, frames);
    const auto c = compare(path);
    std::filesystem::remove(path);
    CHECK(c.frames == frames.size());
    CHECK(c.differ == 0);
    CHECK(c.decided == 10);  // eight IPv4 and two IPv6 frames

    const PortPrefilter pre(kPorts);
    using V = PortPrefilter::Verdict;
    CHECK(pre.ethernet(frames[0]) == V::Pass);
    CHECK(pre.ethernet(frames[2]) == V::Reject);
    CHECK(pre.ethernet(frames[5]) == V::Reject);
    CHECK(pre.ethernet(frames[6]) == V::Pass);
    CHECK(pre.ethernet(frames[8]) == V::AskBpf);
    CHECK(pre.ethernet(frames[9]) == V::AskBpf);
    CHECK(pre.ethernet(frames[13]) == V::AskBpf);
    CHECK(pre.ethernet(frames[15]) == V::AskBpf);
}
