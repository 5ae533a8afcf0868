// SPDX-License-Identifier: Apache-2.0
// replay(): -r's loop, on one thread. Each file in order, each frame through the pipeline;
// counter adds are batched, a terminal shows progress, and a read error or a stop is logged.
#pragma once

#include "app/pipeline.h"
#include "capture/pcap_source.h"
#include "core/stats.h"

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

namespace printwatch::app {

/// Replays `sources` (opened from `names`, in order) through `pipeline`, counting into `stats`.
/// A file that ends in a read error is logged and sets `any_error`; its packets before the
/// error are processed. `stop` (SIGTERM) ends the replay after the current file (a read that
/// waits on a pipe is interrupted by the signal itself). Returns the packets read.
std::uint64_t replay(const std::vector<std::string>& names,
                     std::vector<capture::PcapSource>& sources, Pipeline& pipeline,
                     core::Stats& stats, const volatile std::sig_atomic_t& stop, bool& any_error);

}  // namespace printwatch::app
