// SPDX-License-Identifier: Apache-2.0
// LPD (RFC 1179): the parse functions, and the dissector on the byte streams that rlpr and
// CUPS's lpd backend put on the wire (tests/lab/lpd_lab.py captured them; pcaps/lab-lpd).
#include "dissectors/lpd.h"

#include "dissector_support.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace printwatch;  // NOLINT(google-build-using-namespace)
using dissect::lpd::DaemonCode;
using dissect::lpd::LineKind;
using dissect::lpd::SubCode;

namespace {
core::Bytes bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT: test data
}

const core::LimitsConfig kLimits;

/// Feeds client chunks (and optionally server chunks after each) and ends the flow.
struct Session {
    std::unique_ptr<core::Dissector> d;
    test::EventCollector sink;
    Session() : d(test::dissector("lpd").make(core::DissectorContext{kLimits})) {}
    void client(const std::string& s) { d->on_data(core::Direction::ToServer, bytes(s), {}, sink); }
    void server(const std::string& s) { d->on_data(core::Direction::ToClient, bytes(s), {}, sink); }
    std::vector<const core::AppEvent*> named(std::string_view name) {
        std::vector<const core::AppEvent*> out;
        for (const auto& e : sink.events) {
            if (e.name == name) {
                out.push_back(&e);
            }
        }
        return out;
    }
};

// What rlpr 2.05 sent for `rlpr -H printer -P lp -J "quarterly report" -T "Title x" page.ps`.
const std::string kRlprControl =
    "Hvm\nProot\nTTitle x\nJquarterly report\nCvm\nLroot\nfdfA576vm\nUdfA576vm\nNpage.ps\n";
const std::string kPage = "%!PS\n(0:/etc/config) deletefile\nshowpage\n";
}  // namespace

TEST_CASE("LPD daemon commands", "[lpd]") {
    auto c = dissect::lpd::parse_daemon_command("\x02lp");
    REQUIRE(c);
    CHECK(c->code == DaemonCode::ReceiveJob);
    CHECK(c->queue == "lp");
    auto q = dissect::lpd::parse_daemon_command("\x04lp alice 12 13");
    REQUIRE(q);
    CHECK(q->code == DaemonCode::QueueLong);
    CHECK(q->operands == std::vector<std::string>{"alice", "12", "13"});
    auto r = dissect::lpd::parse_daemon_command("\x05lp root 12\r");
    REQUIRE(r);
    CHECK(r->agent == "root");
    CHECK(r->operands == std::vector<std::string>{"12"});
    CHECK(to_string(DaemonCode::PrintWaiting) == std::string("print_waiting_jobs"));
    CHECK(dissect::lpd::parse_daemon_command("").error() == core::ParseError::Truncated);
    CHECK(dissect::lpd::parse_daemon_command("\x06lp").error() == core::ParseError::Unsupported);
    CHECK(dissect::lpd::parse_daemon_command("\x02").error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_daemon_command("\x02lp extra").error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_daemon_command("\x05lp").error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_daemon_command("\x03l\x01p").error() == core::ParseError::Invalid);
    std::string many = "\x03lp";
    for (int i = 0; i < 100; ++i) {
        many += " " + std::to_string(i);
    }
    CHECK(dissect::lpd::parse_daemon_command(many)->operands.size() == dissect::lpd::kMaxOperands);
}

TEST_CASE("LPD receive-job subcommands and file names", "[lpd]") {
    auto s = dissect::lpd::parse_subcommand(
        "\x02"
        "76 cfA576vm");
    REQUIRE(s);
    CHECK(s->code == SubCode::ControlFile);
    CHECK(s->count == 76);
    CHECK(s->name == "cfA576vm");
    CHECK(dissect::lpd::parse_subcommand("\x03"
                                         "0 dfA001host")
              ->count == 0);
    CHECK(dissect::lpd::parse_subcommand("\x01")->code == SubCode::AbortJob);
    CHECK(dissect::lpd::parse_subcommand("\x02"
                                         "12x cfA1")
              .error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_subcommand("\x02"
                                         "-1 cfA1")
              .error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_subcommand("\x02"
                                         "99999999999999999999999 cfA1")
              .error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_subcommand("\x03"
                                         "12")
              .error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_subcommand("\x04"
                                         "12 x")
              .error() == core::ParseError::Unsupported);
    CHECK(dissect::lpd::parse_subcommand("").error() == core::ParseError::Truncated);
    const auto n = dissect::lpd::parse_file_name("dfA627vm");
    CHECK(n.job == "627");
    CHECK(n.host == "vm");
    CHECK(dissect::lpd::parse_file_name("page.ps").job.empty());
    CHECK(dissect::lpd::parse_file_name("cfA12").job.empty());
    CHECK(dissect::lpd::parse_file_name("cfAx23host").job.empty());
}

