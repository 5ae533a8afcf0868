// SPDX-License-Identifier: Apache-2.0
// IPP over HTTP: the parse functions, and the dissector on the exchanges that ipptool and
// cupsd put on the wire (chunked requests with Expect: 100-continue, Content-Length replies,
// 426 then the TLS upgrade; tests/lab/ipp_lab.py captured them: pcaps/lab-ipp).
#include "dissectors/ipp.h"

#include "dissector_support.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

using namespace printwatch;  // NOLINT(google-build-using-namespace)
using dissect::ipp::OperationClass;

namespace {
core::Bytes bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT: test data
}
std::string u16(unsigned v) {
    return {static_cast<char>(v >> 8U), static_cast<char>(v & 0xffU)};
}
std::string u32(unsigned v) {
    return u16(v >> 16U) + u16(v & 0xffffU);
}
std::string attr(int tag, const std::string& name, const std::string& value) {
    return std::string(1, static_cast<char>(tag)) + u16(name.size()) + name + u16(value.size()) +
           value;
}
/// An IPP message: version 2.0, `code`, request id 7, operation attributes, more groups.
std::string message(unsigned code, const std::string& groups) {
    return std::string("\x02\x00", 2) + u16(code) + u32(7) + "\x01" +
           attr(0x47, "attributes-charset", "utf-8") +
           attr(0x48, "attributes-natural-language", "en") + groups + "\x03";
}
std::string chunked(const std::string& body) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", body.size());  // NOLINT: test helper
    return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
}
std::string request_head() {
    return "POST /printers/lp HTTP/1.1\r\nContent-Type: application/ipp\r\nHost: prn:631\r\n"
           "Transfer-Encoding: chunked\r\nUser-Agent: CUPS/2.4.2 IPP/2.0\r\n"
           "Expect: 100-continue\r\n\r\n";
}
std::string reply(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nContent-Type: application/ipp\r\nServer: CUPS/2.4 IPP/2.1\r\n\r\n" + body;
}
core::LimitsConfig kLimits;

struct Session {
    std::unique_ptr<core::Dissector> d;
    test::EventCollector sink;
    Session() : d(test::dissector("ipp").make(core::DissectorContext{kLimits})) {}
    void client(const std::string& s, std::size_t step = 0) {
        feed(core::Direction::ToServer, s, step);
    }
    void server(const std::string& s, std::size_t step = 0) {
        feed(core::Direction::ToClient, s, step);
    }
    void feed(core::Direction dir, const std::string& s, std::size_t step) {
        step = step == 0 ? s.size() : step;
        for (std::size_t i = 0; i < s.size(); i += step) {
            d->on_data(dir, bytes(s.substr(i, step)), {}, sink);
        }
    }
    std::vector<const core::AppEvent*> ipp(std::string_view direction) {
        std::vector<const core::AppEvent*> out;
        for (const auto& e : sink.events) {
            if (e.proto == "ipp" && test::field(e, "direction") == direction) {
                out.push_back(&e);
            }
        }
        return out;
    }
};
}  // namespace

TEST_CASE("IPP operations, classes and status names", "[ipp]") {
    CHECK(dissect::ipp::operation_name(0x0002) == std::string("Print-Job"));
    CHECK(dissect::ipp::operation_name(0x4003) == std::string("CUPS-Add-Modify-Printer"));
    CHECK(dissect::ipp::operation_name(0x7777) == nullptr);
    CHECK(dissect::ipp::operation_class(0x0010) == OperationClass::PrinterAdmin);
    CHECK(dissect::ipp::operation_class(0x0012) == OperationClass::PrinterAdmin);
    CHECK(dissect::ipp::operation_class(0x0013) == OperationClass::PrinterAdmin);
    CHECK(dissect::ipp::operation_class(0x000B) == OperationClass::Query);
    CHECK(dissect::ipp::operation_class(0x0006) == OperationClass::Job);
    CHECK(dissect::ipp::operation_class(0x0008) == OperationClass::JobControl);
    CHECK(dissect::ipp::status_name(0x0000) == "successful-ok");
    CHECK(dissect::ipp::status_name(0x0401) == "client-error-forbidden");
    CHECK(dissect::ipp::status_name(0x04ff) == "client-error");
    CHECK(dissect::ipp::status_name(0x0900) == "unknown");
}

