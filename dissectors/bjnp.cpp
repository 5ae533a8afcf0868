// SPDX-License-Identifier: Apache-2.0
// \summary: Canon BJNP / MFNP dissector, UDP and TCP, both directions.
//
// Reference: docs/protocols.md Part 1 (reverse-engineered from cups-bjnp, SANE pixma,
// nmap's bjnp.lua and Wireshark's packet-bjnp.c; no public specification exists).
//
//   0      4        5        6        8        10       12               16
//   +------+--------+--------+--------+--------+--------+----------------+-----------
//   |magic |dev_type|cmd_code|reserved| seq_no |session |  payload_len   | payload...
//   +------+--------+--------+--------+--------+--------+----------------+-----------
//   magic: "BJNP" (also BJNB/BNJB/PJNB/PNJB seen in the wild, "MFNP" on 8610)
//   dev_type: 0x01 printer cmd, 0x02 scanner cmd, 0x81/0x82 responses. Big-endian fields.
//
// Ports: 8611 printer, 8612 scanner, 8613/8614 registered (UDP control, TCP data); MFNP 8610.
// Records: one `bjnp` event per message. Violations: truncated (header cut short), invalid
// (unknown magic/dev_type, reserved bytes set, length disagreeing with the datagram),
// too_large (payload_len above kMaxPayload), unsupported (command code not in §1.4).
// TCP framing survives segment boundaries; after a gap it resynchronises on the next magic.
#include "bjnp.h"

#include "core/dissector.h"
#include "core/text.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string_view>
#include <vector>

namespace printwatch::dissect::bjnp {

using core::ByteReader;
using core::Bytes;
using core::Object;
using core::ParseError;

namespace {

constexpr std::array<std::string_view, 6> kMagics{"BJNP", "BJNB", "BNJB", "PJNB", "PNJB", "MFNP"};
static_assert(std::all_of(kMagics.begin(), kMagics.end(), [](std::string_view m) {
    return m.front() == 'B' || m.front() == 'P' || m.front() == 'M';  // resync() relies on it
}));
constexpr std::size_t kMaxIdString = 1024;     // IEEE 1284 IDs are a few hundred bytes
constexpr std::size_t kPayloadHeadCap = 2048;  // TCP: bytes of each payload kept for parsing
constexpr std::size_t kMaxOutstanding = 16;    // requests remembered for response pairing
constexpr std::uint32_t kMaxViolations = 32;   // then the flow is not BJNP: detach
constexpr std::size_t kRecordFields = 16;      // a record's header fields and its payload's
constexpr std::size_t kMaxAddresses = 8;

std::string_view text(Bytes b) {
    return core::as_text(b);
}

/// Appends one code point as UTF-8.
void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0U | (cp >> 6U)));
        out.push_back(static_cast<char>(0x80U | (cp & 0x3fU)));
    } else {
        out.push_back(static_cast<char>(0xe0U | (cp >> 12U)));
        out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3fU)));
        out.push_back(static_cast<char>(0x80U | (cp & 0x3fU)));
    }
}

std::string trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) {
        s.remove_prefix(1);
    }
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\0' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return std::string(s);
}

/// Takes up to n bytes (fewer when the message ends early).
Bytes take_upto(ByteReader& r, std::size_t n) {
    return *r.take(std::min(n, r.remaining()));
}

core::Violation parse_discover_reply(ByteReader p, Object& out) {
    auto hw = p.u16be();
    auto proto = p.u16be();
    auto mac_len = p.u8();
    auto addr_len = p.u8();
    if (p.failed()) {
        return ParseError::Truncated;
    }
    (void)hw;
    (void)proto;
    auto mac = p.take(*mac_len);
    if (!mac) {
        return ParseError::Truncated;
    }
    if (mac->size() == 6) {
        core::MacAddr m;
        std::copy(mac->begin(), mac->end(), m.bytes.begin());
        out.emplace_back("mac", m.to_string());
    }
    core::Array addresses;
    const std::size_t width = *addr_len == 4 ? 4 : 16;
    const std::size_t count = *addr_len == 4 ? 1 : *addr_len / 16U;
    for (std::size_t i = 0; i < count && i < kMaxAddresses; ++i) {
        auto a = p.take(width);
        if (!a) {
            out.emplace_back("addresses", std::move(addresses));
            return ParseError::Truncated;
        }
        core::IpAddr ip;
        ip.family = width == 4 ? 4 : 6;
        std::copy(a->begin(), a->end(), ip.bytes.begin());
        addresses.emplace_back(ip.to_string());
    }
    out.emplace_back("addresses", std::move(addresses));
    return {};
}

