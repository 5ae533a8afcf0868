// SPDX-License-Identifier: Apache-2.0
// \summary: IPP dissector: HTTP/1.1 framing on 631, IPP operations and replies, the documents
// of print jobs handed to the raw 9100 parser, and the upgrade to TLS.
//
// Reference: RFC 8010 (encoding), RFC 8011 (model), RFC 9112 (HTTP/1.1 framing), CUPS's
// cups/ipp.h for its operations. An IPP message is the body of an HTTP POST and its reply:
//
//   POST /printers/lp HTTP/1.1        Transfer-Encoding: chunked   Expect: 100-continue
//   body: version(2) operation-id(2) request-id(4) { group-tag { value-tag name-length(2)
//         name value-length(2) value }* }* end-of-attributes-tag(0x03) [document data]
//   HTTP/1.1 200 OK                   Content-Length: n
//   body: version(2) status-code(2) request-id(4) groups... 0x03
//
// What real clients do (cups 2.4 ipptool and libcups, captured in tests/lab/ipp_lab.py): every
// request is chunked with "Expect: 100-continue" and the server answers "100 Continue" before
// the body; replies carry Content-Length. An administrative operation from a remote client
// is refused with "426 Upgrade Required" (Upgrade: TLS/1.2,...), after which the client opens
// another connection with "OPTIONS * HTTP/1.1" and an Upgrade header, gets "101 Switching
// Protocols", and speaks TLS: the dissector records the refusal and the upgrade, then lets the
// encrypted bytes pass. Records: `ipp` per request once its attributes are complete, per reply
// (paired with its request in HTTP order), per non-IPP HTTP exchange on the port. Violations:
// a bad request or status line, a bad length or chunk size (invalid), a header block over
// kMaxHead or an attribute over kMaxAttribute (too_large), an IPP message cut short
// (truncated). Memory per flow: one header block or chunk line and one attribute per
// direction, the open requests (at most kMaxPending) and the current document's 9100 parser.
#include "ipp.h"

#include "core/dissector.h"
#include "core/text.h"
#include "raw9100.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <memory>

