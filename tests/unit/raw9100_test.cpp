// SPDX-License-Identifier: Apache-2.0
#include "dissectors/raw9100.h"

#include "dissector_support.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace printwatch;  // NOLINT(google-build-using-namespace)
using dissect::raw9100::Category;
using dissect::raw9100::parse_pjl_line;
using dissect::raw9100::PsCategory;

namespace {
core::Bytes bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // NOLINT: test data
}
std::vector<dissect::raw9100::PsOperator> ps(const std::vector<std::string>& chunks) {
    dissect::raw9100::PsScanner s;
    std::vector<dissect::raw9100::PsOperator> out;
    for (const auto& c : chunks) {
        s.feed(c, [&](dissect::raw9100::PsOperator&& op) { out.push_back(std::move(op)); });
    }
    return out;
}
}  // namespace

TEST_CASE("PJL lines: commands, variables, categories", "[pjl]") {
    auto c = parse_pjl_line("\x1b%-12345X@PJL SET JOBNAME=\"Untitled - Notepad\"\r");
    REQUIRE(c);
    CHECK(c->command == "SET JOBNAME");
    CHECK(c->args == "\"Untitled - Notepad\"");
    CHECK(c->category == Category::Benign);
    CHECK(parse_pjl_line("@pjl info id")->command == "INFO ID");  // case-insensitive
    CHECK(parse_pjl_line("@PJL INFO ID")->category == Category::Info);
    CHECK(parse_pjl_line("@PJL INFO VARIABLES")->category == Category::InfoQuery);
    CHECK(parse_pjl_line("@PJL INFO FILESYS")->category == Category::FsAccess);
    CHECK(parse_pjl_line("@PJL RDYMSG DISPLAY = \"hi\"")->category == Category::ConfigChange);
    CHECK(parse_pjl_line("@PJL DEFAULT LPARM:PCL FONTSOURCE=I")->command == "DEFAULT FONTSOURCE");
    CHECK(parse_pjl_line("@PJL DEFAULT CPLOCK=ON")->category == Category::Lock);
    CHECK(parse_pjl_line("@PJL SET JOBMEDIA=OFF")->category == Category::ConfigChange);
    CHECK(parse_pjl_line("@PJL NVRAMINIT")->category == Category::Destructive);
    CHECK(parse_pjl_line("@PJL DMCMD ASCIIHEX=\"040006020501010301040104\"")->category ==
          Category::Destructive);
    CHECK(parse_pjl_line("@PJL DMCMD ASCIIHEX=\"0400\"")->category == Category::ConfigChange);
    CHECK(parse_pjl_line("@PJL DMINFO ASCIIHEX=\"0400040101\"")->category == Category::Benign);
    CHECK(parse_pjl_line("@PJL EXECUTE SHUTDOWN")->category == Category::Destructive);
    CHECK(parse_pjl_line("@PJL ENTER LANGUAGE = POSTSCRIPT")->language == "POSTSCRIPT");
    CHECK(parse_pjl_line("@PJL ECHO DELIMITER58623")->pret_delimiter);
    CHECK(parse_pjl_line("@PJL JOB PASSWORD=42")->job_password);
    CHECK_FALSE(parse_pjl_line("%!PS-Adobe-3.0"));
    CHECK_FALSE(parse_pjl_line("@PJLX"));
    CHECK_FALSE(parse_pjl_line(""));
    CHECK(parse_pjl_line("@PJL")->command.empty());
}

TEST_CASE("PJL file-system commands: path, traversal, size", "[pjl]") {
    auto up = parse_pjl_line("@PJL FSUPLOAD NAME=\"0:/../../etc/passwd\" OFFSET=0 SIZE=4096");
    REQUIRE(up);
    CHECK(up->category == Category::FsAccess);
    CHECK(up->path == "0:/../../etc/passwd");
    CHECK(up->traversal);
    CHECK(*up->size == 4096);
    auto dl =
        parse_pjl_line("@PJL FSDOWNLOAD FORMAT:BINARY SIZE=10 NAME = \"0:\\pcl\\macros\\m1\"");
    CHECK(dl->path == "0:\\pcl\\macros\\m1");
    CHECK_FALSE(dl->traversal);
    CHECK(parse_pjl_line("@PJL FSDELETE NAME=\"0:\\x\"")->category == Category::FsAccess);
    CHECK(parse_pjl_line("@PJL FSINIT VOLUME=\"0:\"")->category == Category::Destructive);
    // Every prefix of a valid line parses to something or nothing, never crashes.
    const std::string line = "@PJL FSUPLOAD NAME=\"0:/../../etc/passwd\" OFFSET=0 SIZE=1";
    for (std::size_t n = 0; n <= line.size(); ++n) {
        auto p = parse_pjl_line(std::string_view(line).substr(0, n));
        CHECK(p.has_value() == (n == 4 || n >= 5));
    }
}

