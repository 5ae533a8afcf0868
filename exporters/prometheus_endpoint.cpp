// SPDX-License-Identifier: Apache-2.0
#include "prometheus_endpoint.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <stdexcept>

namespace printwatch::exporters {

namespace {

class StatsCollectable final : public prometheus::Collectable {
  public:
    StatsCollectable(const core::Stats& stats, std::function<void()> before_scrape)
        : stats_(stats), before_scrape_(std::move(before_scrape)) {}

    std::vector<prometheus::MetricFamily> Collect() const override {
        if (before_scrape_) {
            before_scrape_();
        }
        std::vector<prometheus::MetricFamily> out;
        // Every family, even one with no series yet, so HELP and TYPE are always there.
        stats_.visit_families([&](const core::Stats::Family& fam) {
            prometheus::MetricFamily mf;
            mf.name = fam.name;
            mf.help = fam.help;
            const bool counter = fam.type == core::MetricType::Counter;
            mf.type = counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
            for (auto idx : fam.series) {
                const auto& s = stats_.series_at(idx);
                prometheus::ClientMetric m;
                for (const auto& [k, v] : s.labels) {
                    m.label.push_back({k, v});
                }
                const double v = s.value.load(std::memory_order_relaxed);
                if (counter) {
                    m.counter.value = v;
                } else {
                    m.gauge.value = v;
                }
                mf.metric.push_back(std::move(m));
            }
            out.push_back(std::move(mf));
        });
        return out;
    }

  private:
    const core::Stats& stats_;
    std::function<void()> before_scrape_;
};

}  // namespace

struct PrometheusEndpoint::Impl {
    std::unique_ptr<prometheus::Exposer> exposer;
    std::shared_ptr<StatsCollectable> collectable;
};

PrometheusEndpoint::PrometheusEndpoint(const std::string& address, const core::Stats& stats,
                                       std::function<void()> before_scrape)
    : impl_(std::make_unique<Impl>()) {
    try {
        impl_->exposer = std::make_unique<prometheus::Exposer>(address, 2);
    } catch (const std::exception& e) {
        throw std::runtime_error("--metrics " + address + ": cannot listen: " + e.what());
    }
    impl_->collectable = std::make_shared<StatsCollectable>(stats, std::move(before_scrape));
    impl_->exposer->RegisterCollectable(impl_->collectable);
}

PrometheusEndpoint::~PrometheusEndpoint() = default;

}  // namespace printwatch::exporters
