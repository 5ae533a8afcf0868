// SPDX-License-Identifier: Apache-2.0
// \summary: LPD (line printer daemon) dissector: daemon commands, receive-job subcommands,
// control files, and the print files handed to the raw 9100 parser.
//
// Reference: RFC 1179. The client opens with one daemon command line; only "receive job" goes
// on, with subcommands, each answered by one octet (0 = accepted) from the server:
//
//   client:  02 queue LF                                   server: 00
//            02 count SP cfA123host LF                              00
//            <count octets of control file> 00                      00
//            03 count SP dfA123host LF                              00
//            <count octets of print file> 00                        00
//
// Control file: one line per attribute, first octet the command (H host, P user, J job name,
// N source file name, L banner, T title, C class, M mail, U unlink, W width, I indent, 1-4
// troff fonts) or a format letter (f text, l raw, o PostScript, p pr, c d g n r t v) followed
// by the data file to print. Real clients differ in the order: rlpr and CUPS's lpd backend send
// the control file first, CUPS with order=data,control the print file first; CUPS streams with
// a data-file count of 0 (until the connection closes). Queue state (03/04) and remove jobs (05)
// are answered with text.
// Records: `lpd` per daemon command, per subcommand once its file is complete (the control
// file's lines parsed into fields), and per reply; a print file's bytes go through the raw 9100
// dissector, which records PJL, PostScript and PCL as on 9100. Violations: an unknown command
// or subcommand, a bad count, control lines that are not RFC 1179 lines (invalid), a command
// line over kMaxLine or a control file over kMaxControlFile (too_large), a file cut short
// (truncated). Memory per flow: one line buffer, the control file's record being built (its
// values capped), and the raw 9100 parser of the current print file. The line parsers are in
// lpd_parse.cpp.
#include "lpd.h"

#include "core/dissector.h"
#include "core/text.h"
#include "raw9100.h"

#include <algorithm>
#include <array>
#include <memory>

namespace printwatch::dissect::lpd {

using core::AppEvent;
using core::AppEventSink;
using core::Bytes;
using core::Direction;
using core::Object;
using core::ParseError;

namespace {

constexpr std::uint32_t kMaxViolations = 8;  // then the flow is not LPD: detach
constexpr std::size_t kMaxListed = 64;       // control lines listed per kind in a record
constexpr std::size_t kMaxReply = 512;       // reply text kept

/// The record of one control file, built line by line as its bytes arrive.
struct ControlRecord {
    Object attributes;
    core::Array files;  // {format, file} per print line
    std::vector<std::pair<std::string_view, core::Array>> lists;
    core::Array unknown;  // lines with a command RFC 1179 does not define
    std::uint64_t lines = 0;
    std::uint64_t invalid_lines = 0;

    void add(const ControlLine& l) {
        ++lines;
        switch (l.kind) {
            case LineKind::Attribute:
                for (auto& [k, v] : attributes) {
                    if (k == l.key) {
                        v = l.value;  // a repeated attribute: the last one counts, as in lpd
                        return;
                    }
                }
                attributes.emplace_back(std::string(l.key), l.value);
                return;
            case LineKind::Print:
                if (files.size() < kMaxListed) {
                    files.emplace_back(Object{{"format", std::string(l.key)}, {"file", l.value}});
                }
                return;
            case LineKind::Other:
                for (auto& [k, list] : lists) {
                    if (k == l.key) {
                        if (list.size() < kMaxListed) {
                            list.emplace_back(l.value);
                        }
                        return;
                    }
                }
                lists.emplace_back(l.key, core::Array{l.value});
                return;
            case LineKind::Unknown:
                if (unknown.size() < kMaxListed) {
                    unknown.emplace_back(std::string(1, l.code) + l.value);
                }
                return;
        }
    }
};

class LpdDissector final : public core::Dissector {
  public:
    explicit LpdDissector(const core::DissectorContext& ctx) : ctx_(ctx) {}

