// SPDX-License-Identifier: Apache-2.0
#include "stats.h"

#include <stdexcept>

namespace printwatch::core {

Stats::~Stats() {
    for (auto& c : chunks_) {
        delete[] c.load(std::memory_order_relaxed);
    }
}

StatsBatch::StatsBatch(Stats& stats) noexcept : stats_(stats), previous_(t_stats_batch) {
    t_stats_batch = this;
}

StatsBatch::~StatsBatch() {
    flush();
    t_stats_batch = previous_;
}

void StatsBatch::flush() noexcept {
    for (std::uint32_t i = 0; i < count_; ++i) {
        const std::uint16_t idx = order_[i];  // NOLINT(cppcoreguidelines-pro-bounds-*)
        if (pending_[idx] != 0.0) {           // NOLINT(cppcoreguidelines-pro-bounds-*)
            stats_.at(idx).value.fetch_add(pending_[idx], std::memory_order_relaxed);  // NOLINT
        }
        pending_[idx] = 0.0;  // NOLINT(cppcoreguidelines-pro-bounds-constant-array-index)
        dirty_[idx] = false;  // NOLINT(cppcoreguidelines-pro-bounds-constant-array-index)
    }
    count_ = 0;
}

FamilyId Stats::family(Metric m) {
    const auto& f = metric_family(m);
    return family(std::string(f.name), std::string(f.help), f.type);
}

FamilyId Stats::family(std::string name, std::string help, MetricType type) {
    const std::lock_guard lock(mutex_);
    for (std::uint32_t i = 0; i < families_.size(); ++i) {
        if (families_[i].name == name) {
            if (families_[i].type != type) {
                throw std::invalid_argument("metric " + name + " registered with two types");
            }
            return {i};
        }
    }
    families_.push_back(Family{std::move(name), std::move(help), type, {}});
    return {static_cast<std::uint32_t>(families_.size() - 1)};
}

namespace {
// Length-prefixed, so no label text (a printer's configured name, say) can make two label
// sets share a key.
std::string index_key(std::uint32_t family, const Labels& labels) {
    std::string key = std::to_string(family);
    for (const auto& [k, v] : labels) {
        key.append(1, ';').append(std::to_string(k.size())).append(1, ':').append(k);
        key.append(1, ';').append(std::to_string(v.size())).append(1, ':').append(v);
    }
    return key;
}
}  // namespace

SeriesId Stats::series(FamilyId family, Labels labels) {
    const std::lock_guard lock(mutex_);
    auto& fam = families_.at(family.index);
    auto key = index_key(family.index, labels);
    if (auto it = index_.find(key); it != index_.end()) {
        return {it->second};
    }
    if (series_count_ == kMaxSeries) {
        return {};
    }
    const std::uint32_t idx = series_count_;
    auto& chunk = chunks_.at(idx / kChunkSize);
    if (chunk.load(std::memory_order_relaxed) == nullptr) {
        chunk.store(new Series[kChunkSize],
                    std::memory_order_release);  // NOLINT(cppcoreguidelines-owning-memory)
    }
    Series& s = at(idx);
    s.family = family.index;
    s.labels = std::move(labels);
    ++series_count_;
    index_.emplace(std::move(key), idx);
    fam.series.push_back(idx);  // published to readers, who take mutex_
    return {idx};
}

double Stats::value(const std::string& family_name, const Labels& labels) const {
    double found = 0.0;
    visit_families([&](const Family& fam) {
        if (fam.name != family_name) {
            return;
        }
        for (auto idx : fam.series) {
            if (at(idx).labels == labels) {
                found = at(idx).value.load(std::memory_order_relaxed);
            }
        }
    });
    return found;
}

FamilyId table_full_family(Stats& stats) {
    return stats.family(Metric::TableFull);
}

FamilyId table_evictions_family(Stats& stats) {
    return stats.family(Metric::TableEvictions);
}

}  // namespace printwatch::core
