// SPDX-License-Identifier: Apache-2.0
// Small text helpers shared by config loading and the dissectors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printwatch::core {

/// The whole of `s` as a decimal unsigned number; nullopt for empty, signs, junk or overflow.
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;

/// ASCII upper case; other bytes unchanged (protocol keywords, not locale text).
std::string ascii_upper(std::string_view s);

/// The message of an errno value; thread-safe (strerror is not).
std::string errno_text(int err);

}  // namespace printwatch::core
