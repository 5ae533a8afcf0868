// SPDX-License-Identifier: Apache-2.0
// Address vocabulary: IPv4/IPv6 addresses, CIDR blocks and MAC addresses.
#pragma once

#include <array>
#include <cstdint>
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
    friend bool operator==(const IpAddr&, const IpAddr&) = default;
    friend auto operator<=>(const IpAddr&, const IpAddr&) = default;
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
    [[nodiscard]] bool contains(const IpAddr& a) const noexcept;
    [[nodiscard]] std::string to_string() const;
};

/// FNV-1a over the address bytes; used with a seed by the bounded tables.
std::uint64_t hash_bytes(const std::uint8_t* p, std::size_t n, std::uint64_t seed) noexcept;

}  // namespace printwatch::core

template <>
struct std::hash<printwatch::core::IpAddr> {
    std::size_t operator()(const printwatch::core::IpAddr& a) const noexcept {
        return printwatch::core::hash_bytes(a.bytes.data(), a.bytes.size(), a.family);
    }
};
template <>
struct std::hash<printwatch::core::MacAddr> {
    std::size_t operator()(const printwatch::core::MacAddr& m) const noexcept {
        return printwatch::core::hash_bytes(m.bytes.data(), m.bytes.size(), 0);
    }
};
