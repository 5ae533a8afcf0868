// SPDX-License-Identifier: Apache-2.0
// The signature table of docs/spec.md §4: sid, kind, message, category, severity. The kind strings
// and sids are public interface (rules, dashboards and users match on them).
#pragma once

#include "core/event.h"

#include <span>
#include <string_view>

namespace printwatch::detect {

namespace sid {
/// Local sids live in 1,000,000-1,999,999, the range Snort and Suricata leave to local rules, so
/// a SIEM that ingests both never merges ours with a VRT/ET rule. Our sid = kLocal + the number
/// the first releases used (1001, 1201...). Each sid has one severity: a stricter variant
/// for untrusted or outside clients is a sid of its own (the 12x1 and 12x2 pairs).
constexpr std::uint32_t kLocal = 1'000'000;
constexpr std::uint32_t kInboundAttempt = kLocal + 1001;
constexpr std::uint32_t kUnknownClient = kLocal + 1002;
constexpr std::uint32_t kScan = kLocal + 1003;
constexpr std::uint32_t kExposed = kLocal + 1004;
constexpr std::uint32_t kAlertFlood = kLocal + 1005;
constexpr std::uint32_t kBjnpDiscovery = kLocal + 1101;
constexpr std::uint32_t kBjnpIdentityQuery = kLocal + 1102;
constexpr std::uint32_t kBjnpJob = kLocal + 1103;
constexpr std::uint32_t kBjnpMalformed = kLocal + 1199;
constexpr std::uint32_t kPjlInfoQuery = kLocal + 1201;
constexpr std::uint32_t kPjlConfigChange = kLocal + 1202;
constexpr std::uint32_t kPjlFsAccess = kLocal + 1203;
constexpr std::uint32_t kPjlDestructive = kLocal + 1204;
constexpr std::uint32_t kPjlLock = kLocal + 1205;
constexpr std::uint32_t kPjlOversized = kLocal + 1206;
constexpr std::uint32_t kPjlInfoQueryUntrusted = kLocal + 1211;
constexpr std::uint32_t kPjlConfigChangeUntrusted = kLocal + 1212;
constexpr std::uint32_t kPsDangerousOperator = kLocal + 1301;
}  // namespace sid

/// The signature with this sid; every sid above exists (programmer error otherwise).
const core::Signature& signature(std::uint32_t sid);
/// The stricter sid that a rule raises when the client is not trusted: kPjlInfoQueryUntrusted
/// for kPjlInfoQuery, kPjlConfigChangeUntrusted for kPjlConfigChange; `sid` itself otherwise
/// (its severity is already the highest).
std::uint32_t untrusted_variant(std::uint32_t sid);
std::span<const core::Signature> all_signatures();

}  // namespace printwatch::detect
