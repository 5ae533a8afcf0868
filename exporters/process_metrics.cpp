// SPDX-License-Identifier: Apache-2.0
#include "process_metrics.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

namespace printwatch::exporters {

namespace {

/// Fields of /proc/self/stat after the command name (which may hold spaces and parentheses:
/// everything up to the last ')' is skipped). Index 0 is field 3, "state".
std::vector<std::string> proc_stat_fields() {
    std::ifstream in("/proc/self/stat");
    std::string text;
    std::getline(in, text);  // one line
    const auto close = text.rfind(')');
    std::vector<std::string> fields;
    if (close == std::string::npos) {
        return fields;
    }
    std::istringstream rest(text.substr(close + 1));
    for (std::string f; rest >> f;) {
        fields.push_back(f);
    }
    return fields;
}

double boot_time_seconds() {
    std::ifstream in("/proc/stat");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("btime ", 0) == 0) {
            return std::stod(line.substr(6));
        }
    }
    return 0;
}

double read_number(const std::string& path, double fallback) {
    std::ifstream in(path);
    double v = 0;
    return in >> v ? v : fallback;
}

}  // namespace

ProcessMetrics::ProcessMetrics(core::Stats& stats, const std::vector<std::string>& interfaces)
    : stats_(stats) {
    const auto single = [&](core::Metric m) { return stats.series(stats.family(m)); };
    start_time_ = single(core::Metric::ProcessStartTime);
    cpu_ = single(core::Metric::ProcessCpu);
    resident_ = single(core::Metric::ProcessResidentMemory);
    virtual_ = single(core::Metric::ProcessVirtualMemory);
    open_fds_ = single(core::Metric::ProcessOpenFds);
    max_fds_ = single(core::Metric::ProcessMaxFds);
    const auto rx = stats.family(core::Metric::InterfaceRxPackets);
    for (const auto& name : interfaces) {
        if (name.find('/') != std::string::npos || name == "." || name == "..") {
            continue;  // not an interface name: nothing under /sys/class/net to read
        }
        rx_packets_.emplace_back(name, stats.series(rx, {{"interface", name}}));
    }
    refresh();
}

void ProcessMetrics::refresh() {
    const auto fields = proc_stat_fields();
    const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto page = static_cast<double>(::sysconf(_SC_PAGESIZE));
    // proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24; fields[0] is field 3.
    if (fields.size() > 21 && ticks > 0) {
        stats_.set(cpu_, (std::stod(fields[11]) + std::stod(fields[12])) / ticks);
        stats_.set(start_time_, boot_time_seconds() + std::stod(fields[19]) / ticks);
        stats_.set(virtual_, std::stod(fields[20]));
        stats_.set(resident_, std::stod(fields[21]) * page);
    }
    std::error_code ec;
    double fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
        ++fds;
    }
    if (!ec) {
        stats_.set(open_fds_, fds - 1);  // the iterator's own descriptor
    }
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        stats_.set(max_fds_, static_cast<double>(lim.rlim_cur));
    }
    for (const auto& [name, id] : rx_packets_) {
        stats_.set(
            id, read_number("/sys/class/net/" + name + "/statistics/rx_packets", stats_.get(id)));
    }
}

}  // namespace printwatch::exporters
