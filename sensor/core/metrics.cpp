// SPDX-License-Identifier: Apache-2.0
#include "metrics.h"

#include <array>

namespace printwatch::core {

namespace {
using enum Metric;
using enum MetricType;
constexpr std::array kFamilies{
    MetricFamily{BuildInfo, "printwatch_build_info", Gauge, "version,commit",
                 "Build version and commit, always 1"},
    MetricFamily{CapturePackets, "printwatch_capture_packets_total", Counter, "interface",
                 "Packets read from the capture"},
    MetricFamily{CaptureKernelDrops, "printwatch_capture_kernel_drops_total", Counter, "interface",
                 "Packets the kernel dropped (ring full)"},
    MetricFamily{CaptureInterfaceDrops, "printwatch_capture_interface_drops_total", Counter,
                 "interface", "Packets the interface or driver dropped"},
    MetricFamily{CaptureWorkerPackets, "printwatch_capture_worker_packets_total", Counter, "worker",
                 "Packets each capture worker processed (--workers)"},
    MetricFamily{InterfaceRxPackets, "printwatch_interface_rx_packets_total", Counter, "interface",
                 "Packets the capture interface received, before any filter (from the kernel)"},
    MetricFamily{DecodeErrors, "printwatch_decode_errors_total", Counter, "layer,reason",
                 "Packets that could not be decoded, by layer and reason"},
    MetricFamily{DuplicatePackets, "printwatch_duplicate_packets_total", Counter, "",
                 "Packets seen twice on the mirror (another VLAN or port) and counted once"},
    MetricFamily{IpFragments, "printwatch_ip_fragments_total", Counter, "",
                 "Non-first IP fragments (counted, not reassembled)"},
    MetricFamily{FlowsActive, "printwatch_flows_active", Gauge, "", "Flows currently tracked"},
    MetricFamily{FlowEvictions, "printwatch_flow_evictions_total", Counter, "",
                 "Flows dropped because the flow table was full"},
    MetricFamily{StreamGaps, "printwatch_stream_gaps_total", Counter, "",
                 "TCP stream holes handed to dissectors as gaps"},
    MetricFamily{DissectorDetached, "printwatch_dissector_detached_total", Counter, "",
                 "Flows whose content failed the dissector's probe"},
    MetricFamily{DissectorErrors, "printwatch_dissector_errors_total", Counter, "dissector,reason",
                 "Protocol violations seen by dissectors"},
    MetricFamily{InboundAttempts, "printwatch_inbound_attempts_total", Counter, "service,outcome",
                 "Attempts from outside home_net to reach a printer service"},
    MetricFamily{Alerts, "printwatch_alerts_total", Counter, "kind", "Alerts written, by kind"},
    MetricFamily{AlertsSuppressed, "printwatch_alerts_suppressed_total", Counter, "kind",
                 "Alerts not written (suppression window or alert budget)"},
    MetricFamily{PrintersKnown, "printwatch_printers_known", Gauge, "",
                 "Printers in the inventory"},
    MetricFamily{ClientsKnown, "printwatch_clients_known", Gauge, "",
                 "Inside clients learned as trusted"},
    MetricFamily{TableFull, "printwatch_table_full_total", Counter, "table",
                 "Entries refused because a bounded table was full"},
    MetricFamily{TableEvictions, "printwatch_table_evictions_total", Counter, "table",
                 "Least recently used entries dropped because a bounded table was full"},
    MetricFamily{PrinterExposed, "printwatch_printer_exposed", Gauge, "printer,service",
                 "1 if the printer accepted a client outside home_net within 24h"},
    MetricFamily{PrinterLastInboundAttempt,
                 "printwatch_printer_last_inbound_attempt_timestamp_seconds", Gauge, "printer",
                 "Packet time of the last inbound attempt to the printer"},
    MetricFamily{OutputErrors, "printwatch_output_errors_total", Counter, "sink",
                 "Records an output sink failed to deliver"},
    MetricFamily{OutputMessages, "printwatch_output_messages_total", Counter, "sink",
                 "Records an output sink delivered"},
    MetricFamily{LastPacketTimestamp, "printwatch_last_packet_timestamp_seconds", Gauge, "",
                 "Packet time of the newest packet"},
    // The process collector's standard names (prometheus client_golang's), not prefixed.
    MetricFamily{ProcessStartTime, "process_start_time_seconds", Gauge, "",
                 "Start time of the process since unix epoch in seconds."},
    MetricFamily{ProcessCpu, "process_cpu_seconds_total", Counter, "",
                 "Total user and system CPU time spent in seconds."},
    MetricFamily{ProcessResidentMemory, "process_resident_memory_bytes", Gauge, "",
                 "Resident memory size in bytes."},
    MetricFamily{ProcessVirtualMemory, "process_virtual_memory_bytes", Gauge, "",
                 "Virtual memory size in bytes."},
    MetricFamily{ProcessOpenFds, "process_open_fds", Gauge, "", "Number of open file descriptors."},
    MetricFamily{ProcessMaxFds, "process_max_fds", Gauge, "",
                 "Maximum number of open file descriptors."},
};
static_assert(
    [] {
        for (std::size_t i = 0; i < kFamilies.size(); ++i) {
            if (static_cast<std::size_t>(kFamilies.at(i).id) != i) {
                return false;
            }
        }
        return true;
    }(),
    "kFamilies is in Metric order");
}  // namespace

std::span<const MetricFamily> metric_families() noexcept {
    return kFamilies;
}

const MetricFamily& metric_family(Metric m) noexcept {
    return kFamilies[static_cast<std::size_t>(m)];  // NOLINT: Metric order, static_assert above
}

}  // namespace printwatch::core
