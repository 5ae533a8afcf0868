// SPDX-License-Identifier: Apache-2.0
// The signature table of docs/spec.md §4: sid, kind, message, category, severity. The kind strings
// and sids are public interface (rules, dashboards and users match on them). Detection owns the
// transport-level signatures below; each protocol registers its own with its rules
// (core::RuleSet in its DissectorInfo), and SignatureTable joins them.
#pragma once

#include "core/dissector.h"
#include "core/event.h"

#include <span>
#include <string_view>
#include <vector>

namespace printwatch::detect {

namespace sid {
/// Local sids live in 1,000,000-1,999,999, the range Snort and Suricata leave to local rules, so
/// a SIEM that ingests both never merges ours with a VRT/ET rule. Our sid = kLocal + the number
/// the first releases used (1001, 1201...). Each sid has one severity: a stricter variant
/// for untrusted or outside clients is a sid of its own (core::Signature::untrusted_sid).
/// 1001-1099 are detection's, for every protocol; a protocol's start at kLocal + 1100.
constexpr std::uint32_t kLocal = 1'000'000;
constexpr std::uint32_t kInboundAttempt = kLocal + 1001;
constexpr std::uint32_t kUnknownClient = kLocal + 1002;
constexpr std::uint32_t kScan = kLocal + 1003;
constexpr std::uint32_t kExposed = kLocal + 1004;
constexpr std::uint32_t kAlertFlood = kLocal + 1005;
constexpr std::uint32_t kFirstProtocolSid = kLocal + 1100;
}  // namespace sid

/// Detection's own signatures, for every protocol.
std::span<const core::Signature> transport_signatures();

/// Every signature of the sensor: detection's and each registered protocol's, by sid.
class SignatureTable {
  public:
    /// Throws std::invalid_argument on a sid defined twice, a protocol sid below
    /// kFirstProtocolSid or an untrusted_sid that is not defined: registry errors.
    explicit SignatureTable(std::span<const core::DissectorInfo* const> registry);
    /// The signature with this sid; throws std::logic_error for an unknown one (a rule raising
    /// a sid its protocol did not register).
    [[nodiscard]] const core::Signature& at(std::uint32_t sid) const;
    [[nodiscard]] std::span<const core::Signature> all() const noexcept { return sigs_; }

  private:
    std::vector<core::Signature> sigs_;  // ascending sid
};

}  // namespace printwatch::detect
