// SPDX-License-Identifier: Apache-2.0
// Syslog sink (docs/spec.md §6): RFC 5424 over UDP, TCP (RFC 6587 octet counting) or RELP
// (acknowledged, librelp: relp_client.h) to a collector; over unix:// what the local daemon parses:
// journald's native fields through sd_journal_sendv when journald owns the socket (Debian's
// /dev/log), else RFC 3164 with "printwatch[PID]:" (rsyslog imuxsock, syslog-ng). The capture
// thread only formats and enqueues; a worker thread sends, reconnecting with exponential backoff
// (100 ms to 5 s). Messages wait in a bounded queue (syslog.queue) until delivered, so a short
// collector outage loses nothing; when the queue is full the new message is dropped and counted in
// printwatch_output_errors_total{sink="syslog"}, so a dead collector never blocks or grows the
// sensor. Over UDP a stopped collector is only noticed on the send after the one that drew the ICMP
// error: that one message is lost uncounted, which no UDP sender can avoid.
#pragma once

#include "core/config.h"
#include "core/event.h"
#include "core/stats.h"
#include "relp_client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <utility>
#include <vector>

namespace printwatch::exporters {

struct SyslogTarget {
    enum class Transport : std::uint8_t { Unix, Udp, Tcp, Relp };
    Transport transport = Transport::Unix;
    std::string path;  // unix
    std::string host;  // udp/tcp/relp
    std::string port;
    /// What parse() accepts, for error messages.
    static constexpr const char* kForms =
        "unix:///dev/log, udp://HOST:PORT, tcp://HOST:PORT or relp://HOST:PORT";
    /// unix:///dev/log, udp://HOST:PORT, tcp://HOST:PORT, relp://HOST:PORT ([v6] in brackets).
    /// nullopt if invalid.
    static std::optional<SyslogTarget> parse(const std::string& url);
};

/// Numeric facility for a name ("local5" -> 21); -1 when unknown.
int syslog_facility(const std::string& name);

/// What syslog says of an event, before any encoding: MSGID (empty: not for syslog, as for
/// protocol records), RFC 5424 severity, the parameters (raw text) and the human message.
struct SyslogRecord {
    std::string msgid;
    int severity = 6;
    std::vector<std::pair<std::string, std::string>> params;
    std::string message;
};
SyslogRecord describe_for_syslog(const core::EveEvent& event);

/// RFC 5424 (udp://, tcp://), without transport framing, capped at 2048 bytes. Empty for event
/// types that do not go to syslog.
std::string format_rfc5424(const core::EveEvent& event, int facility, const std::string& hostname,
                           int pid);
/// RFC 3164, what a local daemon's /dev/log parses (rsyslog imuxsock, syslog-ng, journald):
/// "<PRI>Mmm dd hh:mm:ss printwatch[PID]: MSGID name="value"... message".
std::string format_rfc3164(const core::EveEvent& event, int facility, int pid);
/// journald's native fields, one "FIELD=value" per line: MESSAGE, PRIORITY, SYSLOG_FACILITY,
/// SYSLOG_IDENTIFIER=printwatch, PRINTWATCH_MSGID and PRINTWATCH_<PARAM> (PRINTWATCH_SID...).
std::string format_journal_fields(const core::EveEvent& event, int facility);

class SyslogSink final : public core::EventSink {
  public:
    /// Throws std::runtime_error naming the URL when it cannot be parsed. `hostname` is the
    /// RFC 5424 HOSTNAME: the sensor's name (sensor.name).
    SyslogSink(const std::string& url, const core::SyslogConfig& config,
               const std::string& hostname, core::Stats& stats);
    ~SyslogSink() override;
    SyslogSink(const SyslogSink&) = delete;
    SyslogSink& operator=(const SyslogSink&) = delete;

    void write(const core::EveEvent& event) override;
    /// Nothing to do: the worker sends as soon as it can. Draining is close()'s job, once, at
    /// shutdown, within its budget (a flush per sink would spend that budget more than once).
    void flush() override {}
    /// Bounded shutdown: drains for at most a few seconds, then interrupts a blocked send or
    /// connect, drops what is left and counts it. Returns how many messages were dropped.
    /// Idempotent; the destructor calls it.
    std::size_t close();
    [[nodiscard]] const std::string& url() const noexcept { return url_; }
    /// A STATUS message (start, stop, reload) from the application.
    void status(const std::string& text, core::Timestamp ts);

  private:
    void enqueue(std::string message);
    /// Waits at most kFlushWait for the queue to empty.
    void drain();
    void run();
    bool connect_socket();
    enum class Send : std::uint8_t { Sent, Failed, Refused };
    /// Refused: UDP only, the collector refused an earlier datagram (ICMP port unreachable,
    /// reported on this send); that datagram is lost, this one was not sent.
    [[nodiscard]] Send send_one(const std::string& message) const;
    /// What a non-blocking peek at the socket reports without consuming anything: EAGAIN when
    /// all is quiet, ECONNRESET when the peer closed, the socket's pending error (ECONNREFUSED
    /// after an ICMP port unreachable), or 0 when data is waiting.
    [[nodiscard]] int pending_error() const;
    /// One delivery attempt without the lock: send, reconnect once, and for a UDP probe wait
    /// kProbeWindow for a refusal.
    Send attempt(const std::string& msg, bool probing);
    void close_socket();
    /// Waits until the socket is writable, `limit` passes, or close() aborts.
    [[nodiscard]] bool wait_writable(std::chrono::milliseconds limit) const;
    [[nodiscard]] bool connect_bounded(const sockaddr* addr, socklen_t len) const;

    /// What goes on the wire: RFC 5424 to a collector, and for unix:// what the local daemon
    /// parses: journald's native fields when journald owns the socket, else RFC 3164.
    enum class Encoding : std::uint8_t { Rfc5424, Rfc3164, Journal };
    [[nodiscard]] std::string encode(const core::EveEvent& event) const;

    std::string url_;
    SyslogTarget target_;
    Encoding encoding_ = Encoding::Rfc5424;
    int facility_;
    std::size_t capacity_;
    std::string hostname_;
    int pid_;
    core::Stats& stats_;
    core::SeriesId dropped_;
    core::SeriesId sent_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable drained_;
    std::deque<std::string> queue_;
    bool stopping_ = false;
    bool busy_ = false;
    std::atomic<bool> abort_{false};
    std::size_t dropped_at_close_ = 0;  // written by the worker before it ends
    int fd_ = -1;
    std::unique_ptr<RelpClient> relp_;  // relp:// only; used by the worker alone
    std::thread worker_;
};

}  // namespace printwatch::exporters