core::Violation parse_job_details(ByteReader p, Object& out) {
    // struct JOB_DETAILS of cups-bjnp and SANE: 8 unknown bytes, then host[64], user[64] and
    // title[256], C array sizes in bytes of UCS-2BE text: 32, 32 and 128 characters, 392 bytes
    // in all. (Reading them as character counts wrongly flags every real job as truncated.)
    constexpr std::size_t kHostBytes = 64;
    constexpr std::size_t kUserBytes = 64;
    constexpr std::size_t kTitleBytes = 256;
    if (!p.skip(8)) {
        return ParseError::Truncated;
    }
    const bool complete = p.remaining() >= kHostBytes + kUserBytes + kTitleBytes;
    out.emplace_back("host", ucs2be_to_utf8(take_upto(p, kHostBytes), kHostBytes / 2));
    out.emplace_back("user", ucs2be_to_utf8(take_upto(p, kUserBytes), kUserBytes / 2));
    out.emplace_back("title", ucs2be_to_utf8(take_upto(p, kTitleBytes), kTitleBytes / 2));
    return complete ? core::Violation{} : ParseError::Truncated;
}

core::Violation parse_identity_reply(const Header& h, ByteReader p, Object& out) {
    std::string_view id;
    // BJNP prefixes a big-endian length that counts itself; MFNP sends the bare string.
    auto b0 = p.peek(0);
    auto b1 = p.peek(1);
    if (h.magic != "MFNP" && b0 && b1) {
        const std::size_t len = (static_cast<std::size_t>(*b0) << 8U) | *b1;
        p.skip(2);
        id = text(take_upto(p, len >= 2 ? len - 2 : 0));
    } else {
        id = text(p.rest());
    }
    id = id.substr(0, kMaxIdString);
    const DeviceId dev = parse_device_id(id);
    out.emplace_back("id_string", std::string(id));
    if (!dev.manufacturer.empty()) {
        out.emplace_back("manufacturer", dev.manufacturer);
    }
    if (!dev.model.empty()) {
        out.emplace_back("model", dev.model);
    }
    if (!dev.command_set.empty()) {
        out.emplace_back("command_set", dev.command_set);
    }
    return {};
}

core::Violation parse_status_reply(ByteReader p, Object& out) {
    const auto rest = text(p.rest());
    if (rest.starts_with("<?xml")) {
        out.emplace_back("status", std::string(rest.substr(0, 512)));
        return {};
    }
    auto len = p.u16be();
    if (!len) {
        return {};
    }
    out.emplace_back("status", trimmed(text(take_upto(p, std::min<std::size_t>(*len, 512)))));
    return {};
}

}  // namespace

namespace {
constexpr std::uint32_t big_endian_word(std::string_view s) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) << 24U |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 16U |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 8U |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[3]));
}
constexpr auto kMagicWords = [] {
    std::array<std::uint32_t, kMagics.size()> words{};
    for (std::size_t i = 0; i < kMagics.size(); ++i) {
        words.at(i) = big_endian_word(kMagics.at(i));
    }
    return words;
}();
}  // namespace

bool has_magic(Bytes b) noexcept {
    if (b.size() < 4) {
        return false;
    }
    // One word against six: resync() asks at every byte of a stream that lost its framing, and
    // six string compares there were a twentieth of a replay.
    const std::uint32_t head = big_endian_word(text(b.first(4)));
    return std::find(kMagicWords.begin(), kMagicWords.end(), head) != kMagicWords.end();
}

