// SPDX-License-Identifier: Apache-2.0
#include "flow.h"

#include <algorithm>
#include <array>

namespace printwatch::core {

std::size_t FlowKeyHash::operator()(const FlowKey& k, std::uint64_t seed) const noexcept {
    const std::uint64_t rest = (static_cast<std::uint64_t>(k.lo_port) << 48U) |
                               (static_cast<std::uint64_t>(k.hi_port) << 32U) |
                               (static_cast<std::uint64_t>(k.vlan) << 8U) | k.proto;
    // Not finished: LruTable, its one user, finishes it.
    return static_cast<std::size_t>(hash_word(hash_addrs(seed, k.lo, k.hi), rest));
}

std::uint64_t flow_id(const Flow& flow, std::uint64_t salt) noexcept {
    // The byte layout is the one earlier versions hashed, so that ids stay what they wrote.
    std::array<std::uint8_t, 16 + 16 + 2 + 2 + 1 + 8> buf{};
    std::copy(flow.client.bytes.begin(), flow.client.bytes.end(), buf.begin());
    std::copy(flow.server.bytes.begin(), flow.server.bytes.end(), buf.begin() + 16);
    buf[32] = static_cast<std::uint8_t>(flow.client_port >> 8);
    buf[33] = static_cast<std::uint8_t>(flow.client_port);
    buf[34] = static_cast<std::uint8_t>(flow.server_port >> 8);
    buf[35] = static_cast<std::uint8_t>(flow.server_port);
    buf[36] = flow.proto;
    const auto us = static_cast<std::uint64_t>(flow.first_seen.usec);
    for (std::size_t i = 0; i < 8; ++i) {
        buf.at(37 + i) = static_cast<std::uint8_t>(us >> (8 * i));
    }
    std::uint64_t h = fnv1a_bytes(buf.data(), buf.size(), salt ^ flow.client.family);
    // splitmix64's finaliser: FNV-1a alone leaves the high bits weak.
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
    h &= (std::uint64_t{1} << 53) - 1;
    return h != 0 ? h : 1;
}

}  // namespace printwatch::core
