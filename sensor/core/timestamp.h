// SPDX-License-Identifier: Apache-2.0
// Packet time. The pipeline never reads the wall clock: every timer runs on packet timestamps.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace printwatch::core {

/// Microseconds since the Unix epoch, from the capture header.
struct Timestamp {
    std::int64_t usec = 0;
    friend constexpr auto operator<=>(Timestamp, Timestamp) = default;
};

/// A length of packet time, in microseconds.
struct Duration {
    std::int64_t usec = 0;
    friend constexpr auto operator<=>(Duration, Duration) = default;
    static constexpr Duration seconds(std::int64_t s) { return {s * 1'000'000}; }
};

constexpr Timestamp operator+(Timestamp t, Duration d) {
    return {t.usec + d.usec};
}
constexpr Duration operator-(Timestamp a, Timestamp b) {
    return {a.usec - b.usec};
}

/// ISO 8601 with microseconds and a numeric zone, as Suricata writes it:
/// 2010-07-04T20:24:16.123456+0000
std::string format_iso8601(Timestamp t);
/// The same text in place ("2023-11-14T22:13:20.500000+0000", 31 characters for years 0-9999),
/// for the EVE writer: no allocation and no snprintf per record.
struct Iso8601 {
    std::array<char, 40> text{};
    std::size_t size = 0;
    [[nodiscard]] std::string_view view() const noexcept { return {text.data(), size}; }
};
Iso8601 iso8601(Timestamp t) noexcept;

/// Seconds since the epoch as a floating-point number (Prometheus timestamps).
inline double to_seconds(Timestamp t) {
    return static_cast<double>(t.usec) / 1e6;
}

}  // namespace printwatch::core
