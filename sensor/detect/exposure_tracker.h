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
    /// Sets the last-inbound-attempt gauge that note_attempt() left pending. Needs no lock:
    /// the series exists, and the store is atomic.
    void publish();

  private:
    core::Stats& stats_;
    Inventory& inventory_;
    PrinterLearner& printers_;
    AlertWriter& alerts_;
    core::FamilyId exposed_family_;
    core::FamilyId last_attempt_family_;
    /// The last-attempt gauge note_attempt() last changed, and its value: set when another
    /// printer's attempt comes, or at publish(). Under a flood each settled attempt stored it
    /// (a double conversion and an atomic store per packet); now the batch does, once.
    /// With --workers, each worker's value arrives at its own next publish (milliseconds).
    core::SeriesId pending_series_;
    core::Timestamp pending_value_;
};

}  // namespace printwatch::detect
