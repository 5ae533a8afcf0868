// SPDX-License-Identifier: Apache-2.0
#include "exporters/community_id.h"

#include <catch2/catch.hpp>

using printwatch::core::IpAddr;
using printwatch::exporters::community_id_v1;

// Published vectors of the Community ID v1 specification (and issue 3).
TEST_CASE("Community ID v1 reproduces the published vectors", "[community_id]") {
    CHECK(community_id_v1(*IpAddr::parse("128.232.110.120"), 34855, *IpAddr::parse("66.35.250.204"),
                          80, 6) == "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    CHECK(community_id_v1(*IpAddr::parse("192.168.1.52"), 54585, *IpAddr::parse("8.8.8.8"), 53,
                          17) == "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
}

TEST_CASE("Community ID is the same in both directions", "[community_id]") {
    const auto a = *IpAddr::parse("66.35.250.204");
    const auto b = *IpAddr::parse("128.232.110.120");
    CHECK(community_id_v1(a, 80, b, 34855, 6) == "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    const auto v6a = *IpAddr::parse("fe80::200:86ff:fe05:80da");
    const auto v6b = *IpAddr::parse("fe80::260:97ff:fe07:69ea");
    CHECK(community_id_v1(v6a, 1, v6b, 2, 17) == community_id_v1(v6b, 2, v6a, 1, 17));
}
