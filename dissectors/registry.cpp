// SPDX-License-Identifier: Apache-2.0
#include "registry.h"

#include <array>

namespace printwatch::dissectors {

const core::DissectorInfo& bjnp_info();  // bjnp.cpp

std::span<const core::DissectorInfo* const> all() {
    static const std::array<const core::DissectorInfo*, 1> kAll{&bjnp_info()};
    return kAll;
}

}  // namespace printwatch::dissectors