namespace printwatch::dissect::ipp {

using core::AppEvent;
using core::AppEventSink;
using core::Bytes;
using core::Direction;
using core::Object;
using core::ParseError;

namespace {

struct Operation {
    std::uint16_t id;
    const char* name;
    OperationClass cls;
};
using enum OperationClass;
constexpr std::array kOperations{
    Operation{0x0002, "Print-Job", Job},
    Operation{0x0003, "Print-URI", Job},
    Operation{0x0004, "Validate-Job", Query},
    Operation{0x0005, "Create-Job", Job},
    Operation{0x0006, "Send-Document", Job},
    Operation{0x0007, "Send-URI", Job},
    Operation{0x0008, "Cancel-Job", JobControl},
    Operation{0x0009, "Get-Job-Attributes", Query},
    Operation{0x000A, "Get-Jobs", Query},
    Operation{0x000B, "Get-Printer-Attributes", Query},
    Operation{0x000C, "Hold-Job", JobControl},
    Operation{0x000D, "Release-Job", JobControl},
    Operation{0x000E, "Restart-Job", JobControl},
    Operation{0x0010, "Pause-Printer", PrinterAdmin},
    Operation{0x0011, "Resume-Printer", PrinterAdmin},
    Operation{0x0012, "Purge-Jobs", PrinterAdmin},
    Operation{0x0013, "Set-Printer-Attributes", PrinterAdmin},
    Operation{0x0014, "Set-Job-Attributes", JobControl},
    Operation{0x0015, "Get-Printer-Supported-Values", Query},
    Operation{0x0016, "Create-Printer-Subscriptions", Subscription},
    Operation{0x0017, "Create-Job-Subscriptions", Subscription},
    Operation{0x0018, "Get-Subscription-Attributes", Subscription},
    Operation{0x0019, "Get-Subscriptions", Subscription},
    Operation{0x001A, "Renew-Subscription", Subscription},
    Operation{0x001B, "Cancel-Subscription", Subscription},
    Operation{0x001C, "Get-Notifications", Subscription},
    Operation{0x0022, "Enable-Printer", PrinterAdmin},
    Operation{0x0023, "Disable-Printer", PrinterAdmin},
    Operation{0x0024, "Pause-Printer-After-Current-Job", PrinterAdmin},
    Operation{0x0025, "Hold-New-Jobs", PrinterAdmin},
    Operation{0x0026, "Release-Held-New-Jobs", PrinterAdmin},
    Operation{0x0027, "Deactivate-Printer", PrinterAdmin},
    Operation{0x0028, "Activate-Printer", PrinterAdmin},
    Operation{0x0029, "Restart-Printer", PrinterAdmin},
    Operation{0x002A, "Shutdown-Printer", PrinterAdmin},
    Operation{0x002B, "Startup-Printer", PrinterAdmin},
    Operation{0x002C, "Reprocess-Job", JobControl},
    Operation{0x002D, "Cancel-Current-Job", JobControl},
    Operation{0x002E, "Suspend-Current-Job", JobControl},
    Operation{0x002F, "Resume-Job", JobControl},
    Operation{0x0030, "Promote-Job", JobControl},
    Operation{0x0031, "Schedule-Job-After", JobControl},
    Operation{0x0033, "Cancel-Document", JobControl},
    Operation{0x0034, "Get-Document-Attributes", Query},
    Operation{0x0035, "Get-Documents", Query},
    Operation{0x0036, "Delete-Document", JobControl},
    Operation{0x0037, "Set-Document-Attributes", JobControl},
    Operation{0x0038, "Cancel-Jobs", PrinterAdmin},
    Operation{0x0039, "Cancel-My-Jobs", JobControl},
    Operation{0x003A, "Resubmit-Job", JobControl},
    Operation{0x003B, "Close-Job", JobControl},
    Operation{0x003C, "Identify-Printer", Other},
    Operation{0x003D, "Validate-Document", Query},
    Operation{0x4001, "CUPS-Get-Default", Query},
    Operation{0x4002, "CUPS-Get-Printers", Query},
    Operation{0x4003, "CUPS-Add-Modify-Printer", PrinterAdmin},
    Operation{0x4004, "CUPS-Delete-Printer", PrinterAdmin},
    Operation{0x4005, "CUPS-Get-Classes", Query},
    Operation{0x4006, "CUPS-Add-Modify-Class", PrinterAdmin},
    Operation{0x4007, "CUPS-Delete-Class", PrinterAdmin},
    Operation{0x4008, "CUPS-Accept-Jobs", PrinterAdmin},
    Operation{0x4009, "CUPS-Reject-Jobs", PrinterAdmin},
    Operation{0x400A, "CUPS-Set-Default", PrinterAdmin},
    Operation{0x400B, "CUPS-Get-Devices", Query},
    Operation{0x400C, "CUPS-Get-PPDs", Query},
    Operation{0x400D, "CUPS-Move-Job", PrinterAdmin},
    Operation{0x400E, "CUPS-Authenticate-Job", JobControl},
    Operation{0x400F, "CUPS-Get-PPD", Query},
    Operation{0x4027, "CUPS-Get-Document", Query},
    Operation{0x4028, "CUPS-Create-Local-Printer", PrinterAdmin},
};

const Operation* find_operation(std::uint16_t op) noexcept {
    const auto* it = std::find_if(kOperations.begin(), kOperations.end(),
                                  [op](const Operation& o) { return o.id == op; });
    return it == kOperations.end() ? nullptr : &*it;
}

struct Status {
    std::uint16_t code;
    const char* name;
};
constexpr std::array kStatuses{
    Status{0x0000, "successful-ok"},
    Status{0x0001, "successful-ok-ignored-or-substituted-attributes"},
    Status{0x0002, "successful-ok-conflicting-attributes"},
    Status{0x0400, "client-error-bad-request"},
    Status{0x0401, "client-error-forbidden"},
    Status{0x0402, "client-error-not-authenticated"},
    Status{0x0403, "client-error-not-authorized"},
    Status{0x0404, "client-error-not-possible"},
    Status{0x0405, "client-error-timeout"},
    Status{0x0406, "client-error-not-found"},
    Status{0x0407, "client-error-gone"},
    Status{0x0408, "client-error-request-entity-too-large"},
    Status{0x0409, "client-error-request-value-too-long"},
    Status{0x040A, "client-error-document-format-not-supported"},
    Status{0x040B, "client-error-attributes-or-values-not-supported"},
    Status{0x040C, "client-error-uri-scheme-not-supported"},
    Status{0x040D, "client-error-charset-not-supported"},
    Status{0x040E, "client-error-conflicting-attributes"},
    Status{0x040F, "client-error-compression-not-supported"},
    Status{0x0410, "client-error-compression-error"},
    Status{0x0411, "client-error-document-format-error"},
    Status{0x0412, "client-error-document-access-error"},
    Status{0x0500, "server-error-internal-error"},
    Status{0x0501, "server-error-operation-not-supported"},
    Status{0x0502, "server-error-service-unavailable"},
    Status{0x0503, "server-error-version-not-supported"},
    Status{0x0504, "server-error-device-error"},
    Status{0x0505, "server-error-temporary-error"},
    Status{0x0506, "server-error-not-accepting-jobs"},
    Status{0x0507, "server-error-busy"},
    Status{0x0508, "server-error-job-canceled"},
    Status{0x0509, "server-error-multiple-document-jobs-not-supported"},
};

/// Attributes a record keeps: IPP name, record field, and whether all values are kept.
struct Kept {
    std::string_view ipp;
    std::string_view field;
    bool list = false;
};
constexpr std::array kKept{
    Kept{"printer-uri", "printer_uri"},
    Kept{"job-uri", "job_uri"},
    Kept{"job-id", "job_id"},
    Kept{"requesting-user-name", "requesting_user_name"},
    Kept{"job-name", "job_name"},
    Kept{"document-format", "document_format"},
    Kept{"document-name", "document_name"},
    Kept{"compression", "compression"},
    Kept{"which-jobs", "which_jobs"},
    Kept{"requested-attributes", "requested_attributes", true},
    Kept{"job-state", "job_state"},
    Kept{"printer-name", "printer_name"},
    Kept{"printer-state", "printer_state"},
    Kept{"printer-make-and-model", "printer_make_and_model"},
    Kept{"printer-uuid", "printer_uuid"},
    Kept{"printer-info", "printer_info"},
    Kept{"printer-location", "printer_location"},
    Kept{"printer-is-shared", "printer_is_shared"},
    Kept{"device-uri", "device_uri"},
    Kept{"status-message", "status_message"},
};
constexpr std::size_t kMaxPrinterAttributes = 16;
constexpr std::uint8_t kPrinterGroup = 0x04;  // printer-attributes-tag

constexpr std::array<const char*, 7> kJobStates{
    "pending",  "pending-held", "processing", "processing-stopped",
    "canceled", "aborted",      "completed"};
constexpr std::array<const char*, 3> kPrinterStates{"idle", "processing", "stopped"};

std::string capped(std::string_view s) {
    return std::string(s.substr(0, kMaxValue));
}

std::optional<std::uint64_t> hexadecimal(std::string_view s) {
    if (s.empty() || s.size() > 15) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (const char c : s) {
        const int d = std::isdigit(static_cast<unsigned char>(c)) != 0 ? c - '0'
                      : (c >= 'a' && c <= 'f')                         ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F')                         ? c - 'A' + 10
                                                                       : -1;
        if (d < 0) {
            return std::nullopt;
        }
        v = v * 16 + static_cast<std::uint64_t>(d);
    }
    return v;
}

}  // namespace

const char* operation_name(std::uint16_t op) noexcept {
    const auto* o = find_operation(op);
    return o == nullptr ? nullptr : o->name;
}

OperationClass operation_class(std::uint16_t op) noexcept {
    const auto* o = find_operation(op);
    return o == nullptr ? OperationClass::Other : o->cls;
}

const char* to_string(OperationClass c) noexcept {
    switch (c) {
        case OperationClass::Job:
            return "job";
        case OperationClass::JobControl:
            return "job_control";
        case OperationClass::Query:
            return "query";
        case OperationClass::PrinterAdmin:
            return "printer_admin";
        case OperationClass::Subscription:
            return "subscription";
        case OperationClass::Other:
            return "other";
    }
    return "other";
}

std::string status_name(std::uint16_t status) {
    for (const auto& s : kStatuses) {
        if (s.code == status) {
            return s.name;
        }
    }
    if (status < 0x0100) {
        return "successful";
    }
    if (status >= 0x0400 && status < 0x0500) {
        return "client-error";
    }
    if (status >= 0x0500 && status < 0x0600) {
        return "server-error";
    }
    return "unknown";
}

namespace {

/// The request line ("POST /printers/lp HTTP/1.1") or status line ("HTTP/1.1 426 ...").
bool parse_start_line(std::string_view first, HttpHead& h) {
    if (first.starts_with("HTTP/1.")) {
        h.request = false;
        const auto sp = first.find(' ');
        const auto n = core::parse_uint(sp == std::string_view::npos ? std::string_view{}
                                                                     : first.substr(sp + 1, 3));
        h.status = n ? static_cast<int>(*n) : 0;
        return h.status >= 100 && h.status <= 599;
    }
    const auto sp1 = first.find(' ');
    const auto sp2 = first.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1 ||
        !first.substr(sp2 + 1).starts_with("HTTP/1.")) {
        return false;
    }
    h.method = std::string(first.substr(0, sp1));
    h.uri = capped(first.substr(sp1 + 1, sp2 - sp1 - 1));
    return std::all_of(h.method.begin(), h.method.end(),
                       [](char c) { return c >= 'A' && c <= 'Z'; });
}

/// One header line; false when a length header is not a number.
bool parse_header(std::string_view name, std::string_view value, HttpHead& h) {
    if (core::iequals(name, "Content-Length")) {
        h.content_length = core::parse_uint(value);
        return h.content_length.has_value();
    }
    if (core::iequals(name, "Transfer-Encoding")) {
        h.chunked = value.find("chunked") != std::string_view::npos;
        return true;
    }
    if (core::iequals(name, "Authorization")) {
        h.authorization = capped(value.substr(0, value.find(' ')));  // the scheme, never the secret
        return true;
    }
    const std::array<std::pair<std::string_view, std::string*>, 6> kept{
        {{"Content-Type", &h.content_type},
         {"Content-Encoding", &h.content_encoding},
         {"Upgrade", &h.upgrade},
         {"Expect", &h.expect},
         {"User-Agent", &h.user_agent},
         {"Server", &h.server}}};
    for (const auto& [header, field] : kept) {
        if (core::iequals(name, header)) {
            *field = capped(value);
        }
    }
    return true;
}

}  // namespace

