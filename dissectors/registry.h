// SPDX-License-Identifier: Apache-2.0
// The list of dissectors. Adding a protocol: one .cpp exposing `<proto>_info()`, one line here.
#pragma once

#include "core/dissector.h"
#include "core/service.h"

#include <span>

namespace printwatch::dissectors {

/// Every registered dissector, in probe order.
std::span<const core::DissectorInfo* const> all();
/// The services of all(), numbered once.
const core::ServiceCatalog& services();

}  // namespace printwatch::dissectors
