// SPDX-License-Identifier: Apache-2.0
#include "flow/flow_table.h"
#include "flow/stream.h"

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

using namespace printwatch;  // NOLINT(google-build-using-namespace)

namespace {
struct Recorder final : flow::FlowEndHandler {
    std::vector<std::pair<std::uint64_t, flow::EndReason>> ended;
    void on_flow_end(core::Flow& f, flow::EndReason r, core::Timestamp /*now*/) override {
        ended.emplace_back(core::flow_id(f, 0), r);
    }
};
core::DecodedPacket packet(const char* src, std::uint16_t sport, const char* dst,
                           std::uint16_t dport, std::uint8_t proto, std::uint8_t flags,
                           std::int64_t usec, std::uint32_t seq = 1) {
    core::DecodedPacket p;
    p.src = *core::IpAddr::parse(src);
    p.dst = *core::IpAddr::parse(dst);
    p.sport = sport;
    p.dport = dport;
    p.ip_proto = proto;
    p.kind = proto == 6 ? core::PacketKind::Tcp : core::PacketKind::Udp;
    p.tcp_flags = flags;
    p.seq = seq;
    p.ts = core::Timestamp{usec};
    return p;
}
constexpr std::int64_t kSec = 1'000'000;
}  // namespace

TEST_CASE("FlowTable orients flows by SYN and finds both directions", "[flow]") {
    core::Stats stats;
    Recorder rec;
    core::LimitsConfig limits;
    flow::FlowTable t(limits, false, stats, rec, 1);
    auto a = t.observe(packet("203.0.113.7", 40000, "10.1.0.50", 9100, 6, 0x02, 0), true);
    CHECK(a.created);
    CHECK(a.dir == core::Direction::ToServer);
    CHECK(a.flow->client.to_string() == "203.0.113.7");
    const auto a_id = core::flow_id(*a.flow, 0);
    auto b = t.observe(packet("10.1.0.50", 9100, "203.0.113.7", 40000, 6, 0x12, 10), false);
    CHECK_FALSE(b.created);
    CHECK(b.dir == core::Direction::ToClient);
    // The same flow, moved out of the half-open table by its answer (no attempt pending here).
    CHECK(core::flow_id(*b.flow, 0) == a_id);
    CHECK(b.flow->syn_ack_seen);
    CHECK(t.size() == 1);
}

TEST_CASE("Trunk SPAN: a tagged request and an untagged reply are one flow by default", "[flow]") {
    for (const bool tracking : {false, true}) {
        core::Stats stats;
        Recorder rec;
        flow::FlowTable t(core::LimitsConfig{}, tracking, stats, rec, 1);
        auto syn = packet("203.0.113.7", 40000, "10.1.0.50", 9100, 6, 0x02, 0);
        syn.vlan_count = 1;
        syn.vlan = {100, 0};
        auto a = t.observe(syn, true);
        const auto a_id = core::flow_id(*a.flow, 0);
        auto b = t.observe(packet("10.1.0.50", 9100, "203.0.113.7", 40000, 6, 0x12, 10), false);
        CHECK(a.created);
        if (tracking) {  // flow.vlan_tracking: true keeps VLANs apart (sites that reuse addresses)
            CHECK(b.created);
            CHECK(t.size() == 2);
        } else {
            CHECK_FALSE(b.created);
            CHECK(core::flow_id(*b.flow, 0) == a_id);
            CHECK(b.flow->syn_ack_seen);
            CHECK(t.size() == 1);
        }
    }
}

TEST_CASE("A retransmitted SYN is the same flow; a new ISN is a new one", "[flow]") {
    core::Stats stats;
    Recorder rec;
    flow::FlowTable t(core::LimitsConfig{}, false, stats, rec, 1);
    auto a = t.observe(packet("203.0.113.7", 40000, "10.1.0.54", 9100, 6, 0x02, 0, 99), true);
    const auto id = core::flow_id(*a.flow, 0);
    auto b = t.observe(packet("203.0.113.7", 40000, "10.1.0.54", 9100, 6, 0x02, kSec, 99), true);
    CHECK_FALSE(b.created);
    CHECK(core::flow_id(*b.flow, 0) == id);
    auto c =
        t.observe(packet("203.0.113.7", 40000, "10.1.0.54", 9100, 6, 0x02, 2 * kSec, 5000), true);
    CHECK(c.created);
    CHECK(core::flow_id(*c.flow, 0) != id);
    REQUIRE(rec.ended.size() == 1);
    CHECK(rec.ended[0].second == flow::EndReason::Replaced);
}

