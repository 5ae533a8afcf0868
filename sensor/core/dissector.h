// SPDX-License-Identifier: Apache-2.0
// The dissector contract. A dissector turns one flow's payload bytes into AppEvents (facts);
// it never decides what is an alert (that is detect/). One instance per flow, bounded state.
#pragma once

#include "bytes.h"
#include "config.h"
#include "event.h"
#include "function_ref.h"
#include "result.h"
#include "timestamp.h"
#include "value.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace printwatch::core {

/// Direction of a payload relative to the flow's initiator.
enum class Direction : std::uint8_t { ToServer = 0, ToClient = 1 };
enum class Transport : std::uint8_t { Tcp, Udp };

/// A fact a dissector observed. `proto` names the record type in EVE (bjnp, pjl, postscript,
/// pcl); `name` is a stable identifier of what was seen (the command). `fields` are copied,
/// length-capped values; nothing in an AppEvent points into capture buffers.
struct AppEvent {
    Timestamp ts;
    Direction dir = Direction::ToServer;
    std::string_view proto;      // static literal
    std::string_view dissector;  // the registered dissector that emitted it (DissectorInfo::name)
    std::string name;            // e.g. "discover", "INFO ID", "exitserver"
    Object fields;
    /// What the record is in its protocol's own typed terms (an enumerator of the protocol's
    /// header: raw9100::Category of a PJL command, ipp::OperationClass of a request), for its
    /// rules to switch on instead of reading a field by name; 0 means none.
    std::uint8_t kind = 0;
    /// The sender is the printer (a BJNP response, a PJL reply): detection learns it as one,
    /// with the `model` and `uuid` fields, when the record has them.
    /// Not the same as dir == ToClient: a reply to a broadcast discover opens its own flow.
    bool from_printer = false;
    /// Set for protocol violations: detection counts them by reason (printwatch_dissector_errors_
    /// total) and the protocol's rules decide what they mean.
    Violation violation;
};

class AppEventSink {
  public:
    virtual ~AppEventSink() = default;
    virtual void on_app_event(AppEvent&& event) = 0;
};

/// Per-flow dissector state. Callbacks receive in-order bytes; gaps are announced.
class Dissector {
  public:
    virtual ~Dissector() = default;
    /// One UDP datagram or one in-order run of TCP stream bytes.
    virtual void on_data(Direction dir, Bytes data, Timestamp ts, AppEventSink& sink) noexcept = 0;
    /// `length` bytes of the stream in `dir` were lost (capture loss or an unfilled hole).
    virtual void on_gap(Direction dir, std::size_t length) noexcept = 0;
    /// The flow ends: report anything still pending (requests never answered).
    virtual void on_end(Timestamp /*ts*/, AppEventSink& /*sink*/) noexcept {}
    /// The dissector gave up on this flow (probe failed, too many violations).
    [[nodiscard]] virtual bool detached() const noexcept = 0;
};

/// What a protocol's rules see of one record's flow, and how they raise alerts. Detection
/// implements it; the rules decide what a record means (policy), the dissector only what it is.
class RuleContext {
  public:
    virtual ~RuleContext() = default;
    /// The client is inside home_net and trusted (configured, or learned).
    [[nodiscard]] virtual bool trusted() const noexcept = 0;
    /// Raises `sid`, or its untrusted_sid for a client that is not trusted, once per `detail`
    /// per suppression window. `details` builds the alert's fields, only if it is written.
    virtual void raise(std::uint32_t sid, std::string_view detail,
                       FunctionRef<Object()> details) = 0;
};

/// A protocol's detection rules: its signatures (sids 1,001,100 and up, docs/spec.md §4) and
/// the function that applies them to each record its dissector emits.
struct RuleSet {
    std::span<const Signature> signatures;
    void (*apply)(const AppEvent& event, RuleContext& rules) = nullptr;
};

enum class Confidence : std::uint8_t { No, Maybe, Yes };

struct DissectorContext {
    const LimitsConfig& limits;
    Transport transport = Transport::Tcp;
};

/// One printer service: its name in metrics, EVE and the state file ("bjnp-printer"), and
/// the port that names it. Port 0 names every other port of its group.
struct ServiceSpec {
    std::string_view label;
    std::uint16_t port = 0;
};

/// Ports configured together as `ports.<key>` and served by one dissector.
struct PortGroup {
    std::string_view key;
    std::span<const std::uint16_t> defaults;
    bool tcp = false;
    bool udp = false;
    /// Matched by port, first match wins; the port-0 entry (if any) takes the rest.
    std::span<const ServiceSpec> services;
    /// EVE app_proto of the group's flows until their content names a language.
    std::string_view app_proto;
};

/// The registration record of one protocol: everything the engine knows about it.
struct DissectorInfo {
    std::string_view name;
    /// Transports whose payloads the probe may recognize under --all-traffic.
    bool tcp = false;
    bool udp = false;
    /// Content check on the first payload of a flow, used on printer ports to confirm and under
    /// --all-traffic to recognize the protocol on any port.
    Confidence (*probe)(Bytes first_payload, Direction dir) noexcept = nullptr;
    std::unique_ptr<Dissector> (*make)(const DissectorContext& ctx) = nullptr;
    /// The printer ports it serves, each group with its config key, defaults and services.
    std::span<const PortGroup> port_groups;
    RuleSet rules;
    /// The EVE event_type of each record kind it emits (AppEvent::proto), for --eve-types.
    std::span<const std::string_view> record_types;
};

}  // namespace printwatch::core
