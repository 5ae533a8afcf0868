// SPDX-License-Identifier: Apache-2.0
// Detector: turns transport observations and dissector facts into alerts and inventory
// records (docs/spec.md §4). Owns the attempt timers of its pipeline's flows; the alert gate, the
// scan tracker and the inventory live in a DetectionState that the workers of a live capture
// share (--workers). Every timer runs on packet time. Each concern is a class of its own (see
// Detector); the parts it owns run under the shared lock the Detector takes.
#pragma once

#include "alert_gate.h"
#include "alert_writer.h"
#include "attempt_tracker.h"
#include "client_policy.h"
#include "core/config.h"
#include "core/dissector.h"
#include "core/event.h"
#include "core/flow.h"
#include "core/packet.h"
#include "core/ports.h"
#include "core/stats.h"
#include "exposure_tracker.h"
#include "inventory.h"
#include "printer_learner.h"
#include "scan_tracker.h"

#include <array>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace printwatch::detect {

/// What detection knows across flows: one per sensor. A scan, an alert budget, a learned printer
/// or client spans flows, and so spans the workers of a live capture, each of which tracks its
/// own flows (the kernel's fanout sends both directions of a host pair to one worker). With
/// `threaded` set (before the workers start), a Detector holds `mutex` while it uses this
/// state; a replay's single pipeline takes no lock.
struct DetectionState {
    /// `hash_seed` keys the tables' hashes (PipelineOptions::hash_seed).
    DetectionState(const core::SensorConfig& config, core::Stats& stats,
                   std::uint64_t hash_seed = 0);
    AlertGate gate;
    ScanTracker scans;
    Inventory inventory;
    bool started = false;  // the first packet was seen (learning start, configured printers)
    core::Timestamp next_minute;
    core::AttemptObserver* attempt_observer = nullptr;
    bool threaded = false;
    std::mutex mutex;
};

/// The façade the pipeline drives: it takes the shared state's lock and hands each observation
/// to the part that owns its concern (docs/spec.md §4):
/// - AttemptTracker: inbound attempts and their outcomes;
/// - ClientPolicy: trusted and unknown inside clients;
/// - ScanTracker (shared): horizontal and vertical scans;
/// - ExposureTracker: printer services reachable from outside;
/// - PrinterLearner and Inventory (shared): the printers and clients we know;
/// - AlertWriter over the AlertGate (shared): every alert, its budget and the flood summary;
/// - the protocols' own rules (app_rules.cpp) and the dissector violation counters.
class Detector {
  public:
    /// `envelope` (the pipeline's, for every EVE record of a flow) outlives the detector.
    /// `ports` is the pipeline's port map, kept current on reload, and `services` the catalog
    /// it maps into; `dissectors` names every registered dissector, so violation counters are
    /// resolved once.
    /// `shared` is the sensor's cross-flow state; nullptr makes one of its own, with
    /// `hash_seed`.
    Detector(const core::SensorConfig& config, core::Stats& stats, core::EventSink& sink,
             const EveEnvelope& envelope, const core::PortMap& ports,
             const core::ServiceCatalog& services,
             std::span<const core::DissectorInfo* const> dissectors,
             std::shared_ptr<DetectionState> shared = nullptr, std::uint64_t hash_seed = 0);
    void reconfigure(const core::SensorConfig& config);

    /// Runs timers up to `now`: attempt timeouts, the alert-budget minute, exposure expiry.
    void advance(core::Timestamp now);
    /// Sets the gauges that per-attempt work leaves pending (Pipeline::publish()).
    void publish() { exposure_.publish(); }
    /// Starts loading the shared tables that `pkt` (if it opens a flow) and the eviction of
    /// `victim` (the flow the next new flow pushes out, or nullptr) will read. Under a SYN
    /// flood each is a cache miss, and issued together they overlap. Reads only what never
    /// changes after start, and writes only this worker's hashes of the keys (kept for the
    /// lookups that follow), so it takes no lock.
    void prefetch(const core::DecodedPacket& pkt, const core::Flow* victim) noexcept;
    /// A TCP or UDP packet of `flow`, after the app layer has seen it.
    void on_packet(core::Flow& flow, core::Direction dir, bool created,
                   const core::DecodedPacket& pkt);
    /// An ICMP/ICMPv6 unreachable that quotes a datagram of `flow`.
    void on_icmp_unreachable(core::Flow& flow, const core::DecodedPacket& pkt);
    /// A dissector fact (already logged by the RecordLogger): what it teaches the inventory,
    /// its violation counters, and its protocol's rules.
    void on_app_event(core::Flow& flow, core::AppEvent& event);
    /// The flow's state is about to be dropped.
    void on_flow_end(core::Flow& flow, core::Timestamp now);
    /// End of replay or shutdown: settles every pending attempt as unanswered. With
    /// `last_worker` false, the flood minute is left open for the last worker to close, so that
    /// a run ends with one summary.
    void finish(core::Timestamp now, bool last_worker = true);

    /// Only while no worker runs, or under the workers' pause (state file, reload).
    Inventory& inventory() { return inventory_; }
    /// Told of every settled inbound attempt (nullptr: nobody). Not owned.
    void set_attempt_observer(core::AttemptObserver* observer) {
        shared_->attempt_observer = observer;
    }
    /// Whether an inside client is trusted (configured, or learned during the learning period).
    [[nodiscard]] bool trusted(const core::Flow& flow) const { return clients_.trusted(flow); }

  private:
    /// The shared state's lock when workers share it; an empty lock for a lone pipeline.
    [[nodiscard]] std::unique_lock<std::mutex> lock_shared() const {
        return shared_->threaded ? std::unique_lock(shared_->mutex)
                                 : std::unique_lock<std::mutex>();
    }
    void first_packet(core::Timestamp ts);
    /// The packet that opened a flow to a printer port: attempt, unknown client, scan.
    void on_opening(core::Flow& flow, core::Direction dir, const core::DecodedPacket& pkt);
    /// A packet from the server side: printer learning and the attempt's outcome.
    void on_answer(core::Flow& flow, const core::DecodedPacket& pkt);
    /// Learns from a protocol record and applies its protocol's rules (app_rules.cpp).
    void apply_app_rules(core::Flow& flow, const core::AppEvent& event);
    class FlowRules;

    const core::SensorConfig* config_;
    core::Stats& stats_;
    std::shared_ptr<DetectionState> shared_;
    ScanTracker& scans_;
    Inventory& inventory_;
    const core::PortMap& ports_;  // the pipeline's, rebuilt there on reload
    AlertWriter alerts_;
    PrinterLearner printers_;
    ExposureTracker exposure_;
    ClientPolicy clients_;
    AttemptTracker attempts_;
    /// Each registered protocol's rules, by dissector name.
    std::vector<std::pair<std::string_view, void (*)(const core::AppEvent&, core::RuleContext&)>>
        rules_;
    core::Timestamp now_;
    /// The source prefetch() last hashed for the scan tracker, so that on_opening() of its
    /// packet need not hash it again. Per worker: prefetching takes no lock.
    struct HashedSource {
        core::IpAddr addr;
        std::uint64_t hash = 0;
    };
    HashedSource scan_source_;
    /// When advance() next has shared work (a budget minute, the exposure check): until then
    /// it touches only this worker's attempt timers and takes no lock.
    core::Timestamp next_shared_due_{INT64_MIN};
    /// printwatch_dissector_errors_total per dissector, indexed by core::ParseError.
    std::vector<std::pair<std::string_view, std::array<core::SeriesId, 4>>> violation_series_;
};

}  // namespace printwatch::detect
