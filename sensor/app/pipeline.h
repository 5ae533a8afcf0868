// SPDX-License-Identifier: Apache-2.0
// Pipeline: the one place where the stages are wired together (decode -> flow -> app layer ->
// detect -> sinks). main and the tests use the same wiring. A pipeline is single-threaded and
// synchronous, so replay output is deterministic; live capture with --workers runs one per
// worker thread, sharing the sensor's cross-flow detection state (detect::DetectionState).
#pragma once

#include "core/config.h"
#include "core/dissector.h"
#include "core/event.h"
#include "core/ports.h"
#include "core/stats.h"
#include "decode/decode.h"
#include "detect/detector.h"
#include "detect/record_logger.h"
#include "flow/app_layer.h"
#include "flow/flow_table.h"

#include <array>
#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace printwatch::app {

struct PipelineOptions {
    bool all_traffic = false;
    /// Keys every table's hash (flows, attempts' alert keys, sources, the duplicate filter).
    /// 0, a replay's, keeps its output the same from run to run; live capture draws one at
    /// start, because the hashes are public: with a fixed key, sources chosen to share one
    /// run of index cells (found offline in seconds) would make every probe walk that run.
    /// Output depends on it only where two keys share a direct-mapped slot.
    std::uint64_t hash_seed = 0;
    /// Mixed into flow ids: 0 for a replay (ids depend on the capture alone), the sensor's
    /// identity for live capture (ids differ across sensors).
    std::uint64_t flow_id_salt = 0;
    /// The cross-flow detection state the workers of a live capture share; nullptr: the
    /// pipeline's own (a replay, or one worker).
    std::shared_ptr<detect::DetectionState> detection;
    /// The workers' common deadline for the next EVE stats record (packet time, usec): the
    /// first worker past it writes the record, for all of them. nullptr: the pipeline's own.
    std::shared_ptr<std::atomic<std::int64_t>> stats_deadline;
};

/// Remembers recent packets so the same packet mirrored twice (both VLANs of a routed hop,
/// ingress and egress of a SPAN) is counted once. Matching ignores TTL, MACs and VLAN tags.
class DuplicateFilter {
  public:
    explicit DuplicateFilter(std::uint64_t hash_seed = 0) noexcept : seed_(hash_seed) {}
    /// True when an identical packet was seen within the window.
    bool seen(const core::DecodedPacket& pkt) noexcept;

  private:
    struct Entry {
        std::uint64_t hash = 0;
        core::Timestamp ts;
    };
    // Direct-mapped by the packet's hash: one probe per packet (a 64-entry ring scanned in full
    // was 7 % of an --all-traffic replay), and a copy is found however many other packets
    // came between, unless one of them took its slot within the window.
    static constexpr std::size_t kSlots = 4096;
    static constexpr core::Duration kWindow{1000};  // 1 ms: mirror copies arrive together
    std::array<Entry, kSlots> slots_{};
    std::uint64_t seed_;
};

/// What Pipeline::prepare() works out from a frame alone, ahead of its processing.
struct PreparedPacket {
    decode::DecodeStatus status;
    core::DecodedPacket pkt;
    flow::FlowProbe probe;   // pkt's flow key and hash, when `transport`
    bool transport = false;  // TCP or UDP
    bool duplicate = false;  // a mirrored copy of a recent packet (DuplicateFilter)
};

class Pipeline final : public flow::FlowEndHandler, public flow::FlowEventHandler {
  public:
    Pipeline(const core::SensorConfig& config, core::Stats& stats, core::EventSink& sink,
             std::span<const core::DissectorInfo* const> registry, PipelineOptions options);

