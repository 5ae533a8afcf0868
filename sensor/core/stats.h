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
        if (id.valid()) {
            at(id.index).value.fetch_add(n, std::memory_order_relaxed);  // sinks' threads too
        }
    }
    void set(SeriesId id, double v) noexcept {
        if (id.valid()) {
            at(id.index).value.store(v, std::memory_order_relaxed);
        }
    }
    [[nodiscard]] double get(SeriesId id) const noexcept {
        return id.valid() ? at(id.index).value.load(std::memory_order_relaxed) : 0.0;
    }

    /// Visits families in registration order while holding the registration lock, so the
    /// visitor may walk `Family::series` and call series_at() on them. Do not register from
    /// inside the visitor.
    template <class Fn>
    void visit_families(Fn&& fn) const {
        const std::lock_guard lock(mutex_);
        for (const auto& fam : families_) {
            fn(fam);
        }
    }
    [[nodiscard]] const Series& series_at(std::uint32_t index) const noexcept { return at(index); }
    /// Value of a series by family name and labels; for tests and end-of-run reports.
    [[nodiscard]] double value(const std::string& family_name, const Labels& labels = {}) const;

  private:
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
