// SPDX-License-Identifier: Apache-2.0
#include "summary.h"

#include "core/timestamp.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace printwatch::exporters {

namespace {

Summary::Outcome outcome_index(core::AttemptState s) {
    return s == core::AttemptState::Accepted  ? Summary::kAccepted
           : s == core::AttemptState::Refused ? Summary::kRefused
                                              : Summary::kUnanswered;
}

/// "2026-12-01 08:13:42 UTC": what a person reads; EVE keeps the microseconds.
std::string when(core::Timestamp t) {
    const std::string iso = core::format_iso8601(t);
    return iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
}

std::string verdict_text(const Summary::Verdict& v) {
    switch (v.kind) {
        case Summary::Verdict::Exposed:
            return "exposed";
        case Summary::Verdict::Fixed:
            return "fixed since " + when(v.since);
        case Summary::Verdict::NeverReached:
            break;
    }
    return "never reached";
}

std::string printer_label(const Summary::Target& t) {
    return t.name.empty() ? t.printer.to_string() : t.printer.to_string() + " (" + t.name + ")";
}

/// Alerts written and suppressed, by kind, from the metrics (the summary sees every alert,
/// also those the budget or the suppression window kept out of EVE).
std::vector<std::tuple<std::string, double, double>> alerts_by_kind(const core::Stats& stats) {
    std::vector<std::tuple<std::string, double, double>> rows;
    std::map<std::string, std::pair<double, double>> by_kind;
    stats.visit_families([&](const core::Stats::Family& fam) {
        const bool written = fam.name == "printwatch_alerts_total";
        if (!written && fam.name != "printwatch_alerts_suppressed_total") {
            return;
        }
        for (auto idx : fam.series) {
            const auto& s = stats.series_at(idx);
            for (const auto& [k, v] : s.labels) {
                if (k == "kind") {
                    auto& slot = by_kind[v];
                    (written ? slot.first : slot.second) += s.value.load();
                }
            }
        }
    });
    for (const auto& [kind, counts] : by_kind) {
        if (counts.first + counts.second > 0) {
            rows.emplace_back(kind, counts.first, counts.second);
        }
    }
    return rows;
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
        }
    }
    return out;
}

}  // namespace

Summary::Summary(std::size_t max_targets, std::size_t max_sources)
    : max_targets_(max_targets), sources_(max_sources) {}

namespace {

void record_outcome(Summary::Target& t, Summary::Outcome o, core::Timestamp start,
                    std::size_t recent_cap) {
    ++t.by_outcome.at(o);
    t.first = std::min(t.first, start);
    t.last = std::max(t.last, start);
    if (o != Summary::kAccepted) {
        if (start > t.last_accepted) {
            t.first_blocked_after = std::min(t.first_blocked_after, start);
        }
        t.recent_blocked.push_back(start);
        if (t.recent_blocked.size() > recent_cap) {
            t.recent_blocked.pop_front();
        }
        return;
    }
    if (start <= t.last_accepted) {
        return;
    }
    // Outcomes settle up to attempt_timeout out of order: a blocked attempt that started
    // after this one may have settled first, and is among the latest.
    t.last_accepted = start;
    t.first_blocked_after = core::Timestamp{INT64_MAX};
    for (const auto ts : t.recent_blocked) {
        if (ts > start) {
            t.first_blocked_after = std::min(t.first_blocked_after, ts);
        }
    }
}

void add_to_timeline(Summary::Timeline& tl, Summary::Outcome o, core::Timestamp start,
                     std::size_t max_buckets) {
    tl.buckets[start.usec - start.usec % tl.bucket_us].at(o) += 1;
    while (tl.buckets.size() > max_buckets) {  // widen: merge pairs of buckets
        tl.bucket_us *= 2;
        std::map<std::int64_t, std::array<std::uint64_t, 3>> merged;
        for (const auto& [bucket, counts] : tl.buckets) {
            auto& m = merged[bucket - bucket % tl.bucket_us];
            for (std::size_t i = 0; i < 3; ++i) {
                m.at(i) += counts.at(i);
            }
        }
        tl.buckets = std::move(merged);
    }
}

}  // namespace

void Summary::on_attempt(const core::SettledAttempt& a) {
    ++attempts_;
    const auto key = std::make_pair(a.printer, a.service);
    auto it = targets_.find(key);
    if (it == targets_.end() && targets_.size() < max_targets_) {
        it = targets_.emplace(key, Target{}).first;
        it->second.printer = a.printer;
        it->second.name = std::string(a.printer_name);
        it->second.service = a.service;
        it->second.service_label = a.service_label;
    }
    if (it == targets_.end()) {
        ++targets_dropped_;
    } else {
        const auto o = outcome_index(a.outcome);
        record_outcome(it->second, o, a.start, kRecentBlocked);
        add_to_timeline(it->second.timeline, o, a.start, kMaxBuckets);
    }
    sources_.add(a.client);
}

