// SPDX-License-Identifier: Apache-2.0
// The EVE envelope of a flow's events (flow_id, input, tuple, VLANs, app_proto): the same for
// a protocol record and for an alert, so it is built in one place.
#pragma once

#include "core/event.h"
#include "core/flow.h"
#include "core/service.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace printwatch::detect {

class EveEnvelope {
  public:
    /// Both outlive the envelope; flows carry an index into `inputs`. `flow_id_salt` is mixed
    /// into every flow id: 0 in replay (ids then depend on the capture alone), the sensor's
    /// identity live (two sensors that see one flow give it two ids).
    EveEnvelope(const std::vector<core::InputName>& inputs, const core::ServiceCatalog& services,
                std::uint64_t flow_id_salt)
        : inputs_(inputs), services_(services), flow_id_salt_(flow_id_salt) {}
    [[nodiscard]] core::EveEvent of(const core::Flow& flow, core::Timestamp ts,
                                    std::string_view event_type) const;

  private:
    const std::vector<core::InputName>& inputs_;
    const core::ServiceCatalog& services_;
    std::uint64_t flow_id_salt_;
};

}  // namespace printwatch::detect
