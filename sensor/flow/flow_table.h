// SPDX-License-Identifier: Apache-2.0
// FlowTable: bounded connection tables keyed by the canonical 5-tuple (+ the innermost VLAN id
// with flow.vlan_tracking), with idle timeouts in packet time and LRU eviction when full. It
// knows transport state only; what an attempt is, and what it means, is decided by detect/.
//
// Two tables, as a kernel's SYN cache keeps half-open connections apart from its sockets: a
// flow opened by a bare SYN waits in one of limits.half_open until its next packet (once its
// attempt is settled) moves it to the one of limits.flows, where everything else starts. A SYN
// flood so evicts only half-open connections, never an established print job, and (at the
// defaults) sweeps a table a quarter the size of the flows' (docs/spec.md §4).
#pragma once

#include "core/config.h"
#include "core/flow.h"
#include "core/lru_table.h"
#include "core/packet.h"
#include "core/stats.h"

#include <cstdint>

namespace printwatch::flow {

enum class EndReason : std::uint8_t { Timeout, Evicted, Replaced, Shutdown };

/// Told about every flow before its state is dropped, so pending work can be settled.
class FlowEndHandler {
  public:
    virtual ~FlowEndHandler() = default;
    virtual void on_flow_end(core::Flow& flow, EndReason reason, core::Timestamp now) = 0;
};

/// A packet's flow key and the table's hash of it, made once per packet for both the
/// prefetch and the lookup (making them twice was a tenth of a SYN flood's instructions).
struct FlowProbe {
    core::FlowKey key;
    std::uint64_t hash = 0;
};

struct Observation {
    core::Flow* flow = nullptr;
    core::Direction dir = core::Direction::ToServer;
    bool created = false;  // this packet opened the flow
};

class FlowTable {
  public:
    /// `vlan_tracking` (flow.vlan_tracking) is fixed for the table's life: changing it would
    /// re-key every live flow.
    FlowTable(const core::LimitsConfig& limits, bool vlan_tracking, core::Stats& stats,
              FlowEndHandler& handler, std::uint64_t hash_seed);

    /// Finds or creates the flow of a TCP or UDP packet and updates its transport state.
    /// `server_port_hint` says whether the destination port is a known service port, which
    /// orients flows picked up mid-stream (no SYN seen).
    Observation observe(const core::DecodedPacket& pkt, const FlowProbe& probe,
                        bool dst_is_service);
    Observation observe(const core::DecodedPacket& pkt, bool dst_is_service) {
        FlowProbe p;
        probe(pkt, p);
        return observe(pkt, p, dst_is_service);
    }
    /// The key and hash observe() and prefetch() of a TCP or UDP packet look up.
    void probe(const core::DecodedPacket& pkt, FlowProbe& out) const noexcept;

    /// Starts loading what observe() of a SYN will read: its index cell in both tables and, in
    /// a full half-open table, the flows the next SYNs evict. Called as soon as it is decoded.
    void prefetch(const FlowProbe& probe) const noexcept;
    void prefetch(const core::DecodedPacket& pkt) const noexcept {
        FlowProbe p;
        probe(pkt, p);
        prefetch(p);
    }
    /// The flow the next SYN's new flow evicts (the half-open table is full), or nullptr. Its
    /// slot was prefetched one packet earlier, so reading it is cheap.
    [[nodiscard]] const core::Flow* next_victim() noexcept {
        return opening_.size() == opening_.capacity() ? opening_.oldest() : nullptr;
    }

    /// The flow an ICMP error refers to (the quoted datagram's tuple), if we track it.
    core::Flow* find_quoted(const core::DecodedPacket& pkt);

    /// Ends flows idle past their timeout. Cheap: looks only at the least recently used end.
    void expire(core::Timestamp now);
    /// Ends every flow (end of replay, shutdown).
    void end_all(core::Timestamp now);

    [[nodiscard]] std::size_t size() const noexcept { return table_.size() + opening_.size(); }

    static core::Duration idle_timeout(const core::Flow& f) noexcept;

  private:
    /// A flow's key from its own fields, so the table need not store a second copy.
    struct KeyOfFlow {
        core::FlowKey operator()(const core::Flow& f) const noexcept;
    };
    using Table = core::LruTable<core::FlowKey, core::Flow, core::FlowKeyHash, KeyOfFlow>;

    void report_active() noexcept;
    /// What a full table's insert does with the flow it evicts: counts it and ends it.
    auto evicted() noexcept {
        return [this](const core::FlowKey& /*key*/, core::Flow& victim) {
            stats_.add(evictions_);
            handler_.on_flow_end(victim, EndReason::Evicted, now_);
        };
    }
    core::Flow& create(Table& table, const core::FlowKey& key, std::uint64_t hash,
                       const core::DecodedPacket& pkt, bool from_client);
    /// The flow of `key` in `table`, unless it is idle past its timeout or a new SYN reuses
    /// its tuple, in which case the old flow is ended and nullptr returned. Inline: a SYN
    /// misses in both tables, and there only the lookup should cost.
    core::Flow* live_flow(Table& table, const core::FlowKey& key, std::uint64_t hash,
                          const core::DecodedPacket& pkt) {
        core::Flow* f = table.touch(key, hash);
        return f == nullptr ? nullptr : still_live(table, *f, key, hash, pkt);
    }
    /// live_flow() of a flow found.
    core::Flow* still_live(Table& table, core::Flow& f, const core::FlowKey& key,
                           std::uint64_t hash, const core::DecodedPacket& pkt);
    /// Moves a half-open flow into the table of established ones.
    core::Flow& promote(core::Flow& flow, const core::FlowKey& key, std::uint64_t hash);
    static void update_transport(core::Flow& f, const core::DecodedPacket& pkt,
                                 core::Direction dir);
    [[nodiscard]] std::uint16_t key_vlan(const core::DecodedPacket& p) const noexcept;

    Table table_;    // established flows, UDP, and whatever is not a bare SYN's
    Table opening_;  // half-open TCP: opened by a SYN, nothing since but its retransmissions
    FlowEndHandler& handler_;
    core::Stats& stats_;
    bool vlan_tracking_;
    core::SeriesId evictions_;
    core::SeriesId active_;
    std::size_t reported_active_ = 0;  // this table's share of printwatch_flows_active
    std::uint32_t created_ = 0;        // flows made, for Flow::generation
    core::Timestamp now_;
};

core::FlowKey make_key(const core::IpAddr& a, std::uint16_t pa, const core::IpAddr& b,
                       std::uint16_t pb, std::uint8_t proto, std::uint16_t vlan) noexcept;

}  // namespace printwatch::flow
