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

TEST_CASE("StatsBatch: its thread sees its adds at once, other readers at each flush", "[stats]") {
    Stats stats;
    const auto fam = stats.family("t_total", "test", MetricType::Counter);
    const auto a = stats.series(fam, {{"k", "a"}});
    const auto b = stats.series(fam, {{"k", "b"}});
    stats.add(a, 1);
    double seen_elsewhere = -1;
    const auto read_from_another_thread = [&] {
        std::thread([&] { seen_elsewhere = stats.get(a); }).join();
        return seen_elsewhere;
    };
    {
        printwatch::core::StatsBatch batch(stats);
        stats.add(a, 2);
        stats.add(a, 3);
        stats.add(b);
        CHECK(stats.get(a) == 6);                // the owner counts its pending adds
        CHECK(read_from_another_thread() == 1);  // not yet flushed
        stats.set(b, 10);                        // a set supersedes the adds before it
        stats.add(b, 2);
        CHECK(stats.get(b) == 12);
        batch.flush();
        CHECK(read_from_another_thread() == 6);
        stats.add(a, 4);
        CHECK(stats.value("t_total", {{"k", "a"}}) == 10);  // value() flushes the owner's batch
        CHECK(read_from_another_thread() == 10);
        stats.add(a, 5);
    }
    CHECK(read_from_another_thread() == 15);  // the batch flushes when it ends
    CHECK(stats.get(b) == 12);
    stats.add(a);  // no batch any more: straight to the series
    CHECK(read_from_another_thread() == 16);
}

TEST_CASE("StatsBatch: series past its slots and adds of other threads go straight through",
          "[stats]") {
    Stats stats;
    const auto fam = stats.family("u_total", "test", MetricType::Counter);
    printwatch::core::SeriesId last;
    for (int i = 0; i < 1100; ++i) {
        last = stats.series(fam, {{"i", std::to_string(i)}});
    }
    const auto first = stats.series(fam, {{"i", "0"}});
    printwatch::core::StatsBatch batch(stats);
    stats.add(last, 7);
    stats.add(first, 1);
    double last_elsewhere = 0;
    double first_elsewhere = 0;
    std::thread([&] {
        stats.add(first, 100);  // this thread has no batch
        last_elsewhere = stats.get(last);
        first_elsewhere = stats.get(first);
    }).join();
    CHECK(last_elsewhere == 7);
    CHECK(first_elsewhere == 100);
    CHECK(stats.get(first) == 101);
    batch.flush();
    CHECK(stats.get(first) == 101);
}
