// SPDX-License-Identifier: Apache-2.0
// Protocol-record logging, a stage of its own ahead of detection (as Suricata separates its
// app-layer loggers from detection): every dissector fact becomes one EVE record of its
// protocol's type, whatever detection makes of it.
#pragma once

#include "core/dissector.h"
#include "core/event.h"
#include "core/flow.h"
#include "eve_envelope.h"

namespace printwatch::detect {

class RecordLogger {
  public:
    RecordLogger(core::EventSink& sink, const EveEnvelope& envelope)
        : sink_(sink), envelope_(envelope) {}
    /// Writes `event` as its protocol record. Its fields are lent to the record and handed
    /// back, for detection to read.
    void on_app_event(const core::Flow& flow, core::AppEvent& event);

  private:
    core::EventSink& sink_;
    const EveEnvelope& envelope_;
};

}  // namespace printwatch::detect
