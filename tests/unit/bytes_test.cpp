// SPDX-License-Identifier: Apache-2.0
#include "core/bytes.h"

#include <catch2/catch.hpp>

#include <array>

using printwatch::core::ByteReader;
using printwatch::core::Bytes;

TEST_CASE("ByteReader reads big- and little-endian fields", "[bytes]") {
    const std::array<std::uint8_t, 8> data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    ByteReader r{Bytes(data)};
    CHECK(*r.u16be() == 0x0102);
    CHECK(*r.u16le() == 0x0403);
    CHECK(*r.u32be() == 0x05060708U);
    CHECK(r.remaining() == 0);
    CHECK_FALSE(r.failed());
    ByteReader le{Bytes(data)};
    CHECK(*le.u32le() == 0x04030201U);
}

TEST_CASE("ByteReader failure is sticky and never reads shifted bytes", "[bytes]") {
    const std::array<std::uint8_t, 3> data{0xaa, 0xbb, 0xcc};
    ByteReader r{Bytes(data)};
    CHECK_FALSE(r.u32be().has_value());
    CHECK(r.failed());
    CHECK_FALSE(r.u8().has_value());  // a byte was left, but the reader stays failed
    CHECK(r.remaining() == 0);
    CHECK(r.rest().empty());
}

TEST_CASE("ByteReader sub() confines an inner parser", "[bytes]") {
    const std::array<std::uint8_t, 6> data{1, 2, 3, 4, 5, 6};
    ByteReader r{Bytes(data)};
    auto inner = r.sub(2);
    REQUIRE(inner);
    CHECK(*inner->u16be() == 0x0102);
    CHECK_FALSE(inner->u8().has_value());  // cannot read its sibling's bytes
    CHECK(*r.u8() == 3);
    CHECK_FALSE(r.sub(10).has_value());
}

TEST_CASE("ByteReader take/skip/peek at the boundaries", "[bytes]") {
    const std::array<std::uint8_t, 4> data{9, 8, 7, 6};
    ByteReader r{Bytes(data)};
    CHECK(*r.peek(3) == 6);
    CHECK_FALSE(r.peek(4).has_value());
    CHECK(r.take(0)->empty());
    CHECK(r.skip(4));
    CHECK(r.remaining() == 0);
    CHECK_FALSE(r.failed());
    CHECK_FALSE(r.skip(1));
    CHECK(r.failed());
    ByteReader empty{Bytes{}};
    CHECK_FALSE(empty.u8().has_value());
}
