// SPDX-License-Identifier: Apache-2.0
#include "redis_sink.h"

#include "core/text.h"
#include "eve_writer.h"
#include "json_text.h"
#include "sink_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <hiredis/hiredis.h>
#include <stdexcept>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace printwatch::exporters {

namespace {

constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(5);
// Shutdown drains for at most this long: a stuck Redis must never hold SIGTERM hostage.
constexpr auto kFlushWait = std::chrono::seconds(5);
constexpr timeval kConnectTimeout{3, 0};
// A reply slower than this means reconnect and resend (the script makes a resend harmless).
constexpr timeval kReplyTimeout{2, 0};
// Records per pipeline: large enough to keep up with an alert storm over one round trip each,
// small enough that a resend after a restart stays cheap.
constexpr std::size_t kBatch = 256;

// KEYS[1] the stream, KEYS[2] the producers hash; ARGV: producer, seq, maxlen, host,
// event_type, the EVE line. Appends unless this producer's record `seq` was applied already
// (a batch resent after a restart). The hash expires a week after its last write, so the
// fields of past sensor runs do not pile up.
constexpr const char* kScript = R"lua(
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) <= last then return 0 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'host', ARGV[4], 'event_type', ARGV[5], 'eve', ARGV[6])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], 604800)
return 1
)lua";

struct ReplyDeleter {
    void operator()(redisReply* r) const { ::freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Reply command_argv(redisContext* ctx, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    return Reply(static_cast<redisReply*>(
        ::redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

bool printable_token(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 32 && c < 127; });
}

}  // namespace

std::optional<RedisTarget> RedisTarget::parse(const std::string& url) {
    constexpr std::string_view kScheme = "redis://";
    if (!std::string_view(url).starts_with(kScheme)) {
        return std::nullopt;
    }
    const std::string rest = url.substr(kScheme.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos || slash + 1 >= rest.size()) {
        return std::nullopt;  // the stream key is not optional: it names the fleet's stream
    }
    RedisTarget t;
    t.key = rest.substr(slash + 1);
    std::string authority = rest.substr(0, slash);
    std::string port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) {
            return std::nullopt;
        }
        t.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                return std::nullopt;
            }
            port = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
        t.host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    } else {
        t.host = authority;
    }
    if (!port.empty()) {
        const auto p = core::parse_uint(port);
        if (!p || *p == 0 || *p > 65535) {
            return std::nullopt;
        }
        t.port = static_cast<int>(*p);
    }
    if (t.host.empty() || !printable_token(t.host) || !printable_token(t.key)) {
        return std::nullopt;
    }
    return t;
}

std::string redis_producers_key(const std::string& stream_key) {
    return stream_key + ":producers";
}

RedisStreamSink::RedisStreamSink(const std::string& url, const core::RedisConfig& config,
                                 std::string sensor_name, core::Stats& stats)
    : url_(url),
      maxlen_(config.maxlen),
      capacity_(config.queue),
      sensor_(std::move(sensor_name)),
      stats_(stats) {
    auto t = RedisTarget::parse(url);
    if (!t) {
        throw std::runtime_error("--eve " + url + ": expected " + RedisTarget::kForm);
    }
    target_ = *t;
    producers_key_ = redis_producers_key(target_.key);
    const auto started = std::chrono::system_clock::now().time_since_epoch();
    producer_ =
        sensor_ + ":" + std::to_string(::getpid()) + ":" +
        std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(started).count());
    dropped_ = stats.series(stats.family(core::Metric::OutputErrors), {{"sink", "redis"}});
    sent_ = stats.series(stats.family(core::Metric::OutputMessages), {{"sink", "redis"}});
    worker_ = std::thread([this] { run(); });
}

RedisStreamSink::~RedisStreamSink() {
    close();
}

void RedisStreamSink::write(const core::EveEvent& event) {
    Entry entry{0, std::string(event.event_type), serialize(event, sensor_)};
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= capacity_) {
            stats_.add(dropped_);  // never block capture: the newest record is the one lost
            return;
        }
        entry.seq = next_seq_++;
        queue_.push_back(std::move(entry));
    }
    wake_.notify_one();
}

std::size_t RedisStreamSink::close() {
    if (!worker_.joinable()) {
        return 0;
    }
    {
        std::unique_lock lock(mutex_);
        drained_.wait_for(lock, kFlushWait, [this] { return queue_.empty() && !busy_; });
        stopping_ = true;
    }
    abort_.store(true);
    wake_.notify_all();
    worker_.join();
    disconnect();
    return dropped_at_close_;
}

