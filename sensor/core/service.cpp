// SPDX-License-Identifier: Apache-2.0
#include "service.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace printwatch::core {

ServiceCatalog::ServiceCatalog(std::span<const DissectorInfo* const> registry) {
    const auto fail = [](std::string_view what, std::string_view name) {
        throw std::invalid_argument("dissector registry: " + std::string(what) + " '" +
                                    std::string(name) + "'");
    };
    for (const auto* info : registry) {
        for (const auto& group : info->port_groups) {
            if (std::any_of(groups_.begin(), groups_.end(),
                            [&](const PortGroup* g) { return g->key == group.key; })) {
                fail("two port groups named", group.key);
            }
            groups_.push_back(&group);
            for (const auto& spec : group.services) {
                if (by_label(spec.label) != ServiceId::None || spec.label == "none") {
                    fail("two services labelled", spec.label);
                }
                if (entries_.size() == kMaxServices) {
                    fail("too many services, at", spec.label);
                }
                entries_.push_back(Entry{spec.label, info, &group, spec.port});
            }
        }
    }
}

std::string_view ServiceCatalog::label(ServiceId id) const noexcept {
    const auto* e = find(id);
    return e != nullptr ? e->label : std::string_view("none");
}

ServiceId ServiceCatalog::by_label(std::string_view label) const noexcept {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].label == label) {
            return id_at(i);
        }
    }
    return ServiceId::None;
}

ServiceId ServiceCatalog::of(const PortGroup& group, std::uint16_t port) const noexcept {
    ServiceId rest = ServiceId::None;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        const auto& e = entries_[i];
        if (e.group != &group) {
            continue;
        }
        if (e.port == port) {
            return id_at(i);
        }
        if (e.port == 0 && rest == ServiceId::None) {
            rest = id_at(i);
        }
    }
    return rest;
}

}  // namespace printwatch::core