core::Result<HttpHead> parse_http_head(std::string_view block) {
    HttpHead h;
    const auto eol = block.find('\n');
    const auto first = core::trim_blanks(block.substr(0, eol));
    block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 1);
    if (!parse_start_line(first, h)) {
        return core::unexpected(ParseError::Invalid);
    }
    while (!block.empty()) {
        const auto end = block.find('\n');
        const auto line = block.substr(0, end);
        block.remove_prefix(end == std::string_view::npos ? block.size() : end + 1);
        const auto colon = line.find(':');
        // A line without a colon (an obs-fold, a stray line) is skipped, as servers do.
        if (colon != std::string_view::npos &&
            !parse_header(core::trim_blanks(line.substr(0, colon)),
                          core::trim_blanks(line.substr(colon + 1)), h)) {
            return core::unexpected(ParseError::Invalid);
        }
    }
    return h;
}

// ---------------------------------------------------------------------- IPP attributes

std::size_t IppParser::feed(Bytes data) {
    if (done_ || error_) {
        return done_ ? 0 : data.size();
    }
    const std::size_t before = pending_.size() - pos_;
    pending_.append(core::as_text(data));
    while (!done_ && !error_ && step()) {
    }
    std::size_t used = data.size();
    if (done_) {
        // Bytes after the end tag are document data: give back what this call did not use.
        used = pos_ >= before ? pos_ - before : 0;
        pending_.clear();
        pos_ = 0;
        return used;
    }
    pending_.erase(0, pos_);  // keep only the incomplete element
    pos_ = 0;
    if (pending_.size() > kMaxAttribute) {
        error_ = ParseError::TooLarge;
        pending_.clear();
    }
    return used;
}

