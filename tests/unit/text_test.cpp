// SPDX-License-Identifier: Apache-2.0
#include "core/text.h"

#include <catch2/catch.hpp>

#include <cerrno>
#include <stdexcept>
#include <string>

namespace core = printwatch::core;

TEST_CASE("parse_uint takes the whole string as a decimal number or nothing", "[text]") {
    CHECK(core::parse_uint("0") == 0U);
    CHECK(core::parse_uint("18446744073709551615") == 18446744073709551615U);
    CHECK_FALSE(core::parse_uint("18446744073709551616"));  // overflow
    CHECK_FALSE(core::parse_uint(""));
    CHECK_FALSE(core::parse_uint("-1"));
    CHECK_FALSE(core::parse_uint("+1"));
    CHECK_FALSE(core::parse_uint("12 "));
    CHECK_FALSE(core::parse_uint("1x"));
}

TEST_CASE("trim_blanks strips spaces, tabs and CR at both ends, nothing else", "[text]") {
    CHECK(core::trim_blanks(" \t a b\r\r") == "a b");
    CHECK(core::trim_blanks("\n a") == "\n a");
    CHECK(core::trim_blanks(" \t\r").empty());
    CHECK(core::trim_blanks("").empty());
}

TEST_CASE("iequals and ascii_upper fold ASCII letters only", "[text]") {
    CHECK(core::iequals("Content-Length", "content-LENGTH"));
    CHECK_FALSE(core::iequals("abc", "abcd"));
    CHECK_FALSE(
        core::iequals("[", "{"));  // 0x5B and 0x7B differ by the case bit but are not letters
    CHECK(core::ascii_upper("@pjl Info\xE9") == "@PJL INFO\xE9");
}

TEST_CASE("capped keeps at most max bytes, embedded NULs included", "[text]") {
    CHECK(core::capped("abcdef", 3) == "abc");
    CHECK(core::capped("ab", 3) == "ab");
    CHECK(core::capped("abc", 0).empty());
    const std::string with_nul = std::string("a") + std::string(1, '\0') + "bc";
    CHECK(core::capped(with_nul, 3) == with_nul.substr(0, 3));
    CHECK(core::capped(with_nul, 3).size() == 3);
}

TEST_CASE("errno_text names the error", "[text]") {
    CHECK(core::errno_text(ENOENT) == "No such file or directory");
}

TEST_CASE("StopBytes::find finds the first stop byte as a byte-by-byte scan does", "[text]") {
    const core::StopBytes token_end(std::string_view("%(</ \t\r\n\f)>[]{}\0", 16));
    const core::StopBytes one("\n");
    const core::StopBytes none("");
    std::uint64_t seed = 7;
    const auto next = [&seed] {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<unsigned>(seed >> 33U);
    };
    constexpr std::string_view kStops("% (\n\0}", 6);
    for (int trial = 0; trial < 2000; ++trial) {
        std::string s(next() % 80, '\0');
        for (char& c : s) {
            // Mostly token bytes, so that runs are long enough to cross 16-byte blocks.
            c = next() % 8 == 0 ? kStops.at(next() % kStops.size())
                                : static_cast<char>('a' + next() % 26);
        }
        const std::size_t from = s.empty() ? 0 : next() % (s.size() + 1);
        for (const auto* set : {&token_end, &one, &none}) {
            std::size_t want = from;
            while (want < s.size() && !set->contains(static_cast<unsigned char>(s[want]))) {
                ++want;
            }
            CHECK(set->find(s, from) == want);
        }
    }
    CHECK_THROWS_AS(core::StopBytes("0123456789abcdefg"), std::invalid_argument);
}
