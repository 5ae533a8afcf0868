// SPDX-License-Identifier: Apache-2.0
// The signature table of SPEC §4: sid, kind, message, category, severity. The kind strings and
// sids are public interface (rules, dashboards and users match on them).
#pragma once

#include "core/event.h"

#include <span>
#include <string_view>

namespace printwatch::detect {

namespace sid {
constexpr std::uint32_t kInboundAttempt = 1001;
constexpr std::uint32_t kUnknownClient = 1002;
constexpr std::uint32_t kScan = 1003;
constexpr std::uint32_t kExposed = 1004;
constexpr std::uint32_t kAlertFlood = 1005;
constexpr std::uint32_t kBjnpDiscovery = 1101;
constexpr std::uint32_t kBjnpIdentityQuery = 1102;
constexpr std::uint32_t kBjnpJob = 1103;
constexpr std::uint32_t kBjnpMalformed = 1199;
constexpr std::uint32_t kPjlInfoQuery = 1201;
constexpr std::uint32_t kPjlConfigChange = 1202;
constexpr std::uint32_t kPjlFsAccess = 1203;
constexpr std::uint32_t kPjlDestructive = 1204;
constexpr std::uint32_t kPjlLock = 1205;
constexpr std::uint32_t kPjlOversized = 1206;
constexpr std::uint32_t kPsDangerousOperator = 1301;
}  // namespace sid

/// The signature with this sid; every sid above exists (programmer error otherwise).
const core::Signature& signature(std::uint32_t sid);
std::span<const core::Signature> all_signatures();

}  // namespace printwatch::detect
