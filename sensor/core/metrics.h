// SPDX-License-Identifier: Apache-2.0
// Every metric family printwatch exports, in one table: its name, type, label names and HELP
// text. Code registers a family by its id, so a name or a help text exists once;
// docs/spec.md §7 is checked against this table (tests/unit/stats_test.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace printwatch::core {

enum class MetricType { Counter, Gauge };

enum class Metric : std::uint8_t {
    BuildInfo,
    CapturePackets,
    CaptureKernelDrops,
    CaptureInterfaceDrops,
    CaptureWorkerPackets,
    InterfaceRxPackets,
    DecodeErrors,
    DuplicatePackets,
    IpFragments,
    FlowsActive,
    FlowEvictions,
    StreamGaps,
    DissectorDetached,
    DissectorErrors,
    InboundAttempts,
    Alerts,
    AlertsSuppressed,
    PrintersKnown,
    ClientsKnown,
    TableFull,
    TableEvictions,
    PrinterExposed,
    PrinterLastInboundAttempt,
    OutputErrors,
    OutputMessages,
    LastPacketTimestamp,
    ProcessStartTime,
    ProcessCpu,
    ProcessResidentMemory,
    ProcessVirtualMemory,
    ProcessOpenFds,
    ProcessMaxFds,
};

struct MetricFamily {
    Metric id;
    std::string_view name;
    MetricType type;
    std::string_view labels;  // the label names, comma-separated ("service,outcome")
    std::string_view help;
};

/// The table, in Metric order.
std::span<const MetricFamily> metric_families() noexcept;
const MetricFamily& metric_family(Metric m) noexcept;

}  // namespace printwatch::core
