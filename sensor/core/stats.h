// SPDX-License-Identifier: Apache-2.0
// Stats: the registry of named counters and gauges. Stages register their series at setup and
// keep the returned ids; the hot path only does add()/set() on an id, never a name lookup.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace printwatch::core {

enum class MetricType { Counter, Gauge };

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
/// learned; values are atomics so an exporter thread may read them at any time.
/// Series live in a deque, so a registered series never moves.
class Stats {
  public:
    struct Family {
        std::string name;  // full name, e.g. printwatch_flows_active
        std::string help;
        MetricType type = MetricType::Counter;
        std::vector<std::uint32_t> series;  // indexes into series_, in registration order
    };
    struct Series {
        std::uint32_t family = 0;
        Labels labels;
        std::atomic<double> value{0.0};
    };

    FamilyId family(std::string name, std::string help, MetricType type);
    /// Returns the existing series when the labels were registered before.
    SeriesId series(FamilyId family, Labels labels = {});

    void add(SeriesId id, double n = 1.0) noexcept {
        if (id.valid()) {
            series_[id.index].value.fetch_add(n, std::memory_order_relaxed);  // sinks' threads too
        }
    }
    void set(SeriesId id, double v) noexcept {
        if (id.valid()) {
            series_[id.index].value.store(v, std::memory_order_relaxed);
        }
    }
    [[nodiscard]] double get(SeriesId id) const noexcept {
        return id.valid() ? series_[id.index].value.load(std::memory_order_relaxed) : 0.0;
    }

    /// Visits families in registration order, and their series in registration order.
    void for_each(const std::function<void(const Family&, const Series&)>& fn) const;
    [[nodiscard]] const std::deque<Family>& families() const noexcept { return families_; }
    [[nodiscard]] const Series& series_at(std::uint32_t index) const { return series_[index]; }
    /// Value of a series by family name and labels; for tests and end-of-run reports.
    [[nodiscard]] double value(const std::string& family_name, const Labels& labels = {}) const;

  private:
    std::deque<Family> families_;
    std::deque<Series> series_;
};

}  // namespace printwatch::core