    void on_data(Direction dir, Bytes data, core::Timestamp ts,
                 AppEventSink& sink) noexcept override {
        ts_ = ts;
        sink_ = &sink;
        if (dir == Direction::ToServer) {
            client(data);
        } else {
            server(data);
        }
    }
    void on_gap(Direction dir, std::size_t length) noexcept override {
        if (dir == Direction::ToClient) {
            return;  // a lost ack or reply line: the client's side still tells the story
        }
        if ((phase_ == Phase::DataFile || phase_ == Phase::ControlFile) && !streaming_) {
            remaining_ -= std::min<std::uint64_t>(remaining_, length);
            lost_ += length;
            if (job_ && phase_ == Phase::DataFile) {
                job_->on_gap(Direction::ToServer, length);
            }
            if (remaining_ == 0) {
                phase_ = Phase::Terminator;
            }
            return;
        }
        if (phase_ == Phase::DataFile) {
            lost_ += length;  // streamed: it goes on to the end of the connection
            return;
        }
        phase_ = Phase::Lost;  // a command line is gone: what follows cannot be framed
    }
    void on_end(core::Timestamp ts, AppEventSink& sink) noexcept override {
        ts_ = ts;
        sink_ = &sink;
        if (phase_ == Phase::ControlFile || phase_ == Phase::DataFile ||
            phase_ == Phase::Terminator) {
            const bool cut = (phase_ != Phase::Terminator && !streaming_) || lost_ > 0;
            finish_file(cut ? core::Violation(ParseError::Truncated) : core::Violation{});
        }
        if (reply_bytes_ > 0 || acks_ > 0 || refused_ != 0) {
            emit_reply();
        }
    }
    [[nodiscard]] bool detached() const noexcept override { return violations_ >= kMaxViolations; }

  private:
    enum class Phase : std::uint8_t {
        Command,
        Subcommand,
        ControlFile,
        DataFile,
        Terminator,
        Done,
        Lost
    };

    // ------------------------------------------------------------------ client -> server
    void client(Bytes data) {
        std::size_t i = 0;
        while (i < data.size()) {
            switch (phase_) {
                case Phase::Command:
                case Phase::Subcommand:
                    i += line_bytes(data.subspan(i));
                    break;
                case Phase::ControlFile:
                    i += control_bytes(data.subspan(i));
                    break;
                case Phase::DataFile:
                    i += data_bytes(data.subspan(i));
                    break;
                case Phase::Terminator:
                    finish_file(data[i] == 0 ? core::Violation{} : ParseError::Invalid);
                    ++i;
                    break;
                case Phase::Done:
                case Phase::Lost:
                    return;  // one command per connection (RFC 1179 §5)
            }
        }
    }

    /// Collects a command or subcommand line; returns the octets used.
    std::size_t line_bytes(Bytes data) {
        const auto text = core::as_text(data);
        const auto lf = text.find('\n');
        const auto chunk = text.substr(0, lf);
        line_length_ += chunk.size();
        line_.append(chunk.substr(0, kMaxLine - std::min(kMaxLine, line_.size())));
        if (lf == std::string_view::npos) {
            return data.size();
        }
        const std::string line = std::move(line_);
        const auto length = line_length_;
        line_.clear();
        line_length_ = 0;
        if (length > kMaxLine) {
            oversized_line(line, length);
        } else if (phase_ == Phase::Command) {
            daemon_command(line);
        } else {
            subcommand(line);
        }
        return lf + 1;
    }

    void daemon_command(std::string_view line) {
        auto cmd = parse_daemon_command(line);
        if (!cmd) {
            malformed(line, cmd.error());
            phase_ = Phase::Done;
            return;
        }
        command_ = cmd->code;
        queue_ = cmd->queue;
        AppEvent ev = event(Direction::ToServer, record_of(cmd->code));
        ev.fields.emplace_back("queue", std::move(cmd->queue));
        if (cmd->code == DaemonCode::RemoveJobs) {
            ev.fields.emplace_back("agent", std::move(cmd->agent));
        }
        if (cmd->code == DaemonCode::QueueShort || cmd->code == DaemonCode::QueueLong ||
            cmd->code == DaemonCode::RemoveJobs) {
            core::Array list;
            for (auto& o : cmd->operands) {
                list.emplace_back(std::move(o));
            }
            ev.fields.emplace_back("list", std::move(list));
        }
        last_step_ = to_string(cmd->code);
        phase_ = cmd->code == DaemonCode::ReceiveJob ? Phase::Subcommand : Phase::Done;
        sink_->on_app_event(std::move(ev));
    }