bool known_command(std::uint8_t code) noexcept {
    return std::string_view(command_name(code)) != "unknown";
}

const char* command_name(std::uint8_t code) noexcept {
    switch (static_cast<Command>(code)) {
        case Command::Discover:
            return "discover";
        case Command::StartScan:
            return "start_scan";
        case Command::JobDetails:
            return "job_details";
        case Command::Close:
            return "close";
        case Command::Status:
            return "status";
        case Command::Data:
            return "data";
        case Command::Identity:
            return "identity";
        case Command::ScanPoll:
            return "scan_poll";
        default:
            return "unknown";
    }
}

core::Result<Header> parse_header(ByteReader& r) noexcept {
    auto magic = r.take(4);
    auto dev = r.u8();
    auto code = r.u8();
    auto reserved = r.u16be();
    auto seq = r.u16be();
    auto session = r.u16be();
    auto len = r.u32be();
    if (r.failed()) {
        return core::unexpected(ParseError::Truncated);
    }
    if (!has_magic(*magic)) {
        return core::unexpected(ParseError::Invalid);
    }
    const std::uint8_t base = *dev & 0x7fU;
    if ((base != 0x01 && base != 0x02) || (*dev & 0x7cU) != 0 || *reserved != 0) {
        return core::unexpected(ParseError::Invalid);
    }
    if (*len > kMaxPayload) {
        return core::unexpected(ParseError::TooLarge);
    }
    Header h;
    h.magic = std::string(text(*magic));
    h.dev_type = *dev;
    h.code = *code;
    h.seq = *seq;
    h.session = *session;
    h.length = *len;
    return h;
}

std::string ucs2be_to_utf8(Bytes b, std::size_t max_units) {
    std::string out;
    ByteReader r(b);
    for (std::size_t i = 0; i < max_units; ++i) {
        auto unit = r.u16be();
        if (!unit || *unit == 0) {
            break;
        }
        // Lone surrogates are not text: U+FFFD keeps the output valid UTF-8.
        put_utf8(out, (*unit >= 0xd800 && *unit <= 0xdfff) ? 0xfffdU : *unit);
    }
    return out;
}

DeviceId parse_device_id(std::string_view id) {
    DeviceId d;
    while (!id.empty()) {
        const auto semi = id.find(';');
        const auto field = id.substr(0, semi);
        id = semi == std::string_view::npos ? std::string_view{} : id.substr(semi + 1);
        const auto colon = field.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        const std::string key = core::ascii_upper(trimmed(field.substr(0, colon)));
        const std::string value = trimmed(field.substr(colon + 1));
        if (key == "MFG" || key == "MANUFACTURER") {
            d.manufacturer = value;
        } else if (key == "MDL" || key == "MODEL") {
            d.model = value;
        } else if (key == "CMD" || key == "COMMAND SET") {
            d.command_set = value;
        } else if (key == "DES" || key == "DESCRIPTION") {
            d.description = value;
        }
    }
    if (d.model.empty() && !d.description.empty()) {
        d.model = d.description;
    }
    return d;
}

core::Violation parse_payload(const Header& h, Bytes payload, bool udp, Object& out) {
    ByteReader p(payload);
    if (!known_command(h.code)) {
        return ParseError::Unsupported;
    }
    switch (static_cast<Command>(h.code)) {
        case Command::Discover:
            return h.response() ? parse_discover_reply(p, out) : core::Violation{};
        case Command::JobDetails:
            return h.response() ? core::Violation{} : parse_job_details(p, out);
        case Command::Status:
            if (h.response() && udp) {
                return parse_status_reply(p, out);
            }
            return {};
        case Command::Data:
            if (h.response()) {
                if (auto n = p.u32be()) {
                    out.emplace_back("accepted", *n);
                }
            }
            return {};
        case Command::Identity:
            return h.response() ? parse_identity_reply(h, p, out) : core::Violation{};
        default:
            return {};
    }
}

