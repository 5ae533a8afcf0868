// SPDX-License-Identifier: Apache-2.0
// Address vocabulary: IPv4/IPv6 addresses, CIDR blocks and MAC addresses.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace printwatch::core {

/// An IPv4 or IPv6 address. IPv4 is kept in the first four bytes, the rest zero, so that
/// comparisons and hashing never confuse the two families.
struct IpAddr {
    std::array<std::uint8_t, 16> bytes{};
    std::uint8_t family = 0;  // 4, 6, or 0 for "none"

    static IpAddr v4(std::uint32_t host_order) noexcept;
    /// Parses dotted-quad or RFC 4291 text; nullopt on anything else.
    static std::optional<IpAddr> parse(std::string_view text);
    [[nodiscard]] std::string to_string() const;
    [[nodiscard]] bool is_v4() const noexcept { return family == 4; }
    [[nodiscard]] std::size_t size() const noexcept { return family == 4 ? 4 : 16; }
    /// Two word compares: the defaulted operator compiled to a memcmp call, and equality is
    /// what every table probe asks (the flood profile spent a fifth of its time there).
    friend bool operator==(const IpAddr& a, const IpAddr& b) noexcept {
        return a.word(0) == b.word(0) && a.word(1) == b.word(1) && a.family == b.family;
    }
    /// The bytes' order, then the family, as the defaulted operator had it, but on two
    /// big-endian words: that one compiled to a memcmp call too, and the inventory's maps and
    /// every flow key's canonical order ask it (a tenth of a SYN flood's instructions).
    friend std::strong_ordering operator<=>(const IpAddr& a, const IpAddr& b) noexcept {
        if (const auto c = a.ordered_word(0) <=> b.ordered_word(0); c != 0) {
            return c;
        }
        if (const auto c = a.ordered_word(1) <=> b.ordered_word(1); c != 0) {
            return c;
        }
        return a.family <=> b.family;
    }
    /// The address as two native-order 64-bit words, for hashing and equality.
    [[nodiscard]] std::uint64_t word(std::size_t i) const noexcept {
        std::uint64_t w = 0;
        std::memcpy(&w, bytes.data() + (i * sizeof w), sizeof w);  // NOLINT(*-pointer-arithmetic)
        return w;
    }
    /// word(i) with its first byte most significant, so that words compare as the bytes do.
    [[nodiscard]] std::uint64_t ordered_word(std::size_t i) const noexcept {
        const std::uint64_t w = word(i);
        if constexpr (std::endian::native == std::endian::little) {
            return __builtin_bswap64(w);
        } else {
            return w;
        }
    }
};

struct MacAddr {
    std::array<std::uint8_t, 6> bytes{};
    static std::optional<MacAddr> parse(std::string_view text);
    [[nodiscard]] std::string to_string() const;
    [[nodiscard]] bool is_zero() const noexcept;
    friend bool operator==(const MacAddr&, const MacAddr&) = default;
    friend auto operator<=>(const MacAddr&, const MacAddr&) = default;
};

struct Cidr {
    IpAddr network;
    std::uint8_t prefix = 0;
    /// "10.0.0.0/8", "fe80::/10" or a bare address (host prefix). Host bits must be zero.
    static std::optional<Cidr> parse(std::string_view text);
    /// Masked compares of the ordered words, inline: every new flow asks home_net of both its
    /// ends (the byte-wise memcmp this replaced was 6 % of a SYN flood's time, and the call a
    /// fiftieth). IPv4, or an IPv6 prefix up to /64, is one compare.
    [[nodiscard]] bool contains(const IpAddr& a) const noexcept {
        return a.family == network.family && word_matches(a, 0, std::min<unsigned>(prefix, 64)) &&
               (prefix <= 64 || word_matches(a, 1, std::min<unsigned>(prefix - 64U, 64)));
    }
    [[nodiscard]] std::string to_string() const;

  private:
    /// Whether the first `bits` (0 to 64) bits of word `i` are the network's.
    [[nodiscard]] bool word_matches(const IpAddr& a, std::size_t i, unsigned bits) const noexcept {
        const std::uint64_t mask = bits == 0 ? 0 : ~0ULL << (64U - bits);
        return ((a.ordered_word(i) ^ network.ordered_word(i)) & mask) == 0;
    }
};

/// A seeded 64-bit hash of a byte string, eight bytes at a time with MurmurHash3's mixing
/// steps and finaliser (public domain). It replaced a byte-at-a-time FNV-1a that cost a tenth
/// of the time under a SYN flood, where every packet hashes a new key.
std::uint64_t hash_bytes(const std::uint8_t* p, std::size_t n, std::uint64_t seed) noexcept;
/// FNV-1a, byte by byte: the flow ids' hash (once per flow), kept so that ids stay what
/// earlier versions wrote for the same flow.
std::uint64_t fnv1a_bytes(const std::uint8_t* p, std::size_t n, std::uint64_t seed) noexcept;
/// One step of the same hash over a 64-bit word, for keys made of fixed fields.
constexpr std::uint64_t hash_word(std::uint64_t h, std::uint64_t w) noexcept {
    w *= 0x87c37b91114253d5ULL;
    w = (w << 31U) | (w >> 33U);
    w *= 0x4cf5ad432745937fULL;
    h ^= w;
    h = (h << 27U) | (h >> 37U);
    return (h * 5U) + 0x52dce729U;
}
/// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit.
constexpr std::uint64_t hash_finish(std::uint64_t h) noexcept {
    h ^= h >> 33U;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33U;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33U;
    return h;
}
/// An IPv4 address's four bytes as one number (as they lie in memory, not network order).
inline std::uint32_t v4_word(const IpAddr& a) noexcept {
    std::uint32_t w = 0;
    std::memcpy(&w, a.bytes.data(), sizeof w);
    return w;
}
/// An address folded into a running hash. IPv4, nearly every address a sensor sees, is one
/// step with its family; IPv6 three. Hashing was a sixth of a SYN flood's instructions, with
/// three steps for every address.
std::uint64_t hash_addr_v6(std::uint64_t h, const IpAddr& a) noexcept;
inline std::uint64_t hash_addr(std::uint64_t h, const IpAddr& a) noexcept {
    if (a.is_v4()) {
        return hash_word(h, (std::uint64_t{4} << 32U) | v4_word(a));
    }
    return hash_addr_v6(h, a);  // out of line, so that the IPv4 step is inlined everywhere
}
/// Two addresses folded into a running hash, in order: two IPv4 addresses are one step.
inline std::uint64_t hash_addrs(std::uint64_t h, const IpAddr& a, const IpAddr& b) noexcept {
    if (a.is_v4() && b.is_v4()) {
        return hash_word(h, (std::uint64_t{v4_word(a)} << 32U) | v4_word(b));
    }
    return hash_addr(hash_addr(h, a), b);
}

/// An address's hash for LruTable, seeded from the first step; LruTable finishes it.
struct IpAddrHash {
    std::size_t operator()(const IpAddr& a, std::uint64_t seed) const noexcept {
        return hash_addr(seed, a);
    }
};

}  // namespace printwatch::core

template <>
struct std::hash<printwatch::core::IpAddr> {
    std::size_t operator()(const printwatch::core::IpAddr& a) const noexcept {
        return printwatch::core::hash_finish(printwatch::core::hash_addr(0, a));
    }
};
template <>
struct std::hash<printwatch::core::MacAddr> {
    std::size_t operator()(const printwatch::core::MacAddr& m) const noexcept {
        return printwatch::core::hash_bytes(m.bytes.data(), m.bytes.size(), 0);
    }
};
