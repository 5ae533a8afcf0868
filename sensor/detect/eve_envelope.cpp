// SPDX-License-Identifier: Apache-2.0
#include "eve_envelope.h"

namespace printwatch::detect {

core::EveEvent EveEnvelope::of(const core::Flow& flow, core::Timestamp ts,
                               std::string_view event_type) const {
    core::EveEvent e;
    e.ts = ts;
    e.flow_id = core::flow_id(flow, flow_id_salt_);
    if (flow.iface < inputs_.size()) {
        const auto& in = inputs_[flow.iface];
        (in.pcap_filename.empty() ? e.in_iface : e.pcap_filename) =
            in.pcap_filename.empty() ? in.name : in.pcap_filename;
    }
    e.event_type = event_type;
    e.vlan_count = flow.vlan_count;
    e.vlan = flow.vlan;
    e.tuple =
        core::EventTuple{flow.client, flow.server, flow.client_port, flow.server_port, flow.proto};
    if (const auto proto = flow.app_proto(); !proto.empty()) {
        e.app_proto = proto;
    } else if (const auto* s = services_.find(flow.service); s != nullptr) {
        e.app_proto = s->group->app_proto;
    }
    return e;
}

}  // namespace printwatch::detect