namespace {

Object header_fields(const Header& h) {
    Object fields;
    fields.reserve(kRecordFields);  // the payload's fields follow: one allocation, not four
    fields.emplace_back("magic", h.magic);
    fields.emplace_back("direction", h.response() ? "response" : "command");
    fields.emplace_back("device", h.scanner() ? "scanner" : "printer");
    fields.emplace_back("command", command_name(h.code));
    fields.emplace_back("code", static_cast<int>(h.code));
    fields.emplace_back("seq", static_cast<int>(h.seq));
    fields.emplace_back("session", static_cast<int>(h.session));
    fields.emplace_back("length", h.length);
    return fields;
}

/// Per-direction TCP framing state: header bytes, then the payload (only its head is kept).
struct Framer {
    std::array<std::uint8_t, kHeaderLen> header{};
    std::size_t header_have = 0;
    bool in_payload = false;
    std::uint32_t remaining = 0;
    Header current;
    std::vector<std::uint8_t> head;
    bool lost = false;  // after a gap or a bad header: wait for the next magic
};

class BjnpDissector final : public core::Dissector {
  public:
    explicit BjnpDissector(const core::DissectorContext& ctx)
        : udp_(ctx.transport == core::Transport::Udp) {
        for (auto& f : framers_) {
            if (!udp_) {  // a datagram is parsed where it lies; only TCP collects payloads
                f.head.reserve(kPayloadHeadCap);
            }
        }
    }

    void on_data(core::Direction dir, Bytes data, core::Timestamp ts,
                 core::AppEventSink& sink) noexcept override {
        if (udp_) {
            on_datagram(dir, data, ts, sink);
            return;
        }
        feed(framers_.at(static_cast<std::size_t>(dir)), dir, data, ts, sink);
    }
    void on_gap(core::Direction dir, std::size_t /*length*/) noexcept override {
        auto& f = framers_.at(static_cast<std::size_t>(dir));
        f = Framer{};
        f.lost = true;
    }
    [[nodiscard]] bool detached() const noexcept override { return violations_ >= kMaxViolations; }

  private:
    void emit(core::Direction dir, core::Timestamp ts, const Header& h, Bytes payload,
              core::Violation violation, core::AppEventSink& sink) {
        core::AppEvent ev;
        ev.ts = ts;
        ev.dir = dir;
        ev.proto = "bjnp";
        ev.dissector = "bjnp";
        ev.name = command_name(h.code);
        ev.kind = h.code;
        ev.fields = header_fields(h);
        const auto parse_violation = parse_payload(h, payload, udp_, ev.fields);
        if (!violation) {
            violation = parse_violation;
        }
        ev.from_printer = h.response();
        if (h.response()) {
            ev.fields.emplace_back("paired", take_request(h));
        } else {
            remember_request(h);
        }
        if (violation) {
            ev.violation = violation;
            ev.fields.emplace_back("violation", core::to_string(*violation));
            ++violations_;
        }
        sink.on_app_event(std::move(ev));
    }

    void emit_malformed(core::Direction dir, core::Timestamp ts, ParseError err, Bytes data,
                        core::AppEventSink& sink) {
        core::AppEvent ev;
        ev.ts = ts;
        ev.dir = dir;
        ev.proto = "bjnp";
        ev.dissector = "bjnp";
        ev.name = "malformed";
        ev.violation = err;
        ev.fields = Object{{"direction", dir == core::Direction::ToServer ? "command" : "response"},
                           {"command", "malformed"},
                           {"violation", core::to_string(err)},
                           {"captured", static_cast<std::uint64_t>(data.size())}};
        if (data.size() >= 4) {
            ev.fields.insert(ev.fields.begin(), {"magic", std::string(text(data.first(4)))});
        }
        ++violations_;
        sink.on_app_event(std::move(ev));
    }

    void on_datagram(core::Direction dir, Bytes data, core::Timestamp ts,
                     core::AppEventSink& sink) {
        ByteReader r(data);
        auto h = parse_header(r);
        if (!h) {
            emit_malformed(dir, ts, h.error(), data, sink);
            return;
        }
        // In a datagram the length field must describe exactly the bytes that follow.
        core::Violation violation;
        if (h->length > r.remaining()) {
            violation = ParseError::Truncated;
        } else if (h->length < r.remaining()) {
            violation = ParseError::Invalid;
        }
        emit(dir, ts, *h, take_upto(r, h->length), violation, sink);
    }

