// SPDX-License-Identifier: Apache-2.0
#include "flow.h"

namespace printwatch::core {

std::size_t FlowKeyHash::operator()(const FlowKey& k) const noexcept {
    const std::uint64_t rest = (static_cast<std::uint64_t>(k.lo_port) << 48U) |
                               (static_cast<std::uint64_t>(k.hi_port) << 32U) |
                               (static_cast<std::uint64_t>(k.vlan) << 8U) | k.proto;
    return static_cast<std::size_t>(
        hash_finish(hash_word(hash_addr(hash_addr(0, k.lo), k.hi), rest)));
}

const char* to_string(Service s) noexcept {
    switch (s) {
        case Service::None:
            return "none";
        case Service::Raw:
            return "raw";
        case Service::BjnpPrinter:
            return "bjnp-printer";
        case Service::BjnpScanner:
            return "bjnp-scanner";
        case Service::Bjnp8613:
            return "bjnp-8613";
        case Service::Bjnp8614:
            return "bjnp-8614";
        case Service::BjnpOther:
            return "bjnp-other";
        case Service::Mfnp:
            return "mfnp";
    }
    return "none";
}

}  // namespace printwatch::core
