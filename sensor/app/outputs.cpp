// SPDX-License-Identifier: Apache-2.0
#include "outputs.h"

#include "dissectors/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace printwatch::app {

core::Timestamp wall_clock() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return core::Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

bool is_redis_target(const std::string& eve) {
    return eve.starts_with("redis://");
}

std::vector<std::string> eve_types() {
    std::vector<std::string> types{"alert", "printer"};
    for (const auto* info : dissectors::all()) {
        types.insert(types.end(), info->record_types.begin(), info->record_types.end());
    }
    types.emplace_back("stats");
    return types;
}

std::vector<std::string> check_output_flags(const OutputFlags& flags) {
    std::vector<std::string> errors;
    if (!flags.syslog_url.empty() && !exporters::SyslogTarget::parse(flags.syslog_url)) {
        errors.push_back("--syslog " + flags.syslog_url + ": expected " +
                         exporters::SyslogTarget::kForms);
    }
    for (const auto& e : flags.eve) {
        if (is_redis_target(e) && !exporters::RedisTarget::parse(e)) {
            errors.push_back("--eve " + e + ": expected " + exporters::RedisTarget::kForm);
        }
    }
    if (std::count(flags.eve.begin(), flags.eve.end(), "-") > 1) {
        errors.emplace_back("--eve -: stdout can be given once");
    }
    const auto types = eve_types();
    for (const auto& t : flags.eve_types) {
        if (std::find(types.begin(), types.end(), t) == types.end()) {
            errors.push_back("--eve-types: unknown event type '" + t + "' (one of " +
                             fmt::format("{}", fmt::join(types, ",")) + ")");
        }
    }
    return errors;
}

void TypeFilterSink::write(const core::EveEvent& e) {
    if (types_.empty() || std::find(types_.begin(), types_.end(), e.event_type) != types_.end()) {
        inner_.write(e);
    }
}

Outputs::Outputs(const OutputFlags& flags, const core::SensorConfig& config, core::Stats& stats) {
    if (!flags.syslog_url.empty()) {
        syslog_ = std::make_unique<exporters::SyslogSink>(flags.syslog_url, config.syslog,
                                                          config.sensor.name, stats);
    }
    for (const auto& target : flags.eve) {
        if (is_redis_target(target)) {
            streams_.push_back(std::make_unique<exporters::RedisStreamSink>(
                target, config.redis, config.sensor.name, stats));
            eve_.add(*streams_.back());
            continue;
        }
        files_.push_back(std::make_unique<exporters::EveFileSink>(
            target, stats,
            [this](const std::string& text) {
                spdlog::warn("{}", text);
                status(text);
            },
            config.sensor.name));
        eve_.add(*files_.back());
    }
    filtered_.emplace(eve_, flags.eve_types);
    fanout_.add(*filtered_);
    if (syslog_) {
        fanout_.add(*syslog_);
    }
}

Outputs::~Outputs() {
    finish();
}

void Outputs::status(const std::string& text) const {
    if (syslog_) {
        syslog_->status(text, wall_clock());  // STATUS is about the process, not packets
    }
}

void Outputs::reopen_files() const {
    for (const auto& f : files_) {
        try {
            f->reopen();
        } catch (const std::exception& e) {
            spdlog::error("{} (still writing to the old file)", e.what());
            status(e.what());
        }
    }
}

void Outputs::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    for (const auto& f : files_) {
        f->finish();  // before syslog closes: it may report records it lost
    }
    // Bounded: a stuck collector costs at most a few seconds each, and what it did not take
    // is counted before the metrics are written.
    for (const auto& s : streams_) {
        if (const auto lost = s->close(); lost > 0) {
            spdlog::warn(
                "--eve {}: {} records not delivered at shutdown (Redis not answering); counted "
                "in printwatch_output_errors_total{{sink=\"redis\"}}",
                s->url(), lost);
        }
    }
    if (syslog_) {
        if (const auto lost = syslog_->close(); lost > 0) {
            spdlog::warn(
                "--syslog {}: {} messages not delivered at shutdown (collector not accepting); "
                "counted in printwatch_output_errors_total",
                syslog_->url(), lost);
        }
    }
    fanout_.flush();
}

}  // namespace printwatch::app