void RedisStreamSink::disconnect() {
    if (ctx_ != nullptr) {
        ::redisFree(ctx_);
        ctx_ = nullptr;
    }
}

bool RedisStreamSink::connect() {
    disconnect();
    ctx_ = ::redisConnectWithTimeout(target_.host.c_str(), target_.port, kConnectTimeout);
    if (ctx_ == nullptr || ctx_->err != 0 || ::redisSetTimeout(ctx_, kReplyTimeout) != REDIS_OK) {
        disconnect();
        return false;
    }
    // A restarted Redis has forgotten its scripts: load it at every connect.
    const auto reply = command_argv(ctx_, {"SCRIPT", "LOAD", kScript});
    if (!reply || reply->type != REDIS_REPLY_STRING) {
        if (reply && reply->type == REDIS_REPLY_ERROR) {
            spdlog::error("--eve {}: SCRIPT LOAD refused: {}", url_,
                          sanitize_text(std::string_view(reply->str, reply->len), {}, 200));
        }
        disconnect();
        return false;
    }
    script_sha_.assign(reply->str, reply->len);
    return true;
}

std::size_t RedisStreamSink::deliver(const std::deque<Entry>& batch) {
    const std::string maxlen = std::to_string(maxlen_);
    for (const auto& e : batch) {
        const std::string seq = std::to_string(e.seq);
        std::array<const char*, 11> argv{"EVALSHA",
                                         script_sha_.c_str(),
                                         "2",
                                         target_.key.c_str(),
                                         producers_key_.c_str(),
                                         producer_.c_str(),
                                         seq.c_str(),
                                         maxlen.c_str(),
                                         sensor_.c_str(),
                                         e.event_type.c_str(),
                                         e.line.c_str()};
        std::array<std::size_t, 11> lens{};
        std::transform(argv.begin(), argv.end(), lens.begin(),
                       [](const char* s) { return std::char_traits<char>::length(s); });
        lens.back() = e.line.size();
        if (::redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(),
                                     lens.data()) != REDIS_OK) {
            return 0;
        }
    }
    std::size_t answered = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        void* raw = nullptr;
        if (::redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
            return answered;  // connection lost or timed out: the rest is resent
        }
        const Reply reply(static_cast<redisReply*>(raw));
        if (reply->type == REDIS_REPLY_ERROR) {
            // Not a transport failure: the server refused this record (a key of another type,
            // out of memory...). Resending would fail again, so it is lost, and counted.
            stats_.add(dropped_);
            spdlog::warn("--eve {}: record refused: {}", url_,
                         sanitize_text(std::string_view(reply->str, reply->len), {}, 200));
        } else {
            stats_.add(sent_);
        }
        ++answered;
    }
    return answered;
}

void RedisStreamSink::run() {
    auto backoff = kMinBackoff;
    bool failing = false;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() || abort_.load()) {
            dropped_at_close_ = drop_queued(queue_, stats_, dropped_, drained_);
            return;
        }
        // Copy the batch out so that the capture thread can enqueue while it is on the wire.
        const std::size_t n = std::min(queue_.size(), kBatch);
        const std::deque<Entry> batch(queue_.begin(), queue_.begin() + static_cast<long>(n));
        busy_ = true;
        lock.unlock();
        std::size_t answered = 0;
        if (ctx_ != nullptr || connect()) {
            answered = deliver(batch);
        }
        lock.lock();
        busy_ = false;
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(answered));
        if (answered == n) {
            if (failing) {
                failing = false;
                spdlog::info("--eve {}: delivering again", url_);
            }
            backoff = kMinBackoff;
            if (queue_.empty()) {
                drained_.notify_all();
            }
            continue;
        }
        disconnect();
        if (answered > 0) {
            backoff = kMinBackoff;  // a cut connection, not an outage: Redis was answering
        }
        if (!failing && !stopping_) {
            failing = true;
            spdlog::warn("--eve {}: Redis unreachable; holding up to {} records and retrying", url_,
                         capacity_);
        }
        if (stopping_) {
            dropped_at_close_ = drop_queued(queue_, stats_, dropped_, drained_);
            return;
        }
        wake_.wait_for(lock, backoff, [this] { return stopping_; });
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
}

}  // namespace printwatch::exporters
