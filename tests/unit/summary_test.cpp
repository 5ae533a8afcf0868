// SPDX-License-Identifier: Apache-2.0
// The end-of-run summary: verdicts, bounded tables, and text that cannot inject markup.
#include "exporters/summary.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>

using namespace printwatch;  // NOLINT(google-build-using-namespace)
using core::AttemptState;

namespace {
constexpr std::int64_t kSec = 1'000'000;
core::SettledAttempt attempt(const char* printer, AttemptState outcome, std::int64_t second,
                             const char* client = "203.0.113.7") {
    return core::SettledAttempt{*core::IpAddr::parse(client),
                                *core::IpAddr::parse(printer),
                                {},
                                static_cast<core::ServiceId>(1),
                                "raw",
                                outcome,
                                core::Timestamp{1'700'000'000 * kSec + second * kSec}};
}
}  // namespace

TEST_CASE("Summary verdicts: exposed, fixed since the first blocked attempt, never reached",
          "[summary]") {
    exporters::Summary s;
    s.on_attempt(attempt("10.1.0.50", AttemptState::Accepted, 0));
    s.on_attempt(attempt("10.1.0.50", AttemptState::Accepted, 10));
    // The unanswered attempt of second 20 settles after the refused one of second 22.
    s.on_attempt(attempt("10.1.0.50", AttemptState::Refused, 22));
    s.on_attempt(attempt("10.1.0.50", AttemptState::Unanswered, 20));
    s.on_attempt(attempt("10.1.0.51", AttemptState::Refused, 5));
    s.on_attempt(attempt("10.1.0.51", AttemptState::Accepted, 6));  // still open after that
    s.on_attempt(attempt("10.1.0.52", AttemptState::Unanswered, 1));
    const auto t = s.targets();
    REQUIRE(t.size() == 3);
    const auto fixed = exporters::Summary::verdict(*t[0]);
    CHECK(fixed.kind == exporters::Summary::Verdict::Fixed);
    CHECK(fixed.since.usec == 1'700'000'020 * kSec);
    CHECK(exporters::Summary::verdict(*t[1]).kind == exporters::Summary::Verdict::Exposed);
    CHECK(exporters::Summary::verdict(*t[2]).kind == exporters::Summary::Verdict::NeverReached);
    CHECK(t[0]->by_outcome == std::array<std::uint64_t, 3>{2, 1, 1});

    // An accepted attempt after the fix reopens it.
    s.on_attempt(attempt("10.1.0.50", AttemptState::Accepted, 30));
    CHECK(exporters::Summary::verdict(*s.targets()[0]).kind ==
          exporters::Summary::Verdict::Exposed);
}

TEST_CASE("Summary tables stay bounded under a flood", "[summary]") {
    exporters::Summary s(/*max_targets=*/4, /*max_sources=*/16);
    for (int i = 0; i < 20000; ++i) {
        const std::string client =
            "198.51." + std::to_string(i / 250) + "." + std::to_string(i % 250);
        const std::string printer = "10.1.0." + std::to_string(i % 10);
        s.on_attempt(attempt(printer.c_str(), AttemptState::Refused, i * 37, client.c_str()));
    }
    for (int i = 0; i < 50; ++i) {
        s.on_attempt(attempt("10.1.0.0", AttemptState::Refused, i, "192.0.2.1"));
    }
    CHECK(s.targets().size() == 4);
    CHECK(s.targets_dropped() == 12000);
    for (const auto* t : s.targets()) {
        CHECK(t->timeline.buckets.size() <= 240);  // widened, not grown
    }
    const auto top = s.top_sources(3);
    REQUIRE(top.size() == 3);
    CHECK(top[0].first.to_string() == "192.0.2.1");  // the heavy hitter survives the churn
}

TEST_CASE("The HTML report escapes configured names and has no external resource", "[summary]") {
    exporters::Summary s;
    auto a = attempt("10.1.0.50", AttemptState::Accepted, 0);
    a.printer_name = "<script>alert(1)</script>";
    s.on_attempt(a);
    core::Stats stats;
    const auto html = exporters::render_report_html(s, stats, {{"x.pcap"}, 2});
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("&lt;script&gt;") != std::string::npos);
    CHECK(html.find("http") == std::string::npos);
    CHECK(html.find("<svg class=\"timeline\"") != std::string::npos);
    const auto text = exporters::render_summary_text(s, stats, {{"x.pcap"}, 2});
    CHECK(text.find("exposed") != std::string::npos);
}

TEST_CASE("TopK keeps space-saving's guarantees over skewed and flat streams", "[summary]") {
    for (const std::uint32_t k : {1U, 4U, 16U, 64U}) {
        for (const std::uint32_t distinct : {8U, 100U, 5000U}) {
            exporters::TopK<std::uint32_t> top(k);
            std::map<std::uint32_t, std::uint64_t> truth;
            std::uint32_t rng = 7 + k + distinct;
            const std::uint64_t n = 20000;
            for (std::uint64_t i = 0; i < n; ++i) {
                rng = rng * 1103515245U + 12345U;
                // Skewed: key 0 a fifth of the time, key 1 a tenth, the rest spread out.
                const std::uint32_t r = (rng >> 8U) % 100;
                const std::uint32_t key = r < 20 ? 0 : r < 30 ? 1 : 2 + (rng >> 16U) % distinct;
                top.add(key);
                ++truth[key];
            }
            const auto counted = top.sorted();
            INFO("k " << k << ", distinct " << distinct);
            REQUIRE(counted.size() == std::min<std::size_t>(k, truth.size()));
            std::uint64_t sum = 0;
            for (std::size_t i = 0; i < counted.size(); ++i) {
                sum += counted[i].second;
                if (i > 0) {
                    CHECK(counted[i - 1].second >= counted[i].second);
                }
                CHECK(counted[i].second >= truth[counted[i].first]);  // an upper bound
            }
            CHECK(sum == n);  // every add counted once
            const std::uint64_t smallest = counted.back().second;
            for (const auto& [key, count] : counted) {
                CHECK(count - truth[key] <= smallest);  // overcounted by at most the minimum
            }
            if (truth.size() <= k) {
                for (const auto& [key, count] : counted) {
                    CHECK(count == truth[key]);  // room for every key: exact
                }
            }
            if (k >= 16) {  // keys above n/k are never lost
                CHECK(counted[0].first == 0);
                CHECK(std::any_of(counted.begin(), counted.end(),
                                  [](const auto& kv) { return kv.first == 1; }));
            }
        }
    }
}