TEST_CASE("LPD control-file lines", "[lpd]") {
    auto h = dissect::lpd::parse_control_line("Hvm");
    REQUIRE(h);
    CHECK(h->kind == LineKind::Attribute);
    CHECK(h->key == "host");
    CHECK(h->value == "vm");
    CHECK(dissect::lpd::parse_control_line("odfA001vm")->key == "postscript");
    CHECK(dissect::lpd::parse_control_line("ldfA001vm")->kind == LineKind::Print);
    CHECK(dissect::lpd::parse_control_line("Npage.ps")->kind == LineKind::Other);
    CHECK(dissect::lpd::parse_control_line("Zduplex")->kind == LineKind::Unknown);
    CHECK(dissect::lpd::parse_control_line("JWith\ttab")->value == "With\ttab");
    CHECK(dissect::lpd::parse_control_line("").error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_control_line(" Hvm").error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_control_line("Hv\x1bm").error() == core::ParseError::Invalid);
    CHECK(dissect::lpd::parse_control_line("J" + std::string(1000, 'x'))->value.size() ==
          dissect::lpd::kMaxValue);
}

TEST_CASE("LPD: rlpr's job, byte by byte and whole, records the same", "[lpd]") {
    const std::string stream = "\x02lp\n\x02" + std::to_string(kRlprControl.size()) +
                               " cfA576vm\n" + kRlprControl + std::string(1, '\0') + "\x03" +
                               std::to_string(kPage.size()) + " dfA576vm\n" + kPage +
                               std::string(1, '\0');
    for (const std::size_t step : {stream.size(), std::size_t{1}, std::size_t{7}}) {
        Session s;
        for (std::size_t i = 0; i < stream.size(); i += step) {
            s.client(stream.substr(i, step));
        }
        s.server(std::string(5, '\0'));
        s.d->on_end({}, s.sink);
        REQUIRE(s.named("receive_job").size() == 1);
        const auto control = s.named("receive_control_file");
        REQUIRE(control.size() == 1);
        const auto& f = *control[0];
        CHECK(test::field(f, "user") == "root");
        CHECK(test::field(f, "host") == "vm");
        CHECK(test::field(f, "job_name") == "quarterly report");
        CHECK(test::field(f, "title") == "Title x");
        CHECK(test::field(f, "banner_user") == "root");
        CHECK(test::field(f, "job") == "576");
        CHECK(core::number_at(f.fields, "lines") == 9);
        CHECK_FALSE(f.violation);
        const auto* print = core::find(f.fields, "print");
        REQUIRE(print != nullptr);
        CHECK(std::get<core::Array>(print->v).size() == 1);
        const auto data = s.named("receive_data_file");
        REQUIRE(data.size() == 1);
        CHECK(core::number_at(data[0]->fields, "received") == static_cast<int>(kPage.size()));
        CHECK_FALSE(data[0]->violation);
        // The print file went through the 9100 parser: a PostScript job, its operator recorded.
        bool postscript = false;
        for (const auto& e : s.sink.events) {
            postscript = postscript || (e.proto == "postscript" && e.dissector == "raw");
        }
        CHECK(postscript);
        const auto reply = s.named("reply");
        REQUIRE(reply.size() == 1);
        CHECK(core::number_at(reply[0]->fields, "acks") == 5);
        CHECK(core::flag_at(reply[0]->fields, "accepted"));
        CHECK(reply[0]->from_printer);
    }
}

TEST_CASE("LPD records carry their typed kind; the rules switch on it", "[lpd][rules]") {
    using dissect::lpd::Record;
    CHECK(dissect::lpd::record_of(DaemonCode::RemoveJobs) == Record::RemoveJobs);
    CHECK(dissect::lpd::record_of(SubCode::AbortJob) == Record::AbortJob);
    CHECK(dissect::lpd::record_of(SubCode::DataFile) == Record::DataFile);
    Session s;
    s.client("\x02lp\n\x02" + std::to_string(kRlprControl.size()) + " cfA576vm\n" + kRlprControl +
             std::string(1, '\0') + "\x03" + std::to_string(kPage.size()) + " dfA576vm\n" + kPage +
             std::string(1, '\0'));
    s.server(std::string(5, '\0'));
    s.d->on_end({}, s.sink);
    Session rm;
    rm.client("\x05lp root 12\n");
    rm.d->on_end({}, rm.sink);
    for (const auto* session : {&s, &rm}) {
        for (const auto& e : session->sink.events) {
            if (e.dissector == "lpd") {
                REQUIRE(e.kind != 0);
                CHECK(dissect::lpd::to_string(static_cast<Record>(e.kind)) == e.name);
            }
        }
    }
    // Untrusted: the job (1401) and the deletefile in its print file (1301, the 9100 rules);
    // remove-jobs (1402). A trusted client's job still carries its dangerous PostScript.
    using Sids = std::vector<std::uint32_t>;
    CHECK(test::raised(s.sink.events, false) == Sids{1'001'401, 1'001'301});
    CHECK(test::raised(rm.sink.events, false) == Sids{1'001'402});
    CHECK(test::raised(rm.sink.events, true).empty());
}