TEST_CASE("UDP flows end after 60 s idle: the next datagram opens a new flow", "[flow]") {
    core::Stats stats;
    Recorder rec;
    flow::FlowTable t(core::LimitsConfig{}, false, stats, rec, 1);
    auto a = t.observe(packet("198.51.100.9", 5000, "10.1.0.51", 8611, 17, 0, 0), true);
    CHECK(a.created);
    auto b = t.observe(packet("198.51.100.9", 5000, "10.1.0.51", 8611, 17, 0, 59 * kSec), true);
    CHECK_FALSE(b.created);
    auto c = t.observe(packet("198.51.100.9", 5000, "10.1.0.51", 8611, 17, 0, 120 * kSec), true);
    CHECK(c.created);
    CHECK(rec.ended.size() == 1);
    t.expire(core::Timestamp{500 * kSec});
    CHECK(t.size() == 0);
    CHECK(rec.ended.size() == 2);
}

TEST_CASE("A full table evicts the least recently used flow and counts it", "[flow]") {
    // Half-open connections (SYNs) fill limits.half_open; UDP flows fill limits.flows.
    for (const bool syn : {true, false}) {
        core::Stats stats;
        Recorder rec;
        core::LimitsConfig limits;
        (syn ? limits.half_open : limits.flows) = 16;
        flow::FlowTable t(limits, false, stats, rec, 1);
        std::uint64_t oldest = 0;
        for (int i = 0; i < 20; ++i) {
            const std::string src = "203.0.113." + std::to_string(i + 1);
            const auto pkt = syn ? packet(src.c_str(), 1000, "10.1.0.50", 9100, 6, 0x02, i)
                                 : packet(src.c_str(), 1000, "10.1.0.51", 8611, 17, 0, i);
            const auto obs = t.observe(pkt, true);
            oldest = i == 0 ? core::flow_id(*obs.flow, 0) : oldest;
        }
        CHECK(t.size() == 16);
        REQUIRE(rec.ended.size() == 4);
        CHECK(rec.ended[0].first == oldest);  // the oldest went first
        CHECK(rec.ended[0].second == flow::EndReason::Evicted);
        CHECK(stats.value("printwatch_flow_evictions_total") == 4);
    }
}

namespace {
/// A three-way handshake from `client`:`port` to 10.1.0.50:9100 at `usec`; the flow's id.
std::uint64_t handshake(flow::FlowTable& t, const char* client, std::uint16_t port,
                        std::int64_t usec) {
    const auto syn = t.observe(packet(client, port, "10.1.0.50", 9100, 6, 0x02, usec), true);
    const auto id = core::flow_id(*syn.flow, 0);
    t.observe(packet("10.1.0.50", 9100, client, port, 6, 0x12, usec + 1), false);
    t.observe(packet(client, port, "10.1.0.50", 9100, 6, 0x10, usec + 2), true);
    return id;
}
}  // namespace

TEST_CASE("A SYN flood evicts half-open connections only: an established one keeps its state",
          "[flow]") {
    core::Stats stats;
    Recorder rec;
    core::LimitsConfig limits;
    limits.flows = 16;
    limits.half_open = 16;
    flow::FlowTable t(limits, false, stats, rec, 1);
    const auto job = handshake(t, "198.51.100.9", 50000, 0);
    for (int i = 0; i < 1000; ++i) {  // 1000 spoofed SYNs, each from a new source
        const std::string src =
            "203.0." + std::to_string(113 + i / 250) + "." + std::to_string(i % 250 + 1);
        t.observe(packet(src.c_str(), 1000, "10.1.0.50", 9100, 6, 0x02, 10 + i), true);
    }
    CHECK(rec.ended.size() == 1000 - 16);
    for (const auto& [id, reason] : rec.ended) {
        CHECK(id != job);
    }
    // The print job's next segment finds its flow, handshake and all.
    const auto data =
        t.observe(packet("198.51.100.9", 50000, "10.1.0.50", 9100, 6, 0x18, 2000), true);
    CHECK_FALSE(data.created);
    CHECK(core::flow_id(*data.flow, 0) == job);
    CHECK(data.flow->syn_ack_seen);
    CHECK(t.size() == 17);
}

