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

/// A chunk size (RFC 9112 §7.1): hex digits, at most 15 so it cannot wrap.
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
            const auto cls = operation_class(p.code);
            f.emplace_back("operation_class", to_string(cls));
            ev.kind = static_cast<std::uint8_t>(cls);
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