    void subcommand(std::string_view line) {
        auto sub = parse_subcommand(line);
        if (!sub) {
            malformed(line, sub.error());
            phase_ = Phase::Done;  // the framing is lost with it
            return;
        }
        last_step_ = to_string(sub->code);
        if (sub->code == SubCode::AbortJob) {
            sink_->on_app_event(event(Direction::ToServer, record_of(sub->code)));
            return;
        }
        file_ = std::move(*sub);
        remaining_ = file_.count;
        streaming_ = file_.code == SubCode::DataFile && file_.count == 0;
        received_ = 0;
        lost_ = 0;
        control_ = ControlRecord{};
        control_line_.clear();
        control_line_length_ = 0;
        file_violation_.reset();
        if (file_.code == SubCode::ControlFile) {
            if (file_.count > kMaxControlFile) {
                file_violation_ = ParseError::TooLarge;
            }
            phase_ = file_.count == 0 ? Phase::Terminator : Phase::ControlFile;
        } else {
            // Each print file is a job of its own for the 9100 parser: PJL, PostScript or PCL.
            job_ = raw9100::make_job_parser(ctx_);
            phase_ = Phase::DataFile;
        }
    }

    std::size_t control_bytes(Bytes data) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
        const auto text = core::as_text(data.first(n));
        std::size_t start = 0;
        while (start < text.size()) {
            const auto lf = text.find('\n', start);
            const auto chunk = text.substr(start, lf == std::string_view::npos ? lf : lf - start);
            control_line_length_ += chunk.size();
            control_line_.append(
                chunk.substr(0, kMaxLine - std::min(kMaxLine, control_line_.size())));
            if (lf == std::string_view::npos) {
                break;
            }
            control_line();
            start = lf + 1;
        }
        remaining_ -= n;
        received_ += n;
        if (remaining_ == 0) {
            if (control_line_length_ > 0) {
                control_line();  // the last line had no LF
                note(ParseError::Invalid);
            }
            phase_ = Phase::Terminator;
        }
        return n;
    }

    void control_line() {
        if (control_line_length_ > kMaxLine) {
            note(ParseError::TooLarge);
        }
        if (auto l = parse_control_line(control_line_)) {
            control_.add(*l);
        } else {
            ++control_.lines;
            ++control_.invalid_lines;
            note(l.error());
        }
        control_line_.clear();
        control_line_length_ = 0;
    }

    std::size_t data_bytes(Bytes data) {
        const auto n =
            streaming_ ? data.size()
                       : static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
        if (job_) {
            job_->on_data(Direction::ToServer, data.first(n), ts_, *sink_);
        }
        received_ += n;
        if (!streaming_) {
            remaining_ -= n;
            if (remaining_ == 0) {
                phase_ = Phase::Terminator;
            }
        }
        return n;
    }

    /// The file (and its NUL) is complete, or the connection ended inside it.
    void finish_file(core::Violation terminator) {
        if (terminator) {
            note(*terminator);
        }
        if (job_) {
            job_->on_end(ts_, *sink_);
            job_.reset();
        }
        AppEvent ev = event(Direction::ToServer, record_of(file_.code));
        auto& f = ev.fields;
        f.emplace_back("queue", queue_);
        f.emplace_back("name", file_.name);
        const auto parts = parse_file_name(file_.name);
        if (!parts.job.empty()) {
            f.emplace_back("job", parts.job);
            f.emplace_back("origin", parts.host);
        }
        f.emplace_back("size", file_.count);
        f.emplace_back("received", received_ + lost_);
        if (streaming_) {
            f.emplace_back("streamed", true);
        }
        if (file_.code == SubCode::ControlFile) {
            for (auto& a : control_.attributes) {
                f.push_back(std::move(a));
            }
            f.emplace_back("print", std::move(control_.files));
            for (auto& [key, list] : control_.lists) {
                f.emplace_back(std::string(key), std::move(list));
            }
            if (!control_.unknown.empty()) {
                f.emplace_back("unknown_lines", std::move(control_.unknown));
            }
            f.emplace_back("lines", control_.lines);
            if (control_.invalid_lines > 0) {
                f.emplace_back("invalid_lines", control_.invalid_lines);
            }
            if (file_violation_ == ParseError::TooLarge) {
                f.emplace_back("oversized", true);
            }
        }
        if (file_violation_) {
            f.emplace_back("violation", core::to_string(*file_violation_));
            ev.violation = file_violation_;
            ++violations_;
        }
        phase_ = Phase::Subcommand;
        streaming_ = false;
        sink_->on_app_event(std::move(ev));
    }

    /// Keeps the first violation of the file being received.
    void note(ParseError e) {
        if (!file_violation_ || e == ParseError::TooLarge) {
            file_violation_ = e;
        }
    }

