// SPDX-License-Identifier: Apache-2.0
// Live capture's loop: frames from the interfaces into a pipeline until asked to stop, with the
// attempt timers kept on the wall clock while the wire is quiet. With --workers N, N of these
// loops run, one per thread, each on its own sockets (joined in a PACKET_FANOUT group per
// interface) and its own pipeline; this thread then only reloads and saves, pausing the workers
// for it.
#pragma once

#include "app/pipeline.h"
#include "capture/pcap_source.h"
#include "core/event.h"
#include "core/stats.h"

#include <functional>
#include <vector>

namespace printwatch::app {

struct LiveWorker {
    std::vector<capture::PcapSource> sources;  // one per interface, in the order of -i
    Pipeline* pipeline = nullptr;              // not owned
};

struct LiveHooks {
    std::function<bool()> stop_requested;  // SIGINT/SIGTERM
    std::function<bool()> take_reload;     // true once per SIGHUP
    std::function<void()> reload;          // runs while no worker touches its pipeline
    std::function<void()> save_state;      // every minute, the same way
};

/// Runs until `stop_requested`: one worker on this thread, more each on a thread of its own.
/// A worker's error (poll failing, say) stops them all and is rethrown here. With more than one
/// worker, `eve` (the pipelines' sink too) must be safe to write from several threads
/// (SerializedSink).
void run_live(std::vector<LiveWorker>& workers, core::EventSink& eve, core::Stats& stats,
              const LiveHooks& hooks);

}  // namespace printwatch::app
