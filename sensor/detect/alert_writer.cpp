// SPDX-License-Identifier: Apache-2.0
#include "alert_writer.h"

#include "core/result.h"

namespace printwatch::detect {

AlertWriter::AlertWriter(AlertGate& gate, core::EventSink& sink, const EveEnvelope& envelope,
                         const core::ServiceCatalog& services,
                         std::span<const core::DissectorInfo* const> dissectors)
    : gate_(gate),
      sink_(sink),
      envelope_(envelope),
      services_(services),
      signatures_(dissectors),
      prefetched_{SuppressKey{}, gate.key_hash(SuppressKey{})} {
    for (const auto& sig : signatures_.all()) {
        gate_.register_kind(sig.kind);
    }
}

void AlertWriter::alert(const core::Flow* flow, std::uint32_t sid, const SuppressKey& key,
                        const core::IpAddr& source, core::FunctionRef<core::Object()> details,
                        core::Timestamp ts, std::string_view app_proto) {
    if (last_signature_ == nullptr || last_signature_->sid != sid) {
        last_signature_ = &signatures_.at(sid);
    }
    const auto& sig = *last_signature_;
    const std::uint64_t hash = key == prefetched_.key ? prefetched_.hash : gate_.key_hash(key);
    if (!gate_.admit(key, hash, sig.kind, source, ts)) {
        return;
    }
    core::EveEvent e;
    if (flow != nullptr) {
        e = envelope_.of(*flow, ts, "alert");
    } else {
        e.ts = ts;
        e.event_type = "alert";
    }
    if (!app_proto.empty()) {
        e.app_proto = app_proto;
    }
    e.alert = &sig;
    e.severity = sig.severity;
    e.body_key = "printwatch";
    e.body.emplace_back("kind", std::string(sig.kind));
    for (auto& kv : details()) {
        e.body.push_back(std::move(kv));
    }
    sink_.write(e);
}

void AlertWriter::roll(core::Timestamp now, bool end_of_run) {
    if (auto summary = gate_.roll(now, end_of_run)) {
        write_flood_summary(*summary, now);
    }
}

void AlertWriter::write_flood_summary(const FloodSummary& s, core::Timestamp ts) {
    const auto& sig = signatures_.at(sid::kAlertFlood);
    gate_.count_emitted(sig.kind);
    core::EveEvent e;
    e.ts = ts;
    e.event_type = "alert";
    e.alert = &sig;
    e.severity = sig.severity;
    e.body_key = "printwatch";
    e.body = core::Object{{"kind", std::string(sig.kind)},
                          {"minute_start", core::format_iso8601(s.minute_start)},
                          {"suppressed", s.suppressed},
                          {"suppressed_by_kind", s.by_kind},
                          {"top_sources", s.top_sources}};
    sink_.write(e);
}

}  // namespace printwatch::detect
