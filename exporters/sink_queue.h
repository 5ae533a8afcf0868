// SPDX-License-Identifier: Apache-2.0
// What the queued sinks (syslog_sink, redis_sink) share: giving up on a queue at shutdown.
#pragma once

#include "core/stats.h"

#include <condition_variable>
#include <cstddef>
#include <deque>

namespace printwatch::exporters {

/// Shutdown with records still queued: they are lost, and counted in `dropped` one per record.
/// The caller holds the queue's lock; a close() waiting for the drain is woken. Returns how
/// many were dropped.
template <typename T>
std::size_t drop_queued(std::deque<T>& queue, core::Stats& stats, core::SeriesId dropped,
                        std::condition_variable& drained) {
    const std::size_t n = queue.size();
    stats.add(dropped, static_cast<double>(n));
    queue.clear();
    drained.notify_all();
    return n;
}

}  // namespace printwatch::exporters
