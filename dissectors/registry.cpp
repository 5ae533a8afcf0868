// SPDX-License-Identifier: Apache-2.0
#include "registry.h"

#include <array>

// The one list of protocols: adding a protocol is one X(name) entry here, for a dissector file that
// defines `const core::DissectorInfo& <name>_info()`. Order is the order of the capture filter,
// the config schema, the metric labels and --help. A macro because the list must both declare
// each accessor and collect it, and self-registering statics would be dropped by the static
// library link and have no defined order.
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage)
#define PRINTWATCH_PROTOCOLS(X) X(raw9100) X(bjnp) X(lpd) X(ipp)

namespace printwatch::dissectors {

// NOLINTNEXTLINE(cppcoreguidelines-macro-usage)
#define PRINTWATCH_DECLARE(name) const core::DissectorInfo& name##_info();
PRINTWATCH_PROTOCOLS(PRINTWATCH_DECLARE)
#undef PRINTWATCH_DECLARE

std::span<const core::DissectorInfo* const> all() {
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage)
#define PRINTWATCH_ENTRY(name) &name##_info(),
    static const std::array kAll{PRINTWATCH_PROTOCOLS(PRINTWATCH_ENTRY)};
#undef PRINTWATCH_ENTRY
    return kAll;
}

const core::ServiceCatalog& services() {
    static const core::ServiceCatalog kServices(all());
    return kServices;
}

}  // namespace printwatch::dissectors
