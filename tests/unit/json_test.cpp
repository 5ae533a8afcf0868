// SPDX-License-Identifier: Apache-2.0
#include "core/stats.h"
#include "exporters/eve_writer.h"
#include "exporters/json_text.h"
#include "exporters/metrics_text.h"

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

using namespace printwatch;  // NOLINT(google-build-using-namespace)

namespace {
std::string json(std::string_view s) {
    std::string out;
    exporters::append_json_string(out, s);
    return out;
}
}  // namespace

TEST_CASE("Untrusted text cannot break a JSON line or inject fields", "[json]") {
    CHECK(json("plain") == "\"plain\"");
    CHECK(json("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json("job\r\n{\"x\":1}") == "\"job\\u000d\\u000a{\\\"x\\\":1}\"");
    CHECK(json("\x1b%-12345X") == "\"\\u001b%-12345X\"");
    CHECK(json("caf\xc3\xa9") == "\"caf\xc3\xa9\"");  // valid UTF-8 passes through
    // Invalid bytes become lone low surrogates: no valid wire text can decode to them, so the
    // literal wire text "\xff" (escaped as \\xff) and the byte 0xff stay distinguishable.
    CHECK(json("bad\xff\xc3(") == "\"bad\\udcff\\udcc3(\"");
    CHECK(json("\\xff") == "\"\\\\xff\"");
    CHECK(json("\xed\xa0\x80") == "\"\\udced\\udca0\\udc80\"");  // a surrogate is not UTF-8
    // Line separators that JSON allows raw but JavaScript and log splitters break lines on.
    CHECK(json("a\xc2\x85"
               "b\xe2\x80\xa8"
               "c\xe2\x80\xa9"
               "d") == "\"a\\u0085b\\u2028c\\u2029d\"");
    CHECK(exporters::sanitize_text("a\xe2\x80\xa8"
                                   "b\xff\\",
                                   {}) == "a\\u2028b\\xff\\\\");
    std::string big(5000, 'A');
    CHECK(json(big).size() == exporters::kMaxStringBytes + 2 + 3);
}

TEST_CASE("Syslog sanitizing escapes the SD-PARAM specials", "[json]") {
    CHECK(exporters::sanitize_text("a]b\"c\\d\n", "]\"") == "a\\]b\\\"c\\\\d\\x0a");
}

TEST_CASE("EVE serialization has the Suricata key order", "[json]") {
    core::EveEvent e;
    e.ts = core::Timestamp{1700000000'000001};
    e.flow_id = 3;
    e.in_iface = "eth0";
    e.event_type = "alert";
    e.vlan_count = 1;
    e.vlan = {10, 0};
    e.tuple = core::EventTuple{*core::IpAddr::parse("192.168.1.52"),
                               *core::IpAddr::parse("8.8.8.8"), 54585, 53, 17};
    e.app_proto = "bjnp";
    core::Signature sig{1001001, 1, "printer.inbound_attempt", "msg", "cat", 1};
    e.alert = &sig;
    e.body_key = "printwatch";
    e.body = core::Object{
        {"kind", "printer.inbound_attempt"}, {"n", 2}, {"list", core::Array{"a", true}}};
    CHECK(exporters::serialize(e) ==
          R"({"timestamp":"2023-11-14T22:13:20.000001+0000","flow_id":3,"in_iface":"eth0",)"
          R"("event_type":"alert","vlan":[10],"src_ip":"192.168.1.52","src_port":54585,)"
          R"("dest_ip":"8.8.8.8","dest_port":53,"proto":"UDP",)"
          R"("community_id":"1:d/FP5EW3wiY1vCndhwleRRKHowQ=","app_proto":"bjnp",)"
          R"("alert":{"action":"allowed","gid":1,"signature_id":1001001,"rev":1,"signature":"msg",)"
          R"("category":"cat","severity":1},"printwatch":{"kind":"printer.inbound_attempt","n":2,)"
          R"("list":["a",true]}})");
}

TEST_CASE("EVE host: the sensor's name near the end, before pcap_filename, as Suricata", "[json]") {
    core::EveEvent e;
    e.ts = core::Timestamp{1700000000'000001};
    e.event_type = "stats";
    e.pcap_filename = "a.pcap";
    CHECK(exporters::serialize(e, "campus-b2") ==
          R"({"timestamp":"2023-11-14T22:13:20.000001+0000","event_type":"stats",)"
          R"("host":"campus-b2","pcap_filename":"a.pcap"})");
    CHECK(exporters::serialize(e).find("host") == std::string::npos);
    CHECK(exporters::serialize(e, "a\"b").find(R"("host":"a\"b")") != std::string::npos);
}

TEST_CASE("Metrics text format: HELP, TYPE, escaped labels", "[metrics]") {
    core::Stats stats;
    auto fam = stats.family("printwatch_test_total", "A test counter", core::MetricType::Counter);
    stats.add(stats.series(fam, {{"printer", "a\"b\\c\nd"}}), 3);
    auto g = stats.family("printwatch_gauge", "A gauge", core::MetricType::Gauge);
    stats.set(stats.series(g), 1467725385.329792);
    const auto text = exporters::render_metrics_text(stats);
    CHECK(text ==
          "# HELP printwatch_test_total A test counter\n"
          "# TYPE printwatch_test_total counter\n"
          "printwatch_test_total{printer=\"a\\\"b\\\\c\\nd\"} 3\n"
          "# HELP printwatch_gauge A gauge\n"
          "# TYPE printwatch_gauge gauge\n"
          "printwatch_gauge 1467725385.329792\n");
}

TEST_CASE("iso8601 equals libc's gmtime text over the years 0001-9999", "[timestamp]") {
    std::mt19937_64 rng(7);
    // 0001-01-01 .. 9999-12-31 in seconds since the epoch, plus the edges and leap days.
    constexpr std::int64_t kFirst = -62'135'596'800;
    constexpr std::int64_t kLast = 253'402'300'799;
    std::vector<std::int64_t> secs{0, -1, 951'782'400, 1'700'000'000, kFirst, kLast, 68'169'600};
    for (int i = 0; i < 200'000; ++i) {
        secs.push_back(
            kFirst + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(kLast - kFirst)));
    }
    for (const auto s : secs) {
        const auto frac = static_cast<std::int64_t>(rng() % 1'000'000);
        const auto usec = (s * 1'000'000) + frac;
        const auto tt = static_cast<std::time_t>(s);
        std::tm tm{};
        gmtime_r(&tt, &tm);
        std::array<char, 48> want{};
        const int n =
            std::snprintf(want.data(), want.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+0000",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                          tm.tm_sec, static_cast<long long>(frac));
        const auto got = printwatch::core::iso8601(printwatch::core::Timestamp{usec});
        REQUIRE(got.view() == std::string_view(want.data(), static_cast<std::size_t>(n)));
    }
}
