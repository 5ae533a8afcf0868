// SPDX-License-Identifier: Apache-2.0
#include "registry.h"

#include <array>

namespace printwatch::dissectors {

const core::DissectorInfo& raw9100_info();  // raw9100.cpp
const core::DissectorInfo& bjnp_info();     // bjnp.cpp
const core::DissectorInfo& lpd_info();      // lpd.cpp
const core::DissectorInfo& ipp_info();      // ipp.cpp

std::span<const core::DissectorInfo* const> all() {
    static const std::array kAll{&raw9100_info(), &bjnp_info(), &lpd_info(), &ipp_info()};
    return kAll;
}

const core::ServiceCatalog& services() {
    static const core::ServiceCatalog kServices(all());
    return kServices;
}

}  // namespace printwatch::dissectors
