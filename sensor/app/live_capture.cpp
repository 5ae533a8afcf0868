// SPDX-License-Identifier: Apache-2.0
#include "live_capture.h"

#include "app/outputs.h"  // wall_clock
#include "core/text.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <exception>
#include <mutex>
#include <poll.h>
#include <pthread.h>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace printwatch::app {

namespace {

constexpr auto kStateInterval = std::chrono::seconds(60);
constexpr int kPollMs = 200;
constexpr int kBatch = 256;  // bounded work per wake-up keeps interfaces fair
// TPACKET_V3 hands frames over in blocks that retire up to 100 ms after capture: the wall clock
// that times out attempts stays this far behind, so a reply already captured is seen before its
// attempt is called unanswered.
constexpr std::int64_t kCaptureLatencyUsec = 500'000;

/// How the main thread pauses the workers: it raises `pause`, then takes `world` exclusively
/// once every worker has let go of it between two batches. (A reader-preferring rwlock alone
/// would let busy workers starve it.)
struct Pause {
    std::atomic<bool> pause{false};
    std::shared_mutex world;
};

class Loop {
  public:
    Loop(LiveWorker& worker, core::EventSink& eve) : worker_(worker), eve_(eve) {
        fds_.reserve(worker.sources.size());
        for (auto& s : worker.sources) {
            fds_.push_back(pollfd{s.selectable_fd(), POLLIN, 0});
        }
    }

    /// Waits for frames, at most kPollMs.
    void wait() {
        const int rc = ::poll(fds_.data(), fds_.size(), kPollMs);
        if (rc < 0 && errno != EINTR) {
            throw std::runtime_error(std::string("poll: ") + core::errno_text(errno));
        }
    }

    /// One batch per interface; returns the frames processed.
    std::uint64_t serve() {
        auto& pipeline = *worker_.pipeline;
        // The batch's counter adds reach the shared series when it returns: a lock cmpxchg
        // per add, on lines that every worker writes, was the cost of a flood's counters.
        const core::StatsBatch batch(pipeline.stats());
        std::uint64_t total = 0;
        bool backlog = false;  // a source still had frames waiting after its batch
        for (std::size_t i = 0; i < worker_.sources.size(); ++i) {
            auto& source = worker_.sources[i];
            core::RawFrame frame;
            int k = 0;
            for (; k < kBatch && source.next(frame) == capture::ReadStatus::Packet; ++k) {
                pipeline.on_frame(frame);
            }
            total += static_cast<std::uint64_t>(k);
            backlog = backlog || k == kBatch;
            if (auto c = source.counters()) {
                pipeline.set_capture_drops(static_cast<std::uint16_t>(i), c->kernel_drops,
                                           c->interface_drops);
            }
        }
        // A quiet wire must still time out attempts: live packet time is the wall clock. Not
        // while frames are waiting: under load (a flood) the ring runs behind the clock, and
        // the replies in it must be seen first; their own timestamps move time on meanwhile.
        if (!backlog) {
            pipeline.tick(core::Timestamp{wall_clock().usec - kCaptureLatencyUsec});
        }
        pipeline.publish();  // before the batch flushes, on return
        eve_.flush();        // whoever tails eve.json sees an alert within one poll interval
        return total;
    }

  private:
    LiveWorker& worker_;
    core::EventSink& eve_;
    std::vector<pollfd> fds_;
};

/// --workers 1: the loop and the housekeeping share this thread.
void run_single(LiveWorker& worker, core::EventSink& eve, const LiveHooks& hooks) {
    Loop loop(worker, eve);
    auto next_save = std::chrono::steady_clock::now() + kStateInterval;
    while (!hooks.stop_requested()) {
        if (hooks.take_reload()) {
            hooks.reload();
        }
        loop.wait();
        loop.serve();
        if (std::chrono::steady_clock::now() >= next_save) {
            next_save += kStateInterval;
            hooks.save_state();
        }
    }
}

/// Signals go to the main thread, whose poll they interrupt; workers never see them.
class SignalsBlocked {
  public:
    SignalsBlocked() {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old_);
    }
    ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
    SignalsBlocked(const SignalsBlocked&) = delete;
    SignalsBlocked& operator=(const SignalsBlocked&) = delete;

  private:
    sigset_t old_{};
};

void run_workers(std::vector<LiveWorker>& workers, core::EventSink& eve, core::Stats& stats,
                 const LiveHooks& hooks) {
    Pause pause;
    std::atomic<bool> stop{false};
    std::mutex failure_mutex;
    std::exception_ptr failure;
    const auto family = stats.family(core::Metric::CaptureWorkerPackets);
    std::vector<std::thread> threads;
    {
        const SignalsBlocked blocked;  // inherited by every thread started here
        for (std::size_t w = 0; w < workers.size(); ++w) {
            const auto series = stats.series(family, {{"worker", std::to_string(w)}});
            threads.emplace_back([&, w, series] {
                try {
                    Loop loop(workers[w], eve);
                    while (!stop.load(std::memory_order_relaxed)) {
                        loop.wait();
                        while (pause.pause.load(std::memory_order_acquire)) {
                            std::this_thread::sleep_for(std::chrono::milliseconds(1));
                        }
                        const std::shared_lock lock(pause.world);
                        stats.add(series, static_cast<double>(loop.serve()));
                    }
                } catch (...) {
                    const std::lock_guard lock(failure_mutex);
                    failure = std::current_exception();
                    stop = true;
                }
            });
        }
    }
    const auto paused = [&](const std::function<void()>& fn) {
        pause.pause.store(true, std::memory_order_release);
        {
            const std::unique_lock lock(pause.world);
            fn();
        }
        pause.pause.store(false, std::memory_order_release);
    };
    auto next_save = std::chrono::steady_clock::now() + kStateInterval;
    while (!hooks.stop_requested() && !stop.load()) {
        ::poll(nullptr, 0, kPollMs);  // a signal ends the wait early
        if (hooks.take_reload()) {
            paused(hooks.reload);
        }
        if (std::chrono::steady_clock::now() >= next_save) {
            next_save += kStateInterval;
            paused(hooks.save_state);
        }
    }
    stop = true;
    for (auto& t : threads) {
        t.join();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
}

}  // namespace

void run_live(std::vector<LiveWorker>& workers, core::EventSink& eve, core::Stats& stats,
              const LiveHooks& hooks) {
    if (workers.size() == 1) {
        run_single(workers.front(), eve, hooks);
    } else {
        run_workers(workers, eve, stats, hooks);
    }
}

}  // namespace printwatch::app
