// SPDX-License-Identifier: Apache-2.0
// AlertWriter: the one place an alert is written. It asks the alert gate, looks the signature
// up, wraps the alert in its flow's EVE envelope and hands it to the sink; it also writes the
// gate's per-minute flood summary. Every other detection part raises alerts through it, so
// suppression and the alert's shape are decided once.
#pragma once

#include "alert_gate.h"
#include "core/dissector.h"
#include "core/event.h"
#include "core/flow.h"
#include "core/function_ref.h"
#include "core/service.h"
#include "eve_envelope.h"
#include "signatures.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace printwatch::detect {

class AlertWriter {
  public:
    /// All but `dissectors` outlive the writer. `envelope` is the pipeline's, so that alerts
    /// and protocol records of a flow carry the same envelope.
    AlertWriter(AlertGate& gate, core::EventSink& sink, const EveEnvelope& envelope,
                const core::ServiceCatalog& services,
                std::span<const core::DissectorInfo* const> dissectors);

    /// Writes the alert `sid` unless the gate suppresses it. `details` builds the alert's fields
    /// and runs only for an alert that is written: under a flood nearly all are suppressed, and
    /// building their strings was a tenth of the time. `flow` may be null (no envelope).
    void alert(const core::Flow* flow, std::uint32_t sid, const SuppressKey& key,
               const core::IpAddr& source, core::FunctionRef<core::Object()> details,
               core::Timestamp ts, std::string_view app_proto = {});
    /// Starts loading what alert() of `key` from `source` reads first, and keeps the key's
    /// hash for it: a flood's every evicted attempt is prefetched, then alerted.
    void prefetch(const SuppressKey& key, const core::IpAddr& source) noexcept {
        prefetched_ = {key, gate_.key_hash(key)};
        gate_.prefetch(prefetched_.hash, source);
    }
    /// Closes the gate's budget minute when `now` has left it (or, with `end_of_run`, the last
    /// one), writing its flood summary if it suppressed anything.
    void roll(core::Timestamp now, bool end_of_run = false);
    /// Writes a record that is not an alert (a printer record) to the same sink.
    void write(const core::EveEvent& event) { sink_.write(event); }

    [[nodiscard]] const SignatureTable& signatures() const noexcept { return signatures_; }
    /// The flow's service label, for alert details.
    [[nodiscard]] std::string label(const core::Flow& flow) const {
        return std::string(services_.label(flow.service));
    }

  private:
    void write_flood_summary(const FloodSummary& s, core::Timestamp ts);

    AlertGate& gate_;
    core::EventSink& sink_;
    const EveEnvelope& envelope_;
    const core::ServiceCatalog& services_;
    SignatureTable signatures_;
    /// The signature of the last alert: under a flood it is the same one every time.
    const core::Signature* last_signature_ = nullptr;
    /// This writer's last prefetched key and its hash (per writer: the gate is shared by the
    /// workers, and prefetching takes no lock).
    struct HashedKey {
        SuppressKey key;
        std::uint64_t hash = 0;
    };
    HashedKey prefetched_;
};

}  // namespace printwatch::detect