bool IppParser::step() {
    const core::ByteReader all(core::as_bytes(pending_));
    core::ByteReader r(all.rest().subspan(pos_));
    if (!header_) {
        const auto maj = r.u8();
        const auto min = r.u8();
        const auto code16 = r.u16be();
        const auto id = r.u32be();
        if (r.failed()) {
            return false;
        }
        major = *maj;
        minor = *min;
        code = *code16;
        request_id = *id;
        header_ = true;
        pos_ += 8;
        return true;
    }
    const auto tag = r.u8();
    if (!tag) {
        return false;
    }
    if (*tag < 0x10) {  // a delimiter: a group starts, or the attributes end
        pos_ += 1;
        if (*tag == 0x03) {
            done_ = true;
        } else if (*tag == 0x00) {
            error_ = ParseError::Invalid;
        } else {
            group_ = *tag;
            ++groups;
        }
        return true;
    }
    std::size_t extra = 0;
    if (*tag == 0x7f && !r.skip(4)) {  // an extension tag: its real tag follows in 4 octets
        return false;
    }
    if (*tag == 0x7f) {
        extra = 4;
    }
    const auto name_len = r.u16be();
    if (!name_len) {
        return false;
    }
    const auto name = r.take(*name_len);
    const auto value_len = name ? r.u16be() : std::nullopt;
    const auto value = value_len ? r.take(*value_len) : std::nullopt;
    if (!value) {
        return false;
    }
    if (group_ == 0) {
        error_ = ParseError::Invalid;  // an attribute before any group
        return true;
    }
    pos_ += 1 + extra + 2 + name->size() + 2 + value->size();
    attribute(*tag, core::as_text(*name), *value);
    return true;
}

namespace {

/// One value as a record keeps it: enums by name where RFC 8011 names them; nullopt for the
/// types a record does not carry (octetString, dateTime, resolution, ranges, out-of-band).
std::optional<core::Value> decode_value(std::uint8_t tag, std::string_view name, Bytes value) {
    core::ByteReader r(value);
    if (tag == 0x21 || tag == 0x23) {  // integer, enum
        const auto i = r.u32be();
        if (!i) {
            return std::nullopt;
        }
        const auto n = static_cast<std::int32_t>(*i);
        if (name == "job-state" && n >= 3 && n <= 9) {
            return core::Value(kJobStates.at(static_cast<std::size_t>(n - 3)));
        }
        if (name == "printer-state" && n >= 3 && n <= 5) {
            return core::Value(kPrinterStates.at(static_cast<std::size_t>(n - 3)));
        }
        return core::Value(static_cast<std::int64_t>(n));
    }
    if (tag == 0x22) {  // boolean
        const auto b = r.u8();
        return b ? std::optional(core::Value(*b != 0)) : std::nullopt;
    }
    if (tag == 0x35 || tag == 0x36) {  // text/name with language: skip the language
        const auto lang = r.u16be();
        const auto text = lang && r.skip(*lang) ? r.u16be() : std::nullopt;
        const auto body = text ? r.take(*text) : std::nullopt;
        return body ? std::optional(core::Value(capped(core::as_text(*body)))) : std::nullopt;
    }
    if (tag >= 0x41 && tag <= 0x49) {  // the character-string types
        return core::Value(capped(core::as_text(value)));
    }
    return std::nullopt;
}

/// Puts a kept attribute's value in the record's fields: the first value, or all of a list.
void keep(core::Object& fields, const Kept& k, core::Value&& v) {
    auto existing = std::find_if(fields.begin(), fields.end(),
                                 [&](const auto& f) { return f.first == k.field; });
    if (!k.list) {
        if (existing == fields.end()) {
            fields.emplace_back(std::string(k.field), std::move(v));  // the first value counts
        }
        return;
    }
    if (existing == fields.end()) {
        fields.emplace_back(std::string(k.field), core::Array{});
        existing = fields.end() - 1;
    }
    auto* list = std::get_if<core::Array>(&existing->second.v);
    if (list != nullptr && list->size() < kMaxValues) {
        list->push_back(std::move(v));
    }
}

}  // namespace

