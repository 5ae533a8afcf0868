// SPDX-License-Identifier: Apache-2.0
// The live /metrics endpoint: prometheus-cpp's Exposer (civetweb) serving a Collectable that
// snapshots core::Stats on each scrape. Nothing here runs on the capture thread.
#pragma once

#include "core/stats.h"

#include <functional>
#include <memory>
#include <string>

namespace printwatch::exporters {

class PrometheusEndpoint {
  public:
    /// Binds ADDR:PORT. Throws std::runtime_error naming the address when it cannot bind.
    /// `before_scrape` (optional) runs on the HTTP thread before each snapshot, to refresh
    /// values read on demand (process metrics).
    PrometheusEndpoint(const std::string& address, const core::Stats& stats,
                       std::function<void()> before_scrape = {});
    ~PrometheusEndpoint();
    PrometheusEndpoint(const PrometheusEndpoint&) = delete;
    PrometheusEndpoint& operator=(const PrometheusEndpoint&) = delete;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace printwatch::exporters
