// SPDX-License-Identifier: Apache-2.0
// libFuzzer target over every registered dissector: no per-protocol code. Input layout:
//   byte 0: dissector index (mod registry size); byte 1: bit 0 transport (UDP/TCP),
//   bits 1-7 segment size seed; byte 2: gap position seed; rest: payload, fed as datagrams
//   or stream chunks in alternating directions, with one gap announced.
#include "core/dissector.h"
#include "dissectors/registry.h"

#include <cstddef>
#include <cstdint>

namespace {
struct NullSink final : printwatch::core::AppEventSink {
    std::size_t events = 0;
    void on_app_event(printwatch::core::AppEvent&& e) override {
        events += e.fields.size();  // touch the event so nothing is optimised away
    }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace printwatch;  // NOLINT(google-build-using-namespace)
    if (size < 3) {
        return 0;
    }
    const auto registry = dissectors::all();
    const core::Bytes input(data, size);
    const auto* info = registry[input[0] % registry.size()];
    const bool udp = (input[1] & 1U) != 0 && info->udp;
    const std::size_t chunk = 1 + (input[1] >> 1U) * 3U;
    const std::size_t gap_at = input[2];
    core::LimitsConfig limits;
    limits.stream_bytes = 4096;
    auto d = info->make(
        core::DissectorContext{limits, udp ? core::Transport::Udp : core::Transport::Tcp});
    NullSink sink;
    const auto payload = input.subspan(3);
    std::size_t n = 0;
    for (std::size_t off = 0; off < payload.size(); off += chunk, ++n) {
        const auto part = payload.subspan(off, std::min(chunk, payload.size() - off));
        const auto dir = (n % 3 == 2) ? core::Direction::ToClient : core::Direction::ToServer;
        if (!udp && n == gap_at) {
            d->on_gap(dir, part.size());
            continue;
        }
        d->on_data(dir, part, core::Timestamp{static_cast<std::int64_t>(n)}, sink);
    }
    d->on_end(core::Timestamp{0}, sink);
    return 0;
}
