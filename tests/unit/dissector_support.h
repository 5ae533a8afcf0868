// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the dissector unit tests: collect events, read a field, find a dissector.
#pragma once

#include "core/dissector.h"
#include "dissectors/registry.h"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace printwatch::test {

struct EventCollector final : core::AppEventSink {
    std::vector<core::AppEvent> events;
    void on_app_event(core::AppEvent&& e) override { events.push_back(std::move(e)); }
};

/// A string field of an event, or "" when absent or not a string.
inline std::string field(const core::AppEvent& e, std::string_view key) {
    const auto* v = core::find(e.fields, key);
    return v != nullptr && std::holds_alternative<std::string>(v->v) ? std::get<std::string>(v->v)
                                                                     : "";
}

inline const core::DissectorInfo& dissector(std::string_view name) {
    for (const auto* i : dissectors::all()) {
        if (i->name == name) {
            return *i;
        }
    }
    throw std::logic_error("dissector not registered: " + std::string(name));
}

}  // namespace printwatch::test