std::vector<const Summary::Target*> Summary::targets() const {
    std::vector<const Target*> out;
    out.reserve(targets_.size());
    for (const auto& [key, t] : targets_) {
        out.push_back(&t);
    }
    return out;
}

Summary::Verdict Summary::verdict(const Target& t) {
    if (t.by_outcome.at(kAccepted) == 0) {
        return {Verdict::NeverReached, {}};
    }
    if (t.first_blocked_after.usec == INT64_MAX) {
        return {Verdict::Exposed, {}};
    }
    return {Verdict::Fixed, t.first_blocked_after};
}

std::vector<std::pair<core::IpAddr, std::uint64_t>> Summary::top_sources(std::size_t n) const {
    auto all = sources_.sorted();
    all.resize(std::min(n, all.size()));
    return all;
}

std::string render_summary_text(const Summary& summary, const core::Stats& stats,
                                const Summary::RunInfo& run) {
    std::string out = fmt::format("printwatch summary: {} packets from {}\n\n", run.packets,
                                  fmt::join(run.inputs, ", "));
    const auto targets = summary.targets();
    if (targets.empty()) {
        out += "No printer was reached from outside home_net.\n";
    } else {
        out += "Printers reached from outside home_net\n";
        out +=
            fmt::format("  {:<32} {:<13} {:>9} {:>9} {:>10}  {:<23}  {:<23}  {}\n", "printer",
                        "service", "accepted", "refused", "unanswered", "first", "last", "verdict");
        for (const auto* t : targets) {
            out += fmt::format("  {:<32} {:<13} {:>9} {:>9} {:>10}  {:<23}  {:<23}  {}\n",
                               printer_label(*t), t->service_label, t->by_outcome[0],
                               t->by_outcome[1], t->by_outcome[2], when(t->first), when(t->last),
                               verdict_text(Summary::verdict(*t)));
        }
        if (summary.targets_dropped() > 0) {
            out += fmt::format("  ({} attempts to further printers not itemised: table full)\n",
                               summary.targets_dropped());
        }
        out += "\nTop sources (inbound attempts)\n";
        for (const auto& [src, n] : summary.top_sources(10)) {
            out += fmt::format("  {:<40} {:>9}\n", src.to_string(), n);
        }
    }
    const auto alerts = alerts_by_kind(stats);
    out += "\nAlerts by kind (written, suppressed)\n";
    if (alerts.empty()) {
        out += "  none\n";
    }
    for (const auto& [kind, written, suppressed] : alerts) {
        out += fmt::format("  {:<32} {:>9} {:>9}\n", kind, written, suppressed);
    }
    return out;
}

namespace {

constexpr std::array<const char*, 3> kColours{"#d62728", "#2ca02c", "#8c8c8c"};
constexpr std::array<const char*, 3> kOutcomeNames{"accepted", "refused", "unanswered"};

/// One SVG timeline: stacked bars per bucket, coloured by outcome, on the run's common time
/// axis, and a dashed line where the fix took effect.
std::string timeline_svg(const Summary::Target& t, core::Timestamp t0, core::Timestamp t1) {
    constexpr double kWidth = 960;
    constexpr double kTop = 18;   // room for the fix label above the bars
    constexpr double kBars = 70;  // bar area height
    const double bottom = kTop + kBars;
    const auto bucket = t.timeline.bucket_us;
    const double span = static_cast<double>(std::max<std::int64_t>(t1.usec - t0.usec + bucket, 1));
    std::uint64_t peak = 1;
    for (const auto& [start, c] : t.timeline.buckets) {
        peak = std::max(peak, c[0] + c[1] + c[2]);
    }
    std::string svg = fmt::format(R"(<svg class="timeline" width="{}" height="{}" role="img">)",
                                  kWidth, bottom + 20);
    svg += fmt::format(R"(<rect x="0" y="{}" width="{}" height="{}" fill="#f7f7f7"/>)", kTop,
                       kWidth, kBars);
    const double w = std::max(2.0, static_cast<double>(bucket) / span * kWidth);
    for (const auto& [start, c] : t.timeline.buckets) {
        const double x = static_cast<double>(start - t0.usec) / span * kWidth;
        // Log-scaled totals, split by outcome: six accepted attempts stay visible beside a
        // flood of 1,500 refused ones.
        const auto total = static_cast<double>(c[0] + c[1] + c[2]);
        const double height =
            std::log1p(total) / std::log1p(static_cast<double>(peak)) * (kBars - 4);
        double y = bottom;
        for (std::size_t o = 0; o < 3; ++o) {
            if (c.at(o) == 0) {
                continue;
            }
            const double h = std::max(2.0, static_cast<double>(c.at(o)) / total * height);
            y -= h;
            svg += fmt::format(
                R"(<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"><title>{} {}</title></rect>)",
                kOutcomeNames.at(o), x, y, w, h, kColours.at(o), c.at(o), kOutcomeNames.at(o));
        }
    }
    const auto v = Summary::verdict(t);
    if (v.kind == Summary::Verdict::Fixed) {
        const double x = static_cast<double>(v.since.usec - t0.usec) / span * kWidth;
        svg += fmt::format(
            R"(<line class="fix" x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#1f77b4" stroke-width="3" stroke-dasharray="5 3"/>)",
            x, kTop - 4, bottom);
        const bool right_half = x > kWidth / 2;
        svg += fmt::format(
            R"(<text x="{:.1f}" y="12" font-size="12" fill="#1f77b4" text-anchor="{}">fix took effect {}</text>)",
            right_half ? x - 4 : x + 4, right_half ? "end" : "start", html_escape(when(v.since)));
    }
    svg += fmt::format(R"(<text x="0" y="{}" font-size="11" fill="#555">{}</text>)", bottom + 14,
                       html_escape(when(t0)));
    svg +=
        fmt::format(R"(<text x="{}" y="{}" font-size="11" fill="#555" text-anchor="end">{}</text>)",
                    kWidth, bottom + 14, html_escape(when(t1)));
    svg += "</svg>";
    return svg;
}

}  // namespace