void IppParser::attribute(std::uint8_t tag, std::string_view name, Bytes value) {
    const bool additional = name.empty();
    if (additional) {
        name = last_name_;
    } else {
        last_name_ = capped(name);
        ++attributes;
    }
    auto v = decode_value(tag, name, value);
    if (!v) {
        return;
    }
    if (request && group_ == kPrinterGroup && !additional &&
        printer_attributes.size() < kMaxPrinterAttributes) {
        printer_attributes.emplace_back(std::string(name), *v);  // what the request sets
    }
    const auto* kept =
        std::find_if(kKept.begin(), kKept.end(), [&](const Kept& k) { return k.ipp == name; });
    if (kept != kKept.end()) {
        keep(fields, *kept, std::move(*v));
    }
}

namespace {

constexpr std::uint32_t kMaxViolations = 8;  // then the flow is not IPP: detach
constexpr std::size_t kMaxPending = 8;       // requests waiting for their reply
constexpr std::size_t kMaxChunkLine = 256;

/// A request waiting for its reply: the reply record names the operation it answers.
struct Pending {
    std::string operation;
    std::uint16_t id = 0;
    bool head = false;  // a HEAD request: its reply has headers only, whatever its length says
};

class IppDissector final : public core::Dissector {
  public:
    explicit IppDissector(const core::DissectorContext& ctx) : ctx_(ctx) {}

    void on_data(Direction dir, Bytes data, core::Timestamp ts,
                 AppEventSink& sink) noexcept override {
        ts_ = ts;
        sink_ = &sink;
        auto& side = sides_.at(static_cast<std::size_t>(dir));
        std::size_t i = 0;
        while (i < data.size() && side.state != State::Tunnel && side.state != State::Lost) {
            i += step(dir, side, data.subspan(i));
        }
    }
    void on_gap(Direction dir, std::size_t length) noexcept override {
        auto& side = sides_.at(static_cast<std::size_t>(dir));
        if ((side.state == State::Body || side.state == State::ChunkData) &&
            length < side.remaining) {
            side.remaining -= length;
            side.lost = true;  // the attributes can no longer be read; the framing holds
            return;
        }
        if (side.state != State::Tunnel) {
            side.state = State::Lost;
        }
    }
    void on_end(core::Timestamp ts, AppEventSink& sink) noexcept override {
        ts_ = ts;
        sink_ = &sink;
        for (const auto dir : {Direction::ToServer, Direction::ToClient}) {
            auto& side = sides_.at(static_cast<std::size_t>(dir));
            if (side.state == State::UntilClose) {
                end_message(dir, side);
            } else if (side.in_message && side.ipp && !side.recorded && side.parser.started()) {
                side.cut = true;
                end_message(dir, side);
            }
        }
    }
    [[nodiscard]] bool detached() const noexcept override { return violations_ >= kMaxViolations; }

  private:
    enum class State : std::uint8_t {
        Head,
        Body,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailer,
        UntilClose,
        Tunnel,
        Lost
    };
    struct Side {
        State state = State::Head;
        std::string head;  // the header block, or the chunk-size and trailer lines
        std::uint64_t remaining = 0;
        HttpHead http;
        bool in_message = false;
        bool ipp = false;
        bool recorded = false;
        bool lost = false;
        bool cut = false;
        IppParser parser;
        std::uint64_t body_bytes = 0;
        std::uint64_t document_bytes = 0;
        std::unique_ptr<core::Dissector> job;
    };

    std::size_t step(Direction dir, Side& side, Bytes data) {
        switch (side.state) {
            case State::Head:
                return head_bytes(dir, side, data);
            case State::Body:
            case State::ChunkData: {
                const auto n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(side.remaining, data.size()));
                body(dir, side, data.first(n));
                side.remaining -= n;
                if (side.remaining == 0) {
                    if (side.state == State::Body) {
                        end_message(dir, side);
                    } else {
                        side.state = State::ChunkEnd;
                    }
                }
                return n;
            }
            case State::ChunkEnd: {
                // CRLF after a chunk's data; a bare LF is tolerated.
                if (data[0] == '\r') {
                    return 1;
                }
                if (data[0] != '\n') {
                    violation(dir, ParseError::Invalid, "chunk");
                    side.state = State::Lost;
                    return data.size();
                }
                side.state = State::ChunkSize;
                return 1;
            }
            case State::ChunkSize:
            case State::Trailer:
                return chunk_line(dir, side, data);
            case State::UntilClose:
                body(dir, side, data);
                return data.size();
            case State::Tunnel:
            case State::Lost:
                return data.size();
        }
        return data.size();
    }

