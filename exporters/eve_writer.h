// SPDX-License-Identifier: Apache-2.0
// EVE JSON lines (Suricata field names and order, SPEC §4). serialize() is pure and is what the
// golden tests diff; EveFileSink writes lines to a file or stdout.
#pragma once

#include "core/event.h"
#include "core/stats.h"

#include <cstdio>
#include <memory>
#include <string>

namespace printwatch::exporters {

/// One event as one JSON line (without the newline). Deterministic: same event, same bytes.
std::string serialize(const core::EveEvent& event);

class EveFileSink final : public core::EventSink {
  public:
    /// "-" is stdout. Throws std::runtime_error naming the path when it cannot be opened.
    EveFileSink(const std::string& path, core::Stats& stats);
    ~EveFileSink() override;
    EveFileSink(const EveFileSink&) = delete;
    EveFileSink& operator=(const EveFileSink&) = delete;

    void write(const core::EveEvent& event) override;
    void flush() override;

  private:
    std::FILE* file_ = nullptr;
    bool owned_ = false;
    std::string line_;
    core::Stats& stats_;
    core::SeriesId errors_;
};

/// Fans one event out to several sinks (EVE, syslog, tests' memory sink).
class FanoutSink final : public core::EventSink {
  public:
    void add(core::EventSink& sink) { sinks_.push_back(&sink); }
    void write(const core::EveEvent& event) override {
        for (auto* s : sinks_) {
            s->write(event);
        }
    }
    void flush() override {
        for (auto* s : sinks_) {
            s->flush();
        }
    }

  private:
    std::vector<core::EventSink*> sinks_;
};

}  // namespace printwatch::exporters