TEST_CASE("LPD: a refused job, a streamed print file, a file cut short", "[lpd]") {
    Session refused;
    refused.client("\x02lp\n");
    refused.server(std::string(1, '\x01'));
    refused.d->on_end({}, refused.sink);
    const auto r = refused.named("reply");
    REQUIRE(r.size() == 1);
    CHECK_FALSE(core::flag_at(r[0]->fields, "accepted"));
    CHECK(test::field(*r[0], "refused") == "receive_job");

    Session streamed;  // CUPS's mode=stream: count 0, the file runs to the end
    streamed.client(
        "\x02lp\n\x03"
        "0 dfA001vm\n" +
        kPage + kPage);
    streamed.d->on_end({}, streamed.sink);
    const auto d = streamed.named("receive_data_file");
    REQUIRE(d.size() == 1);
    CHECK(core::flag_at(d[0]->fields, "streamed"));
    CHECK(core::number_at(d[0]->fields, "received") == static_cast<int>(2 * kPage.size()));
    CHECK_FALSE(d[0]->violation);

    Session cut;
    cut.client(
        "\x02lp\n\x02"
        "100 cfA001vm\nHvm\n");
    cut.d->on_end({}, cut.sink);
    const auto c = cut.named("receive_control_file");
    REQUIRE(c.size() == 1);
    CHECK(c[0]->violation == core::ParseError::Truncated);
    CHECK(core::number_at(c[0]->fields, "received") == 4);
}

TEST_CASE("LPD violations: malformed, oversized, bad terminator, then detach", "[lpd]") {
    Session bad;
    bad.client("\x09lp\n");
    REQUIRE(bad.named("malformed").size() == 1);
    CHECK(bad.named("malformed")[0]->violation == core::ParseError::Unsupported);

    Session longline;
    longline.client("\x02" + std::string(3000, 'A') + "\n");
    const auto o = longline.named("oversized");
    REQUIRE(o.size() == 1);
    CHECK(o[0]->violation == core::ParseError::TooLarge);
    CHECK(core::number_at(o[0]->fields, "line_length") == 3001);

    Session big;  // announced larger than any real control file: recorded, flagged, parsed
    const std::string lines = "Hvm\n" + std::string(20000, 'J') + "\n";
    big.client("\x02lp\n\x02" + std::to_string(lines.size()) + " cfA001vm\n" + lines +
               std::string(1, '\0'));
    const auto b = big.named("receive_control_file");
    REQUIRE(b.size() == 1);
    CHECK(b[0]->violation == core::ParseError::TooLarge);
    CHECK(core::flag_at(b[0]->fields, "oversized"));
    CHECK(test::field(*b[0], "host") == "vm");

    Session junk;
    const std::string body = "Hvm\n\x01\x02garbage\nPalice";
    junk.client("\x02lp\n\x02" + std::to_string(body.size()) + " cfA001vm\n" + body + "X");
    const auto j = junk.named("receive_control_file");
    REQUIRE(j.size() == 1);
    CHECK(j[0]->violation == core::ParseError::Invalid);
    CHECK(core::number_at(j[0]->fields, "invalid_lines") == 1);
    CHECK(test::field(*j[0], "user") == "alice");

    Session many;  // a flow that keeps violating is not LPD
    many.client("\x02lp\n");
    for (int i = 0; i < 10 && !many.d->detached(); ++i) {
        many.client(
            "\x02"
            "1 cfA001vm\nX\x07");
    }
    CHECK(many.d->detached());
}

TEST_CASE("LPD probe", "[lpd]") {
    const auto& info = test::dissector("lpd");
    const auto probe = [&](const std::string& s) {
        return info.probe(bytes(s), core::Direction::ToServer);
    };
    CHECK(probe("\x02lp\n") == core::Confidence::Yes);
    CHECK(probe("\x03lp alice\n") == core::Confidence::Yes);
    CHECK(probe("\x02lp\n\x02"
                "12 cfA001vm\n") == core::Confidence::Yes);
    CHECK(probe("\x02l") == core::Confidence::Maybe);
    CHECK(probe("GET / HTTP/1.1\r\n") == core::Confidence::No);
    CHECK(probe("\x02\x01\x02\n") == core::Confidence::No);
    CHECK(probe("\x03lp\nmore") == core::Confidence::No);
    CHECK(info.probe(bytes(std::string(1, '\0')), core::Direction::ToClient) ==
          core::Confidence::No);
}