    /// Collects the header block; parses it at the blank line.
    std::size_t head_bytes(Direction dir, Side& side, Bytes data) {
        const auto text = core::as_text(data);
        if (side.head.empty()) {
            // Between messages a client may send a stray CRLF (RFC 9112 §2.2): skip it.
            const auto skip = text.find_first_not_of("\r\n");
            if (skip == std::string_view::npos) {
                return data.size();
            }
            if (skip > 0) {
                return skip;
            }
        }
        const auto old = side.head.size();
        side.head.append(text.substr(0, kMaxHead + 4 - std::min(kMaxHead + 4, old)));
        const auto from = old >= 3 ? old - 3 : 0;
        // The header block ends at the first blank line, CRLF or bare LF (RFC 9112 §2.2).
        auto end = side.head.find("\r\n\r\n", from);
        std::size_t blank = 4;
        if (const auto bare = side.head.find("\n\n", from); bare < end) {
            end = bare;
            blank = 2;
        }
        if (end == std::string::npos) {
            if (side.head.size() > kMaxHead) {
                violation(dir, ParseError::TooLarge, "header");
                side.state = State::Lost;
            }
            return data.size();
        }
        const auto used = end + blank - old;
        auto head = parse_http_head(std::string_view(side.head).substr(0, end));
        side.head.clear();
        if (!head) {
            violation(dir, head.error(), "start_line");
            side.state = State::Lost;
            return used;
        }
        start_message(dir, side, std::move(*head));
        return used;
    }

    void start_message(Direction dir, Side& side, HttpHead&& head) {
        const bool request = dir == Direction::ToServer;
        side.http = std::move(head);
        side.in_message = true;
        side.recorded = false;
        side.lost = false;
        side.cut = false;
        side.parser = IppParser{};
        side.parser.request = request;
        side.body_bytes = 0;
        side.document_bytes = 0;
        side.job.reset();
        side.ipp = side.http.content_type.starts_with("application/ipp") &&
                   side.http.content_encoding.empty();
        if (!request && side.http.status < 200) {
            // 100 Continue (the client's Expect) carries nothing; 101 switches to TLS.
            side.in_message = false;
            if (side.http.status == 101) {
                http_record(dir, side);
                for (auto& s : sides_) {
                    s.state = State::Tunnel;
                }
            }
            return;
        }
        if (request && pending_.size() < kMaxPending) {
            // Named once its attributes are read.
            pending_.push_back(Pending{"http", 0, side.http.method == "HEAD"});
        }
        const bool head_reply = !request && !pending_.empty() && pending_.front().head;
        if (!head_reply && side.http.chunked) {
            side.state = State::ChunkSize;
        } else if (!head_reply && side.http.content_length && *side.http.content_length > 0) {
            side.remaining = *side.http.content_length;
            side.state = State::Body;
        } else if (!head_reply && !request && !side.http.content_length &&
                   side.http.status != 204 && side.http.status != 304) {
            side.state = State::UntilClose;  // HTTP/1.0 style: the body ends with the connection
        } else {
            end_message(dir, side);  // no body: a request without one, a reply to HEAD, 204, 304
        }
    }

    std::size_t chunk_line(Direction dir, Side& side, Bytes data) {
        const auto text = core::as_text(data);
        const auto lf = text.find('\n');
        side.head.append(text.substr(0, std::min(lf, kMaxChunkLine)));
        if (lf == std::string_view::npos) {
            if (side.head.size() > kMaxChunkLine) {
                violation(dir, ParseError::TooLarge, "chunk");
                side.state = State::Lost;
            }
            return data.size();
        }
        std::string_view line = core::trim_blanks(side.head);
        if (side.state == State::Trailer) {
            if (line.empty()) {
                side.head.clear();
                end_message(dir, side);
            } else {
                side.head.clear();
            }
            return lf + 1;
        }
        const auto size = hexadecimal(core::trim_blanks(line.substr(0, line.find(';'))));
        side.head.clear();
        if (!size) {
            violation(dir, ParseError::Invalid, "chunk");
            side.state = State::Lost;
            return lf + 1;
        }
        if (*size == 0) {
            side.state = State::Trailer;
        } else {
            side.remaining = *size;
            side.state = State::ChunkData;
        }
        return lf + 1;
    }

    void body(Direction dir, Side& side, Bytes data) {
        side.body_bytes += data.size();
        if (!side.ipp || side.lost) {
            return;
        }
        if (!side.parser.done() && !side.parser.error()) {
            const auto used = side.parser.feed(data);
            if (side.parser.error()) {
                record(dir, side);  // the attributes so far, with the violation
                return;
            }
            if (!side.parser.done()) {
                return;
            }
            record(dir, side);
            data = data.subspan(used);
        }
        if (side.parser.done() && !data.empty()) {
            document(dir, side, data);
        }
    }

    /// Document data after a request's attributes (Print-Job, Send-Document): a print job,
    /// read by the 9100 dissector as if it arrived on 9100.
    void document(Direction dir, Side& side, Bytes data) {
        side.document_bytes += data.size();
        const auto cls = operation_class(side.parser.code);
        if (dir != Direction::ToServer || cls != OperationClass::Job) {
            return;
        }
        if (!side.job) {
            side.job = raw9100::make_job_parser(ctx_);
        }
        side.job->on_data(Direction::ToServer, data, ts_, *sink_);
    }

    void end_message(Direction dir, Side& side) {
        side.state = State::Head;
        if (side.job) {
            side.job->on_end(ts_, *sink_);
            side.job.reset();
        }
        if (!side.in_message) {
            return;
        }
        side.in_message = false;
        if (side.ipp && !side.recorded && !side.lost) {
            side.cut = !side.parser.done();
            record(dir, side);
        } else if (!side.ipp) {
            http_record(dir, side);
        }
        if (dir == Direction::ToClient && !pending_.empty()) {
            pending_.pop_front();
        }
    }

