// SPDX-License-Identifier: Apache-2.0
#include "text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <stdexcept>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

StopBytes::StopBytes(std::string_view bytes) : count_(bytes.size()) {
    if (bytes.size() > bytes_.size()) {
        throw std::invalid_argument("StopBytes: more than 16 bytes");
    }
    std::copy(bytes.begin(), bytes.end(), bytes_.begin());
    for (const char c : bytes) {
        in_.at(static_cast<unsigned char>(c)) = true;
    }
}

std::size_t StopBytes::find(std::string_view s, std::size_t from) const noexcept {
    std::size_t i = from;
#if defined(__SSE2__)
    if (count_ > 0) {
        for (; i + 16 <= s.size(); i += 16) {
            // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): an unaligned load
            const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&s[i]));
            __m128i hit = _mm_setzero_si128();
            for (std::size_t k = 0; k < count_; ++k) {
                hit = _mm_or_si128(hit, _mm_cmpeq_epi8(block, _mm_set1_epi8(bytes_.at(k))));
            }
            if (const auto bits = static_cast<unsigned>(_mm_movemask_epi8(hit)); bits != 0) {
                return i + static_cast<std::size_t>(__builtin_ctz(bits));
            }
        }
    }
#endif
    while (i < s.size() && !in_.at(static_cast<unsigned char>(s[i]))) {
        ++i;
    }
    return i;
}

}  // namespace printwatch::core
