// SPDX-License-Identifier: Apache-2.0
// Protocol rules: what dissector facts mean (sids 11xx, 12xx, 13xx) and what they teach the
// inventory. Kept apart from detector.cpp so that the transport rules stay readable.
#include "detector.h"
#include "signatures.h"

namespace printwatch::detect {

void Detector::apply_app_rules(core::Flow& flow, const core::AppEvent& event) {
    // A reply from a printer confirms it, and may carry its model.
    if (event.from_printer) {
        std::string_view model;
        if (const auto* m = core::find(event.fields, "model");
            m != nullptr && std::holds_alternative<std::string>(m->v)) {
            model = std::get<std::string>(m->v);
        }
        learn_printer(flow, event.dir == core::Direction::ToServer, model, event.proto, event.ts);
    }
}

}  // namespace printwatch::detect
