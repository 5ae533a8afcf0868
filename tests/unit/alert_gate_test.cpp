// SPDX-License-Identifier: Apache-2.0
#include "detect/alert_gate.h"

#include "detect/scan_tracker.h"

#include <catch2/catch.hpp>

using namespace printwatch;  // NOLINT(google-build-using-namespace)

namespace {
constexpr std::string_view kKind = "printer.inbound_attempt";
core::IpAddr ip(std::uint32_t host) {
    return core::IpAddr::v4(host);
}
/// An attempt alert of `client` to printer `printer` with `outcome`.
detect::SuppressKey key(std::uint32_t client, std::uint8_t outcome, std::uint32_t printer = 50) {
    return {1001001, ip(client), ip(0x0a010000 + printer), 1, outcome, 0};
}
core::Timestamp at(double seconds) {
    return core::Timestamp{static_cast<std::int64_t>(seconds * 1e6)};
}
struct Gate {
    core::Stats stats;
    detect::AlertGate gate;
    explicit Gate(std::uint32_t budget)
        : gate(
              [&] {
                  core::AlertsConfig a;
                  a.max_per_minute = budget;
                  a.suppress = core::Duration::seconds(0);  // every repeat reaches the budget
                  return a;
              }(),
              core::LimitsConfig{}, stats) {}
    int admit(const detect::SuppressKey& k, std::uint32_t source, double t, int times = 1) {
        int n = 0;
        for (int i = 0; i < times; ++i) {
            n += gate.admit(k, kKind, ip(source), at(t)) ? 1 : 0;
        }
        return n;
    }
};
}  // namespace

TEST_CASE("Alert budget: one noisy source leaves a quarter for new sources", "[gate]") {
    Gate g(20);
    CHECK(g.admit(key(1, 1), 1, 600, 40) == 15);  // the shared three quarters
    int others = 0;
    for (std::uint32_t s = 2; s < 12; ++s) {
        others += g.admit(key(s, 1), s, 601);
    }
    CHECK(others == 5);  // the reserve went to sources that had not alerted this minute
    CHECK(g.admit(key(30, 1), 30, 602) == 0);  // the budget is spent
    auto summary = g.gate.roll(at(660));
    REQUIRE(summary);
    CHECK(summary->suppressed == 25 + 5 + 1);
}

TEST_CASE("Alert budget: a flood of new sources cannot drop a known source's new outcome",
          "[gate]") {
    Gate g(20);
    const std::uint32_t attacker = 7;
    CHECK(g.admit(key(attacker, 0), attacker, 590) == 1);  // accepted, in an earlier minute
    int flood = 0;
    for (std::uint32_t s = 1000; s < 1300; ++s) {  // spoofed: every source new
        flood += g.admit(key(s, 1), s, 600);
    }
    CHECK(flood == 20);
    // The re-test after the fix: refused and unanswered are new keys of a known source.
    CHECK(g.admit(key(attacker, 1), attacker, 610) == 1);
    CHECK(g.admit(key(attacker, 2), attacker, 611) == 1);
    // The same key again is not new: it waits for the budget like anything else.
    CHECK(g.admit(key(attacker, 1), attacker, 612) == 0);
    // A source never seen before gets nothing once the budget is spent.
    CHECK(g.admit(key(5000, 1), 5000, 613) == 0);
}

TEST_CASE("Alert budget: the new-key lane is bounded per source and per minute", "[gate]") {
    Gate g(64);
    const std::uint32_t sweeper = 9;
    CHECK(g.admit(key(sweeper, 2, 0), sweeper, 590) == 1);
    int budgeted = 0;
    for (std::uint32_t s = 100; s < 200; ++s) {
        budgeted += g.admit(key(s, 2), s, 600);
    }
    CHECK(budgeted == 64);
    // A real source sweeping a /16 makes a new key per address: 64 / 8 of them pass.
    int swept = 0;
    for (std::uint32_t printer = 1; printer <= 1000; ++printer) {
        swept += g.admit(key(sweeper, 2, printer), sweeper, 601);
    }
    CHECK(swept == 8);
    // Its lane starts again in the next minute.
    g.gate.roll(at(660));
    CHECK(g.admit(key(sweeper, 2, 2000), sweeper, 661) == 1);
}

TEST_CASE("Alert gate: a full table's evictions are counted", "[gate]") {
    core::Stats stats;
    core::AlertsConfig a;
    a.max_per_minute = 1000;
    core::LimitsConfig limits;
    limits.clients = 4;  // four keys and four sources remembered
    detect::AlertGate gate(a, limits, stats);
    for (std::uint32_t c = 1; c <= 10; ++c) {
        CHECK(gate.admit(key(c, 1), kKind, ip(c), at(600)));
    }
    CHECK(stats.value("printwatch_table_evictions_total", {{"table", "alert_keys"}}) == 6);
    CHECK(stats.value("printwatch_table_evictions_total", {{"table", "alert_sources"}}) == 6);
    // The evicted first key is forgotten: its repeat is written again, inside the window.
    CHECK(gate.admit(key(1, 1), kKind, ip(1), at(601)));
}

TEST_CASE("Scan tracker: the third port fires, whether or not the source was seen once", "[scan]") {
    core::Stats stats;
    core::AlertsConfig a;  // ports 3, hosts 5, window 60 s
    core::LimitsConfig limits;
    limits.clients = 64;
    detect::ScanTracker scans(a, limits, stats);
    const auto printer = ip(0x0a010032);
    CHECK_FALSE(scans.record(ip(7), printer, 9100, at(1)).fired);  // a first sighting
    // Thousands of one-packet sources in between (a spoofed flood) overwrite first sightings
    // but the second contact of source 7 comes first.
    CHECK_FALSE(scans.record(ip(7), printer, 8611, at(2)).fired);
    for (std::uint32_t s = 1000; s < 5000; ++s) {
        CHECK_FALSE(scans.record(ip(s), printer, 9100, at(3)).fired);
    }
    const auto v = scans.record(ip(7), printer, 8612, at(4));
    CHECK(v.fired);
    CHECK(v.ports == 3);
    CHECK(v.port_list == std::vector<std::uint16_t>{8611, 8612, 9100});
    // A source seen once, then again after the window: one port, not two.
    CHECK_FALSE(scans.record(ip(9), printer, 9100, at(10)).fired);
    CHECK(scans.record(ip(9), printer, 8611, at(100)).ports == 1);
    CHECK(stats.value("printwatch_table_evictions_total", {{"table", "scan_sources"}}) == 0);
}
