// SPDX-License-Identifier: Apache-2.0
// Prometheus text exposition format (version 0.0.4) of a Stats registry, and an atomic file
// writer for --metrics-file and --state.
#pragma once

#include "core/stats.h"

#include <string>

namespace printwatch::exporters {

std::string render_metrics_text(const core::Stats& stats);

/// Writes `content` to `path` through a temporary file in the same directory, fsync and
/// rename, so readers never see a half-written file. Throws std::runtime_error naming the path.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace printwatch::exporters