    /// An IPP request or reply, once its attributes are complete (or the message ended).
    void record(Direction dir, Side& side) {
        if (side.recorded) {
            return;
        }
        side.recorded = true;
        const bool request = dir == Direction::ToServer;
        auto& p = side.parser;
        const char* op_name = request ? operation_name(p.code) : nullptr;
        std::string operation;
        if (request) {
            operation = op_name != nullptr ? op_name : "unknown";
            if (!pending_.empty()) {
                pending_.back() = Pending{operation, p.code, false};
            }
        } else {
            operation = pending_.empty() ? "unknown" : pending_.front().operation;
        }
        AppEvent ev = event(dir, operation);
        auto& f = ev.fields;
        f.emplace_back("operation", operation);
        if (request) {
            f.emplace_back("operation_id", static_cast<int>(p.code));
            f.emplace_back("operation_class", to_string(operation_class(p.code)));
            ev.kind = static_cast<std::uint8_t>(operation_class(p.code));
            f.emplace_back("method", side.http.method);
            f.emplace_back("uri", side.http.uri);
        } else {
            f.emplace_back("http_status", side.http.status);
            if (p.has_header()) {
                f.emplace_back("status", status_name(p.code));
                f.emplace_back("status_code", static_cast<int>(p.code));
            }
        }
        if (p.has_header()) {
            f.emplace_back("version", std::to_string(p.major) + "." + std::to_string(p.minor));
            f.emplace_back("request_id", p.request_id);
        }
        for (auto& kv : p.fields) {
            f.push_back(std::move(kv));
        }
        if (!request) {
            const auto model = core::text_at(f, "printer_make_and_model");
            if (!model.empty()) {
                f.emplace_back("model", std::string(model));  // what the inventory learns
                ev.from_printer = true;
            }
            if (const auto uuid = core::text_at(f, "printer_uuid"); !uuid.empty()) {
                f.emplace_back("uuid", std::string(uuid));
                ev.from_printer = true;
            }
        }
        if (!p.printer_attributes.empty()) {
            f.emplace_back("printer_attributes", std::move(p.printer_attributes));
        }
        f.emplace_back("attributes", p.attributes);
        add_http(side, f);
        core::Violation v = p.error();
        if (!v && side.cut) {
            v = ParseError::Truncated;
        }
        if (v) {
            f.emplace_back("violation", core::to_string(*v));
            ev.violation = v;
            ++violations_;
        }
        sink_->on_app_event(std::move(ev));
    }

    /// An HTTP exchange without an IPP body: a refusal (401, 403, 426), the TLS upgrade
    /// (OPTIONS * with Upgrade, and its 101), a web page.
    void http_record(Direction dir, Side& side) {
        const bool request = dir == Direction::ToServer;
        std::string operation = request || pending_.empty() ? "http" : pending_.front().operation;
        AppEvent ev = event(dir, side.http.upgrade.empty() ? "http" : "upgrade");
        auto& f = ev.fields;
        f.emplace_back("operation", std::move(operation));
        if (request) {
            f.emplace_back("method", side.http.method);
            f.emplace_back("uri", side.http.uri);
        } else {
            f.emplace_back("http_status", side.http.status);
            if (!pending_.empty() && pending_.front().id != 0) {
                f.emplace_back("operation_id", static_cast<int>(pending_.front().id));
            }
        }
        add_http(side, f);
        sink_->on_app_event(std::move(ev));
    }

    static void add_http(const Side& side, Object& f) {
        const auto& h = side.http;
        const std::array<std::pair<std::string_view, const std::string*>, 5> headers{
            {{"upgrade", &h.upgrade},
             {"authorization", &h.authorization},
             {"content_encoding", &h.content_encoding},
             {"user_agent", &h.user_agent},
             {"server", &h.server}}};
        for (const auto& [key, value] : headers) {
            if (!value->empty()) {
                f.emplace_back(std::string(key), *value);
            }
        }
        if (side.document_bytes > 0) {
            f.emplace_back("document_bytes", side.document_bytes);
        }
    }

    void violation(Direction dir, ParseError e, std::string_view where) {
        AppEvent ev = event(dir, "malformed");
        ev.fields.emplace_back("operation", "malformed");
        ev.fields.emplace_back("where", std::string(where));
        ev.fields.emplace_back("violation", core::to_string(e));
        ev.violation = e;
        ++violations_;
        sink_->on_app_event(std::move(ev));
    }

    AppEvent event(Direction dir, std::string_view name) const {
        AppEvent ev;
        ev.ts = ts_;
        ev.dir = dir;
        ev.proto = "ipp";
        ev.dissector = "ipp";
        ev.name = std::string(name);
        ev.fields.emplace_back("direction", dir == Direction::ToServer ? "request" : "response");
        return ev;
    }

    core::DissectorContext ctx_;
    core::Timestamp ts_;
    AppEventSink* sink_ = nullptr;
    std::array<Side, 2> sides_;
    std::deque<Pending> pending_;
    std::uint32_t violations_ = 0;
};

