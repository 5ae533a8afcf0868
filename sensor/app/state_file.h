// SPDX-License-Identifier: Apache-2.0
// --state: learned clients, learned printers and the learning-period start, persisted as JSON
// with an atomic replace so a crash never leaves a torn file. Written at exit and, when live,
// every minute and on SIGHUP, so a crash loses at most a minute of learning.
#pragma once

#include "detect/inventory.h"

#include <cstdint>
#include <optional>
#include <string>

namespace printwatch::app {

struct StateLoad {
    enum class Outcome : std::uint8_t { Missing, Loaded, MovedAside } outcome = Outcome::Missing;
    std::string moved_to;  // MovedAside: where the corrupt file went
    std::string reason;    // MovedAside: what was wrong with it
};

/// Why `path` cannot be loaded, or nullopt when it can (or does not exist: a first start).
std::optional<std::string> check_state(const std::string& path);

/// Loads `path` into the inventory, all or nothing. A missing file is a first start. A corrupt
/// one is renamed to `<path>.corrupt-<UTC time>` and the sensor starts fresh, so that a
/// restart loop (Restart=on-failure) cannot stop it for good. Throws std::runtime_error naming
/// the file only when a corrupt file cannot be moved aside.
StateLoad load_state(const std::string& path, detect::Inventory& inventory);
void save_state(const std::string& path, const detect::Inventory& inventory);

}  // namespace printwatch::app
