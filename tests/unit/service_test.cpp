// SPDX-License-Identifier: Apache-2.0
// The service catalog and the port map take every protocol fact from the registration records.
#include "core/service.h"

#include "app/outputs.h"
#include "core/ports.h"
#include "detect/signatures.h"
#include "dissectors/registry.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

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
                                                  "bjnp-8613", "bjnp-8614", "bjnp-other", "mfnp",
                                                  "lpd", "ipp"});
    const core::PortMap map(catalog, core::PortsConfig{});
    CHECK(catalog.label(map.tcp(9100)) == "raw");
    CHECK(map.udp(9100) == ServiceId::None);
    CHECK(catalog.label(map.udp(8612)) == "bjnp-scanner");
    CHECK(map.tcp(8610) == ServiceId::None);  // MFNP is opt-in
}

namespace {
constexpr std::array kToySignatures{
    core::Signature{1'001'901, 1, "toy.thing", "PRINTWATCH toy", "Misc", 3, "toy", 1'001'902},
    core::Signature{1'001'902, 1, "toy.thing_untrusted", "PRINTWATCH toy", "Misc", 2, "toy", 0}};
constexpr std::array kLowSignatures{
    core::Signature{1'001'050, 1, "toy.low", "PRINTWATCH toy", "Misc", 3, "toy", 0}};
constexpr std::array kDanglingSignatures{
    core::Signature{1'001'950, 1, "toy.dangling", "PRINTWATCH toy", "Misc", 3, "toy", 1'001'951}};
core::DissectorInfo with_signatures(std::span<const core::Signature> sigs) {
    core::DissectorInfo info{"toy", true, false, nullptr, nullptr, {}, {sigs, nullptr}, {}};
    return info;
}
}  // namespace

TEST_CASE("The signature table joins detection's sids with each protocol's, and checks them",
          "[service]") {
    const detect::SignatureTable shipped(dissectors::all());
    CHECK(shipped.at(detect::sid::kInboundAttempt).kind == "printer.inbound_attempt");
    CHECK(shipped.at(1'001'211).kind == "pjl.info_query_untrusted");
    CHECK(shipped.at(1'001'201).untrusted_sid == 1'001'211);
    CHECK(shipped.at(1'001'101).app_proto == "bjnp");
    CHECK_THROWS_AS(shipped.at(1'001'999), std::logic_error);
    for (std::size_t i = 1; i < shipped.all().size(); ++i) {
        CHECK(shipped.all()[i - 1].sid < shipped.all()[i].sid);
    }

    const auto toy = with_signatures(kToySignatures);
    const std::array<const core::DissectorInfo*, 1> one{&toy};
    CHECK(detect::SignatureTable(one).at(1'001'902).severity == 2);
    const std::array<const core::DissectorInfo*, 2> twice{&toy, &toy};
    CHECK_THROWS_AS(detect::SignatureTable(twice), std::invalid_argument);
    const auto low = with_signatures(kLowSignatures);
    const std::array<const core::DissectorInfo*, 1> low_one{&low};
    CHECK_THROWS_AS(detect::SignatureTable(low_one), std::invalid_argument);
    const auto dangling = with_signatures(kDanglingSignatures);
    const std::array<const core::DissectorInfo*, 1> dangling_one{&dangling};
    CHECK_THROWS_AS(detect::SignatureTable(dangling_one), std::invalid_argument);
}

TEST_CASE("The --eve-types flag accepts the registered protocols' record types", "[service]") {
    CHECK(app::eve_types() == std::vector<std::string>{"alert", "printer", "pjl", "postscript",
                                                       "pcl", "bjnp", "lpd", "ipp", "stats"});
    app::OutputFlags flags;
    flags.eve_types = {"pjl", "ipx"};
    const auto errors = app::check_output_flags(flags);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0] ==
          "--eve-types: unknown event type 'ipx' "
          "(one of alert,printer,pjl,postscript,pcl,bjnp,lpd,ipp,stats)");
}

namespace {
/// The (sid, kind, severity) rows of a markdown signature table; `sev_column` counts from 0.
std::vector<std::tuple<std::uint32_t, std::string, int>> signature_rows(const std::string& path,
                                                                        std::size_t sev_column) {
    std::ifstream in(path);
    REQUIRE(in);
    std::vector<std::tuple<std::uint32_t, std::string, int>> rows;
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("| 100")) {
            continue;
        }
        std::vector<std::string> cells;
        std::stringstream cols(line.substr(1));
        for (std::string cell; std::getline(cols, cell, '|');) {
            const auto b = cell.find_first_not_of(" `");
            const auto e = cell.find_last_not_of(" `");
            cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
        }
        REQUIRE(cells.size() > sev_column);
        rows.emplace_back(static_cast<std::uint32_t>(std::stoul(cells[0])), cells[1],
                          std::stoi(cells[sev_column]));
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}
}  // namespace

TEST_CASE("The README's and docs/spec.md's signature tables are the registered signatures",
          "[service]") {
    const detect::SignatureTable table(dissectors::all());
    std::vector<std::tuple<std::uint32_t, std::string, int>> registered;
    for (const auto& s : table.all()) {
        registered.emplace_back(s.sid, std::string(s.kind), s.severity);
    }
    CHECK(signature_rows(PRINTWATCH_SOURCE_DIR "/README.md", 2) == registered);
    CHECK(signature_rows(PRINTWATCH_SOURCE_DIR "/docs/spec.md", 3) == registered);
}