    /// Registers an input and returns its index for RawFrame: `name` labels its metrics (the
    /// interface, or the file's base name); `pcap_filename` (replay only, the path as given)
    /// goes into events instead of in_iface.
    std::uint16_t add_interface(const std::string& name, const std::string& pcap_filename = {});
    void on_frame(const core::RawFrame& frame) {
        prepare(frame, prepared_);
        process(frame.iface, prepared_);
    }
    /// on_frame() in two steps. prepare() decodes, checks for a duplicate and, for a SYN,
    /// starts loading the table entries its processing will read (changing no state that
    /// output depends on); process() does the rest with the packet, its flow probe and its
    /// duplicate verdict as prepare() left them.
    void prepare(const core::RawFrame& frame, PreparedPacket& out) noexcept;
    /// The rest of on_frame() for a prepared frame of interface `iface`; `p.pkt` must still
    /// point at the frame's bytes.
    void process(std::uint16_t iface, const PreparedPacket& p);
    /// The registry this pipeline counts in, for a capture loop's StatsBatch.
    [[nodiscard]] core::Stats& stats() noexcept { return stats_; }
    /// Adds the packets counted since the last call to the interfaces' series and sets the
    /// last-packet gauge: process() keeps both to itself, and a capture loop publishes them
    /// when it flushes its StatsBatch (the EVE stats record and finish() do too).
    void publish();
    /// A packet of interface `iface` that the capture filter rejected: counted as read, not
    /// decoded.
    void on_filtered(std::uint16_t iface);
    /// Advances packet time without a packet (live capture when the wire is quiet).
    void tick(core::Timestamp now);
    /// Ends every flow, settles pending attempts, writes the final stats record. Workers end
    /// one after another, with `last_worker` only for the last: it closes the alert budget's
    /// minute and writes the stats record, which then counts every worker's flows.
    void finish(bool last_worker = true);
    /// SIGHUP: new allow-lists and thresholds; flows, learned state and counters are kept.
    void reconfigure(const core::SensorConfig& config);

    detect::Detector& detector() { return detector_; }
    [[nodiscard]] core::Timestamp now() const noexcept { return now_; }
    /// A packet was seen (a worker of a live capture may have had none).
    [[nodiscard]] bool started() const noexcept { return started_; }
    void count_capture_error(std::uint16_t iface);
    void set_capture_drops(std::uint16_t iface, std::uint64_t kernel, std::uint64_t interface);

    void on_flow_end(core::Flow& flow, flow::EndReason reason, core::Timestamp now) override;
    void on_app_event(core::Flow& flow, core::AppEvent& event) override;

  private:
    struct InterfaceSeries {
        core::SeriesId packets;
        core::SeriesId kernel_drops;
        core::SeriesId interface_drops;
        std::uint64_t kernel_drops_reported = 0;  // this pipeline's capture's share
        std::uint64_t unpublished_packets = 0;    // read since the last publish()
    };
    void count_decode_error(const decode::DecodeStatus& status);
    void write_stats(core::Timestamp ts);
    /// Whether a stats record is due at now_, claiming it when it is.
    bool stats_due();
    void handle_transport(const core::DecodedPacket& pkt, const flow::FlowProbe& probe);

    const core::SensorConfig* config_;
    core::Stats& stats_;
    core::EventSink& sink_;
    PipelineOptions options_;
    core::ServiceCatalog services_;  // from the registry; ports_ and the detector point into it
    core::PortMap ports_;
    std::vector<core::InputName> inputs_;
    std::vector<InterfaceSeries> iface_series_;
    detect::EveEnvelope envelope_;
    detect::RecordLogger records_;  // protocol records, a stage ahead of detection
    detect::Detector detector_;
    flow::FlowTable flows_;
    flow::AppLayer app_;
    DuplicateFilter duplicates_;
    PreparedPacket prepared_;  // on_frame()'s, reused: no per-packet allocation
    core::Timestamp now_;
    bool started_ = false;
    bool clock_unpublished_ = false;  // now_ moved since publish() set the gauge
    std::array<std::array<core::SeriesId, 4>, static_cast<std::size_t>(decode::Layer::Count)>
        decode_errors_{};
    core::SeriesId duplicates_series_;
    core::SeriesId fragments_series_;
    core::SeriesId last_packet_;
    core::SeriesId capture_errors_;
};

}  // namespace printwatch::app
