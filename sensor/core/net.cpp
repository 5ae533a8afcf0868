// SPDX-License-Identifier: Apache-2.0
#include "net.h"

#include "text.h"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace printwatch::core {

namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
}  // namespace

IpAddr IpAddr::v4(std::uint32_t host_order) noexcept {
    IpAddr a;
    a.family = 4;
    a.bytes[0] = static_cast<std::uint8_t>(host_order >> 24U);
    a.bytes[1] = static_cast<std::uint8_t>(host_order >> 16U);
    a.bytes[2] = static_cast<std::uint8_t>(host_order >> 8U);
    a.bytes[3] = static_cast<std::uint8_t>(host_order);
    return a;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
    // inet_pton wants a NUL-terminated string; addresses are short, so copy.
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) {
        return std::nullopt;
    }
    const std::string s(text);
    IpAddr a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = 4;
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.family = 6;
        return a;
    }
    return std::nullopt;
}

std::string IpAddr::to_string() const {
    if (family == 4) {
        // Written here: glibc's inet_ntop formats IPv4 with sprintf, which was 4 % of a
        // default-filter replay (two addresses in every EVE record).
        std::array<char, 16> buf{};
        std::size_t n = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            if (i > 0) {
                buf.at(n++) = '.';
            }
            const auto r = std::to_chars(buf.data() + n, buf.data() + buf.size(), bytes.at(i));
            n = static_cast<std::size_t>(r.ptr - buf.data());
        }
        return {buf.data(), n};
    }
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (family == 0 || inet_ntop(AF_INET6, bytes.data(), buf.data(), buf.size()) == nullptr) {
        return {};
    }
    return {buf.data()};
}

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
    // aa:bb:cc:dd:ee:ff or aa-bb-cc-dd-ee-ff
    if (text.size() != 17) {
        return std::nullopt;
    }
    MacAddr m;
    for (std::size_t i = 0; i < 6; ++i) {
        const std::size_t off = i * 3;
        if (i > 0 && text[off - 1] != ':' && text[off - 1] != '-') {
            return std::nullopt;
        }
        const int hi = hex_digit(text[off]);
        const int lo = hex_digit(text[off + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        m.bytes.at(i) = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return m;
}

std::string MacAddr::to_string() const {
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(17);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i > 0) {
            out.push_back(':');
        }
        out.push_back(kHex[bytes.at(i) >> 4U]);
        out.push_back(kHex[bytes.at(i) & 0x0fU]);
    }
    return out;
}

bool MacAddr::is_zero() const noexcept {
    for (auto b : bytes) {
        if (b != 0) {
            return false;
        }
    }
    return true;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    const auto slash = text.find('/');
    auto addr = IpAddr::parse(text.substr(0, slash));
    if (!addr) {
        return std::nullopt;
    }
    const unsigned max_prefix = addr->family == 4 ? 32U : 128U;
    unsigned prefix = max_prefix;
    if (slash != std::string_view::npos) {
        const auto digits = text.substr(slash + 1);
        const auto parsed = parse_uint(digits);
        if (!parsed || *parsed > max_prefix) {
            return std::nullopt;
        }
        prefix = static_cast<unsigned>(*parsed);
    }
    Cidr c{*addr, static_cast<std::uint8_t>(prefix)};
    // Host bits set ("10.1.2.3/8") is almost always a typo; refuse it rather than guess.
    IpAddr masked = c.network;
    for (unsigned bit = prefix; bit < max_prefix; ++bit) {
        masked.bytes.at(bit / 8) &= static_cast<std::uint8_t>(~(0x80U >> (bit % 8)));
    }
    if (!(masked == c.network)) {
        return std::nullopt;
    }
    return c;
}

std::string Cidr::to_string() const {
    return network.to_string() + "/" + std::to_string(prefix);
}

std::uint64_t fnv1a_bytes(const std::uint8_t* p, std::size_t n, std::uint64_t seed) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ (seed * 0x9e3779b97f4a7c15ULL);
    for (std::size_t i = 0; i < n; ++i) {
        h ^= p[i];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic): i < n
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t hash_addr_v6(std::uint64_t h, const IpAddr& a) noexcept {
    return hash_word(hash_word(hash_word(h, a.word(0)), a.word(1)), a.family);
}

std::uint64_t hash_bytes(const std::uint8_t* p, std::size_t n, std::uint64_t seed) noexcept {
    std::uint64_t h = hash_word(seed, n);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w = 0;
        // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic): i + 8 <= n
        std::memcpy(&w, p + i, sizeof w);
        h = hash_word(h, w);
    }
    if (i < n) {
        std::uint64_t w = 0;
        // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic): i < n
        std::memcpy(&w, p + i, n - i);
        h = hash_word(h, w);
    }
    return hash_finish(h);
}

}  // namespace printwatch::core