TEST_CASE("A half-open flow with a pending attempt moves only once the attempt is settled",
          "[flow]") {
    core::Stats stats;
    Recorder rec;
    flow::FlowTable t(core::LimitsConfig{}, false, stats, rec, 1);
    auto syn = t.observe(packet("203.0.113.7", 40000, "10.1.0.50", 9100, 6, 0x02, 0), true);
    syn.flow->attempt = core::AttemptState::Pending;  // as detect/ marks an inbound attempt
    // The answer sees the flow where the attempt tracker holds it, by address.
    const auto answer =
        t.observe(packet("10.1.0.50", 9100, "203.0.113.7", 40000, 6, 0x12, 10), false);
    CHECK(answer.flow == syn.flow);
    answer.flow->attempt = core::AttemptState::Accepted;
    const auto id = core::flow_id(*answer.flow, 0);
    const auto ack = t.observe(packet("203.0.113.7", 40000, "10.1.0.50", 9100, 6, 0x10, 20), true);
    CHECK_FALSE(ack.created);
    CHECK(ack.flow != syn.flow);  // moved to the established flows, with all its state
    CHECK(core::flow_id(*ack.flow, 0) == id);
    CHECK(ack.flow->attempt == core::AttemptState::Accepted);
    CHECK(ack.flow->syn_ack_seen);
    CHECK(t.size() == 1);
    CHECK(rec.ended.empty());  // moving is not ending
}

TEST_CASE("Half-open flows time out on their own, not behind long-lived established ones",
          "[flow]") {
    core::Stats stats;
    Recorder rec;
    flow::FlowTable t(core::LimitsConfig{}, false, stats, rec, 1);
    const auto job = handshake(t, "198.51.100.9", 50000, 0);  // 3600 s idle timeout
    const auto probe = core::flow_id(
        *t.observe(packet("203.0.113.7", 40000, "10.1.0.50", 9100, 6, 0x02, kSec), true).flow, 0);
    t.expire(core::Timestamp{62 * kSec});  // past the half-open flow's 60 s
    REQUIRE(rec.ended.size() == 1);
    CHECK(rec.ended[0].first == probe);
    CHECK(rec.ended[0].second == flow::EndReason::Timeout);
    CHECK(t.size() == 1);
    // At the end of a run, flows end oldest first across both tables.
    t.observe(packet("203.0.113.8", 40000, "10.1.0.50", 9100, 6, 0x02, 63 * kSec), true);
    t.observe(packet("198.51.100.9", 50000, "10.1.0.50", 9100, 6, 0x18, 64 * kSec), true);
    rec.ended.clear();
    t.end_all(core::Timestamp{65 * kSec});
    REQUIRE(rec.ended.size() == 2);
    CHECK(rec.ended[1].first == job);
    CHECK(rec.ended[1].second == flow::EndReason::Shutdown);
    CHECK(t.size() == 0);
}

TEST_CASE("next_victim is the flow a new flow evicts, and only in a full table", "[flow]") {
    core::Stats stats;
    Recorder rec;
    core::LimitsConfig limits;
    limits.half_open = 4;
    flow::FlowTable t(limits, false, stats, rec, 1);
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < 4; ++i) {
        CHECK(t.next_victim() == nullptr);
        const std::string src = "203.0.113." + std::to_string(i + 1);
        const auto pkt = packet(src.c_str(), 1000, "10.1.0.50", 9100, 6, 0x02, i);
        t.prefetch(pkt);  // has no effect but on the caches
        ids.push_back(core::flow_id(*t.observe(pkt, true).flow, 0));
    }
    for (int i = 4; i < 12; ++i) {
        const auto* victim = t.next_victim();
        REQUIRE(victim != nullptr);
        const auto expected = core::flow_id(*victim, 0);
        CHECK(expected == ids.at(static_cast<std::size_t>(i - 4)));
        const std::string src = "198.51.100." + std::to_string(i + 1);
        const auto pkt = packet(src.c_str(), 1000, "10.1.0.50", 9100, 6, 0x02, i);
        t.prefetch(pkt);
        ids.push_back(core::flow_id(*t.observe(pkt, true).flow, 0));
        REQUIRE(!rec.ended.empty());
        CHECK(rec.ended.back().first == expected);
    }
}

TEST_CASE("Flow ids: the same for the same replay, different across sensors and flows", "[flow]") {
    const auto id_of = [](std::uint64_t salt, const char* src, int ts) {
        core::Stats stats;
        Recorder rec;
        flow::FlowTable t(core::LimitsConfig{}, false, stats, rec, 1);
        return core::flow_id(
            *t.observe(packet(src, 1000, "10.1.0.50", 9100, 6, 0x02, ts), true).flow, salt);
    };
    const auto a = id_of(0, "203.0.113.1", 5);
    CHECK(a == id_of(0, "203.0.113.1", 5));   // a replay gives the same id
    CHECK(a != id_of(0, "203.0.113.2", 5));   // another flow
    CHECK(a != id_of(0, "203.0.113.1", 6));   // the same tuple later: another flow
    CHECK(a != id_of(77, "203.0.113.1", 5));  // another sensor
    CHECK(a != 0);
    CHECK(a < (std::uint64_t{1} << 53));  // exact in JavaScript (EveBox, Kibana)
    CHECK(a > (std::uint64_t{1} << 32));  // not a small counter
}

