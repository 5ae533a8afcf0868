// SPDX-License-Identifier: Apache-2.0
#include "replay.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <unistd.h>

namespace printwatch::app {

namespace {

/// Progress on stderr for a person at a terminal: shown once a replay has taken more than
/// two seconds, refreshed twice a second, and wiped at the end. Never when stderr is a file.
class Progress {
  public:
    Progress() : enabled_(::isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_(start_) {}
    /// Called every 4096 packets or so: the clock is read that often.
    void tick(std::optional<double> share, const std::string& name, std::uint64_t packets) {
        if (!enabled_) {
            return;
        }
        const auto now = Clock::now();
        if (now - start_ < std::chrono::seconds(2) ||
            now - last_ < std::chrono::milliseconds(500)) {
            return;
        }
        last_ = now;
        shown_ = true;
        const double secs = std::chrono::duration<double>(now - start_).count();
        const std::string part = share ? fmt::format("{:3.0f}% of ", *share * 100) : "";
        static_cast<void>(std::fprintf(
            stderr, "\r\033[K%s%s: %llu packets, %.0f k packets/s", part.c_str(), name.c_str(),
            static_cast<unsigned long long>(packets), static_cast<double>(packets) / secs / 1000));
    }
    ~Progress() {
        if (shown_) {
            static_cast<void>(std::fputs("\r\033[K", stderr));
        }
    }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

  private:
    using Clock = std::chrono::steady_clock;
    bool enabled_;
    bool shown_ = false;
    Clock::time_point start_;
    Clock::time_point last_;
};

constexpr std::uint64_t kBatchPackets = 4096;

}  // namespace

std::uint64_t replay(const std::vector<std::string>& names,
                     std::vector<capture::PcapSource>& sources, Pipeline& pipeline,
                     core::Stats& stats, const volatile std::sig_atomic_t& stop, bool& any_error) {
    // The pipeline's counter adds collect here, and reach the shared series every 4096
    // packets (for a /metrics scrape mid-replay) and when the replay ends.
    core::StatsBatch batch(stats);
    std::uint64_t total = 0;
    Progress progress;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        auto& src = sources[i];
        core::RawFrame frame;
        std::uint64_t n = 0;
        capture::ReadStatus st{};
        for (;;) {
            st = src.next(frame);
            if (st == capture::ReadStatus::Packet) {
                pipeline.on_frame(frame);
            } else if (st == capture::ReadStatus::Filtered) {
                pipeline.on_filtered(frame.iface);
            } else {
                break;
            }
            if ((++n % kBatchPackets) == 0) {
                pipeline.publish();
                batch.flush();  // for a /metrics scrape mid-replay
                progress.tick(src.share_read(), names[i], n);
            }
        }
        if (st == capture::ReadStatus::Error && stop != 0) {
            // SIGTERM interrupted the read (stdin, a pipe): a stop, not a damaged file.
            spdlog::info("-r {}: stopped by signal after {} packets", names[i], n);
        } else if (st == capture::ReadStatus::Error) {
            any_error = true;
            pipeline.count_capture_error(static_cast<std::uint16_t>(i));
            spdlog::error("-r {}: {} (after {} packets; the packets before it were processed)",
                          names[i], src.last_error(), n);
        }
        pipeline.publish();
        total += n;
        if (stop != 0) {
            break;
        }
    }
    return total;
}

}  // namespace printwatch::app
