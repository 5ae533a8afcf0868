// SPDX-License-Identifier: Apache-2.0
// Loads and validates the YAML config (docs/spec.md §3). Every error is collected, each as
// "FILE:LINE: message", so an operator fixes them all in one pass.
#pragma once

#include "core/config.h"
#include "core/result.h"

#include <string>
#include <string_view>
#include <vector>

namespace printwatch::app {

using ConfigErrors = std::vector<std::string>;

core::Result<core::SensorConfig, ConfigErrors> load_config_file(const std::string& path);
/// Same, from text; `name` is used in messages.
core::Result<core::SensorConfig, ConfigErrors> load_config_text(const std::string& text,
                                                                const std::string& name);
/// The keys whose change a SIGHUP cannot apply, each as "ports.raw": they size tables made at
/// start (limits), key them (flow.vlan_tracking), build the capture filter (ports) or configure
/// a sink opened at start (syslog, redis, sensor.name). Empty when `next` may be applied live.
std::vector<std::string> restart_only_changes(const core::SensorConfig& running,
                                              const core::SensorConfig& next);
/// sensor.name's rule, RFC 5424's HOSTNAME: 1 to 255 printable ASCII characters, no space.
bool valid_sensor_name(std::string_view name);
/// The host name, made a valid sensor.name: sensor.name's default.
std::string local_host_name();
/// "300s", "5m", "24h", "1d", "250ms", or a bare number of seconds.
core::Result<core::Duration, std::string> parse_duration(const std::string& text);

}  // namespace printwatch::app