TEST_CASE("HTTP heads", "[ipp]") {
    auto r = dissect::ipp::parse_http_head(
        "POST /admin HTTP/1.1\r\ncontent-length: 12\r\nAuthorization: Basic Zm9vOmJhcg==");
    REQUIRE(r);
    CHECK(r->request);
    CHECK(r->method == "POST");
    CHECK(r->uri == "/admin");
    CHECK(r->content_length == 12);
    CHECK(r->authorization == "Basic");
    auto s = dissect::ipp::parse_http_head(
        "HTTP/1.1 426 Upgrade Required\r\nUpgrade: TLS/1.2,TLS/1.1,TLS/1.0\r\n"
        "Transfer-Encoding: chunked");
    REQUIRE(s);
    CHECK_FALSE(s->request);
    CHECK(s->status == 426);
    CHECK(s->upgrade == "TLS/1.2,TLS/1.1,TLS/1.0");
    CHECK(s->chunked);
    CHECK(dissect::ipp::parse_http_head("\x16\x03\x01").error() == core::ParseError::Invalid);
    CHECK(dissect::ipp::parse_http_head("post / HTTP/1.1").error() == core::ParseError::Invalid);
    CHECK(dissect::ipp::parse_http_head("HTTP/1.1 9 x").error() == core::ParseError::Invalid);
    CHECK(dissect::ipp::parse_http_head("POST / HTTP/1.1\r\nContent-Length: -1").error() ==
          core::ParseError::Invalid);
}

TEST_CASE("IPP attributes: kept fields, lists, the printer group, the document after", "[ipp]") {
    const std::string body =
        message(0x4003, attr(0x45, "printer-uri", "ipp://prn/printers/lp") +
                            attr(0x42, "requesting-user-name", "mallory") +
                            attr(0x44, "requested-attributes", "all") +
                            attr(0x44, "", "media-col-database") + "\x04" +
                            attr(0x45, "device-uri", "file:///tmp/owned") +
                            attr(0x22, "printer-is-shared", std::string(1, '\x01'))) +
        "DOCUMENT";
    for (const std::size_t step : {body.size(), std::size_t{1}, std::size_t{5}}) {
        dissect::ipp::IppParser p;
        p.request = true;
        std::size_t used = 0;
        for (std::size_t i = 0; i < body.size() && !p.done(); i += step) {
            const auto part = body.substr(i, step);
            used = i + p.feed(bytes(part));
        }
        REQUIRE(p.done());
        CHECK(body.substr(used) == "DOCUMENT");
        CHECK(p.code == 0x4003);
        CHECK(p.request_id == 7);
        CHECK(core::text_at(p.fields, "requesting_user_name") == "mallory");
        CHECK(core::text_at(p.fields, "device_uri") == "file:///tmp/owned");
        CHECK(std::get<core::Array>(core::find(p.fields, "requested_attributes")->v).size() == 2);
        CHECK(core::text_at(p.printer_attributes, "device-uri") == "file:///tmp/owned");
        CHECK(core::flag_at(p.printer_attributes, "printer-is-shared"));
        CHECK(p.attributes == 7);  // charset, language and five more
    }
    dissect::ipp::IppParser huge;
    huge.feed(bytes(std::string("\x02\x00\x00\x02", 4) + u32(1) + "\x01\x41" + u16(5) + "title" +
                    u16(60000) + std::string(20000, 'x')));
    CHECK(huge.error() == core::ParseError::TooLarge);
    dissect::ipp::IppParser orphan;  // an attribute before any group
    orphan.feed(bytes(std::string("\x02\x00\x00\x02", 4) + u32(1) + attr(0x41, "a", "b")));
    CHECK(orphan.error() == core::ParseError::Invalid);
}

TEST_CASE("IPP: a chunked Print-Job with 100-continue, its document to the 9100 parser", "[ipp]") {
    const std::string doc = "\x1b%-12345X@PJL INFO ID\r\n%!PS\n(0:/x) deletefile\n";
    const std::string req =
        message(0x0002, attr(0x45, "printer-uri", "ipp://prn/printers/lp") +
                            attr(0x42, "requesting-user-name", "alice") +
                            attr(0x42, "job-name", "report") +
                            attr(0x49, "document-format", "application/octet-stream")) +
        doc;
    const std::string resp =
        message(0x0000, "\x02" + attr(0x21, "job-id", u32(12)) + attr(0x23, "job-state", u32(3)));
    for (const std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{9}}) {
        Session s;
        s.client(request_head(), step);
        s.server("HTTP/1.1 100 Continue\r\n\r\n", step);
        s.client(chunked(req), step);
        s.server(reply(resp), step);
        s.d->on_end({}, s.sink);
        const auto requests = s.ipp("request");
        REQUIRE(requests.size() == 1);
        CHECK(requests[0]->name == "Print-Job");
        CHECK(test::field(*requests[0], "operation_class") == "job");
        CHECK(test::field(*requests[0], "job_name") == "report");
        CHECK(test::field(*requests[0], "user_agent") == "CUPS/2.4.2 IPP/2.0");
        const auto replies = s.ipp("response");
        REQUIRE(replies.size() == 1);
        CHECK(test::field(*replies[0], "operation") == "Print-Job");
        CHECK(test::field(*replies[0], "status") == "successful-ok");
        CHECK(core::number_at(replies[0]->fields, "job_id") == 12);
        CHECK(test::field(*replies[0], "job_state") == "pending");
        bool pjl = false;
        bool ps = false;
        for (const auto& e : s.sink.events) {
            pjl = pjl || (e.proto == "pjl" && e.dissector == "raw");
            ps = ps || (e.proto == "postscript" && e.dissector == "raw");
        }
        CHECK(pjl);
        CHECK(ps);
        CHECK_FALSE(s.d->detached());
    }
}