    void feed(Framer& f, core::Direction dir, Bytes data, core::Timestamp ts,
              core::AppEventSink& sink) {
        ByteReader r(data);
        while (r.remaining() > 0) {
            if (f.lost && !resync(f, r)) {
                return;
            }
            if (!f.in_payload) {
                const auto chunk = take_upto(r, kHeaderLen - f.header_have);
                std::copy(chunk.begin(), chunk.end(),
                          f.header.begin() + static_cast<long>(f.header_have));
                f.header_have += chunk.size();
                if (f.header_have < kHeaderLen) {
                    return;  // wait for the rest of the header
                }
                ByteReader hr(f.header);
                auto h = parse_header(hr);
                f.header_have = 0;
                if (!h) {
                    emit_malformed(dir, ts, h.error(), f.header, sink);
                    f.lost = true;
                    continue;
                }
                f.current = *h;
                f.in_payload = true;
                f.remaining = h->length;
                f.head.clear();
            }
            const auto chunk = take_upto(r, f.remaining);
            const std::size_t keep = std::min(chunk.size(), kPayloadHeadCap - f.head.size());
            f.head.insert(f.head.end(), chunk.begin(), chunk.begin() + static_cast<long>(keep));
            f.remaining -= static_cast<std::uint32_t>(chunk.size());
            if (f.remaining == 0) {
                f.in_payload = false;
                emit(dir, ts, f.current, f.head, {}, sink);
            }
        }
    }

    /// Skips to the next known magic in the stream; false when this chunk has none.
    static bool resync(Framer& f, ByteReader& r) {
        while (r.remaining() >= 4) {
            // Every magic starts with B, P or M: most bytes of a stream that lost its framing
            // are ruled out by their first byte alone.
            const auto first = r.rest().front();
            if ((first == 'B' || first == 'P' || first == 'M') && has_magic(r.rest())) {
                f = Framer{};
                return true;
            }
            r.skip(1);
        }
        r.skip(r.remaining());
        return false;
    }

    void remember_request(const Header& h) {
        if (outstanding_count_ == kMaxOutstanding) {
            erase_request(0);
        }
        outstanding_.at(outstanding_count_++) = {h.code, h.seq};
    }
    bool take_request(const Header& h) {
        for (std::size_t i = 0; i < outstanding_count_; ++i) {
            if (outstanding_.at(i) == std::make_pair(h.code, h.seq)) {
                erase_request(i);
                return true;
            }
        }
        return false;
    }
    void erase_request(std::size_t i) {
        for (; i + 1 < outstanding_count_; ++i) {
            outstanding_.at(i) = outstanding_.at(i + 1);
        }
        --outstanding_count_;
    }

    bool udp_;
    std::array<Framer, 2> framers_;
    // In place: a UDP flow is often one datagram, and a vector was an allocation per flow.
    std::array<std::pair<std::uint8_t, std::uint16_t>, kMaxOutstanding> outstanding_{};
    std::size_t outstanding_count_ = 0;
    std::uint32_t violations_ = 0;
};

core::Confidence probe(Bytes first, core::Direction /*dir*/) noexcept {
    if (has_magic(first)) {
        return core::Confidence::Yes;
    }
    // A first segment shorter than the magic cannot be judged yet.
    if (first.size() < 4) {
        for (auto m : kMagics) {
            if (m.starts_with(text(first))) {
                return core::Confidence::Maybe;
            }
        }
    }
    return core::Confidence::No;
}

std::unique_ptr<core::Dissector> make(const core::DissectorContext& ctx) {
    return std::make_unique<BjnpDissector>(ctx);
}

}  // namespace
}  // namespace printwatch::dissect::bjnp

