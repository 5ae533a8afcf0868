// SPDX-License-Identifier: Apache-2.0
#include "dissectors/bjnp.h"

#include "dissector_support.h"
#include "packet_builder.h"

#include <catch2/catch.hpp>

#include <vector>

using namespace printwatch;  // NOLINT(google-build-using-namespace)
using dissect::bjnp::parse_header;
using test::Buf;

namespace {
core::Result<dissect::bjnp::Header> header_of(const Buf& b) {
    core::ByteReader r{core::Bytes(b)};
    return parse_header(r);
}
}  // namespace

TEST_CASE("BJNP header: every field, every magic variant", "[bjnp]") {
    //  magic  dev  cmd  reserved seq      session  payload_len
    Buf b = test::bjnp(0x82, 0x30, 6052, Buf{0, 2});
    auto h = header_of(b);
    REQUIRE(h);
    CHECK(h->magic == "BJNP");
    CHECK(h->response());
    CHECK(h->scanner());
    CHECK(h->code == 0x30);
    CHECK(h->seq == 6052);
    CHECK(h->length == 2);
    for (const char* magic : {"BJNB", "BNJB", "PJNB", "PNJB", "MFNP"}) {
        CHECK(header_of(test::bjnp(1, 1, 0, {}, magic)));
    }
    CHECK(header_of(test::bjnp(1, 1, 0, {}, "XJNP")).error() == core::ParseError::Invalid);
}

TEST_CASE("BJNP header truncated at every byte is Truncated", "[bjnp][trunc]") {
    const Buf b = test::bjnp(0x01, 0x01, 1);
    for (std::size_t n = 0; n < b.size(); ++n) {
        INFO("prefix " << n);
        CHECK(header_of(Buf(b.begin(), b.begin() + static_cast<long>(n))).error() ==
              core::ParseError::Truncated);
    }
    CHECK(header_of(b));
}

TEST_CASE("BJNP length limits: 0 and kMaxPayload pass, one more is TooLarge", "[bjnp]") {
    Buf b = test::bjnp(1, 0x21, 1);
    CHECK(header_of(b)->length == 0);
    auto set_len = [&](std::uint32_t v) {
        b[12] = static_cast<std::uint8_t>(v >> 24U);
        b[13] = static_cast<std::uint8_t>(v >> 16U);
        b[14] = static_cast<std::uint8_t>(v >> 8U);
        b[15] = static_cast<std::uint8_t>(v);
    };
    set_len(dissect::bjnp::kMaxPayload);
    CHECK(header_of(b)->length == dissect::bjnp::kMaxPayload);
    set_len(dissect::bjnp::kMaxPayload + 1);
    CHECK(header_of(b).error() == core::ParseError::TooLarge);
    set_len(0xffffffffU);
    CHECK(header_of(b).error() == core::ParseError::TooLarge);
}

TEST_CASE("BJNP invalid dev_type and reserved bytes", "[bjnp]") {
    CHECK(header_of(test::bjnp(0x03, 1, 0)).error() == core::ParseError::Invalid);
    CHECK(header_of(test::bjnp(0x41, 1, 0)).error() == core::ParseError::Invalid);
    Buf r = test::bjnp(1, 1, 0);
    r[6] = 1;
    CHECK(header_of(r).error() == core::ParseError::Invalid);
}

TEST_CASE("Discover reply yields MAC and address; truncation at every byte", "[bjnp]") {
    Buf payload{0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x1e, 0x8f, 0x12, 0x34, 0x56, 10, 1, 0, 51};
    const Buf msg = test::bjnp(0x81, 0x01, 1, payload);
    auto h = header_of(msg);
    REQUIRE(h);
    core::Object out;
    CHECK(dissect::bjnp::parse_payload(*h, core::Bytes(payload), true, out) == std::nullopt);
    CHECK(std::get<std::string>(core::find(out, "mac")->v) == "00:1e:8f:12:34:56");
    CHECK(std::get<std::string>(std::get<core::Array>(core::find(out, "addresses")->v)[0].v) ==
          "10.1.0.51");
    for (std::size_t n = 0; n < payload.size(); ++n) {
        core::Object partial;
        CHECK(dissect::bjnp::parse_payload(*h, core::Bytes(payload).first(n), true, partial) ==
              core::ParseError::Truncated);
    }
}

