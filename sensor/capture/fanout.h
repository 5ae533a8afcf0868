// SPDX-License-Identifier: Apache-2.0
// Spreading one interface's packets over the workers of a live capture (--workers): every
// worker opens its own socket on the interface and joins one PACKET_FANOUT group, and the
// kernel hands each packet to one member by a hash of its host pair.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace printwatch::capture {

/// Joins the packet socket `fd` to fanout group `group`, or without one to a new group whose id
/// the kernel picks (so that no other process's group is joined by chance; 0 is an id like any
/// other); returns the group's id. Throws naming `iface` when the kernel refuses.
std::uint16_t join_fanout(int fd, std::optional<std::uint16_t> group, const std::string& iface);

}  // namespace printwatch::capture