TEST_CASE("PostScript scanner: operators, operands, literals, comments, strings", "[ps]") {
    auto ops = ps({"%!PS\n% deletefile in a comment\n(a deletefile string) pop /deletefile pop\n",
                   "serverdict begin 0 exitserver\n(../../etc/passwd) deletefile\n"});
    REQUIRE(ops.size() == 2);
    CHECK(ops[0].name == "exitserver");
    CHECK(ops[1].name == "deletefile");
    CHECK(ops[1].path == "../../etc/passwd");
    auto split = ps({"(/etc/shadow) (r) fi", "le\n<< /Password (0) >> setsys", "temparams\n"});
    REQUIRE(split.size() == 2);
    CHECK(split[0].name == "file");
    CHECK(split[0].category == PsCategory::FsAccess);
    CHECK(split[0].path == "/etc/shadow");
    CHECK(split[0].mode == "r");
    CHECK(split[1].name == "setsystemparams");
    auto super = ps({"{<< /Password (0) >> setsystemparams}\n1183615869 internaldict /super",
                     "exec get exec\n/superexecutive pop"});
    REQUIRE(super.size() == 2);
    CHECK(super[1].name == "superexec");
    CHECK(super[1].category == PsCategory::PrivilegeBypass);
    auto benign = ps({"(%stdout) (w) file <48656c6c6f> showpage (a \\) deletefile) pop"});
    REQUIRE(benign.size() == 1);
    CHECK(benign[0].path == "%stdout");
    CHECK(benign[0].category == PsCategory::FsAccess);  // job output, not a file-system write
    CHECK(dissect::raw9100::standard_device(benign[0].path));
    CHECK_FALSE(dissect::raw9100::standard_device("%disk0%../../etc/passwd"));
    auto write = ps({"(0:/etc/config) (w) file\n"});
    REQUIRE(write.size() == 1);
    CHECK(write[0].category == PsCategory::FsWrite);
}

TEST_CASE("PostScript scanner: the same operators however the bytes are split", "[ps]") {
    // The scanner takes comments, hex strings and token runs whole within a chunk; a boundary
    // anywhere (one byte at a time, or every split of a job in two) must not change a thing.
    const std::string job =
        std::string(
            "%!PS-Adobe-3.0\n%%Title: (deletefile) in a DSC comment\r"
            "/Helvetica findfont 12 scalefont setfont 72 720 moveto (a (nested) deletefile) show\n"
            "<48656c6c6f3e> pop <</Password (0) /StartJobPassword (0)>> setsystemparams\n"
            "(/etc/passwd) (r) file pop serverdict begin 0 exitserver %comment\n"
            "1183615869 internaldict /superexec get exec (..\\/x) deletefile\n"
            "thistokenisfarlongerthansixtyfourbytesandsoisnevercomparedwithanyoperatornamefile\n"
            "(*) {==} 256 string filenameforall devstatus") +
        std::string(1, '\0') + "quit[product]{version} (" + std::string(300, 'x') + ") deletefile ";
    auto names = [](const std::vector<dissect::raw9100::PsOperator>& ops) {
        std::vector<std::string> out;
        out.reserve(ops.size());
        for (const auto& op : ops) {
            out.push_back(std::string(op.name) + ":" + dissect::raw9100::to_string(op.category) +
                          ":" + op.path + ":" + op.mode);
        }
        return out;
    };
    const auto whole = names(ps({job}));
    CAPTURE(whole);
    CHECK(whole.size() == 11);
    CHECK(whole.back() == "deletefile:destructive:" + std::string(256, 'x') + ":");
    std::vector<std::string> bytewise;
    for (const char c : job) {
        bytewise.emplace_back(1, c);
    }
    CHECK(names(ps(bytewise)) == whole);
    for (std::size_t cut = 1; cut < job.size(); ++cut) {
        INFO("split at " << cut);
        REQUIRE(names(ps({job.substr(0, cut), job.substr(cut)})) == whole);
    }
}

