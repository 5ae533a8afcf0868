// SPDX-License-Identifier: Apache-2.0
#include "signatures.h"

#include <array>
#include <stdexcept>

namespace printwatch::detect {

namespace {
constexpr std::array kSignatures{
    core::Signature{sid::kLocal + 1001, 1, "printer.inbound_attempt",
                    "PRINTWATCH inbound attempt to a printer service from outside home_net",
                    "Attempted Information Leak", 1},
    core::Signature{sid::kLocal + 1002, 1, "printer.unknown_client",
                    "PRINTWATCH printer service used by an untrusted inside client",
                    "Potential Corporate Privacy Violation", 2},
    core::Signature{sid::kLocal + 1003, 1, "printer.scan",
                    "PRINTWATCH one source reached many printer ports or printers",
                    "Detection of a Network Scan", 2},
    core::Signature{sid::kLocal + 1004, 1, "printer.exposed",
                    "PRINTWATCH printer answered a client outside home_net",
                    "Attempted Information Leak", 1},
    core::Signature{sid::kLocal + 1005, 1, "printer.alert_flood",
                    "PRINTWATCH alert budget exceeded, alerts suppressed this minute",
                    "Potentially Bad Traffic", 2},
    core::Signature{sid::kLocal + 1101, 1, "bjnp.discovery",
                    "PRINTWATCH BJNP discover from outside or untrusted",
                    "Attempted Information Leak", 3},
    core::Signature{sid::kLocal + 1102, 1, "bjnp.identity_query",
                    "PRINTWATCH BJNP get-identity query", "Attempted Information Leak", 3},
    core::Signature{sid::kLocal + 1103, 1, "bjnp.job",
                    "PRINTWATCH BJNP job from outside or untrusted client",
                    "Potential Corporate Privacy Violation", 2},
    core::Signature{sid::kLocal + 1199, 1, "bjnp.malformed", "PRINTWATCH malformed BJNP message",
                    "Potentially Bad Traffic", 2},
    core::Signature{sid::kLocal + 1201, 1, "pjl.info_query", "PRINTWATCH PJL information query",
                    "Attempted Information Leak", 3},
    core::Signature{sid::kLocal + 1202, 1, "pjl.config_change",
                    "PRINTWATCH PJL configuration change", "Attempted Administrator Privilege Gain",
                    2},
    core::Signature{sid::kLocal + 1203, 1, "pjl.fs_access",
                    "PRINTWATCH PJL printer file-system access", "Attempted Information Leak", 1},
    core::Signature{sid::kLocal + 1204, 1, "pjl.destructive", "PRINTWATCH PJL destructive command",
                    "Attempted Denial of Service", 1},
    core::Signature{sid::kLocal + 1205, 1, "pjl.lock", "PRINTWATCH PJL password or lock change",
                    "Attempted Administrator Privilege Gain", 1},
    core::Signature{sid::kLocal + 1206, 1, "pjl.oversized", "PRINTWATCH oversized PJL line",
                    "Attempted Denial of Service", 1},
    core::Signature{sid::kLocal + 1211, 1, "pjl.info_query_untrusted",
                    "PRINTWATCH PJL information query from an untrusted or outside client",
                    "Attempted Information Leak", 2},
    core::Signature{sid::kLocal + 1212, 1, "pjl.config_change_untrusted",
                    "PRINTWATCH PJL configuration change from an untrusted or outside client",
                    "Attempted Administrator Privilege Gain", 1},
    core::Signature{sid::kLocal + 1301, 1, "ps.dangerous_operator",
                    "PRINTWATCH dangerous PostScript operator",
                    "Attempted Administrator Privilege Gain", 1},
};
}  // namespace

const core::Signature& signature(std::uint32_t sid) {
    for (const auto& s : kSignatures) {
        if (s.sid == sid) {
            return s;
        }
    }
    throw std::logic_error("unknown signature id");
}

std::uint32_t untrusted_variant(std::uint32_t id) {
    switch (id) {
        case sid::kPjlInfoQuery:
            return sid::kPjlInfoQueryUntrusted;
        case sid::kPjlConfigChange:
            return sid::kPjlConfigChangeUntrusted;
        default:
            return id;
    }
}

std::span<const core::Signature> all_signatures() {
    return kSignatures;
}

}  // namespace printwatch::detect