TEST_CASE("Job details: the 392-byte cups-bjnp/SANE layout, UCS-2 host, user and title", "[bjnp]") {
    Buf payload(8, 0);
    auto ucs2 = [&](std::string_view s, std::size_t units) {
        for (std::size_t i = 0; i < units; ++i) {
            payload.push_back(0);
            payload.push_back(i < s.size() ? static_cast<std::uint8_t>(s[i]) : 0);
        }
    };
    ucs2("mallory-pc-with-a-very-long-hostname-that-is-cut", 32);  // 64 bytes: 32 characters
    ucs2("mallory", 32);
    ucs2("Process ID = 4242", 128);
    REQUIRE(payload.size() == 392);
    auto h = header_of(test::bjnp(0x02, 0x10, 3, payload));
    core::Object out;
    CHECK(dissect::bjnp::parse_payload(*h, core::Bytes(payload), true, out) == std::nullopt);
    CHECK(std::get<std::string>(core::find(out, "host")->v) == "mallory-pc-with-a-very-long-host");
    CHECK(std::get<std::string>(core::find(out, "user")->v) == "mallory");
    CHECK(std::get<std::string>(core::find(out, "title")->v) == "Process ID = 4242");
    core::Object cut;
    CHECK(dissect::bjnp::parse_payload(*h, core::Bytes(payload).first(100), true, cut) ==
          core::ParseError::Truncated);
    CHECK(dissect::bjnp::ucs2be_to_utf8(core::Bytes(Buf{0x00, 0xe9, 0xd8, 0x00, 0x00, 0x41}), 8) ==
          "\xc3\xa9\xef\xbf\xbd"
          "A");
}

TEST_CASE("IEEE 1284 device ID from an identity reply", "[bjnp]") {
    const std::string id =
        "MFG:Canon;CMD:BJL,BJRaster3,BSCCe,NCCe,PLI;SOJ:TXT01,BJNP2;MDL:MP970 series;CLS:PRINTER;"
        "DES:Canon MP970 series;VER:1.110;";
    Buf payload;
    test::put16(payload, static_cast<std::uint16_t>(id.size() + 2));
    test::append(payload, id);
    auto h = header_of(test::bjnp(0x81, 0x30, 9, payload));
    core::Object out;
    CHECK(dissect::bjnp::parse_payload(*h, core::Bytes(payload), true, out) == std::nullopt);
    CHECK(std::get<std::string>(core::find(out, "model")->v) == "MP970 series");
    CHECK(std::get<std::string>(core::find(out, "manufacturer")->v) == "Canon");
    CHECK(std::get<std::string>(core::find(out, "command_set")->v) ==
          "BJL,BJRaster3,BSCCe,NCCe,PLI");
    auto d = dissect::bjnp::parse_device_id("manufacturer:HP; model : LaserJet 4200n ;");
    CHECK(d.model == "LaserJet 4200n");
    CHECK(d.manufacturer == "HP");
}

TEST_CASE("Unknown command codes are reported as unsupported", "[bjnp]") {
    auto h = header_of(test::bjnp(0x01, 0x77, 1));
    core::Object out;
    CHECK(dissect::bjnp::parse_payload(*h, {}, true, out) == core::ParseError::Unsupported);
}

TEST_CASE("BJNP over TCP: framing across segment boundaries, replies paired", "[bjnp][tcp]") {
    const auto& info = test::dissector("bjnp");
    core::LimitsConfig limits;
    auto d = info.make(core::DissectorContext{limits, core::Transport::Tcp});
    test::EventCollector sink;
    Buf stream = test::bjnp(0x01, 0x21, 7, Buf(4096, 0x1b));
    test::append(stream, test::bjnp(0x01, 0x21, 8, Buf(100, 0x00)));
    // Deliver in awkward pieces: 3 bytes (inside the first header), then 4200 (the first
    // message and part of the second's payload), then the rest.
    const core::Bytes all(stream);
    d->on_data(core::Direction::ToServer, all.first(3), {}, sink);
    CHECK(sink.events.empty());
    d->on_data(core::Direction::ToServer, all.subspan(3, 4200), {}, sink);
    REQUIRE(sink.events.size() == 1);
    d->on_data(core::Direction::ToServer, all.subspan(4203), {}, sink);
    REQUIRE(sink.events.size() == 2);
    CHECK(sink.events[0].name == "data");
    CHECK(test::field(sink.events[1], "command") == "data");
    const Buf reply = test::bjnp(0x81, 0x21, 7, Buf{0, 0, 0x10, 0});
    d->on_data(core::Direction::ToClient, core::Bytes(reply), {}, sink);
    REQUIRE(sink.events.size() == 3);
    CHECK(sink.events[2].from_printer);
    CHECK(std::get<bool>(core::find(sink.events[2].fields, "paired")->v));
    CHECK(std::get<std::int64_t>(core::find(sink.events[2].fields, "accepted")->v) == 4096);
}