core::Confidence probe(Bytes first, Direction dir) noexcept {
    const auto s = core::as_text(first);
    if (dir != Direction::ToServer) {
        return s.starts_with("HTTP/1.") ? core::Confidence::Maybe : core::Confidence::No;
    }
    constexpr std::array<std::string_view, 6> kMethods{"POST ", "GET ", "OPTIONS ",
                                                       "HEAD ", "PUT ", "DELETE "};
    const bool http = std::any_of(kMethods.begin(), kMethods.end(),
                                  [&](std::string_view m) { return s.starts_with(m); });
    if (!http) {
        // Too short to tell ("PO" may become "POST "), or not HTTP at all (TLS on ipps).
        const bool prefix = std::any_of(kMethods.begin(), kMethods.end(), [&](std::string_view m) {
            return s.size() < m.size() && m.starts_with(s);
        });
        return prefix ? core::Confidence::Maybe : core::Confidence::No;
    }
    // Any HTTP may reach 631 (the CUPS web interface); only an IPP body makes it IPP elsewhere.
    const auto head = s.substr(0, std::min(s.find("\r\n\r\n"), kMaxHead));
    for (std::size_t at = head.find('\n'); at != std::string_view::npos;
         at = head.find('\n', at + 1)) {
        const auto line = core::trim_blanks(head.substr(at + 1, head.find('\n', at + 1) - at - 1));
        const auto colon = line.find(':');
        if (colon != std::string_view::npos &&
            core::iequals(core::trim_blanks(line.substr(0, colon)), "Content-Type") &&
            core::trim_blanks(line.substr(colon + 1)).starts_with("application/ipp")) {
            return core::Confidence::Yes;
        }
    }
    return core::Confidence::Maybe;
}

std::unique_ptr<core::Dissector> make(const core::DissectorContext& ctx) {
    return std::make_unique<IppDissector>(ctx);
}

}  // namespace
}  // namespace printwatch::dissect::ipp

namespace printwatch::dissectors {

namespace {
constexpr std::array<std::uint16_t, 1> kIppPorts{631};
constexpr std::array kIppServices{core::ServiceSpec{"ipp", 0}};
constexpr std::array kIppGroups{
    core::PortGroup{"ipp", kIppPorts, true, false, kIppServices, "ipp"}};

// Rules (docs/spec.md §4, sids 15xx): what IPP records mean. Printing and querying is what
// every client does, so a job alerts only from an untrusted or outside client; an operation
// that changes the printer or its queue (RFC 8011's printer operations, CUPS's administrative
// ones) from such a client is an attack, whether or not the server refused it. Malformed
// messages alert for everyone. A job's document goes through the 9100 rules.
constexpr std::uint32_t kSidJob = 1'001'501;
constexpr std::uint32_t kSidAdmin = 1'001'502;
constexpr std::uint32_t kSidMalformed = 1'001'599;
constexpr std::array kIppSignatures{
    core::Signature{kSidJob, 1, "ipp.job", "PRINTWATCH IPP job from outside or untrusted client",
                    "Potential Corporate Privacy Violation", 2, "ipp", 0},
    core::Signature{kSidAdmin, 1, "ipp.admin_operation",
                    "PRINTWATCH IPP administrative operation from outside or untrusted client",
                    "Attempted Administrator Privilege Gain", 1, "ipp", 0},
    core::Signature{kSidMalformed, 1, "ipp.malformed", "PRINTWATCH malformed IPP or HTTP message",
                    "Potentially Bad Traffic", 2, "ipp", 0},
};

void ipp_rules(const core::AppEvent& event, core::RuleContext& rules) {
    const auto& f = event.fields;
    if (event.violation) {
        rules.raise(kSidMalformed, core::to_string(*event.violation), [&] {
            return core::pick(f, {"operation", "where", "method", "uri", "violation"});
        });
    }
    if (event.dir != core::Direction::ToServer || rules.trusted() || event.kind == 0) {
        return;  // replies, plain HTTP and trusted clients
    }
    const auto cls = static_cast<dissect::ipp::OperationClass>(event.kind);
    if (cls == dissect::ipp::OperationClass::PrinterAdmin) {
        rules.raise(kSidAdmin, event.name, [&] {
            return core::pick(
                f, {"operation", "printer_uri", "requesting_user_name", "printer_attributes"});
        });
    } else if (cls == dissect::ipp::OperationClass::Job) {
        rules.raise(kSidJob, core::text_at(f, "job_name"), [&] {
            return core::pick(f, {"operation", "printer_uri", "requesting_user_name", "job_name",
                                  "document_format"});
        });
    }
}

constexpr std::array<std::string_view, 1> kIppRecords{"ipp"};
}  // namespace

const core::DissectorInfo& ipp_info() {
    static const core::DissectorInfo kInfo{"ipp",
                                           true,
                                           false,
                                           &dissect::ipp::probe,
                                           &dissect::ipp::make,
                                           kIppGroups,
                                           core::RuleSet{kIppSignatures, &ipp_rules},
                                           kIppRecords};
    return kInfo;
}

}  // namespace printwatch::dissectors
