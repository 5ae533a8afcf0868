// SPDX-License-Identifier: Apache-2.0
#include "flow.h"

namespace printwatch::core {

std::size_t FlowKeyHash::operator()(const FlowKey& k) const noexcept {
    std::uint64_t h = hash_bytes(k.lo.bytes.data(), k.lo.bytes.size(), k.proto);
    h = hash_bytes(k.hi.bytes.data(), k.hi.bytes.size(), h);
    const std::uint64_t ports = (static_cast<std::uint64_t>(k.lo_port) << 32U) |
                                (static_cast<std::uint64_t>(k.hi_port) << 16U) | k.vlan;
    return static_cast<std::size_t>(h ^ (ports * 0x9e3779b97f4a7c15ULL));
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
