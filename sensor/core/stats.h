// SPDX-License-Identifier: Apache-2.0
// Stats: the registry of named counters and gauges. Stages register their series at setup and
// keep the returned ids; the hot path only does add()/set() on an id, never a name lookup.
#pragma once

#include "metrics.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace printwatch::core {

struct SeriesId {
    std::uint32_t index = UINT32_MAX;
    [[nodiscard]] bool valid() const noexcept { return index != UINT32_MAX; }
};
struct FamilyId {
    std::uint32_t index = UINT32_MAX;
};

using Labels = std::vector<std::pair<std::string, std::string>>;

class Stats;

/// Write-combining for one thread's add()s to one Stats, for as long as it lives: the adds
/// collect in plain doubles and reach the shared atomics at flush(). Each add() had been a
/// `lock cmpxchg` loop (an atomic double has no fetch-add instruction), five of them per packet
/// of a SYN flood and a fifth of its time. The thread that owns the batch sees its own adds at
/// once (get(), visit_families() and value() flush or count them); other threads (a /metrics
/// scrape) see them at the next flush, which the owner calls every few thousand packets.
/// Series past the first kSlots are added directly.
class StatsBatch {
  public:
    /// Installs the batch for this thread and `stats`; the batch it replaces (if any) comes
    /// back when this one ends.
    explicit StatsBatch(Stats& stats) noexcept;
    ~StatsBatch();
    StatsBatch(const StatsBatch&) = delete;
    StatsBatch& operator=(const StatsBatch&) = delete;
    StatsBatch(StatsBatch&&) = delete;
    StatsBatch& operator=(StatsBatch&&) = delete;

    /// Adds what has collected to the shared series.
    void flush() noexcept;

  private:
    friend class Stats;
    static constexpr std::uint32_t kSlots = 1024;
    void add(std::uint32_t index, double n) noexcept {
        if (!dirty_[index]) {      // NOLINT(cppcoreguidelines-pro-bounds-constant-array-index)
            dirty_[index] = true;  // NOLINT(cppcoreguidelines-pro-bounds-constant-array-index)
            order_[count_++] = static_cast<std::uint16_t>(index);  // NOLINT(*-constant-array-index)
        }
        pending_[index] += n;  // NOLINT(cppcoreguidelines-pro-bounds-constant-array-index)
    }

    Stats& stats_;
    StatsBatch* previous_;
    std::array<double, kSlots> pending_{};
    std::array<bool, kSlots> dirty_{};
    std::array<std::uint16_t, kSlots> order_{};  // the dirty slots, each once
    std::uint32_t count_ = 0;
};

/// This thread's batch, if it has one. Constant-initialised, so reading it is one load.
/// Mutable by design: only StatsBatch installs and removes itself here, on its own thread.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
inline constinit thread_local StatsBatch* t_stats_batch = nullptr;

/// Registry of metric families and their series. Registration (family(), series()) happens
/// on the pipeline thread at setup, or for bounded per-printer series when a printer is
/// learned, while exporter threads (the /metrics server) read at any time. So:
/// - series live in fixed chunks that never move and are published with release/acquire, so
///   add()/set()/get() on an id stay lock-free on every thread;
/// - the family list and each family's series list change only under `mutex_`, which readers
///   hold for the whole of visit_families(): a scrape never sees a list being grown.
class Stats {
  public:
    struct Family {
        std::string name;  // full name, e.g. printwatch_flows_active
        std::string help;
        MetricType type = MetricType::Counter;
        std::vector<std::uint32_t> series;  // series indexes, in registration order
    };
    struct Series {
        std::uint32_t family = 0;
        Labels labels;
        std::atomic<double> value{0.0};
    };
    static constexpr std::uint32_t kChunkSize = 256;
    static constexpr std::uint32_t kMaxChunks = 256;
    /// 65,536 series: far above what the bounded tables can register (limits.printers caps
    /// the per-printer families); past it series() returns an invalid id, which add() ignores.
    static constexpr std::uint32_t kMaxSeries = kChunkSize * kMaxChunks;

    Stats() = default;
    Stats(const Stats&) = delete;
    Stats& operator=(const Stats&) = delete;
    ~Stats();

    /// Registers a family of the table in metrics.h (again: the same id).
    FamilyId family(Metric m);
    FamilyId family(std::string name, std::string help, MetricType type);
    /// Returns the existing series when the labels were registered before.
    SeriesId series(FamilyId family, Labels labels = {});

    void add(SeriesId id, double n = 1.0) noexcept {
        if (!id.valid()) {
            return;
        }
        if (StatsBatch* b = own_batch(id); b != nullptr) {
            b->add(id.index, n);
            return;
        }
        at(id.index).value.fetch_add(n, std::memory_order_relaxed);  // sinks' threads too
    }
    void set(SeriesId id, double v) noexcept {
        if (!id.valid()) {
            return;
        }
        if (StatsBatch* b = own_batch(id); b != nullptr) {
            b->pending_[id.index] = 0.0;  // NOLINT(*-constant-array-index): the set supersedes
        }
        at(id.index).value.store(v, std::memory_order_relaxed);
    }
    [[nodiscard]] double get(SeriesId id) const noexcept {
        if (!id.valid()) {
            return 0.0;
        }
        const double pending = own_batch(id) != nullptr
                                   ? t_stats_batch->pending_[id.index]  // NOLINT(*-array-index)
                                   : 0.0;
        return at(id.index).value.load(std::memory_order_relaxed) + pending;
    }

    /// Visits families in registration order while holding the registration lock, so the
    /// visitor may walk `Family::series` and call series_at() on them. Do not register from
    /// inside the visitor.
    template <class Fn>
    void visit_families(Fn&& fn) const {
        flush_own_batch();
        const std::lock_guard lock(mutex_);
        for (const auto& fam : families_) {
            fn(fam);
        }
    }
    [[nodiscard]] const Series& series_at(std::uint32_t index) const noexcept { return at(index); }
    /// Value of a series by family name and labels; for tests and end-of-run reports.
    [[nodiscard]] double value(const std::string& family_name, const Labels& labels = {}) const;

  private:
    friend class StatsBatch;
    /// This thread's batch, when it collects for this Stats and covers the series.
    [[nodiscard]] StatsBatch* own_batch(SeriesId id) const noexcept {
        StatsBatch* b = t_stats_batch;
        return b != nullptr && &b->stats_ == this && id.index < StatsBatch::kSlots ? b : nullptr;
    }
    void flush_own_batch() const noexcept {
        if (StatsBatch* b = t_stats_batch; b != nullptr && &b->stats_ == this) {
            b->flush();
        }
    }
    [[nodiscard]] Series& at(std::uint32_t index) const noexcept {
        // Unchecked on the hot path: ids come from series(), which never hands out one past
        // kMaxSeries, and a chunk is published before any id that points into it.
        // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-constant-array-index)
        return chunks_[index / kChunkSize].load(std::memory_order_acquire)[index % kChunkSize];
    }

    mutable std::mutex mutex_;
    std::deque<Family> families_;     // guarded by mutex_
    std::uint32_t series_count_ = 0;  // guarded by mutex_
    // (family, labels) -> series index, so registering the n-th printer is not O(n).
    std::unordered_map<std::string, std::uint32_t> index_;   // guarded by mutex_
    std::array<std::atomic<Series*>, kMaxChunks> chunks_{};  // written under mutex_
};

/// The bounded tables' two families, registered from wherever a table lives: entries a full
/// table refused, and entries a full LRU table dropped to make room.
FamilyId table_full_family(Stats& stats);
FamilyId table_evictions_family(Stats& stats);

}  // namespace printwatch::core
