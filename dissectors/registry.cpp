// SPDX-License-Identifier: Apache-2.0
#include "registry.h"

#include <array>

namespace printwatch::dissectors {

const core::DissectorInfo& bjnp_info();     // bjnp.cpp
const core::DissectorInfo& raw9100_info();  // raw9100.cpp

std::span<const core::DissectorInfo* const> all() {
    static const std::array<const core::DissectorInfo*, 2> kAll{&bjnp_info(), &raw9100_info()};
    return kAll;
}

}  // namespace printwatch::dissectors
