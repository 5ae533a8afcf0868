// SPDX-License-Identifier: Apache-2.0
// Protocol records: what they teach the inventory, and the protocol's own rules. Each protocol
// registers its rules with its dissector (core::RuleSet); detection applies them through a
// core::RuleContext, which knows the flow, its trust and the suppression key.
//
// Trust: a client is trusted when it is inside home_net and configured in trusted_clients (or,
// with that list empty, learned during learning.period). Where a stricter level applies to
// untrusted clients, it is a sid of its own (core::Signature::untrusted_sid), so each sid keeps
// one severity.
#include "core/bytes.h"
#include "detector.h"
#include "signatures.h"

#include <string>

namespace printwatch::detect {

using core::AppEvent;
using core::Flow;
using core::Object;

namespace {

std::uint64_t hash(std::string_view s) {
    const auto b = core::as_bytes(s);
    return core::hash_bytes(b.data(), b.size(), 7);
}

}  // namespace

/// The rules' view of one record's flow.
class Detector::FlowRules final : public core::RuleContext {
  public:
    FlowRules(Detector& detector, Flow& flow, core::Timestamp ts, bool trusted)
        : detector_(detector), flow_(flow), ts_(ts), trusted_(trusted) {}
    [[nodiscard]] bool trusted() const noexcept override { return trusted_; }
    void raise(std::uint32_t sid, std::string_view detail,
               core::FunctionRef<Object()> details) override {
        const auto& signatures = detector_.alerts_.signatures();
        const auto* sig = &signatures.at(sid);
        if (!trusted_ && sig->untrusted_sid != 0) {
            sid = sig->untrusted_sid;
            sig = &signatures.at(sid);
        }
        const SuppressKey key{
            sid, flow_.client, flow_.server, static_cast<std::uint8_t>(flow_.service),
            0,   hash(detail)};
        detector_.alerts_.alert(&flow_, sid, key, flow_.client, details, ts_, sig->app_proto);
    }

  private:
    Detector& detector_;
    Flow& flow_;
    core::Timestamp ts_;
    bool trusted_;
};

void Detector::apply_app_rules(Flow& flow, const AppEvent& event) {
    // The flow's app_proto follows the language actually spoken (on 9100: PJL, PostScript or
    // PCL rather than "raw").
    if (flow.app != nullptr && flow.app->proto == event.dissector &&
        event.proto != event.dissector) {
        flow.app->proto = event.proto;
    }
    // A reply from a printer confirms it, and may carry its model.
    if (event.from_printer) {
        printers_.learn(flow, event.dir == core::Direction::ToServer,
                        {core::text_at(event.fields, "model"), core::text_at(event.fields, "uuid")},
                        event.proto, event.ts);
    }
    for (const auto& [name, apply] : rules_) {
        if (name == event.dissector) {
            FlowRules rules(*this, flow, event.ts,
                            config_->in_home_net(flow.client) && clients_.trusted(flow));
            apply(event, rules);
            return;
        }
    }
}

}  // namespace printwatch::detect
