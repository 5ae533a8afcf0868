// SPDX-License-Identifier: Apache-2.0
// EVE JSON lines (Suricata field names and order, docs/spec.md §4). serialize() is pure and is what
// the golden tests diff; EveFileSink writes lines to a file or stdout.
#pragma once

#include "core/event.h"
#include "core/stats.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace printwatch::exporters {

/// One event as one JSON line (without the newline). Deterministic: same event, same bytes.
/// `host` is the sensor's name (sensor.name), written as Suricata writes its sensor-name: near
/// the end, before pcap_filename; empty leaves it out.
std::string serialize(const core::EveEvent& event, std::string_view host = {});
/// The same, appended to `out` (whose capacity a caller reuses from record to record).
void serialize_into(std::string& out, const core::EveEvent& event, std::string_view host = {});

/// Writes whole EVE lines, or none. Records wait in a bounded buffer of whole lines; when the
/// disk is full (or any write fails) the unwritten bytes stay buffered and are retried at the
/// next flush, so a record cut by ENOSPC is completed once space returns, never joined to a
/// later one. A record that does not fit the buffer while writes fail is lost and counted in
/// printwatch_output_errors_total{sink="eve"}, one per record. On close a record still cut
/// off is truncated away (regular files), so the file ends on a whole line. One status line
/// is reported when writes start failing and one when they recover.
class EveFileSink final : public core::EventSink {
  public:
    using StatusFn = std::function<void(const std::string&)>;
    /// "-" is stdout. Throws std::runtime_error naming the path when it cannot be opened.
    /// `host` goes into every record (serialize()).
    EveFileSink(std::string path, core::Stats& stats, StatusFn status = {}, std::string host = {});
    ~EveFileSink() override;
    EveFileSink(const EveFileSink&) = delete;
    EveFileSink& operator=(const EveFileSink&) = delete;

    void write(const core::EveEvent& event) override;
    void flush() override;
    /// SIGHUP: writes what is buffered, then reopens the path (logrotate moved the old file).
    /// Throws std::runtime_error naming the path when it cannot be reopened; the old file
    /// stays in use then.
    void reopen();
    /// Shutdown: writes what it can, and counts and reports what stays unwritten. After this
    /// the status callback is not called again (what it reports to may be gone).
    void finish();
    [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }

  private:
    static constexpr std::size_t kFlushAt = std::size_t{64} * 1024;
    static constexpr std::size_t kMaxBuffered = std::size_t{4} * 1024 * 1024;

    int open_path() const;
    void write_out();
    void close_file();
    void drop_unwritten(const char* why);

    std::string path_;
    int fd_ = -1;
    std::string buffer_;             // whole records not yet written; its front may be half-written
    std::size_t front_written_ = 0;  // bytes of the buffer's first record already in the file
    std::string line_;
    std::string host_;
    bool failing_ = false;
    int last_errno_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t lost_at_failure_ = 0;
    core::Stats& stats_;
    core::SeriesId errors_;
    StatusFn status_;
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
