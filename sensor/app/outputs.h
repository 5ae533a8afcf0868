// SPDX-License-Identifier: Apache-2.0
// Where events go: every --eve target (files, '-' for stdout, redis:// streams), filtered by
// --eve-types, and --syslog. Each sink is bounded and never blocks capture; shutdown is bounded
// too, and whatever a sink could not deliver is counted and named on stderr.
#pragma once

#include "core/config.h"
#include "core/event.h"
#include "core/stats.h"
#include "exporters/eve_writer.h"
#include "exporters/redis_sink.h"
#include "exporters/syslog_sink.h"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace printwatch::app {

struct OutputFlags {
    std::vector<std::string> eve;  // --eve, repeatable: FILE, '-' or redis://HOST:PORT/KEY
    std::vector<std::string> eve_types;
    std::string syslog_url;
};

/// Now, for what is about the process rather than the packets (STATUS lines, live timeouts).
core::Timestamp wall_clock();
/// redis://... targets go to a Redis stream; anything else is a file path.
bool is_redis_target(const std::string& eve);
/// Errors in the output flags, each naming the flag ("--eve redis://x: expected ...").
std::vector<std::string> check_output_flags(const OutputFlags& flags);
/// Every EVE event_type: alert, printer, each registered protocol's records, stats.
std::vector<std::string> eve_types();

/// Restricts which event types reach the EVE sinks (--eve-types).
class TypeFilterSink final : public core::EventSink {
  public:
    TypeFilterSink(core::EventSink& inner, std::vector<std::string> types)
        : inner_(inner), types_(std::move(types)) {}
    void write(const core::EveEvent& e) override;
    void flush() override { inner_.flush(); }

  private:
    core::EventSink& inner_;
    std::vector<std::string> types_;
};

/// The workers of a live capture (--workers) write through this: one lock around the sinks,
/// which are written by one thread at a time.
class SerializedSink final : public core::EventSink {
  public:
    explicit SerializedSink(core::EventSink& inner) : inner_(inner) {}
    void write(const core::EveEvent& e) override {
        const std::lock_guard lock(mutex_);
        inner_.write(e);
    }
    void flush() override {
        const std::lock_guard lock(mutex_);
        inner_.flush();
    }

  private:
    core::EventSink& inner_;
    std::mutex mutex_;
};

class Outputs {
  public:
    /// Opens every sink; throws std::runtime_error naming the flag when one cannot be opened.
    Outputs(const OutputFlags& flags, const core::SensorConfig& config, core::Stats& stats);
    Outputs(const Outputs&) = delete;
    Outputs& operator=(const Outputs&) = delete;
    ~Outputs();

    /// Every event, to the EVE sinks and syslog.
    core::EventSink& events() { return fanout_; }
    /// A STATUS line about the process (start, stop, reload) to syslog.
    void status(const std::string& text) const;
    /// SIGHUP: the EVE files reopen their paths (logrotate moved them).
    void reopen_files() const;
    /// Shutdown, once: files write what they hold, then streams and syslog drain within their
    /// budgets; what is left is counted and reported.
    void finish();

  private:
    std::unique_ptr<exporters::SyslogSink> syslog_;  // first: it outlives the EVE sinks
    std::vector<std::unique_ptr<exporters::EveFileSink>> files_;
    std::vector<std::unique_ptr<exporters::RedisStreamSink>> streams_;
    exporters::FanoutSink eve_;
    std::optional<TypeFilterSink> filtered_;
    exporters::FanoutSink fanout_;
    bool finished_ = false;
};

}  // namespace printwatch::app
