// SPDX-License-Identifier: Apache-2.0
// SensorConfig: the whole configuration as a plain aggregate with the defaults of docs/spec.md §3.
// Loaded once (sensor/app/config_load.cpp) and passed as const&; the struct is the documentation.
#pragma once

#include "net.h"
#include "timestamp.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace printwatch::core {

struct KnownPrinter {
    IpAddr address;
    std::string name;
};

/// `ports.<key>`: the ports of one registered port group (core::PortGroup).
struct PortList {
    std::string key;
    std::vector<std::uint16_t> ports;
    friend bool operator==(const PortList&, const PortList&) = default;
};

/// The configured port lists. A registered group that is not listed keeps its default ports;
/// config loading lists every group, so that what runs is what the config shows.
struct PortsConfig {
    std::vector<PortList> lists;
    [[nodiscard]] const std::vector<std::uint16_t>* find(std::string_view key) const noexcept {
        for (const auto& l : lists) {
            if (l.key == key) {
                return &l.ports;
            }
        }
        return nullptr;
    }
};

struct ScanConfig {
    std::uint32_t ports = 3;  // distinct printer ports per source within window
    std::uint32_t hosts = 5;  // distinct printers per source within window
    Duration window = Duration::seconds(60);
};

struct AlertsConfig {
    Duration suppress = Duration::seconds(300);
    ScanConfig scan;
    Duration attempt_timeout = Duration::seconds(5);
    std::uint32_t max_per_minute = 600;
};

struct LimitsConfig {
    std::uint32_t flows = 262144;
    /// Half-open TCP connections (a SYN and nothing else yet), kept apart from `flows` so that
    /// a SYN flood evicts only its own kind (flow::FlowTable). The loader makes it a quarter of
    /// `flows` unless the config gives it.
    std::uint32_t half_open = 65536;
    std::uint32_t clients = 65536;
    std::uint32_t printers = 4096;
    std::uint32_t stream_bytes = 65536;
};

struct FlowConfig {
    /// The VLAN id is part of the flow key only when asked: on a trunk SPAN the inbound copy is
    /// tagged and the printer's reply (mirrored from its access port) is not, so keying on the
    /// tag would split every connection in two. Sites whose VLANs reuse addresses turn it on.
    bool vlan_tracking = false;
};

struct SyslogConfig {
    std::string facility = "local5";
    std::uint32_t queue = 10000;
};

/// Who this sensor is to a fleet: `host` in every EVE record, the syslog HOSTNAME, and the
/// salt of live flow ids. The loader fills in the host name when the config leaves it out.
struct SensorIdentity {
    std::string name;
};

/// --eve redis://...: the bounded queue in front of the stream, and the stream's approximate
/// length cap (XADD MAXLEN ~).
struct RedisConfig {
    std::uint32_t queue = 10000;
    std::uint64_t maxlen = 1000000;
};

struct LearningConfig {
    Duration period = Duration::seconds(std::int64_t{24} * 3600);
};

struct SensorConfig {
    std::vector<Cidr> home_net = default_home_net();
    std::vector<KnownPrinter> printers;
    std::vector<Cidr> trusted_networks;  // trusted_clients entries that are IPs or CIDRs
    std::vector<MacAddr> trusted_macs;   // trusted_clients entries that are MACs
    LearningConfig learning;
    PortsConfig ports;
    AlertsConfig alerts;
    LimitsConfig limits;
    FlowConfig flow;
    SyslogConfig syslog;
    SensorIdentity sensor;
    RedisConfig redis;

    /// trusted_clients was given (even if only MACs): learning is off.
    [[nodiscard]] bool has_trusted_clients() const noexcept {
        return !trusted_networks.empty() || !trusted_macs.empty();
    }
    [[nodiscard]] bool in_home_net(const IpAddr& a) const noexcept {
        for (const auto& c : home_net) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    static std::vector<Cidr> default_home_net() {
        std::vector<Cidr> out;
        for (const char* c :
             {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"}) {
            out.push_back(*Cidr::parse(c));
        }
        return out;
    }
};

}  // namespace printwatch::core