std::string render_report_html(const Summary& summary, const core::Stats& stats,
                               const Summary::RunInfo& run) {
    const auto targets = summary.targets();
    core::Timestamp t0{INT64_MAX};
    core::Timestamp t1{INT64_MIN};
    for (const auto* t : targets) {
        t0 = std::min(t0, t->first);
        t1 = std::max(t1, t->last);
    }
    std::string h = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>printwatch report</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left}
td.n{text-align:right}
.exposed{color:#d62728;font-weight:bold}.fixed{color:#2ca02c;font-weight:bold}
.legend span{display:inline-block;width:1em;height:1em;margin:0 0.3em 0 1em;vertical-align:middle}
section.target{margin-bottom:1.5em}
</style></head><body>
<h1>printwatch report</h1>
)";
    h += fmt::format("<p>{} packets from {}.</p>\n", run.packets,
                     html_escape(fmt::format("{}", fmt::join(run.inputs, ", "))));
    if (targets.empty()) {
        h += "<p>No printer was reached from outside home_net.</p>\n";
    } else {
        h += "<h2>Printers reached from outside home_net</h2>\n<table id=\"targets\"><tr>"
             "<th>printer</th><th>service</th><th>accepted</th><th>refused</th>"
             "<th>unanswered</th><th>first</th><th>last</th><th>verdict</th></tr>\n";
        for (const auto* t : targets) {
            const auto v = Summary::verdict(*t);
            const char* cls = v.kind == Summary::Verdict::Exposed ? "exposed"
                              : v.kind == Summary::Verdict::Fixed ? "fixed"
                                                                  : "never";
            h += fmt::format(
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                "<td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>\n",
                html_escape(printer_label(*t)), t->service_label, t->by_outcome[0],
                t->by_outcome[1], t->by_outcome[2], when(t->first), when(t->last), cls,
                html_escape(verdict_text(v)));
        }
        h += "</table>\n<h2>Timeline of attempts</h2>\n<p class=\"legend\">";
        for (std::size_t o = 0; o < 3; ++o) {
            h += fmt::format("<span style=\"background:{}\"></span>{}", kColours.at(o),
                             kOutcomeNames.at(o));
        }
        h += "</p>\n";
        for (const auto* t : targets) {
            h += fmt::format("<section class=\"target\"><h3>{} &middot; {}</h3>\n{}\n</section>\n",
                             html_escape(printer_label(*t)), t->service_label,
                             timeline_svg(*t, t0, t1));
        }
        h += "<h2>Top sources</h2>\n<table id=\"sources\"><tr><th>source</th><th>inbound "
             "attempts</th></tr>\n";
        for (const auto& [src, n] : summary.top_sources(10)) {
            h += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td></tr>\n",
                             html_escape(src.to_string()), n);
        }
        h += "</table>\n";
    }
    h += "<h2>Alerts by kind</h2>\n<table id=\"alerts\"><tr><th>kind</th><th>written</th>"
         "<th>suppressed</th></tr>\n";
    for (const auto& [kind, written, suppressed] : alerts_by_kind(stats)) {
        h += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                         html_escape(kind), written, suppressed);
    }
    h += "</table>\n</body></html>\n";
    return h;
}

}  // namespace printwatch::exporters
