// SPDX-License-Identifier: Apache-2.0
// EveEvent: one output record (alert, printer, bjnp, pjl, postscript, stats). Detection builds
// them; exporters serialize them (EVE JSON, syslog). Everything is owned and already capped.
#pragma once

#include "net.h"
#include "timestamp.h"
#include "value.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printwatch::core {

struct Signature {
    std::uint32_t sid = 0;
    std::uint32_t rev = 1;
    std::string_view kind;       // printer.inbound_attempt ...
    std::string_view signature;  // human-readable message
    std::string_view category;
    std::uint8_t severity = 3;  // 1 high, 2 medium, 3 low
    /// EVE app_proto of its alerts; empty: the flow's.
    std::string_view app_proto;
    /// The sid raised instead when the client is outside or untrusted (a stricter severity
    /// is a sid of its own); 0 when there is none.
    std::uint32_t untrusted_sid = 0;
};

struct EventTuple {
    IpAddr src;
    IpAddr dst;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
    std::uint8_t proto = 0;  // 6 or 17
};

/// An input as events and metrics name it: `name` labels metrics (interface, or file base
/// name); `pcap_filename` is set for a replayed file, as given to -r.
struct InputName {
    std::string name;
    std::string pcap_filename;
};

struct EveEvent {
    Timestamp ts;
    std::uint64_t flow_id = 0;  // 0: no flow
    // Views of the pipeline's input names, which are registered at start and outlive every
    // event (a sink serializes an event before write() returns).
    std::string_view in_iface;       // live capture: the interface
    std::string_view pcap_filename;  // replay: the file, as given to -r (Suricata puts it here)
    std::string_view event_type;     // alert, printer, bjnp, pjl, postscript, stats
    std::uint8_t vlan_count = 0;
    std::array<std::uint16_t, 2> vlan{};
    std::optional<EventTuple> tuple;
    std::string_view app_proto;
    const Signature* alert = nullptr;  // set for event_type "alert"
    std::uint8_t severity = 0;         // effective severity of an alert (may be raised)
    /// The event-type object: "printwatch" for alerts, "printer", "bjnp", "pjl", "stats"...
    std::string_view body_key;
    Object body;
};

class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void write(const EveEvent& event) = 0;
    virtual void flush() {}
};

}  // namespace printwatch::core