TEST_CASE("BJNP over TCP resynchronises after a gap and a bad header", "[bjnp][tcp]") {
    core::LimitsConfig limits;
    auto d = test::dissector("bjnp").make(core::DissectorContext{limits, core::Transport::Tcp});
    test::EventCollector sink;
    Buf first = test::bjnp(0x01, 0x21, 1, Buf(100, 0));
    d->on_data(core::Direction::ToServer, core::Bytes(first).first(40), {}, sink);
    d->on_gap(core::Direction::ToServer, 60);
    Buf after = Buf{0xde, 0xad};
    test::append(after, test::bjnp(0x01, 0x11, 2));
    d->on_data(core::Direction::ToServer, core::Bytes(after), {}, sink);
    REQUIRE(sink.events.size() == 1);
    CHECK(sink.events[0].name == "close");
    Buf garbage = test::bjnp(0x07, 0x01, 3);  // bad dev_type
    d->on_data(core::Direction::ToServer, core::Bytes(garbage), {}, sink);
    REQUIRE(sink.events.size() == 2);
    CHECK(sink.events[1].violation == core::ParseError::Invalid);
}

TEST_CASE("BJNP over UDP: length disagreeing with the datagram is a violation", "[bjnp][udp]") {
    core::LimitsConfig limits;
    auto d = test::dissector("bjnp").make(core::DissectorContext{limits, core::Transport::Udp});
    test::EventCollector sink;
    Buf msg = test::bjnp(0x01, 0x01, 1);
    msg[15] = 8;  // declares 8 payload bytes, carries none
    d->on_data(core::Direction::ToServer, core::Bytes(msg), {}, sink);
    Buf short_msg{'B', 'J', 'N', 'P', 1, 1};
    d->on_data(core::Direction::ToServer, core::Bytes(short_msg), {}, sink);
    REQUIRE(sink.events.size() == 2);
    CHECK(sink.events[0].violation == core::ParseError::Truncated);
    CHECK(sink.events[1].violation == core::ParseError::Truncated);
    CHECK(test::field(sink.events[1], "magic") == "BJNP");
    CHECK(test::dissector("bjnp").probe(core::Bytes(msg), core::Direction::ToServer) ==
          core::Confidence::Yes);
    const Buf pjl{'@', 'P', 'J', 'L'};
    CHECK(test::dissector("bjnp").probe(core::Bytes(pjl), core::Direction::ToServer) ==
          core::Confidence::No);
}

TEST_CASE("BJNP records carry their command code as kind; the rules switch on it",
          "[bjnp][rules]") {
    core::LimitsConfig limits;
    auto d = test::dissector("bjnp").make(core::DissectorContext{limits, core::Transport::Udp});
    test::EventCollector sink;
    for (const auto& msg : {test::bjnp(0x01, 0x01, 1), test::bjnp(0x01, 0x20, 2)}) {
        d->on_data(core::Direction::ToServer, core::Bytes(msg), {}, sink);
    }
    REQUIRE(sink.events.size() == 2);
    CHECK(sink.events[0].kind == static_cast<std::uint8_t>(dissect::bjnp::Command::Discover));
    CHECK(sink.events[1].kind == static_cast<std::uint8_t>(dissect::bjnp::Command::Status));
    // A discover from an untrusted client is reconnaissance (1101); a status poll is not, and a
    // trusted client's discover is CUPS or SANE at work.
    CHECK(test::raised(sink.events, false) == std::vector<std::uint32_t>{1'001'101});
    CHECK(test::raised(sink.events, true).empty());
}
