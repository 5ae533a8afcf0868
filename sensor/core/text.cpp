// SPDX-License-Identifier: Apache-2.0
#include "text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

namespace printwatch::core {

std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept {
    std::uint64_t v = 0;
    const char* end =
        s.data() + s.size();  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return v;
}

std::string_view trim_blanks(std::string_view s) noexcept {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!s.empty() && blank(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && blank(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

std::string ascii_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

std::string capped(std::string_view s, std::size_t max) {
    return std::string(s.substr(0, max));
}

std::string errno_text(int err) {
    std::array<char, 256> buf{};
    // GNU strerror_r returns the message, which may or may not be in buf.
    return {strerror_r(err, buf.data(), buf.size())};
}

}  // namespace printwatch::core
