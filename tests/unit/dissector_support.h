// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the dissector unit tests: collect events, read a field, find a dissector.
#pragma once

#include "core/dissector.h"
#include "dissectors/registry.h"

#include <cstdint>
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

/// A RuleContext that records the sids a protocol's rules raise, with the trust it is told.
struct RuleRecorder final : core::RuleContext {
    bool trusted_client = false;
    std::vector<std::uint32_t> sids;
    [[nodiscard]] bool trusted() const noexcept override { return trusted_client; }
    void raise(std::uint32_t sid, std::string_view /*detail*/,
               core::FunctionRef<core::Object()> details) override {
        sids.push_back(sid);
        (void)details();  // the fields must build for every raised alert
    }
};

/// The sids the registered rules raise over `events` (each by its own dissector's rules), for a
/// trusted or untrusted client.
inline std::vector<std::uint32_t> raised(const std::vector<core::AppEvent>& events,
                                         bool trusted_client) {
    RuleRecorder rules;
    rules.trusted_client = trusted_client;
    for (const auto& e : events) {
        for (const auto* i : dissectors::all()) {
            if (i->name == e.dissector && i->rules.apply != nullptr) {
                i->rules.apply(e, rules);
            }
        }
    }
    return rules.sids;
}

}  // namespace printwatch::test
