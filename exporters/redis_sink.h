// SPDX-License-Identifier: Apache-2.0
// EVE records into a Redis stream (docs/spec.md §4.4): `--eve redis://HOST:PORT/KEY`, one XADD
// per record with an approximate MAXLEN, through hiredis (Debian's libhiredis).
//
// The capture thread only serializes and enqueues; a worker thread delivers in pipelined
// batches, reconnecting with backoff (100 ms to 5 s). A record leaves the bounded queue
// (redis.queue) only once Redis has answered for it, so a Redis restart loses nothing that fits
// in the queue; a record that does not fit is dropped and counted in
// printwatch_output_errors_total{sink="redis"}, and capture never waits.
//
// Exactly once: a batch whose answers were cut off by a restart is sent again, and Redis may
// already have applied part of it. So each record carries this process's producer id and a
// sequence number, and a server-side script appends it only if that producer's last applied
// sequence (a hash next to the stream) is lower: a resend is a no-op. Script and hash change
// together, atomically, in Redis's own persistence.
#pragma once

#include "core/config.h"
#include "core/event.h"
#include "core/stats.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

struct redisContext;

namespace printwatch::exporters {

struct RedisTarget {
    std::string host;
    int port = 6379;
    std::string key;
    /// What parse() accepts, for error messages.
    static constexpr const char* kForm = "redis://HOST:PORT/KEY";
    /// redis://HOST:PORT/KEY ([v6] in brackets; the port may be left out). nullopt if invalid.
    static std::optional<RedisTarget> parse(const std::string& url);
};

/// The stream entry's producer hash: KEY's applied sequence numbers, one field per sensor run.
std::string redis_producers_key(const std::string& stream_key);

class RedisStreamSink final : public core::EventSink {
  public:
    /// Throws std::runtime_error naming the URL when it cannot be parsed. Connecting is the
    /// worker's job: a Redis that is down at start is retried like one that went away.
    RedisStreamSink(const std::string& url, const core::RedisConfig& config,
                    std::string sensor_name, core::Stats& stats);
    ~RedisStreamSink() override;
    RedisStreamSink(const RedisStreamSink&) = delete;
    RedisStreamSink& operator=(const RedisStreamSink&) = delete;

    void write(const core::EveEvent& event) override;
    /// Nothing to wait for: the worker sends as soon as it can (close() drains, once).
    void flush() override {}
    /// Bounded shutdown: drains for at most a few seconds, then drops and counts what is left.
    /// Returns how many records were dropped. Idempotent; the destructor calls it.
    std::size_t close();
    [[nodiscard]] const std::string& url() const noexcept { return url_; }

  private:
    struct Entry {
        std::uint64_t seq;
        std::string event_type;
        std::string line;
    };
    void run();
    bool connect();
    void disconnect();
    /// Sends the first `n` queued entries as one pipeline and reads every answer. Returns how
    /// many were answered (applied, or already applied); fewer than `n` means reconnect.
    std::size_t deliver(const std::deque<Entry>& batch);

    std::string url_;
    RedisTarget target_;
    std::uint64_t maxlen_;
    std::size_t capacity_;
    std::string sensor_;
    std::string producer_;  // sensor name, pid and start time: unique per run
    std::string producers_key_;
    std::string script_sha_;
    core::Stats& stats_;
    core::SeriesId dropped_;
    core::SeriesId sent_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable drained_;
    std::deque<Entry> queue_;
    std::uint64_t next_seq_ = 1;
    bool stopping_ = false;
    bool busy_ = false;
    std::atomic<bool> abort_{false};
    std::size_t dropped_at_close_ = 0;
    redisContext* ctx_ = nullptr;
    std::thread worker_;
};

}  // namespace printwatch::exporters
