// SPDX-License-Identifier: Apache-2.0
// IPP over HTTP (RFC 8010/8011, TCP 631): the pure pieces of the dissector, exposed for unit
// tests. The per-flow state machine is in ipp.cpp.
#pragma once

#include "core/bytes.h"
#include "core/result.h"
#include "core/value.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printwatch::dissect::ipp {

/// An HTTP header block longer than this is an attack on the parser, not a client.
constexpr std::size_t kMaxHead = 8192;
/// One IPP attribute (tag, name, value) larger than this ends the message's parse: a value
/// is at most 1023 octets in RFC 8011 except octetString/text, which real clients keep short.
constexpr std::size_t kMaxAttribute = 16384;
constexpr std::size_t kMaxValue = 256;
constexpr std::size_t kMaxValues = 32;  // values kept of a multi-valued attribute

/// The operation's name in RFC 8011 and CUPS (cups/ipp.h), or nullptr when unknown.
const char* operation_name(std::uint16_t op) noexcept;

/// What an operation does to the printer: detection decides what that means per client.
/// Also the AppEvent::kind of a request's record (0: not an IPP request).
enum class OperationClass : std::uint8_t {
    Job = 1,       // creates a job or adds a document: Print-Job, Create-Job, Send-Document
    JobControl,    // one job: Cancel-Job, Hold-Job, Release-Job, Set-Job-Attributes
    Query,         // reads: Get-Printer-Attributes, Get-Jobs, CUPS-Get-Printers, Validate-Job
    PrinterAdmin,  // changes the printer or its queue: Pause-Printer, Purge-Jobs, CUPS-Add-...
    Subscription,  // notifications
    Other,
};
OperationClass operation_class(std::uint16_t op) noexcept;
const char* to_string(OperationClass c) noexcept;

/// "successful-ok", "client-error-forbidden", ... (RFC 8011 §B); the class name for others.
std::string status_name(std::uint16_t status);

/// The parts of an HTTP/1.x request or status line and headers that IPP traffic needs.
struct HttpHead {
    bool request = true;
    std::string method;  // request
    std::string uri;     // request
    int status = 0;      // response
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    std::string content_type;
    std::string content_encoding;
    std::string upgrade;
    std::string expect;
    std::string user_agent;
    std::string server;
    std::string authorization;  // the scheme only ("Basic", "Negotiate", "Local")
};
/// Parses a header block (without its blank line). Invalid when the first line is neither a
/// request line nor an HTTP/1.x status line, or a length header is not a number.
core::Result<HttpHead> parse_http_head(std::string_view block);

/// Streaming parser of one IPP message body's header and attribute groups (RFC 8010 §3).
/// Holds at most one attribute's bytes; reports the fields a record keeps.
class IppParser {
  public:
    /// Consumes bytes of the body up to the end-of-attributes tag; returns how many it used.
    /// Once done(), the rest of the body is document data.
    std::size_t feed(core::Bytes data);
    [[nodiscard]] bool done() const noexcept { return done_; }
    [[nodiscard]] bool started() const noexcept { return header_ || !pending_.empty(); }
    [[nodiscard]] const core::Violation& error() const noexcept { return error_; }
    [[nodiscard]] bool has_header() const noexcept { return header_; }
    bool request = false;  // set before feeding: a request's printer group is kept
    std::uint8_t major = 0;
    std::uint8_t minor = 0;
    std::uint16_t code = 0;  // operation-id (request) or status-code (response)
    std::uint32_t request_id = 0;
    /// The attributes a record keeps, under record names (printer_uri, job_name, ...).
    core::Object fields;
    /// A request's printer-attributes group (what Set-Printer-Attributes and
    /// CUPS-Add-Modify-Printer change), name to first value.
    core::Object printer_attributes;
    std::uint64_t attributes = 0;
    std::uint64_t groups = 0;

  private:
    bool step();  // parses one element from pending_ at pos_; false when more bytes are needed
    void attribute(std::uint8_t tag, std::string_view name, core::Bytes value);
    std::string pending_;
    std::size_t pos_ = 0;
    bool header_ = false;
    bool done_ = false;
    std::uint8_t group_ = 0;
    std::string last_name_;
    core::Violation error_;
};

}  // namespace printwatch::dissect::ipp
