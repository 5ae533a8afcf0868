// SPDX-License-Identifier: Apache-2.0
#include "app/config_load.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using printwatch::app::load_config_text;
using printwatch::app::parse_duration;

TEST_CASE("An empty config gives the docs/spec.md defaults", "[config]") {
    auto c = load_config_text("", "empty.yaml");
    REQUIRE(c);
    CHECK(c->home_net.size() == 5);
    REQUIRE(c->ports.lists.size() == 5);
    CHECK(*c->ports.find("raw") == std::vector<std::uint16_t>{9100});
    CHECK(*c->ports.find("bjnp") == std::vector<std::uint16_t>{8611, 8612, 8613, 8614});
    CHECK(c->ports.find("mfnp")->empty());
    CHECK(*c->ports.find("lpd") == std::vector<std::uint16_t>{515});
    CHECK(*c->ports.find("ipp") == std::vector<std::uint16_t>{631});
    CHECK(c->alerts.suppress.usec == 300'000'000);
    CHECK(c->alerts.attempt_timeout.usec == 5'000'000);
    CHECK(c->alerts.max_per_minute == 600);
    CHECK(c->limits.flows == 262144);
    CHECK(c->limits.half_open == 65536);
    CHECK(c->learning.period.usec == 24LL * 3600 * 1'000'000);
    CHECK(c->syslog.facility == "local5");
    CHECK_FALSE(c->flow.vlan_tracking);
    CHECK_FALSE(c->has_trusted_clients());
}

TEST_CASE("flow.vlan_tracking is a boolean, and a bad value names its line", "[config]") {
    auto on = load_config_text("flow: {vlan_tracking: true}\n", "f.yaml");
    REQUIRE(on);
    CHECK(on->flow.vlan_tracking);
    auto bad = load_config_text("flow:\n  vlan_tracking: maybe\n", "f.yaml");
    REQUIRE_FALSE(bad);
    REQUIRE(bad.error().size() == 1);
    CHECK(bad.error()[0] == "f.yaml:2: flow.vlan_tracking must be true or false, not 'maybe'");
    auto unknown = load_config_text("flow: {vlan: true}\n", "f.yaml");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error()[0] == "f.yaml:1: unknown key 'flow.vlan'");
}

TEST_CASE("The docs/spec.md example config loads", "[config]") {
    const char* yaml = R"(home_net: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7, fe80::/10]
printers:
  - {address: 10.1.0.51, name: canon-3rd-floor}
trusted_clients: [10.1.2.0/24, 00:11:22:33:44:55]
learning:
  period: 24h
ports: {raw: [9100], bjnp: [8611, 8612, 8613, 8614], mfnp: []}
alerts:
  suppress: 300s
  scan: {ports: 3, hosts: 5, window: 60s}
  attempt_timeout: 5s
  max_per_minute: 600
limits: {flows: 262144, half_open: 65536, clients: 65536, printers: 4096, stream_bytes: 65536}
syslog: {facility: local5, queue: 10000}
sensor: {name: campus-b2}
redis: {queue: 10000, maxlen: 1000000}
)";
    auto c = load_config_text(yaml, "spec.yaml");
    REQUIRE(c);
    REQUIRE(c->printers.size() == 1);
    CHECK(c->printers[0].name == "canon-3rd-floor");
    CHECK(c->trusted_networks.size() == 1);
    CHECK(c->trusted_macs.size() == 1);
    CHECK(c->in_home_net(*printwatch::core::IpAddr::parse("fe80::1")));
    CHECK_FALSE(c->in_home_net(*printwatch::core::IpAddr::parse("8.8.8.8")));
}

TEST_CASE("Three errors are all reported, each with its line", "[config]") {
    const char* yaml =
        "home_net: [10.0.0.0/33]\n"
        "alerts:\n"
        "  suppress: -5s\n"
        "  attempt_timout: 5s\n";
    auto c = load_config_text(yaml, "bad.yaml");
    REQUIRE_FALSE(c);
    REQUIRE(c.error().size() == 3);
    CHECK(c.error()[0].rfind("bad.yaml:1: home_net: '10.0.0.0/33'", 0) == 0);
    CHECK(c.error()[1].rfind("bad.yaml:3: alerts.suppress: '-5s' is negative", 0) == 0);
    CHECK(c.error()[2] == "bad.yaml:4: unknown key 'alerts.attempt_timout'");
}

