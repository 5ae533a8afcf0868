// SPDX-License-Identifier: Apache-2.0
// Stats is written by the pipeline thread and read by the /metrics thread at any time
// (issue: a race in metrics). These tests run in every build and, in CI, under TSan.
#include "core/stats.h"

#include "exporters/metrics_text.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>

using printwatch::core::Labels;
using printwatch::core::MetricType;
using printwatch::core::Stats;

TEST_CASE("Stats: series registered while another thread renders the metrics", "[stats]") {
    Stats stats;
    const auto fam = stats.family("printwatch_printer_exposed", "Exposed", MetricType::Gauge);
    constexpr int kPrinters = 3000;
    std::atomic<bool> done{false};
    std::atomic<std::size_t> renders{0};
    std::thread reader([&] {
        while (!done.load()) {
            const std::string text = printwatch::exporters::render_metrics_text(stats);
            REQUIRE(text.rfind("# HELP printwatch_printer_exposed Exposed\n", 0) == 0);
            ++renders;
        }
    });
    while (renders.load() == 0) {
        std::this_thread::yield();  // registration must overlap the reader, even when fast
    }
    for (int i = 0; i < kPrinters; ++i) {
        const auto id = stats.series(fam, Labels{{"printer", "10.0." + std::to_string(i)}});
        stats.set(id, 1.0);
    }
    done = true;
    reader.join();
    CHECK(renders > 0);
    std::size_t series = 0;
    stats.visit_families([&](const Stats::Family& f) { series += f.series.size(); });
    CHECK(series == kPrinters);
    CHECK(stats.value("printwatch_printer_exposed", {{"printer", "10.0.2999"}}) == 1.0);
}

TEST_CASE("Stats: a family with no series still has HELP and TYPE", "[stats]") {
    Stats stats;
    stats.family("printwatch_printer_exposed", "1 while the printer is exposed", MetricType::Gauge);
    CHECK(printwatch::exporters::render_metrics_text(stats) ==
          "# HELP printwatch_printer_exposed 1 while the printer is exposed\n"
          "# TYPE printwatch_printer_exposed gauge\n");
}

TEST_CASE("Stats: past the fixed capacity series() refuses and add() ignores", "[stats]") {
    Stats stats;
    const auto fam = stats.family("printwatch_x", "x", MetricType::Counter);
    for (std::uint32_t i = 0; i < Stats::kMaxSeries; ++i) {
        REQUIRE(stats.series(fam, Labels{{"n", std::to_string(i)}}).valid());
    }
    const auto refused = stats.series(fam, Labels{{"n", "one too many"}});
    CHECK_FALSE(refused.valid());
    stats.add(refused);  // must not crash
    CHECK(stats.get(refused) == 0.0);
}

namespace {
/// The metric families docs/spec.md §7 lists, name -> label names ("" without braces).
std::map<std::string, std::string> spec_metric_families() {
    std::ifstream in(PRINTWATCH_SOURCE_DIR "/docs/spec.md");
    std::string line;
    bool section = false;
    bool block = false;
    std::map<std::string, std::string> out;
    const std::regex family(R"(\b((?:printwatch|process)_[a-z_]+)(\{([a-z_,]*)\})?)");
    while (std::getline(in, line)) {
        if (line.starts_with("## ")) {
            section = line.starts_with("## 7.");
        } else if (section && line.starts_with("```")) {
            block = !block;
        } else if (section && block) {
            // The name column only: after two spaces comes the comment ("gauge 0/1: ...").
            const auto column = line.substr(0, line.find("   "));
            for (auto it = std::sregex_iterator(column.begin(), column.end(), family);
                 it != std::sregex_iterator(); ++it) {
                out[(*it)[1]] = (*it)[3];
            }
        }
    }
    return out;
}
}  // namespace

TEST_CASE("docs/spec.md section 7 lists exactly the families of core/metrics.h, with their labels",
          "[stats]") {
    std::map<std::string, std::string> table;
    for (const auto& f : printwatch::core::metric_families()) {
        table[std::string(f.name)] = std::string(f.labels);
    }
    const auto spec = spec_metric_families();
    CHECK(spec == table);
    Stats stats;  // and every family registers under its table name and type
    for (const auto& f : printwatch::core::metric_families()) {
        CHECK(stats.family(std::string(f.name), "", f.type).index == stats.family(f.id).index);
    }
}
