// SPDX-License-Identifier: Apache-2.0
// IPP over HTTP: the pure pieces (operation and status tables, the HTTP head, the IPP attribute
// parser), exposed in ipp.h for unit tests. The per-flow state machine is in ipp.cpp.
#include "core/text.h"
#include "ipp.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace printwatch::dissect::ipp {

using core::Bytes;
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
    return core::capped(s, kMaxValue);
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

}  // namespace printwatch::dissect::ipp
