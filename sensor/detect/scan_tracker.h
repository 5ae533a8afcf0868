// SPDX-License-Identifier: Apache-2.0
// ScanTracker: per source, the distinct printer ports and printer hosts it reached within
// alerts.scan.window of packet time. Sources are bounded by limits.clients (LRU), and each
// source keeps at most threshold entries per list, so memory is bounded by configuration.
#pragma once

#include "core/config.h"
#include "core/lru_table.h"
#include "core/net.h"

#include <cstdint>
#include <vector>

namespace printwatch::detect {

struct ScanVerdict {
    bool fired = false;
    std::uint32_t ports = 0;
    std::uint32_t hosts = 0;
    std::vector<std::uint16_t> port_list;  // sorted, for the alert detail
};

class ScanTracker {
  public:
    ScanTracker(const core::AlertsConfig& alerts, const core::LimitsConfig& limits);
    void reconfigure(const core::AlertsConfig& alerts) { scan_ = alerts.scan; }

    /// Records that `source` opened a flow to `host`:`port` (a printer port) at `ts`.
    ScanVerdict record(const core::IpAddr& source, const core::IpAddr& host, std::uint16_t port,
                       core::Timestamp ts);

  private:
    struct PortSeen {
        std::uint16_t port = 0;
        core::Timestamp ts;
    };
    struct HostSeen {
        core::IpAddr host;
        core::Timestamp ts;
    };
    struct Source {
        std::vector<PortSeen> ports;
        std::vector<HostSeen> hosts;
    };

    core::ScanConfig scan_;
    core::LruTable<core::IpAddr, Source> sources_;
};

}  // namespace printwatch::detect
