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
    std::size_t operator()(const FlowKey& k) const noexcept;
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
};

struct Flow {
    /// Mixed into flow_id(): 0 in replay, the sensor's identity live.
    std::uint64_t id_salt = 0;
    IpAddr client;  // the initiator: first SYN, or first datagram
    IpAddr server;
    std::uint16_t client_port = 0;
    std::uint16_t server_port = 0;
    std::uint8_t proto = 0;
    std::uint16_t iface = 0;
    std::uint8_t vlan_count = 0;
    std::array<std::uint16_t, 2> vlan{};
    std::uint16_t key_vlan = 0;  // the VLAN id in its FlowKey (flow.vlan_tracking), else 0
    bool has_mac = false;
    MacAddr client_mac;
    MacAddr server_mac;
    Timestamp first_seen;
    Timestamp last_seen;
    std::array<std::uint64_t, 2> packets{};
    std::array<std::uint64_t, 2> bytes{};

    // TCP transport state
    bool syn_seen = false;  // the flow was opened by a SYN we saw
    bool syn_ack_seen = false;
    bool rst_seen = false;
    std::array<bool, 2> fin_seen{};
    std::uint32_t client_isn = 0;
    /// FlowTable's count of flows created when it made this one, so that whoever holds a
    /// pointer to the slot can tell that it has since been reused. 32 bits wrap after 4 G flows;
    /// nothing holds a pointer for that long (pending attempts live for seconds).
    std::uint32_t generation = 0;

    // Detection bookkeeping (detect/)
    ServiceId service = ServiceId::None;
    AttemptState attempt = AttemptState::None;
    RefusedBy refused_by = RefusedBy::None;  // a byte, not a name: a flow slot is a flood's cost
    bool app_rejected = false;  // its content matched no dissector: never probed again (flow/)
    Timestamp attempt_ts;

    // Application layer (flow/), allocated only for flows on printer ports or probed content
    std::unique_ptr<FlowAppSlot> app;
    std::string_view app_proto;  // static literal once a dissector is confirmed
};

/// A flow id as Suricata means it: unique across runs and sensors, so SIEMs never link two
/// flows, yet the same for the same replay (golden output stays byte-identical). It hashes the
/// flow's tuple, its first packet's time in microseconds and `id_salt`. Kept to 53 bits, so
/// JavaScript tools (EveBox, Kibana) read it exactly; never 0 ("no flow"). Computed when an
/// event is written, not per flow: a SYN flood's flows are almost never written, and the
/// byte-wise hash was 5 % of its time.
std::uint64_t flow_id(const Flow& flow) noexcept;

}  // namespace printwatch::core
