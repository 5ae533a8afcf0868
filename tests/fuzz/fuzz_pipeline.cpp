// SPDX-License-Identifier: Apache-2.0
// libFuzzer target over the whole pipeline (decode, flows, reassembly, dissectors, detection,
// EVE serialisation). Input: byte 0 selects the link type; then frames, each a 2-byte
// big-endian length followed by that many bytes. Timestamps advance 1 ms per frame so timers
// fire too.
#include "app/pipeline.h"
#include "dissectors/registry.h"
#include "exporters/eve_writer.h"

#include <cstddef>
#include <cstdint>

namespace {
struct SerializingSink final : printwatch::core::EventSink {
    std::size_t bytes = 0;
    void write(const printwatch::core::EveEvent& e) override {
        bytes += printwatch::exporters::serialize(e).size();
    }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace printwatch;  // NOLINT(google-build-using-namespace)
    if (size < 1) {
        return 0;
    }
    static const core::SensorConfig config = [] {
        core::SensorConfig c;
        c.limits.flows = 64;
        c.limits.half_open = 16;  // small, so that runs evict from it too (and start fast)
        c.limits.clients = 64;
        c.limits.printers = 16;
        c.limits.stream_bytes = 2048;
        c.alerts.max_per_minute = 20;
        return c;
    }();
    core::Stats stats;
    SerializingSink sink;
    app::Pipeline pipeline(config, stats, sink, dissectors::all(), app::PipelineOptions{true});
    const auto iface = pipeline.add_interface("fuzz");
    const core::Bytes input(data, size);
    core::RawFrame frame;
    frame.link = static_cast<core::LinkType>(
        input[0] % static_cast<std::uint8_t>(core::LinkType::Unsupported));
    frame.iface = iface;
    core::ByteReader r(input.subspan(1));
    for (std::int64_t t = 1'700'000'000'000'000; r.remaining() > 0; t += 1000) {
        auto len = r.u16be();
        if (!len) {
            break;
        }
        auto body = r.take(std::min<std::size_t>(*len, r.remaining()));
        frame.ts = core::Timestamp{t};
        frame.data = *body;
        frame.wire_len = static_cast<std::uint32_t>(body->size());
        pipeline.on_frame(frame);
    }
    pipeline.finish();
    return 0;
}