    void oversized_line(std::string_view kept, std::size_t length) {
        AppEvent ev = event(Direction::ToServer, Record::Oversized);
        ev.fields.emplace_back("line", capped(kept));
        ev.fields.emplace_back("line_length", static_cast<std::uint64_t>(length));
        ev.fields.emplace_back("oversized", true);
        ev.fields.emplace_back("violation", core::to_string(ParseError::TooLarge));
        ev.violation = ParseError::TooLarge;
        ++violations_;
        phase_ = Phase::Done;
        sink_->on_app_event(std::move(ev));
    }

    void malformed(std::string_view line, ParseError e) {
        AppEvent ev = event(Direction::ToServer, Record::Malformed);
        if (!line.empty()) {
            ev.fields.emplace_back("code", static_cast<int>(static_cast<std::uint8_t>(line[0])));
        }
        ev.fields.emplace_back("line", capped(line));
        ev.fields.emplace_back("violation", core::to_string(e));
        ev.violation = e;
        ++violations_;
        sink_->on_app_event(std::move(ev));
    }

    // ------------------------------------------------------------------ server -> client
    void server(Bytes data) {
        if (command_ == DaemonCode::ReceiveJob) {
            // One octet per step; anything but 0 refuses it (some servers add a text reason).
            for (const auto b : data) {
                if (refused_ == 0 && b == 0) {
                    ++acks_;
                } else if (refused_ == 0) {
                    refused_ = b;
                    refused_step_ = last_step_;
                } else {
                    keep_reply(b);
                }
            }
            return;
        }
        for (const auto b : data) {
            keep_reply(b);
        }
    }
    void keep_reply(std::uint8_t b) {
        ++reply_bytes_;
        if (reply_.size() < kMaxReply) {
            reply_.push_back(static_cast<char>(b));
        }
    }

    void emit_reply() {
        AppEvent ev = event(Direction::ToClient, Record::Reply);
        ev.from_printer = true;
        ev.fields.emplace_back("reply_to", command_ ? to_string(*command_) : "unknown");
        ev.fields.emplace_back("queue", queue_);
        if (command_ == DaemonCode::ReceiveJob) {
            ev.fields.emplace_back("acks", acks_);
            ev.fields.emplace_back("accepted", refused_ == 0);
            if (refused_ != 0) {
                ev.fields.emplace_back("refused", std::string(refused_step_));
                ev.fields.emplace_back("code", static_cast<int>(refused_));
            }
        }
        if (reply_bytes_ > 0) {
            ev.fields.emplace_back("text", reply_);
            ev.fields.emplace_back("bytes", reply_bytes_);
        }
        sink_->on_app_event(std::move(ev));
    }

    // ------------------------------------------------------------------ helpers
    AppEvent event(Direction dir, Record record) const {
        const std::string_view command = to_string(record);
        AppEvent ev;
        ev.ts = ts_;
        ev.dir = dir;
        ev.proto = "lpd";
        ev.dissector = "lpd";
        ev.name = std::string(command);
        ev.kind = static_cast<std::uint8_t>(record);
        ev.fields.emplace_back("direction", dir == Direction::ToServer ? "command" : "response");
        ev.fields.emplace_back("command", std::string(command));
        return ev;
    }

    core::DissectorContext ctx_;
    core::Timestamp ts_;
    AppEventSink* sink_ = nullptr;
    Phase phase_ = Phase::Command;
    std::string line_;
    std::size_t line_length_ = 0;
    std::optional<DaemonCode> command_;
    std::string queue_;
    std::string_view last_step_ = "connect";
    // the file being received
    Subcommand file_;
    std::uint64_t remaining_ = 0;
    std::uint64_t received_ = 0;
    std::uint64_t lost_ = 0;
    bool streaming_ = false;
    ControlRecord control_;
    std::string control_line_;
    std::size_t control_line_length_ = 0;
    core::Violation file_violation_;
    std::unique_ptr<core::Dissector> job_;
    std::uint32_t violations_ = 0;
    // the server's side
    std::uint64_t acks_ = 0;
    std::uint8_t refused_ = 0;
    std::string_view refused_step_;
    std::string reply_;
    std::uint64_t reply_bytes_ = 0;
};

core::Confidence probe(Bytes first, Direction dir) noexcept {
    if (dir != Direction::ToServer || first.empty()) {
        return dir == Direction::ToServer ? core::Confidence::Maybe : core::Confidence::No;
    }
    const auto s = core::as_text(first);
    if (s[0] < 1 || s[0] > 5) {
        return core::Confidence::No;
    }
    const auto lf = s.find('\n');
    const auto line = s.substr(1, lf == std::string_view::npos ? kMaxLine : lf - 1);
    const bool text = !line.empty() && printable(line[0]) &&
                      std::all_of(line.begin(), line.end(),
                                  [](char c) { return printable(c) || c == ' ' || c == '\r'; });
    if (!text) {
        return core::Confidence::No;
    }
    if (lf == std::string_view::npos) {
        return s.size() < kMaxLine ? core::Confidence::Maybe : core::Confidence::No;
    }
    // A whole command line; only a receive-job conversation may go on after it.
    return lf + 1 == s.size() || s[0] == 2 ? core::Confidence::Yes : core::Confidence::No;
}

std::unique_ptr<core::Dissector> make(const core::DissectorContext& ctx) {
    return std::make_unique<LpdDissector>(ctx);
}

}  // namespace
}  // namespace printwatch::dissect::lpd

