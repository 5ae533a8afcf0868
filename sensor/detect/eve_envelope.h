// SPDX-License-Identifier: Apache-2.0
// The EVE envelope of a flow's events (flow_id, input, tuple, VLANs, app_proto): the same for
// a protocol record and for an alert, so it is built in one place.
#pragma once

#include "core/event.h"
#include "core/flow.h"
#include "core/service.h"

#include <string_view>
#include <vector>

namespace printwatch::detect {

class EveEnvelope {
  public:
    /// Both outlive the envelope; flows carry an index into `inputs`.
    EveEnvelope(const std::vector<core::InputName>& inputs, const core::ServiceCatalog& services)
        : inputs_(inputs), services_(services) {}
    [[nodiscard]] core::EveEvent of(const core::Flow& flow, core::Timestamp ts,
                                    std::string_view event_type) const;

  private:
    const std::vector<core::InputName>& inputs_;
    const core::ServiceCatalog& services_;
};

}  // namespace printwatch::detect
