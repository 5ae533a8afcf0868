// SPDX-License-Identifier: Apache-2.0
// Result<T>: an alias over tl::expected so a later move to std::expected is one line.
#pragma once

#include <tl/expected.hpp>

#include <cstdint>
#include <optional>

namespace printwatch::core {

/// Why untrusted input could not be parsed. Truncated is not Invalid: running out of captured
/// bytes says nothing about whether the bytes were wrong.
enum class ParseError : std::uint8_t { Truncated, Invalid, TooLarge, Unsupported };

template <class T, class E = ParseError>
using Result = tl::expected<T, E>;
using tl::unexpected;

/// What a dissector found wrong with a message, if anything.
using Violation = std::optional<ParseError>;

constexpr const char* to_string(ParseError e) noexcept {
    switch (e) {
        case ParseError::Truncated:
            return "truncated";
        case ParseError::Invalid:
            return "invalid";
        case ParseError::TooLarge:
            return "too_large";
        case ParseError::Unsupported:
            return "unsupported";
    }
    return "invalid";
}

}  // namespace printwatch::core
