// SPDX-License-Identifier: Apache-2.0
// Small text helpers shared by config loading and the dissectors.
#pragma once

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

}  // namespace printwatch::core
