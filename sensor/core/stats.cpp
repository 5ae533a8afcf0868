// SPDX-License-Identifier: Apache-2.0
#include "stats.h"

#include <stdexcept>

namespace printwatch::core {

FamilyId Stats::family(std::string name, std::string help, MetricType type) {
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

SeriesId Stats::series(FamilyId family, Labels labels) {
    auto& fam = families_.at(family.index);
    for (auto idx : fam.series) {
        if (series_[idx].labels == labels) {
            return {idx};
        }
    }
    series_.emplace_back();
    series_.back().family = family.index;
    series_.back().labels = std::move(labels);
    const auto idx = static_cast<std::uint32_t>(series_.size() - 1);
    fam.series.push_back(idx);
    return {idx};
}

void Stats::for_each(const std::function<void(const Family&, const Series&)>& fn) const {
    for (const auto& fam : families_) {
        for (auto idx : fam.series) {
            fn(fam, series_[idx]);
        }
    }
}

double Stats::value(const std::string& family_name, const Labels& labels) const {
    for (const auto& fam : families_) {
        if (fam.name != family_name) {
            continue;
        }
        for (auto idx : fam.series) {
            if (series_[idx].labels == labels) {
                return series_[idx].value.load(std::memory_order_relaxed);
            }
        }
    }
    return 0.0;
}

}  // namespace printwatch::core
