// SPDX-License-Identifier: Apache-2.0
#include "signatures.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>

namespace printwatch::detect {

namespace {
constexpr std::array kTransportSignatures{
    core::Signature{sid::kInboundAttempt,
                    1,
                    "printer.inbound_attempt",
                    "PRINTWATCH inbound attempt to a printer service from outside home_net",
                    "Attempted Information Leak",
                    1,
                    {},
                    0},
    core::Signature{sid::kUnknownClient,
                    1,
                    "printer.unknown_client",
                    "PRINTWATCH printer service used by an untrusted inside client",
                    "Potential Corporate Privacy Violation",
                    2,
                    {},
                    0},
    core::Signature{sid::kScan,
                    1,
                    "printer.scan",
                    "PRINTWATCH one source reached many printer ports or printers",
                    "Detection of a Network Scan",
                    2,
                    {},
                    0},
    core::Signature{sid::kExposed,
                    1,
                    "printer.exposed",
                    "PRINTWATCH printer answered a client outside home_net",
                    "Attempted Information Leak",
                    1,
                    {},
                    0},
    core::Signature{sid::kAlertFlood,
                    1,
                    "printer.alert_flood",
                    "PRINTWATCH alert budget exceeded, alerts suppressed this minute",
                    "Potentially Bad Traffic",
                    2,
                    {},
                    0},
};
}  // namespace

std::span<const core::Signature> transport_signatures() {
    return kTransportSignatures;
}

SignatureTable::SignatureTable(std::span<const core::DissectorInfo* const> registry)
    : sigs_(kTransportSignatures.begin(), kTransportSignatures.end()) {
    const auto fail = [](const std::string& what, std::uint32_t id) {
        throw std::invalid_argument("signatures: " + what + " " + std::to_string(id));
    };
    for (const auto* info : registry) {
        for (const auto& s : info->rules.signatures) {
            if (s.sid < sid::kFirstProtocolSid) {
                fail(std::string(info->name) + " registers a sid of detection's range:", s.sid);
            }
            sigs_.push_back(s);
        }
    }
    std::sort(sigs_.begin(), sigs_.end(),
              [](const core::Signature& a, const core::Signature& b) { return a.sid < b.sid; });
    for (std::size_t i = 1; i < sigs_.size(); ++i) {
        if (sigs_[i].sid == sigs_[i - 1].sid) {
            fail("sid defined twice:", sigs_[i].sid);
        }
    }
    for (const auto& s : sigs_) {
        const bool defined = std::any_of(sigs_.begin(), sigs_.end(), [&](const core::Signature& o) {
            return o.sid == s.untrusted_sid;
        });
        if (s.untrusted_sid != 0 && !defined) {
            fail("untrusted variant not defined:", s.untrusted_sid);
        }
    }
}

const core::Signature& SignatureTable::at(std::uint32_t id) const {
    const auto it = std::lower_bound(
        sigs_.begin(), sigs_.end(), id,
        [](const core::Signature& s, std::uint32_t wanted) { return s.sid < wanted; });
    if (it == sigs_.end() || it->sid != id) {
        throw std::logic_error("unknown signature id " + std::to_string(id));
    }
    return *it;
}

}  // namespace printwatch::detect
