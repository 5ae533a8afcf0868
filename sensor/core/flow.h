// SPDX-License-Identifier: Apache-2.0
// Flow: per-connection state, owned by flow::FlowTable. Shared by flow/ (which maintains the
// transport state) and detect/ (which keeps the attempt bookkeeping in it).
#pragma once

#include "dissector.h"
#include "net.h"
#include "service.h"
#include "timestamp.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

namespace printwatch::core {

/// Canonical 5-tuple: the lower (address, port) endpoint first, so both directions of a
/// connection find the same key.
struct FlowKey {
    IpAddr lo;
    IpAddr hi;
    std::uint16_t lo_port = 0;
    std::uint16_t hi_port = 0;
    std::uint8_t proto = 0;
    std::uint16_t vlan = 0;  // innermost VLAN id with flow.vlan_tracking, else 0
    friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

struct FlowKeyHash {
    /// Seeded from the first step (LruTable passes its seed).
    std::size_t operator()(const FlowKey& k, std::uint64_t seed) const noexcept;
};

enum class AttemptState : std::uint8_t { None, Pending, Accepted, Refused, Unanswered };
/// What refused an attempt: a TCP reset, or an ICMP unreachable.
enum class RefusedBy : std::uint8_t { None, Rst, Icmp };

/// One inbound attempt once its outcome is known, for observers that keep their own view of
/// the run (the end-of-run summary and report). `outcome` is Accepted, Refused or Unanswered.
struct SettledAttempt {
    IpAddr client;
    IpAddr printer;
    std::string_view printer_name;  // configured name, or empty
    ServiceId service = ServiceId::None;
    std::string_view service_label;  // the catalog's, static
    AttemptState outcome = AttemptState::None;
    Timestamp start;
};
class AttemptObserver {
  public:
    virtual ~AttemptObserver() = default;
    virtual void on_attempt(const SettledAttempt& attempt) = 0;
};

/// Owning slot for a flow's application-layer state (dissector and stream buffers). A
/// polymorphic base so that core does not need to know flow/'s reassembly types.
class FlowAppSlot {
  public:
    virtual ~FlowAppSlot() = default;
    /// EVE app_proto: a static literal, the confirmed dissector's name or the language it
    /// found spoken. Here rather than in Flow: only flows with app state have one, and a flow
    /// slot is what a flood's memory is made of.
    std::string_view proto;
};

/// Kept small: a flood fills the table with these, so every byte here is 256 KiB of a
/// sensor's memory at the default limits.flows. What only some flows need lives in `app`.
struct Flow {
    // Fields by size, widest first, so that the struct has no padding.
    Timestamp first_seen;  // also an attempt's start: an attempt is a flow's first packet
    Timestamp last_seen;
    // Application layer (flow/), allocated only for flows on printer ports or probed content
    std::unique_ptr<FlowAppSlot> app;
    std::uint32_t client_isn = 0;
    /// FlowTable's count of flows created when it made this one, so that whoever holds a
    /// pointer to the slot can tell that it has since been reused. 32 bits wrap after 4 G flows;
    /// nothing holds a pointer for that long (pending attempts live for seconds).
    std::uint32_t generation = 0;

    IpAddr client;  // the initiator: first SYN, or first datagram
    IpAddr server;
    std::uint16_t client_port = 0;
    std::uint16_t server_port = 0;
    std::uint16_t iface = 0;
    std::array<std::uint16_t, 2> vlan{};
    std::uint16_t key_vlan = 0;  // the VLAN id in its FlowKey (flow.vlan_tracking), else 0
    MacAddr client_mac;
    MacAddr server_mac;
    std::uint8_t proto = 0;
    std::uint8_t vlan_count = 0;

    // Detection bookkeeping (detect/)
    ServiceId service = ServiceId::None;
    AttemptState attempt = AttemptState::None;
    RefusedBy refused_by = RefusedBy::None;

    // Flags, a bit each: as bytes they took the flow past 96 bytes, its table slot from 112 to 120.
    bool has_mac : 1 = false;
    // TCP transport state (flow/)
    bool syn_seen : 1 = false;  // the flow was opened by a SYN we saw
    bool syn_ack_seen : 1 = false;
    bool rst_seen : 1 = false;
    bool fin_from_client : 1 = false;
    bool fin_from_server : 1 = false;
    bool app_rejected : 1 = false;  // its content matched no dissector: never probed again (flow/)

    [[nodiscard]] std::string_view app_proto() const noexcept {
        return app != nullptr ? app->proto : std::string_view{};
    }
};
static_assert(sizeof(Flow) <= 96, "a flow slot is a SYN flood's whole cost: keep it small");

/// A flow id as Suricata means it: unique across runs and sensors, so SIEMs never link two
/// flows, yet the same for the same replay (golden output stays byte-identical). It hashes the
/// flow's tuple, its first packet's time in microseconds and `salt` (0 in replay, the sensor's
/// identity live). Kept to 53 bits, so JavaScript tools (EveBox, Kibana) read it exactly; never
/// 0 ("no flow"). Computed when an event is written, not per flow: a SYN flood's flows are
/// almost never written, and the byte-wise hash was 5 % of its time.
std::uint64_t flow_id(const Flow& flow, std::uint64_t salt) noexcept;

}  // namespace printwatch::core
