// SPDX-License-Identifier: Apache-2.0
// Loads and validates the YAML config (SPEC §3). Every error is collected, each as
// "FILE:LINE: message", so an operator fixes them all in one pass.
#pragma once

#include "core/config.h"
#include "core/result.h"

#include <string>
#include <vector>

namespace printwatch::app {

using ConfigErrors = std::vector<std::string>;

core::Result<core::SensorConfig, ConfigErrors> load_config_file(const std::string& path);
/// Same, from text; `name` is used in messages.
core::Result<core::SensorConfig, ConfigErrors> load_config_text(const std::string& text,
                                                                const std::string& name);
/// "300s", "5m", "24h", "1d", "250ms", or a bare number of seconds.
core::Result<core::Duration, std::string> parse_duration(const std::string& text);

}  // namespace printwatch::app