namespace printwatch::dissectors {

namespace {
constexpr std::array<std::uint16_t, 1> kLpdPorts{515};
constexpr std::array kLpdServices{core::ServiceSpec{"lpd", 0}};
constexpr std::array kLpdGroups{
    core::PortGroup{"lpd", kLpdPorts, true, false, kLpdServices, "lpd"}};

// Rules (docs/spec.md §4, sids 14xx): what LPD records mean. Printing and asking for the queue
// is what every client does, so a job alerts only from an untrusted or outside client (with
// its host, user and job name); removing jobs is an attack on other users' work from such a
// client. Malformed and oversized commands or control files alert for everyone (the classic
// LPD overflows). The print file itself goes through the 9100 rules.
constexpr std::uint32_t kSidJob = 1'001'401;
constexpr std::uint32_t kSidRemoveJobs = 1'001'402;
constexpr std::uint32_t kSidOversized = 1'001'498;
constexpr std::uint32_t kSidMalformed = 1'001'499;
constexpr std::array kLpdSignatures{
    core::Signature{kSidJob, 1, "lpd.job", "PRINTWATCH LPD job from outside or untrusted client",
                    "Potential Corporate Privacy Violation", 2, "lpd", 0},
    core::Signature{kSidRemoveJobs, 1, "lpd.remove_jobs",
                    "PRINTWATCH LPD remove-jobs from outside or untrusted client",
                    "Attempted Denial of Service", 2, "lpd", 0},
    core::Signature{kSidOversized, 1, "lpd.oversized",
                    "PRINTWATCH oversized LPD command or control file",
                    "Attempted Denial of Service", 1, "lpd", 0},
    core::Signature{kSidMalformed, 1, "lpd.malformed", "PRINTWATCH malformed LPD message",
                    "Potentially Bad Traffic", 2, "lpd", 0},
};

void lpd_rules(const core::AppEvent& event, core::RuleContext& rules) {
    if (event.dir != core::Direction::ToServer) {
        return;  // the server's acks and queue listings are facts, not attacks
    }
    const auto& f = event.fields;
    if (event.violation == core::ParseError::TooLarge) {
        rules.raise(kSidOversized, event.name, [&] {
            return core::pick(f, {"command", "queue", "name", "size", "line_length", "violation"});
        });
    }
    if ((event.violation && event.violation != core::ParseError::TooLarge) ||
        core::number_at(f, "invalid_lines") > 0) {
        rules.raise(kSidMalformed, event.name, [&] {
            return core::pick(
                f, {"command", "code", "queue", "name", "line", "invalid_lines", "violation"});
        });
    }
    if (rules.trusted()) {
        return;
    }
    switch (static_cast<dissect::lpd::Record>(event.kind)) {
        case dissect::lpd::Record::RemoveJobs:
            rules.raise(kSidRemoveJobs, core::text_at(f, "queue"), [&] {
                return core::pick(f, {"queue", "agent", "list"});
            });
            break;
        case dissect::lpd::Record::ControlFile:
            rules.raise(kSidJob, core::text_at(f, "job_name"), [&] {
                return core::pick(f,
                                  {"queue", "host", "user", "job_name", "title", "source_files"});
            });
            break;
        default:
            break;
    }
}

constexpr std::array<std::string_view, 1> kLpdRecords{"lpd"};
}  // namespace

const core::DissectorInfo& lpd_info() {
    static const core::DissectorInfo kInfo{"lpd",
                                           true,
                                           false,
                                           &dissect::lpd::probe,
                                           &dissect::lpd::make,
                                           kLpdGroups,
                                           core::RuleSet{kLpdSignatures, &lpd_rules},
                                           kLpdRecords};
    return kInfo;
}

}  // namespace printwatch::dissectors
