// SPDX-License-Identifier: Apache-2.0
// Small text helpers shared by config loading and the dissectors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printwatch::core {

/// The whole of `s` as a decimal unsigned number; nullopt for empty, signs, junk or overflow.
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;

/// `s` without leading and trailing spaces, tabs and carriage returns (header and command
/// lines of text protocols).
std::string_view trim_blanks(std::string_view s) noexcept;

/// ASCII case-insensitive equality (header names, keywords).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// ASCII upper case; other bytes unchanged (protocol keywords, not locale text).
std::string ascii_upper(std::string_view s);

/// At most the first `max` bytes of `s`, as an owned string: how a dissector keeps an attacker's
/// value in a record without letting it grow the record.
std::string capped(std::string_view s, std::size_t max);

/// The message of an errno value; thread-safe (strerror is not).
std::string errno_text(int err);

/// At most 16 bytes to stop at, and a scan for the first of them that tests 16 bytes at a
/// time (SSE2 where there is one): the PostScript scanner's runs of token and string bytes,
/// taken one byte and one table lookup at a time, were 6 % of a default-filter replay.
class StopBytes {
  public:
    /// Throws std::invalid_argument past 16 bytes.
    explicit StopBytes(std::string_view bytes);
    /// Index of the first byte at or after `from` that is one of them, or s.size().
    [[nodiscard]] std::size_t find(std::string_view s, std::size_t from) const noexcept;
    [[nodiscard]] bool contains(unsigned char c) const noexcept { return in_.at(c); }

  private:
    std::array<char, 16> bytes_{};
    std::size_t count_ = 0;
    std::array<bool, 256> in_{};
};

}  // namespace printwatch::core
