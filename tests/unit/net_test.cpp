// SPDX-License-Identifier: Apache-2.0
#include "core/net.h"

#include <catch2/catch.hpp>

#include <random>

namespace core = printwatch::core;

namespace {
/// The definition, one bit at a time: the first `prefix` bits of both addresses agree.
bool contains_bitwise(const core::Cidr& c, const core::IpAddr& a) {
    if (a.family != c.network.family) {
        return false;
    }
    for (unsigned bit = 0; bit < c.prefix; ++bit) {
        const unsigned shift = 7U - bit % 8U;
        if (((a.bytes.at(bit / 8U) >> shift) & 1U) !=
            ((c.network.bytes.at(bit / 8U) >> shift) & 1U)) {
            return false;
        }
    }
    return true;
}
}  // namespace

TEST_CASE("Cidr::contains agrees with a bit-by-bit compare at every prefix length", "[net]") {
    std::mt19937_64 rng(9);  // NOLINT(cert-msc32-c,cert-msc51-cpp): repeatable on purpose
    for (const std::uint8_t family : {std::uint8_t{4}, std::uint8_t{6}}) {
        const unsigned bits = family == 4 ? 32 : 128;
        for (unsigned prefix = 0; prefix <= bits; ++prefix) {
            for (int trial = 0; trial < 50; ++trial) {
                core::IpAddr net;
                net.family = family;
                for (unsigned i = 0; i < bits / 8; ++i) {
                    net.bytes.at(i) = static_cast<std::uint8_t>(rng());
                }
                core::Cidr c{net, static_cast<std::uint8_t>(prefix)};
                // An address that shares the first k bits, for k around the prefix length.
                core::IpAddr a = net;
                const auto k = static_cast<unsigned>(rng() % (bits + 1));
                if (k < bits) {
                    a.bytes.at(k / 8) ^= static_cast<std::uint8_t>(0x80U >> (k % 8U));
                }
                INFO("family " << int{family} << " prefix " << prefix << " flipped bit " << k);
                CHECK(c.contains(a) == contains_bitwise(c, a));
                CHECK(c.contains(net));
            }
        }
    }
    const auto home = core::Cidr::parse("10.0.0.0/8");
    REQUIRE(home);
    CHECK(home->contains(*core::IpAddr::parse("10.255.1.2")));
    CHECK_FALSE(home->contains(*core::IpAddr::parse("11.0.0.1")));
    CHECK_FALSE(home->contains(*core::IpAddr::parse("::ffff:10.0.0.1")));  // another family
    const auto v6 = core::Cidr::parse("fe80::/10");
    REQUIRE(v6);
    CHECK(v6->contains(*core::IpAddr::parse("febf::1")));
    CHECK_FALSE(v6->contains(*core::IpAddr::parse("fec0::1")));
}

TEST_CASE("IpAddr::to_string writes dotted quads and RFC 5952 text", "[net]") {
    for (const char* text :
         {"0.0.0.0", "255.255.255.255", "10.0.0.1", "192.168.100.7", "1.22.3.144"}) {
        const auto a = core::IpAddr::parse(text);
        REQUIRE(a);
        CHECK(a->to_string() == text);
    }
    CHECK(core::IpAddr::v4(0x0a000105).to_string() == "10.0.1.5");
    CHECK(core::IpAddr::parse("fe80::1:2")->to_string() == "fe80::1:2");
    CHECK(core::IpAddr{}.to_string().empty());
}

TEST_CASE("IpAddr's order is its bytes' order, then the family", "[net]") {
    std::mt19937_64 rng(11);  // NOLINT(cert-msc32-c,cert-msc51-cpp): repeatable on purpose
    const auto random_addr = [&] {
        core::IpAddr a;
        a.family = (rng() & 1U) != 0 ? 4 : 6;
        // Few distinct byte values, so that long shared prefixes and ties are common.
        for (std::size_t i = 0; i < (a.family == 4 ? 4U : 16U); ++i) {
            a.bytes.at(i) = static_cast<std::uint8_t>(rng() % 3U * 0x7fU);
        }
        return a;
    };
    for (int i = 0; i < 20000; ++i) {
        const core::IpAddr a = random_addr();
        const core::IpAddr b = (rng() & 3U) == 0 ? a : random_addr();
        const auto bytes = a.bytes <=> b.bytes;
        const auto expected = bytes != 0 ? bytes : a.family <=> b.family;
        REQUIRE((a <=> b) == expected);
        REQUIRE((a == b) == (expected == 0));
    }
}
