// SPDX-License-Identifier: Apache-2.0
#include "flow_table.h"

#include <algorithm>
#include <tuple>

namespace printwatch::flow {

using core::Direction;
using core::Duration;
using core::Flow;
using core::FlowKey;
using core::Timestamp;
namespace tf = core::tcp_flags;

namespace {
// Idle timeouts in packet time. UDP's 60 s is docs/spec.md's attempt definition; TCP keeps an
// established connection far longer, and a closed or never-answered one briefly.
constexpr Duration kUdpTimeout = Duration::seconds(60);
constexpr Duration kTcpOpeningTimeout = Duration::seconds(60);
constexpr Duration kTcpEstablishedTimeout = Duration::seconds(3600);
constexpr Duration kTcpClosedTimeout = Duration::seconds(10);

}  // namespace

std::uint16_t FlowTable::key_vlan(const core::DecodedPacket& p) const noexcept {
    return !vlan_tracking_ || p.vlan_count == 0 ? 0 : p.vlan.at(p.vlan_count - 1);
}

FlowKey make_key(const core::IpAddr& a, std::uint16_t pa, const core::IpAddr& b, std::uint16_t pb,
                 std::uint8_t proto, std::uint16_t vlan) noexcept {
    FlowKey k;
    k.proto = proto;
    k.vlan = vlan;
    if (std::tie(a, pa) <= std::tie(b, pb)) {
        k.lo = a, k.lo_port = pa, k.hi = b, k.hi_port = pb;
    } else {
        k.lo = b, k.lo_port = pb, k.hi = a, k.hi_port = pa;
    }
    return k;
}

core::FlowKey FlowTable::KeyOfFlow::operator()(const core::Flow& f) const noexcept {
    return make_key(f.client, f.client_port, f.server, f.server_port, f.proto, f.key_vlan);
}

FlowTable::FlowTable(const core::LimitsConfig& limits, bool vlan_tracking, core::Stats& stats,
                     FlowEndHandler& handler, std::uint64_t hash_seed)
    : table_(limits.flows, hash_seed, /*huge_pages=*/true),
      // Small enough for 4 KiB pages: its index is a few hundred pages, and a flood sweeps its
      // slots in order. A huge page would commit 2 MiB of slots for a quiet network's few.
      opening_(limits.half_open, hash_seed, /*huge_pages=*/false),
      handler_(handler),
      stats_(stats),
      vlan_tracking_(vlan_tracking) {
    evictions_ = stats.series(stats.family(core::Metric::FlowEvictions));
    active_ = stats.series(stats.family(core::Metric::FlowsActive));
}

Duration FlowTable::idle_timeout(const Flow& f) noexcept {
    if (f.proto != core::ip_proto::kTcp) {
        return kUdpTimeout;
    }
    if (f.rst_seen || (f.fin_from_client && f.fin_from_server)) {
        return kTcpClosedTimeout;
    }
    return f.syn_ack_seen ? kTcpEstablishedTimeout : kTcpOpeningTimeout;
}

Flow& FlowTable::create(Table& table, const FlowKey& key, std::uint64_t hash,
                        const core::DecodedPacket& pkt, bool from_client) {
    Flow& f = table.insert(key, hash, evicted());
    f.generation = ++created_;
    f.proto = pkt.ip_proto;
    f.client = from_client ? pkt.src : pkt.dst;
    f.server = from_client ? pkt.dst : pkt.src;
    f.client_port = from_client ? pkt.sport : pkt.dport;
    f.server_port = from_client ? pkt.dport : pkt.sport;
    f.iface = pkt.iface;
    f.vlan_count = pkt.vlan_count;
    f.vlan = pkt.vlan;
    f.key_vlan = key.vlan;
    f.has_mac = pkt.has_mac;
    f.client_mac = from_client ? pkt.src_mac : pkt.dst_mac;
    f.server_mac = from_client ? pkt.dst_mac : pkt.src_mac;
    f.first_seen = pkt.ts;
    report_active();
    return f;
}

namespace {
bool is_syn_ack(const core::DecodedPacket& p) noexcept {
    return p.ip_proto == core::ip_proto::kTcp &&
           (p.tcp_flags & (tf::kSyn | tf::kAck)) == (tf::kSyn | tf::kAck);
}
bool sent_by_client(const Flow& f, const core::DecodedPacket& p) noexcept {
    return f.client == p.src && f.client_port == p.sport;
}
}  // namespace

Flow* FlowTable::still_live(Table& table, Flow& f, const FlowKey& key, std::uint64_t hash,
                            const core::DecodedPacket& pkt) {
    const bool idle = pkt.ts - f.last_seen > idle_timeout(f);
    // A SYN with a new ISN on a known tuple is a new connection (port reuse); the same ISN
    // is a retransmission and stays the same attempt.
    const bool reused = core::is_syn_only(pkt) &&
                        (!sent_by_client(f, pkt) || !f.syn_seen || f.client_isn != pkt.seq);
    if (!idle && !reused) {
        return &f;
    }
    handler_.on_flow_end(f, idle ? EndReason::Timeout : EndReason::Replaced, pkt.ts);
    table.erase(key, hash);
    return nullptr;
}

Flow& FlowTable::promote(Flow& flow, const FlowKey& key, std::uint64_t hash) {
    Flow& f = table_.insert(key, hash, evicted());
    f = std::move(flow);
    opening_.erase(key, hash);
    return f;
}

void FlowTable::update_transport(Flow& f, const core::DecodedPacket& pkt, Direction dir) {
    const bool from_client = dir == Direction::ToServer;
    f.last_seen = pkt.ts;
    if (pkt.ip_proto != core::ip_proto::kTcp) {
        return;
    }
    if (core::is_syn_only(pkt) && from_client) {
        f.syn_seen = true;
        f.client_isn = pkt.seq;
    }
    if ((pkt.tcp_flags & (tf::kAck | tf::kRst | tf::kFin)) == 0) {
        return;  // a bare SYN (all of a flood) changes nothing below
    }
    f.syn_ack_seen = f.syn_ack_seen || (is_syn_ack(pkt) && !from_client);
    f.rst_seen = f.rst_seen || (pkt.tcp_flags & tf::kRst) != 0;
    if ((pkt.tcp_flags & tf::kFin) != 0) {
        if (from_client) {
            f.fin_from_client = true;
        } else {
            f.fin_from_server = true;
        }
    }
}

void FlowTable::probe(const core::DecodedPacket& pkt, FlowProbe& out) const noexcept {
    // Written field by field into the caller's probe: a key returned and then copied over
    // was read back in wide loads from narrow stores, a store-forwarding stall per packet.
    FlowKey& k = out.key;
    k.proto = pkt.ip_proto;
    k.vlan = key_vlan(pkt);
    if (std::tie(pkt.src, pkt.sport) <= std::tie(pkt.dst, pkt.dport)) {
        k.lo = pkt.src, k.lo_port = pkt.sport, k.hi = pkt.dst, k.hi_port = pkt.dport;
    } else {
        k.lo = pkt.dst, k.lo_port = pkt.dport, k.hi = pkt.src, k.hi_port = pkt.sport;
    }
    out.hash = table_.hash_of(k);
}

Observation FlowTable::observe(const core::DecodedPacket& pkt, const FlowProbe& probe,
                               bool dst_is_service) {
    now_ = std::max(now_, pkt.ts);
    const FlowKey& key = probe.key;
    const std::uint64_t hash = probe.hash;  // one for the lookup and the insert
    Observation obs;
    const bool syn = core::is_syn_only(pkt);
    obs.flow = live_flow(table_, key, hash, pkt);
    if (obs.flow == nullptr) {
        obs.flow = live_flow(opening_, key, hash, pkt);
        // A half-open flow moves in with the first packet that is not its client's SYN, once
        // its attempt is settled (the tracker holds a pending attempt's flow by address).
        if (obs.flow != nullptr && !(syn && sent_by_client(*obs.flow, pkt)) &&
            obs.flow->attempt != core::AttemptState::Pending) {
            obs.flow = &promote(*obs.flow, key, hash);
        }
    }
    if (obs.flow == nullptr) {
        // Orientation: a SYN's sender, a SYN-ACK's receiver, otherwise the side talking to a
        // service port (mid-stream pickup), otherwise the first sender.
        bool from_client = !is_syn_ack(pkt);
        if (from_client && !syn && !dst_is_service && pkt.ip_proto == core::ip_proto::kTcp) {
            from_client = pkt.dport < pkt.sport;
        }
        obs.flow = &create(syn ? opening_ : table_, key, hash, pkt, from_client);
        obs.created = true;
    }
    obs.dir = sent_by_client(*obs.flow, pkt) ? Direction::ToServer : Direction::ToClient;
    update_transport(*obs.flow, pkt, obs.dir);
    return obs;
}

void FlowTable::prefetch(const FlowProbe& probe) const noexcept {
    table_.prefetch_hash(probe.hash);
    opening_.prefetch_hash(probe.hash);
    opening_.prefetch_evictions();
}

core::Flow* FlowTable::find_quoted(const core::DecodedPacket& pkt) {
    const auto& q = pkt.quoted;
    const FlowKey key = make_key(q.src, q.sport, q.dst, q.dport, q.proto, key_vlan(pkt));
    Flow* f = table_.find(key);
    return f != nullptr ? f : opening_.find(key);
}

void FlowTable::expire(Timestamp now) {
    now_ = std::max(now_, now);
    for (Table* table : {&table_, &opening_}) {
        for (;;) {
            Flow* f = table->oldest();
            if (f == nullptr || now - f->last_seen <= idle_timeout(*f)) {
                break;
            }
            handler_.on_flow_end(*f, EndReason::Timeout, now);
            table->erase_oldest();
        }
    }
    report_active();
}

void FlowTable::report_active() noexcept {
    // By difference: the workers of a live capture each add their own table's changes to
    // the one gauge, which so counts every worker's flows.
    const std::size_t n = table_.size();
    if (n != reported_active_) {
        stats_.add(active_, static_cast<double>(n) - static_cast<double>(reported_active_));
        reported_active_ = n;
    }
}

void FlowTable::end_all(Timestamp now) {
    // Oldest first, so end-of-run output follows flow age, not hash order.
    for (;;) {
        Flow* a = table_.oldest();
        Flow* b = opening_.oldest();
        if (a == nullptr && b == nullptr) {
            break;
        }
        Table& t =
            b == nullptr || (a != nullptr && a->last_seen <= b->last_seen) ? table_ : opening_;
        handler_.on_flow_end(*t.oldest(), EndReason::Shutdown, now);
        t.erase_oldest();
    }
    report_active();
}

}  // namespace printwatch::flow
