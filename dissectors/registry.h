// SPDX-License-Identifier: Apache-2.0
// The list of dissectors. Adding a protocol: one .cpp exposing `<proto>_info()`, one line here.
#pragma once

#include "core/dissector.h"

#include <span>

namespace printwatch::dissectors {

/// Every registered dissector, in probe order.
std::span<const core::DissectorInfo* const> all();

}  // namespace printwatch::dissectors
