// SPDX-License-Identifier: Apache-2.0
#include "scan_tracker.h"

#include <algorithm>
#include <bit>

namespace printwatch::detect {

ScanTracker::ScanTracker(const core::AlertsConfig& alerts, const core::LimitsConfig& limits,
                         core::Stats& stats, std::uint64_t hash_seed)
    : scan_(alerts.scan),
      stats_(stats),
      evicted_(stats.series(core::table_evictions_family(stats), {{"table", "scan_sources"}})),
      sources_(limits.clients, hash_seed) {
    first_.resize(std::bit_ceil(std::max<std::size_t>(16, limits.clients)));
}

namespace {
/// Refreshes `key` in a window list, dropping entries older than the window; keeps at most
/// `cap` entries (the oldest go first). Returns the number of entries inside the window.
template <class List, class Entry, class Match>
std::uint32_t refresh(List& list, Match match, Entry fresh, core::Timestamp ts,
                      core::Duration window, std::size_t cap) {
    list.erase_if([&](const Entry& e) { return ts - e.ts > window || match(e); });
    if (list.size() >= cap) {
        list.erase_oldest();
    }
    list.push_back(fresh);
    return static_cast<std::uint32_t>(list.size());
}
}  // namespace

ScanVerdict ScanTracker::record(const core::IpAddr& source, std::uint64_t hash,
                                const core::IpAddr& host, std::uint16_t port, core::Timestamp ts) {
    Source* s = sources_.touch(source, hash);
    if (s == nullptr) {
        FirstSight& f = first_sight(hash);
        if (f.source != source || ts - f.ts > scan_.window) {
            f = FirstSight{source, host, port, ts};
            ScanVerdict v;
            v.ports = 1;
            v.hosts = 1;
            v.fired = scan_.ports <= 1 || scan_.hosts <= 1;
            if (v.fired) {
                v.port_list.push_back(port);
            }
            return v;
        }
        s = &sources_.insert(source, hash,
                             [this](const core::IpAddr&, Source&) { stats_.add(evicted_); });
        s->ports.push_back(PortSeen{f.port, f.ts});
        s->hosts.push_back(HostSeen{f.host, f.ts});
        f = FirstSight{};
    }
    const std::size_t port_cap = std::max<std::uint32_t>(scan_.ports, 1);
    const std::size_t host_cap = std::max<std::uint32_t>(scan_.hosts, 1);
    ScanVerdict v;
    v.ports = refresh(
        s->ports, [&](const PortSeen& e) { return e.port == port; }, PortSeen{port, ts}, ts,
        scan_.window, port_cap);
    v.hosts = refresh(
        s->hosts, [&](const HostSeen& e) { return e.host == host; }, HostSeen{host, ts}, ts,
        scan_.window, host_cap);
    v.fired = v.ports >= scan_.ports || v.hosts >= scan_.hosts;
    if (v.fired) {
        s->ports.for_each([&](const PortSeen& p) { v.port_list.push_back(p.port); });
        std::sort(v.port_list.begin(), v.port_list.end());
    }
    return v;
}

}  // namespace printwatch::detect