TEST_CASE("PCL scanner: inquiry, echo, macros, combined parameters, raster skip", "[pcl]") {
    dissect::raw9100::PclScanner s;
    std::vector<dissect::raw9100::PclCommand> out;
    auto feed = [&](std::string_view d) {
        s.feed(d, [&](dissect::raw9100::PclCommand&& c) { out.push_back(std::move(c)); });
    };
    feed(
        "\x1b"
        "E\x1b*s1T\x1b&f31337y10X");
    feed("\x1b*b3W\x1b*s");  // 3 raster bytes hide an ESC*s: not an echo
    feed("5X");
    // ESC&f31337y10X is one escape with combined parameters (lower-case y continues it).
    REQUIRE(out.size() == 3);
    CHECK(out[0].name == "status_inquiry");
    CHECK(out[1].name == "macro_id");
    CHECK(out[1].value == 31337);
    CHECK(out[2].name == "macro_control");
    CHECK(out[2].value == 10);
    feed("\x1b*s7X");
    REQUIRE(out.size() == 4);  // after the skipped raster bytes, escapes are seen again
    CHECK(out[3].name == "echo");
}

TEST_CASE("raw 9100: UEL split across segments, language switch, back-channel", "[raw9100]") {
    core::LimitsConfig limits;
    auto d = test::dissector("raw").make(core::DissectorContext{limits, core::Transport::Tcp});
    test::EventCollector sink;
    const std::string job =
        "\x1b%-12345X@PJL ENTER LANGUAGE=POSTSCRIPT\n%!\n(x) (w) file\n\x1b%-12345X@PJL EOJ\n";
    for (std::size_t i = 0; i < job.size(); i += 5) {  // five-byte segments
        d->on_data(core::Direction::ToServer, bytes(job.substr(i, 5)), {}, sink);
    }
    REQUIRE(sink.events.size() == 3);
    CHECK(sink.events[0].name == "ENTER LANGUAGE");
    CHECK(sink.events[1].proto == "postscript");
    CHECK(test::field(sink.events[1], "path") == "x");
    CHECK(sink.events[2].name == "EOJ");
    d->on_data(core::Direction::ToClient,
               bytes("@PJL FSUPLOAD FORMAT:BINARY NAME=\"x\" OFFSET=0 SIZE=5\r\nAB\fCD\f"), {},
               sink);
    REQUIRE(sink.events.size() == 4);
    CHECK(sink.events[3].from_printer);
    CHECK(std::get<std::int64_t>(core::find(sink.events[3].fields, "bytes")->v) == 5);
}

TEST_CASE("raw 9100: oversized PJL line is reported once with its length", "[raw9100]") {
    core::LimitsConfig limits;
    auto d = test::dissector("raw").make(core::DissectorContext{limits, core::Transport::Tcp});
    test::EventCollector sink;
    const std::string line = "@PJL COMMENT " + std::string(5000, 'A') + "\n@PJL EOJ\n";
    d->on_data(core::Direction::ToServer, bytes(line), {}, sink);
    REQUIRE(sink.events.size() == 2);
    CHECK(std::get<bool>(core::find(sink.events[0].fields, "oversized")->v));
    CHECK(std::get<std::int64_t>(core::find(sink.events[0].fields, "line_length")->v) == 5013);
    CHECK(test::field(sink.events[0], "args").size() == dissect::raw9100::kMaxArgs);
    CHECK(sink.events[1].name == "EOJ");
}

TEST_CASE("raw 9100 probe", "[raw9100]") {
    const auto& info = test::dissector("raw");
    CHECK(info.probe(bytes("\x1b%-12345X@PJL"), core::Direction::ToServer) ==
          core::Confidence::Yes);
    CHECK(info.probe(bytes("@PJL INFO STATUS\r\n"), core::Direction::ToServer) ==
          core::Confidence::Yes);
    CHECK(info.probe(bytes("%!PS"), core::Direction::ToServer) == core::Confidence::Maybe);
    CHECK(info.probe(bytes("GET / HTTP/1.1"), core::Direction::ToServer) != core::Confidence::Yes);
}

namespace {
std::vector<core::AppEvent> feed_client(const std::string& stream, std::size_t segment) {
    core::LimitsConfig limits;
    auto d = test::dissector("raw").make(core::DissectorContext{limits, core::Transport::Tcp});
    test::EventCollector sink;
    for (std::size_t i = 0; i < stream.size(); i += segment) {
        d->on_data(core::Direction::ToServer, bytes(stream.substr(i, segment)), {}, sink);
    }
    d->on_end({}, sink);
    return std::move(sink.events);
}
std::vector<std::string> names(const std::vector<core::AppEvent>& events) {
    std::vector<std::string> out;
    out.reserve(events.size());
    for (const auto& e : events) {
        out.push_back(std::string(e.proto) + ":" + e.name);
    }
    return out;
}
}  // namespace