namespace printwatch::dissectors {

namespace {
// BJNP and MFNP use both UDP and TCP (docs/protocols.md §1.2). 8611 is the printer service,
// 8612 the scanner's; 8613 and 8614 have no published role, so they keep their numbers.
constexpr std::array<std::uint16_t, 4> kBjnpPorts{8611, 8612, 8613, 8614};
constexpr std::array kBjnpServices{
    core::ServiceSpec{"bjnp-printer", 8611}, core::ServiceSpec{"bjnp-scanner", 8612},
    core::ServiceSpec{"bjnp-8613", 8613}, core::ServiceSpec{"bjnp-8614", 8614},
    core::ServiceSpec{"bjnp-other", 0}};
// MFNP (8610) is opt-in: a sibling protocol with BJNP's framing, not BJNP itself.
constexpr std::array kMfnpServices{core::ServiceSpec{"mfnp", 0}};
constexpr std::array kBjnpGroups{
    core::PortGroup{"bjnp", kBjnpPorts, true, true, kBjnpServices, "bjnp"},
    core::PortGroup{"mfnp", {}, true, true, kMfnpServices, "bjnp"}};

// Rules (docs/spec.md §4, sids 11xx): what BJNP records mean. Discovery, identity and jobs are
// what CUPS and SANE do, so they alert only for an untrusted or outside client; a malformed
// message alerts for everyone.
constexpr std::uint32_t kSidDiscovery = 1'001'101;
constexpr std::uint32_t kSidIdentityQuery = 1'001'102;
constexpr std::uint32_t kSidJob = 1'001'103;
constexpr std::uint32_t kSidMalformed = 1'001'199;
constexpr std::array kBjnpSignatures{
    core::Signature{kSidDiscovery, 1, "bjnp.discovery",
                    "PRINTWATCH BJNP discover from outside or untrusted",
                    "Attempted Information Leak", 3, "bjnp", 0},
    core::Signature{kSidIdentityQuery, 1, "bjnp.identity_query",
                    "PRINTWATCH BJNP get-identity query", "Attempted Information Leak", 3, "bjnp",
                    0},
    core::Signature{kSidJob, 1, "bjnp.job", "PRINTWATCH BJNP job from outside or untrusted client",
                    "Potential Corporate Privacy Violation", 2, "bjnp", 0},
    core::Signature{kSidMalformed, 1, "bjnp.malformed", "PRINTWATCH malformed BJNP message",
                    "Potentially Bad Traffic", 2, "bjnp", 0},
};

void bjnp_rules(const core::AppEvent& event, core::RuleContext& rules) {
    const auto& f = event.fields;
    if (event.violation) {
        rules.raise(kSidMalformed, core::to_string(*event.violation), [&] {
            return core::pick(f, {"magic", "command", "code", "length", "violation"});
        });
        return;
    }
    if (rules.trusted()) {
        return;
    }
    const bool request = !event.from_printer;
    switch (static_cast<dissect::bjnp::Command>(event.kind)) {
        case dissect::bjnp::Command::Discover:
            if (request) {
                rules.raise(kSidDiscovery, event.name, [&] {
                    return core::pick(f, {"device", "magic"});
                });
            }
            break;
        case dissect::bjnp::Command::Identity:
            if (!request) {
                rules.raise(kSidIdentityQuery, event.name, [&] {
                    return core::pick(f, {"device", "model", "manufacturer", "command_set"});
                });
            }
            break;
        case dissect::bjnp::Command::JobDetails:
            if (request) {
                rules.raise(kSidJob, event.name, [&] {
                    return core::pick(f, {"device", "host", "user", "title"});
                });
            }
            break;
        default:
            break;
    }
}

constexpr std::array<std::string_view, 1> kBjnpRecords{"bjnp"};
}  // namespace

const core::DissectorInfo& bjnp_info() {
    static const core::DissectorInfo kInfo{"bjnp",
                                           true,
                                           true,
                                           &dissect::bjnp::probe,
                                           &dissect::bjnp::make,
                                           kBjnpGroups,
                                           core::RuleSet{kBjnpSignatures, &bjnp_rules},
                                           kBjnpRecords};
    return kInfo;
}

}  // namespace printwatch::dissectors
