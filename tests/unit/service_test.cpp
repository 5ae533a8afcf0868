// SPDX-License-Identifier: Apache-2.0
// The service catalog and the port map take every protocol fact from the registration records.
#include "core/service.h"

#include "core/ports.h"
#include "dissectors/registry.h"

#include <catch2/catch.hpp>

#include <array>
#include <stdexcept>

using namespace printwatch;
using core::ServiceId;

namespace {
constexpr std::array<std::uint16_t, 2> kToyPorts{7000, 7001};
constexpr std::array kToyServices{core::ServiceSpec{"toy-main", 7000},
                                  core::ServiceSpec{"toy-other", 0}};
constexpr std::array kUdpOnlyServices{core::ServiceSpec{"udp-only", 7100}};
constexpr std::array kToyGroups{
    core::PortGroup{"toy", kToyPorts, true, false, kToyServices, "toy"},
    core::PortGroup{"udponly", {}, false, true, kUdpOnlyServices, "toy"}};
const core::DissectorInfo kToy{"toy", true, true, nullptr, nullptr, kToyGroups};
}  // namespace

TEST_CASE("The catalog numbers services in registry order, labels and ports from the records",
          "[service]") {
    const std::array<const core::DissectorInfo*, 1> registry{&kToy};
    const core::ServiceCatalog catalog(registry);
    REQUIRE(catalog.size() == 3);
    CHECK(catalog.label(ServiceId::None) == "none");
    CHECK(catalog.label(core::ServiceCatalog::id_at(0)) == "toy-main");
    CHECK(catalog.by_label("udp-only") == core::ServiceCatalog::id_at(2));
    CHECK(catalog.by_label("nope") == ServiceId::None);
    CHECK(catalog.of(kToyGroups[0], 7000) == catalog.by_label("toy-main"));
    CHECK(catalog.of(kToyGroups[0], 7999) == catalog.by_label("toy-other"));
    CHECK(catalog.of(kToyGroups[1], 7999) == ServiceId::None);  // no catch-all

    core::PortsConfig ports;
    ports.lists.push_back({"udponly", {7100, 7101}});
    const core::PortMap map(catalog, ports);
    CHECK(map.tcp(7000) == catalog.by_label("toy-main"));
    CHECK(map.tcp(7001) == catalog.by_label("toy-other"));
    CHECK(map.udp(7000) == ServiceId::None);  // the toy group is TCP only
    CHECK(map.udp(7100) == catalog.by_label("udp-only"));
    CHECK(map.udp(7101) == ServiceId::None);  // configured, but no service names it
    CHECK(map.tcp_ports() == std::vector<std::uint16_t>{7000, 7001});
    CHECK(map.udp_ports() == std::vector<std::uint16_t>{7100});
}

TEST_CASE("A registry with a label or a group key twice is refused at start", "[service]") {
    const std::array<const core::DissectorInfo*, 2> twice{&kToy, &kToy};
    CHECK_THROWS_AS(core::ServiceCatalog(twice), std::invalid_argument);
}

TEST_CASE("The shipped registry gives the services of docs/spec.md in metric order", "[service]") {
    const auto& catalog = dissectors::services();
    std::vector<std::string_view> labels;
    for (const auto& e : catalog.entries()) {
        labels.push_back(e.label);
    }
    CHECK(labels == std::vector<std::string_view>{"raw", "bjnp-printer", "bjnp-scanner",
                                                  "bjnp-8613", "bjnp-8614", "bjnp-other", "mfnp"});
    const core::PortMap map(catalog, core::PortsConfig{});
    CHECK(catalog.label(map.tcp(9100)) == "raw");
    CHECK(map.udp(9100) == ServiceId::None);
    CHECK(catalog.label(map.udp(8612)) == "bjnp-scanner");
    CHECK(map.tcp(8610) == ServiceId::None);  // MFNP is opt-in
}