TEST_CASE("raw 9100: bare PostScript (no ENTER LANGUAGE) at any segment size", "[raw9100]") {
    const std::string body =
        "%!PS\nserverdict begin 0 exitserver\n(0:/x) deletefile\ntrue 0 startjob\n"
        "<< /Password (0) >> setsystemparams\n(*) {==} 256 string filenameforall\n";
    const std::vector<std::string> want{"postscript:exitserver", "postscript:deletefile",
                                        "postscript:startjob", "postscript:setsystemparams",
                                        "postscript:filenameforall"};
    for (const std::string prefix : {"", "\x1b%-12345X", "\x04", "\x1b%-12345X\r\n"}) {
        for (std::size_t seg = 1; seg <= 12; ++seg) {
            INFO("prefix " << prefix.size() << " bytes, segments of " << seg);
            const auto ev = feed_client(prefix + body, seg);
            CHECK(names(ev) == want);
            REQUIRE_FALSE(ev.empty());
            CHECK(test::field(ev[0], "language") == "postscript");
        }
    }
    // Not PostScript: a "%" that is not followed by "!" is plain data, and ") HP-PCL XL" is
    // PCL XL even when it arrives a byte at a time.
    CHECK(feed_client("%deletefile\n", 1).empty());
    CHECK(feed_client(") HP-PCL XL;3;0\ndeletefile exitserver\n", 1).empty());
}

TEST_CASE("raw 9100: after FSDOWNLOAD's n bytes the printer reads PJL again", "[raw9100]") {
    // PRET `put`: UEL, the FSDOWNLOAD line, the file, CRLF, UEL; later commands may follow the
    // file directly. A UEL inside the file is data, not the end of it.
    const std::string file = "AB\x1b%-12345X@PJL FSINIT VOLUME=\"9:\"\nCD";
    const std::string stream =
        "\x1b%-12345X@PJL FSDOWNLOAD FORMAT:BINARY SIZE=" + std::to_string(file.size()) +
        " NAME=\"0:/../x\"\r\n" + file +
        "@PJL SET SERVICEMODE=HPBOISEID\r\n@PJL FSINIT VOLUME=\"0\"\r\n"
        "\x1b%-12345X@PJL FSAPPEND FORMAT:BINARY SIZE=3 NAME=\"0:/y\"\r\n"
        "xyz@PJL DEFAULT COPIES=2\r\n@PJL FSDOWNLOAD SIZE=0 NAME=\"0:/z\"\r\n"
        "@PJL JOB PASSWORD=1\r\n";
    for (std::size_t seg : {1U, 7U, 9U, 4096U}) {
        INFO("segments of " << seg);
        CHECK(names(feed_client(stream, seg)) ==
              std::vector<std::string>{"pjl:FSDOWNLOAD", "pjl:SET SERVICEMODE", "pjl:FSINIT",
                                       "pjl:FSAPPEND", "pjl:DEFAULT COPIES", "pjl:FSDOWNLOAD",
                                       "pjl:JOB"});
    }
}

TEST_CASE("PostScript records carry their operator as kind; the rules switch on it",
          "[ps][rules]") {
    using dissect::raw9100::PsOp;
    core::LimitsConfig limits;
    auto d = test::dissector("raw").make(core::DissectorContext{limits, core::Transport::Tcp});
    test::EventCollector sink;
    const std::string job = "%!PS\n(%stdout) (w) file pop (0:/etc/x) deletefile product pop\n";
    d->on_data(core::Direction::ToServer,
               {reinterpret_cast<const std::uint8_t*>(job.data()), job.size()},  // NOLINT: test
               {}, sink);
    d->on_end({}, sink);
    std::vector<PsOp> ops;
    for (const auto& e : sink.events) {
        if (e.proto == "postscript") {
            ops.push_back(static_cast<PsOp>(e.kind));
        }
    }
    CHECK(ops == std::vector<PsOp>{PsOp::File, PsOp::DeleteFile, PsOp::Product});
    // Job output on %stdout and a product query are ordinary; deletefile is not, whoever sends it.
    CHECK(test::raised(sink.events, false) == std::vector<std::uint32_t>{1'001'301});
    CHECK(test::raised(sink.events, true) == std::vector<std::uint32_t>{1'001'301});
}
