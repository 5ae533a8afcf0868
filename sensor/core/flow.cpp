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

}  // namespace printwatch::core