TEST_CASE("IPP: 426 names the refused operation; the upgrade to TLS is recorded, then let pass",
          "[ipp]") {
    Session s;
    s.client(request_head());
    s.client(chunked(message(0x0010, attr(0x45, "printer-uri", "ipp://prn/printers/lp"))));
    s.server(
        "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n"
        "Upgrade: TLS/1.2,TLS/1.1,TLS/1.0\r\n\r\n");
    s.client(
        "OPTIONS * HTTP/1.1\r\nHost: prn:631\r\nConnection: Upgrade\r\n"
        "Upgrade: TLS/1.2,TLS/1.1,TLS/1.0\r\n\r\n");
    s.server("HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/1.2,HTTP/1.1\r\n\r\n");
    s.client(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
    s.server(std::string("\x16\x03\x03\x00\x7a\x02", 6));
    s.d->on_end({}, s.sink);
    const auto replies = s.ipp("response");
    REQUIRE(replies.size() == 2);
    CHECK(test::field(*replies[0], "operation") == "Pause-Printer");
    CHECK(core::number_at(replies[0]->fields, "http_status") == 426);
    CHECK(test::field(*replies[0], "upgrade") == "TLS/1.2,TLS/1.1,TLS/1.0");
    CHECK(core::number_at(replies[1]->fields, "http_status") == 101);
    const auto requests = s.ipp("request");
    REQUIRE(requests.size() == 2);
    CHECK(requests[0]->name == "Pause-Printer");
    CHECK(test::field(*requests[0], "operation_class") == "printer_admin");
    CHECK(requests[1]->name == "upgrade");
    for (const auto& e : s.sink.events) {
        CHECK_FALSE(e.violation);  // the TLS bytes after 101 are not a violation
    }
}

TEST_CASE("IPP violations", "[ipp]") {
    Session bad;
    bad.client("BREW /pot HTCPCP/1.0\r\n\r\n");
    REQUIRE(bad.sink.events.size() == 1);
    CHECK(bad.sink.events[0].violation == core::ParseError::Invalid);

    Session big;
    big.client("POST / HTTP/1.1\r\n" + std::string(9000, 'X'));
    REQUIRE(big.sink.events.size() == 1);
    CHECK(big.sink.events[0].violation == core::ParseError::TooLarge);

    Session chunk;
    chunk.client(request_head() + "zz\r\n");
    REQUIRE(chunk.sink.events.size() == 1);
    CHECK(chunk.sink.events[0].violation == core::ParseError::Invalid);

    Session cut;  // the connection ends inside the attributes
    const auto body = message(0x000B, attr(0x45, "printer-uri", "ipp://prn/printers/lp"));
    cut.client("POST / HTTP/1.1\r\nContent-Type: application/ipp\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 20));
    cut.d->on_end({}, cut.sink);
    REQUIRE(cut.ipp("request").size() == 1);
    CHECK(cut.ipp("request")[0]->violation == core::ParseError::Truncated);
}

TEST_CASE("IPP: a header block ended by bare LFs; HTTP without IPP is recorded as http", "[ipp]") {
    const auto body = message(0x000B, attr(0x45, "printer-uri", "ipp://prn/printers/lp"));
    Session s;
    s.client("POST /printers/lp HTTP/1.1\nContent-Type: application/ipp\nContent-Length: " +
             std::to_string(body.size()) + "\n\n" + body);
    s.client("GET /printers/lp HTTP/1.1\r\nHost: prn\r\n\r\n");
    s.server(reply(message(0x0000, "")));
    s.server("HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope.");
    s.client("HEAD / HTTP/1.1\r\n\r\n");
    s.server("HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n");  // headers only
    s.server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    const auto requests = s.ipp("request");
    REQUIRE(requests.size() == 3);
    CHECK(requests[0]->name == "Get-Printer-Attributes");
    CHECK(requests[1]->name == "http");
    CHECK(test::field(*requests[1], "method") == "GET");
    const auto replies = s.ipp("response");
    REQUIRE(replies.size() == 4);
    CHECK(test::field(*replies[0], "operation") == "Get-Printer-Attributes");
    CHECK(core::number_at(replies[1]->fields, "http_status") == 403);
    CHECK(core::number_at(replies[3]->fields, "http_status") == 200);  // framed after the HEAD
}

TEST_CASE("IPP probe", "[ipp]") {
    const auto& info = test::dissector("ipp");
    const auto probe = [&](const std::string& s) {
        return info.probe(bytes(s), core::Direction::ToServer);
    };
    CHECK(probe(request_head()) == core::Confidence::Yes);
    CHECK(probe("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == core::Confidence::Maybe);
    CHECK(probe("PO") == core::Confidence::Maybe);
    CHECK(probe(std::string("\x16\x03\x01\x02\x00", 5)) == core::Confidence::No);
    CHECK(probe("SSH-2.0-OpenSSH_9.2\r\n") == core::Confidence::No);
}
