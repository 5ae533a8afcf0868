// SPDX-License-Identifier: Apache-2.0
// The process_* metrics that Prometheus client libraries export (start time, CPU, memory,
// open file descriptors; prometheus-cpp has no process collector), and the receive counter of
// each capture interface, read from the kernel rather than from the capture: with the printer
// BPF a quiet printer VLAN gives the capture nothing for hours, while a mirror port that
// carries no packet at all is a dead mirror. Refreshed just before each scrape or metrics file
// write, never on the capture thread.
#pragma once

#include "core/stats.h"

#include <string>
#include <vector>

namespace printwatch::exporters {

class ProcessMetrics {
  public:
    /// Registers the families (at start: Stats is sized once).
    ProcessMetrics(core::Stats& stats, const std::vector<std::string>& interfaces);
    /// Reads /proc/self and /sys/class/net; a value that cannot be read keeps its last value.
    void refresh();

  private:
    core::Stats& stats_;
    core::SeriesId start_time_;
    core::SeriesId cpu_;
    core::SeriesId resident_;
    core::SeriesId virtual_;
    core::SeriesId open_fds_;
    core::SeriesId max_fds_;
    std::vector<std::pair<std::string, core::SeriesId>> rx_packets_;
};

}  // namespace printwatch::exporters
