// SPDX-License-Identifier: Apache-2.0
// --state: learned clients, learned printers and the learning-period start, persisted as JSON
// with an atomic replace so a crash never leaves a torn file.
#pragma once

#include "detect/inventory.h"

#include <string>

namespace printwatch::app {

/// Loads `path` into the inventory. A missing file is not an error (first start).
/// Throws std::runtime_error naming the file for unreadable or malformed content.
void load_state(const std::string& path, detect::Inventory& inventory);
void save_state(const std::string& path, const detect::Inventory& inventory);

}  // namespace printwatch::app