namespace {
struct Collected {
    std::string data;
    std::vector<std::size_t> gaps;
    std::function<void(core::Bytes)> on_data() {  // owning: the reassembler only borrows
        return [this](core::Bytes b) { data.append(core::as_text(b)); };
    }
    std::function<void(std::size_t)> on_gap() {
        return [this](std::size_t n) { gaps.push_back(n); };
    }
};
core::Bytes bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT: test data
}
}  // namespace

TEST_CASE("Stream reassembly: in order, out of order, overlap, retransmission", "[flow][stream]") {
    flow::StreamReassembler s;
    Collected c;
    s.set_isn(99);  // data starts at 100
    const std::string line1 = "@PJL FSUP";
    const std::string line2 = "LOAD NAME=\"../../etc/passwd\"\n";
    s.on_segment(100 + static_cast<std::uint32_t>(line1.size()), bytes(line2), c.on_data(),
                 c.on_gap());
    CHECK(c.data.empty());  // held until the hole is filled
    CHECK(s.buffered() == line2.size());
    s.on_segment(100, bytes(line1), c.on_data(), c.on_gap());
    CHECK(c.data == line1 + line2);
    CHECK(s.buffered() == 0);
    s.on_segment(100, bytes(line1), c.on_data(), c.on_gap());  // full retransmission
    CHECK(c.data == line1 + line2);
    const auto next = 100 + static_cast<std::uint32_t>(line1.size() + line2.size());
    s.on_segment(next - 3, bytes("wd\nXY"), c.on_data(), c.on_gap());  // overlaps 3 bytes
    CHECK(c.data == line1 + line2 + "XY");
    CHECK(c.gaps.empty());
}

TEST_CASE("Stream reassembly declares a gap when the buffer would overflow", "[flow][stream]") {
    flow::StreamReassembler s(16, 4);
    Collected c;
    s.set_isn(0);
    s.on_segment(11, bytes("0123456789"), c.on_data(), c.on_gap());  // hole of 10 bytes
    s.on_segment(31, bytes("abcdefghij"), c.on_data(), c.on_gap());  // would exceed 16 bytes
    REQUIRE(c.gaps.size() == 1);  // the first hole was given up to make room
    CHECK(c.gaps[0] == 10);
    CHECK(c.data == "0123456789");
    CHECK(s.buffered() == 10);
    s.flush(c.on_data(), c.on_gap());  // flow end: the second hole is a gap too
    REQUIRE(c.gaps.size() == 2);
    CHECK(c.data == "0123456789abcdefghij");
    CHECK(s.buffered() == 0);
}

TEST_CASE("Stream reassembly handles sequence wrap-around", "[flow][stream]") {
    flow::StreamReassembler s;
    Collected c;
    s.set_isn(0xfffffffdU);  // data at 0xfffffffe
    s.on_segment(0x00000001U, bytes("CD"), c.on_data(), c.on_gap());
    s.on_segment(0xfffffffeU, bytes("AB@"), c.on_data(), c.on_gap());
    CHECK(c.data == "AB@CD");
}

TEST_CASE("Reassemblers share one budget; a spent budget turns holes into gaps", "[flow][stream]") {
    flow::ReassemblyBudget budget;
    budget.limit = 16;
    Collected c1;
    Collected c2;
    {
        flow::StreamReassembler a(1024, 64, &budget);
        flow::StreamReassembler b(1024, 64, &budget);
        a.set_isn(0);
        b.set_isn(0);
        a.on_segment(11, bytes("0123456789"), c1.on_data(), c1.on_gap());  // held: 10 of 16
        CHECK(budget.used == 10);
        b.on_segment(11, bytes("abcdefghij"), c2.on_data(), c2.on_gap());  // would be 20: refused
        CHECK(budget.refused == 1);
        REQUIRE(c2.gaps.size() == 1);
        CHECK(c2.gaps[0] == 10);
        CHECK(c2.data == "abcdefghij");  // delivered after the gap instead of held
        CHECK(budget.used == 10);
    }
    CHECK(budget.used == 0);  // a flow that ends returns what it held
}
