// SPDX-License-Identifier: Apache-2.0
// ExposureTracker: which printer services are reachable from outside. An accepted inbound
// attempt marks the printer's service exposed (printwatch_printer_exposed 1, and the
// printer-exposed alert); 24 h of packet time without another clears the gauge, which is how a
// dashboard shows a firewall fix holding. It also keeps the last-inbound-attempt gauge.
#pragma once

#include "alert_writer.h"
#include "core/flow.h"
#include "core/stats.h"
#include "inventory.h"
#include "printer_learner.h"

namespace printwatch::detect {

class ExposureTracker {
  public:
    ExposureTracker(core::Stats& stats, Inventory& inventory, PrinterLearner& printers,
                    AlertWriter& alerts);

    /// An inbound attempt of `flow` was accepted at `ts`.
    void mark_exposed(core::Flow& flow, core::Timestamp ts);
    /// An inbound attempt of `flow` was settled, whatever its outcome.
    void note_attempt(const core::Flow& flow);
    /// Clears the exposed gauge of every service with no accepted attempt in the last 24 h.
    void expire(core::Timestamp now);

  private:
    core::Stats& stats_;
    Inventory& inventory_;
    PrinterLearner& printers_;
    AlertWriter& alerts_;
    core::FamilyId exposed_family_;
    core::FamilyId last_attempt_family_;
};

}  // namespace printwatch::detect
