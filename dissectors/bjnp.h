// SPDX-License-Identifier: Apache-2.0
// Canon BJNP (and its MFNP sibling): pure parse functions, exposed for unit tests.
// The dissector itself is registered through bjnp_info() in registry.cpp.
#pragma once

#include "core/bytes.h"
#include "core/result.h"
#include "core/value.h"

#include <cstdint>
#include <string>

namespace printwatch::dissect::bjnp {

constexpr std::size_t kHeaderLen = 16;
/// No BJNP message in cups-bjnp or SANE carries more than 64 KiB: print data is sent in 4 KiB
/// blocks and scan blocks are smaller than 64 KiB. Anything larger is not BJNP.
constexpr std::uint32_t kMaxPayload = 65536;

struct Header {
    std::string magic;  // BJNP, BJNB, BNJB, MFNP, PJNB, PNJB
    std::uint8_t dev_type = 0;
    std::uint8_t code = 0;
    std::uint16_t seq = 0;
    std::uint16_t session = 0;
    std::uint32_t length = 0;  // payload bytes after the header
    [[nodiscard]] bool response() const noexcept { return (dev_type & 0x80U) != 0; }
    [[nodiscard]] bool scanner() const noexcept { return (dev_type & 0x7fU) == 0x02; }
};

/// True when the bytes start with one of the known magics (needs 4 bytes).
bool has_magic(core::Bytes b) noexcept;
/// Truncated: fewer than 16 bytes. Invalid: unknown magic, dev_type, or reserved bytes set.
/// TooLarge: payload length above kMaxPayload.
core::Result<Header> parse_header(core::ByteReader& r) noexcept;
/// The command codes of docs/protocols.md §1.4. A record's core::AppEvent::kind is its code, so
/// the rules switch on these rather than on the record's name.
enum class Command : std::uint8_t {
    Discover = 0x01,
    StartScan = 0x02,
    JobDetails = 0x10,
    Close = 0x11,
    Status = 0x20,
    Data = 0x21,
    Identity = 0x30,
    ScanPoll = 0x32,
};
/// Name of a command code ("discover", "job_details"...); "unknown" when not in docs/protocols.md
/// §1.4.
const char* command_name(std::uint8_t code) noexcept;
bool known_command(std::uint8_t code) noexcept;

/// UCS-2 big-endian text (job details) to UTF-8, stopping at NUL; at most max_units units.
std::string ucs2be_to_utf8(core::Bytes b, std::size_t max_units);

struct DeviceId {
    std::string manufacturer;  // MFG / MANUFACTURER
    std::string model;         // MDL / MODEL
    std::string command_set;   // CMD / COMMAND SET
    std::string description;   // DES / DESCRIPTION
};
/// IEEE 1284 device ID: "KEY:value;KEY:value;". Keys are case-insensitive; long and short
/// forms are both accepted.
DeviceId parse_device_id(std::string_view id);

/// Parses the payload of one message into record fields. `udp` selects the datagram forms
/// (status and identity differ between transports). Returns the violation, if any.
core::Violation parse_payload(const Header& h, core::Bytes payload, bool udp, core::Object& out);

}  // namespace printwatch::dissect::bjnp