TEST_CASE("Bad values of every kind are rejected", "[config]") {
    CHECK_FALSE(load_config_text("surprise: 1\n", "x"));
    CHECK_FALSE(load_config_text("ports: {raw: [70000]}\n", "x"));
    CHECK_FALSE(load_config_text("ports: {raw: [0]}\n", "x"));
    CHECK_FALSE(load_config_text("trusted_clients: [not-an-address]\n", "x"));
    CHECK_FALSE(load_config_text("printers: [{name: nameless}]\n", "x"));
    CHECK_FALSE(load_config_text("limits: {flows: 0}\n", "x"));
    auto small = load_config_text("limits: {flows: 1000}\n", "x");
    REQUIRE(small);
    CHECK(small->limits.half_open == 250);  // a quarter of flows unless given
    auto given = load_config_text("limits: {flows: 1000, half_open: 4000}\n", "x");
    REQUIRE(given);
    CHECK(given->limits.half_open == 4000);
    auto half_open = load_config_text("limits:\n  half_open: 8\n", "x");
    REQUIRE_FALSE(half_open);
    CHECK(half_open.error()[0] ==
          "x:2: limits.half_open must be a whole number from 16 to 16777216, not '8'");
    CHECK_FALSE(load_config_text("alerts: {attempt_timeout: 0s}\n", "x"));
    CHECK_FALSE(load_config_text("syslog: {facility: local9}\n", "x"));
    CHECK_FALSE(load_config_text("home_net: [10.1.2.3/8]\n", "x"));      // host bits set
    CHECK_FALSE(load_config_text("ports: {raw: [9100, 8611]}\n", "x"));  // two families
    auto twice = load_config_text("ports: {mfnp: [8612]}\n", "x");
    REQUIRE_FALSE(twice);
    CHECK(twice.error()[0] == "x:1: ports: 8612 is listed in both ports.bjnp and ports.mfnp");
    auto unknown = load_config_text("ports: {ipx: [1]}\n", "x");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error()[0] == "x:1: unknown key 'ports.ipx'");
    CHECK(load_config_text("ports: {mfnp: [8610]}\n", "x"));
    auto syntax = load_config_text("home_net: [10.0.0.0/8\n", "syntax.yaml");
    REQUIRE_FALSE(syntax);
    CHECK(syntax.error()[0].rfind("syntax.yaml:", 0) == 0);
}

TEST_CASE("Durations", "[config]") {
    CHECK(parse_duration("300s")->usec == 300'000'000);
    CHECK(parse_duration("5m")->usec == 300'000'000);
    CHECK(parse_duration("24h")->usec == 86'400'000'000);
    CHECK(parse_duration("250ms")->usec == 250'000);
    CHECK(parse_duration("7")->usec == 7'000'000);
    CHECK_FALSE(parse_duration("-1s"));
    CHECK_FALSE(parse_duration("5 fortnights"));
    CHECK_FALSE(parse_duration("s"));
    CHECK_FALSE(parse_duration("999999999999999999d"));
}

TEST_CASE("sensor.name defaults to the host name and must be a syslog HOSTNAME", "[config]") {
    auto dflt = load_config_text("", "s.yaml");
    REQUIRE(dflt);
    CHECK(dflt->sensor.name == printwatch::app::local_host_name());
    CHECK_FALSE(dflt->sensor.name.empty());
    auto named = load_config_text("sensor: {name: campus-b2}\n", "s.yaml");
    REQUIRE(named);
    CHECK(named->sensor.name == "campus-b2");
    auto spaced = load_config_text("sensor:\n  name: \"two words\"\n", "s.yaml");
    REQUIRE_FALSE(spaced);
    CHECK(spaced.error()[0].rfind("s.yaml:2: sensor.name must be", 0) == 0);
    CHECK_FALSE(load_config_text("sensor: {name: \"\"}\n", "s.yaml"));
    CHECK_FALSE(
        load_config_text(fmt::format("sensor: {{name: {}}}\n", std::string(256, 'a')), "s.yaml"));
    CHECK(load_config_text(fmt::format("sensor: {{name: {}}}\n", std::string(255, 'a')), "s.yaml"));
    auto unknown = load_config_text("sensor: {id: 3}\n", "s.yaml");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error()[0] == "s.yaml:1: unknown key 'sensor.id'");
}

TEST_CASE("redis.queue and redis.maxlen are bounded, and restart-only", "[config]") {
    auto c = load_config_text("redis: {queue: 500, maxlen: 20000}\n", "r.yaml");
    REQUIRE(c);
    CHECK(c->redis.queue == 500);
    CHECK(c->redis.maxlen == 20000);
    auto dflt = load_config_text("", "r.yaml");
    REQUIRE(dflt);
    CHECK(dflt->redis.queue == 10000);
    CHECK(dflt->redis.maxlen == 1000000);
    CHECK_FALSE(load_config_text("redis: {queue: 0}\n", "r.yaml"));
    CHECK_FALSE(load_config_text("redis: {maxlen: 10}\n", "r.yaml"));
    const auto keys = printwatch::app::restart_only_changes(*dflt, *c);
    CHECK(keys == std::vector<std::string>{"redis.queue", "redis.maxlen"});
    auto renamed = load_config_text("sensor: {name: other}\n", "r.yaml");
    REQUIRE(renamed);
    CHECK(printwatch::app::restart_only_changes(*dflt, *renamed) ==
          std::vector<std::string>{"sensor.name"});
    // A half_open left out follows flows: changing flows names flows only.
    auto flows = load_config_text("limits: {flows: 1000}\n", "r.yaml");
    REQUIRE(flows);
    CHECK(printwatch::app::restart_only_changes(*dflt, *flows) ==
          std::vector<std::string>{"limits.flows"});
    auto both = load_config_text("limits: {flows: 1000, half_open: 100}\n", "r.yaml");
    REQUIRE(both);
    CHECK(printwatch::app::restart_only_changes(*dflt, *both) ==
          std::vector<std::string>{"limits.flows", "limits.half_open"});
}
