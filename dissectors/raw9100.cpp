// SPDX-License-Identifier: Apache-2.0
// \summary: raw TCP 9100 (AppSocket/JetDirect) dissector: PJL, PostScript, PCL, back-channel.
//
// Reference: docs/protocols.md Part 2. There is no framing on 9100: the client writes a
// job (UEL, PJL lines, then a page description language) and the printer may answer on the
// same connection (PJL replies ending in form feed, FSUPLOAD data, PostScript output).
//
//   client:  [ESC%-12345X] @PJL ... LF  @PJL ENTER LANGUAGE=X LF  <PDL bytes> [ESC%-12345X] ...
//   printer: @PJL INFO ID CRLF "model" CRLF FF    @PJL FSUPLOAD ... SIZE=n CRLF <n bytes> FF
//
// Modes per client stream: PJL lines (bounded at kMaxPjlLine), PostScript (operator scanner),
// PCL 5 (escape scanner), PCL XL and other data (skipped), and a file download. Every PDL mode
// watches for UEL, which returns to PJL; "%!", ESC E and ") HP-PCL XL;" are recognised without
// ENTER LANGUAGE (attack tools, nc and many drivers send PostScript bare), once enough bytes
// have arrived to tell them apart: a tool that writes 7 bytes per segment must not turn "%!PS"
// into unknown data. FSDOWNLOAD/FSAPPEND SIZE=n is followed by exactly n bytes of file, after
// which the printer reads PJL again with no UEL in between (PRET's `put` goes straight on).
// Records: `pjl` per command line and per reply, `postscript` per table operator and per
// back-channel output, `pcl` per inquiry/macro command. Memory per flow is bounded: one line
// buffer per direction and the scanners' fixed-size state; job data is never buffered.
#include "raw9100.h"

#include "core/dissector.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

namespace printwatch::dissect::raw9100 {

using core::AppEvent;
using core::AppEventSink;
using core::Bytes;
using core::Direction;
using core::Object;

namespace {

constexpr std::size_t kDetectBytes = 16;  // enough to tell "@PJL" from a PDL start
constexpr std::size_t kMaxReplyValues = 16;
constexpr std::size_t kMaxValue = 256;
constexpr std::size_t kMaxOutput = 256;

enum class Mode : std::uint8_t { Pjl, PostScript, Pcl, PclXl, Data, Download };

const char* mode_name(Mode m) {
    switch (m) {
        case Mode::Pjl:
            return "pjl";
        case Mode::PostScript:
            return "postscript";
        case Mode::Pcl:
            return "pcl";
        case Mode::PclXl:
            return "pclxl";
        case Mode::Data:
            return "data";
        case Mode::Download:
            return "download";
    }
    return "data";
}

constexpr std::string_view kPclXlTag = " HP-PCL XL";

/// What a non-PJL stream start is (file(1) magic, docs/protocols.md §2.4-2.5), or nullopt while the
/// bytes seen so far could still become one of the known starts.
std::optional<Mode> decided_language(std::string_view s) {
    while (s.starts_with(kUel)) {
        s.remove_prefix(kUel.size());
    }
    while (!s.empty() && (s.front() == '\x04' || s.front() == '\r' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    if (s.empty() || s == "%" || (s.front() == '\x1b' && kUel.starts_with(s))) {
        return std::nullopt;
    }
    if (s.starts_with("%!")) {
        return Mode::PostScript;
    }
    if (s.starts_with("\x1b")) {
        return Mode::Pcl;
    }
    if (s[0] == ')' || s[0] == '(' || s[0] == '\'') {
        const auto tail = s.substr(1, kPclXlTag.size());
        if (!kPclXlTag.starts_with(tail)) {
            return Mode::Data;
        }
        return tail.size() == kPclXlTag.size() ? std::optional(Mode::PclXl) : std::nullopt;
    }
    return Mode::Data;
}

/// The language of a stream start that has ended (a line feed, or kDetectBytes bytes).
Mode detect_language(std::string_view s) {
    return decided_language(s).value_or(Mode::Data);
}

Mode language_mode(std::string_view lang) {
    if (lang.starts_with("POSTSCRIPT")) {
        return Mode::PostScript;
    }
    if (lang == "PCL") {
        return Mode::Pcl;
    }
    return lang.starts_with("PCLXL") ? Mode::PclXl : Mode::Data;
}

/// True while `s` could still become "@PJL" (case-insensitively), after an optional UEL.
bool could_be_pjl(std::string_view s) {
    while (s.starts_with(kUel)) {
        s.remove_prefix(kUel.size());
    }
    if (kUel.starts_with(s)) {
        return true;  // a UEL still arriving
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '\r' || s.front() == '\n')) {
        s.remove_prefix(1);
    }
    constexpr std::string_view kAt = "@PJL";
    for (std::size_t i = 0; i < std::min(s.size(), kAt.size()); ++i) {
        if (std::toupper(static_cast<unsigned char>(s[i])) != kAt[i]) {
            return false;
        }
    }
    return true;
}

std::string unquote(std::string_view s) {
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) {
        s.remove_suffix(1);
    }
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
        s = s.substr(1, s.size() - 2);
    }
    return std::string(s.substr(0, kMaxValue));
}

class Raw9100Dissector final : public core::Dissector {
  public:
    void on_data(Direction dir, Bytes data, core::Timestamp ts,
                 AppEventSink& sink) noexcept override {
        ts_ = ts;
        sink_ = &sink;
        if (dir == Direction::ToServer) {
            client(data);
        } else {
            printer(data);
        }
    }
    void on_gap(Direction dir, std::size_t length) noexcept override {
        // Bytes are lost: a half line would be misread, so drop it and wait for the next UEL
        // or line (PJL), or keep scanning (PDL modes re-synchronise on their own). Lost bytes
        // of a download still count towards its size.
        if (dir == Direction::ToServer) {
            line_.clear();
            oversized_ = false;
            undecided_ = false;
            if (mode_ == Mode::Download) {
                data_remaining_ -= std::min<std::uint64_t>(data_remaining_, length);
                if (data_remaining_ == 0) {
                    switch_mode(Mode::Pjl);
                }
            }
        } else {
            reply_line_.clear();
        }
    }
    void on_end(core::Timestamp ts, AppEventSink& sink) noexcept override {
        ts_ = ts;
        sink_ = &sink;
        if (oversized_) {
            pjl_line(line_, line_length_);
        }
        if (!reply_command_.empty()) {
            emit_reply();
        }
        emit_output();
    }
    [[nodiscard]] bool detached() const noexcept override { return false; }

  private:
    // ------------------------------------------------------------------ client -> printer
    void client(Bytes data) {
        std::size_t i = 0;
        while (i < data.size()) {
            if (mode_ == Mode::Pjl) {
                i += pjl_bytes(data.subspan(i));
            } else if (mode_ == Mode::Download) {
                i += download_bytes(data.subspan(i));
            } else {
                i += pdl_bytes(data.subspan(i));
            }
        }
    }

    /// Skips the announced file bytes; the printer then reads PJL again (no UEL needed).
    std::size_t download_bytes(Bytes data) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(data_remaining_, data.size()));
        data_remaining_ -= n;
        if (data_remaining_ == 0) {
            switch_mode(Mode::Pjl);
            line_.clear();
            line_length_ = 0;
        }
        return n;
    }

    /// Consumes PJL-mode bytes; returns how many (may stop early on a mode switch).
    std::size_t pjl_bytes(Bytes data) {
        for (std::size_t i = 0; i < data.size(); ++i) {
            const char c = static_cast<char>(data[i]);
            if (c == '\n') {
                if (undecided_) {  // the stream start ended before it could be told apart
                    line_.push_back(c);
                    start_pdl(detect_language(line_));
                    return i + 1;
                }
                const auto length = line_length_;
                line_length_ = 0;
                if (!line_.empty() || oversized_) {
                    std::string line = std::move(line_);
                    line_.clear();
                    pjl_line(line, length);
                    if (mode_ != Mode::Pjl) {
                        return i + 1;
                    }
                }
                continue;
            }
            ++line_length_;
            if (line_.size() < kMaxPjlLine) {
                line_.push_back(c);
            } else {
                oversized_ = true;  // keep counting; the record keeps the first kMaxPjlLine bytes
            }
            if (!oversized_ && line_.size() <= kDetectBytes && !could_be_pjl(line_)) {
                // Not a PJL line: page description data without ENTER LANGUAGE. Wait until its
                // start is decided ("%" could be "%!", ")" could be ") HP-PCL XL").
                const auto lang = decided_language(line_);
                undecided_ = !lang && line_.size() < kDetectBytes;
                if (!undecided_) {
                    start_pdl(lang.value_or(Mode::Data));
                    return i + 1;
                }
            }
        }
        return data.size();
    }

    /// Switches to the language that the buffered stream start spoke, and scans that start.
    void start_pdl(Mode m) {
        undecided_ = false;
        switch_mode(m);
        std::string pending = std::move(line_);
        line_.clear();
        line_length_ = 0;
        scan_pdl(pending);
    }

    void pjl_line(std::string_view line, std::size_t length) {
        const bool oversized = oversized_;
        oversized_ = false;
        auto cmd = parse_pjl_line(line);
        if (!cmd) {
            if (oversized) {
                switch_mode(detect_language(line));  // a long non-PJL "line" is PDL data
            }
            return;
        }
        AppEvent ev = event(kPjlRecord, Direction::ToServer, cmd->command);
        ev.fields.emplace_back("direction", "request");
        ev.fields.emplace_back("command", cmd->command);
        ev.fields.emplace_back("args", cmd->args);
        ev.fields.emplace_back("category", to_string(cmd->category));
        ev.kind = static_cast<std::uint8_t>(cmd->category);
        if (!cmd->path.empty() || cmd->category == Category::FsAccess) {
            ev.fields.emplace_back("path", cmd->path);
            ev.fields.emplace_back("traversal", cmd->traversal);
        }
        if (cmd->size) {
            ev.fields.emplace_back("size", *cmd->size);
        }
        if (cmd->pret_delimiter) {
            pret_ = true;
        }
        if (pret_) {
            ev.fields.emplace_back("tool", "PRET");
        }
        if (cmd->command.starts_with("DEFAULT")) {
            ev.fields.emplace_back("default_count", ++default_writes_);
        }
        if (cmd->job_password) {
            ev.fields.emplace_back("job_password_count", ++job_passwords_);
        }
        if (oversized) {
            ev.fields.emplace_back("oversized", true);
            ev.fields.emplace_back("line_length", static_cast<std::uint64_t>(length));
        }
        emit(std::move(ev));
        if (!cmd->language.empty()) {
            switch_mode(language_mode(cmd->language));
        } else if ((cmd->command == "FSDOWNLOAD" || cmd->command == "FSAPPEND") && cmd->size &&
                   *cmd->size > 0) {
            data_remaining_ = *cmd->size;  // exactly this many bytes of file follow the line
            switch_mode(Mode::Download);
        }
    }

    void switch_mode(Mode m) {
        mode_ = m;
        uel_matched_ = 0;
    }

    /// Consumes PDL-mode bytes up to and including a UEL (which returns to PJL).
    std::size_t pdl_bytes(Bytes data) {
        for (std::size_t i = 0; i < data.size(); ++i) {
            if (uel_matched_ == 0) {
                // Outside a partial match only an ESC can start one: jump to the next (the
                // per-byte match was a twentieth of a replay's time on print jobs).
                const auto rest = data.subspan(i);
                const auto esc = std::find(rest.begin(), rest.end(), kUel[0]);
                if (esc == rest.end()) {
                    break;
                }
                i += static_cast<std::size_t>(esc - rest.begin());
            }
            const char c = static_cast<char>(data[i]);
            if (c == kUel[uel_matched_]) {
                if (++uel_matched_ == kUel.size()) {
                    scan_pdl(core::as_text(data.first(i + 1)));
                    switch_mode(Mode::Pjl);
                    line_.clear();
                    line_length_ = 0;
                    return i + 1;
                }
            } else {
                uel_matched_ = c == kUel[0] ? 1 : 0;
            }
        }
        scan_pdl(core::as_text(data));
        return data.size();
    }

    void scan_pdl(std::string_view data) {
        if (mode_ == Mode::PostScript) {
            ps_.feed(data, [this](PsOperator&& op) { postscript(std::move(op)); });
        } else if (mode_ == Mode::Pcl) {
            pcl_.feed(data, [this](PclCommand&& c) { pcl(std::move(c)); });
        }
    }

    void postscript(PsOperator&& op) {
        AppEvent ev = event(kPsRecord, Direction::ToServer, std::string(op.name));
        ev.fields.emplace_back("direction", "request");
        ev.fields.emplace_back("operator", std::string(op.name));
        ev.fields.emplace_back("category", to_string(op.category));
        ev.kind = static_cast<std::uint8_t>(op.op);
        if (!op.path.empty()) {
            ev.fields.emplace_back("path", op.path);
        }
        if (!op.mode.empty()) {
            ev.fields.emplace_back("access", op.mode);
        }
        emit(std::move(ev));
    }

    void pcl(PclCommand&& c) {
        AppEvent ev = event(kPclRecord, Direction::ToServer, c.name);
        ev.fields = Object{{"direction", "request"},
                           {"command", c.name},
                           {"sequence", c.sequence},
                           {"category", to_string(c.category)},
                           {"value", c.value}};
        ev.kind = static_cast<std::uint8_t>(c.category);
        emit(std::move(ev));
    }

    // ------------------------------------------------------------------ printer -> client
    void printer(Bytes data) {
        for (std::size_t i = 0; i < data.size(); ++i) {
            if (upload_remaining_ > 0) {
                const auto n = static_cast<std::size_t>(
                    std::min<std::uint64_t>(upload_remaining_, data.size() - i));
                upload_remaining_ -= n;
                upload_bytes_ += n;
                i += n - 1;
                continue;
            }
            const char c = static_cast<char>(data[i]);
            if (c == '\f') {
                reply_text_line();
                if (!reply_command_.empty()) {
                    emit_reply();
                }
                emit_output();
            } else if (c == '\n') {
                reply_text_line();
            } else if (reply_line_.size() < kMaxPjlLine) {
                reply_line_.push_back(c);
            }
        }
    }

    void reply_text_line() {
        std::string line = std::move(reply_line_);
        reply_line_.clear();
        if (line.empty() || line == "\r") {
            return;
        }
        if (auto cmd = parse_pjl_line(line)) {
            if (!reply_command_.empty()) {
                emit_reply();
            }
            emit_output();
            reply_command_ = cmd->command;
            if (cmd->command == "FSUPLOAD" && cmd->size) {
                upload_announced_ = *cmd->size;
                upload_remaining_ = *cmd->size;
                upload_bytes_ = 0;
            }
            return;
        }
        if (!reply_command_.empty()) {
            if (reply_values_.size() < kMaxReplyValues) {
                reply_values_.push_back(unquote(line));
            }
            return;
        }
        // Text that answers no PJL command: PostScript `print`/`==` output, the proof that a
        // PostScript attack ran.
        output_bytes_ += line.size() + 1;
        if (output_.size() < kMaxOutput) {
            output_.append(line.substr(0, kMaxOutput - output_.size())).push_back('\n');
        }
    }

    void emit_reply() {
        AppEvent ev = event(kPjlRecord, Direction::ToClient, reply_command_);
        ev.from_printer = true;
        ev.fields.emplace_back("direction", "reply");
        ev.fields.emplace_back("command", reply_command_);
        core::Array values(reply_values_.begin(), reply_values_.end());
        if (reply_command_ == "INFO ID" && !reply_values_.empty()) {
            ev.fields.emplace_back("model", reply_values_.front());
        }
        for (const auto& v : reply_values_) {
            if (v.starts_with("FILEERROR")) {
                ev.fields.emplace_back("fileerror", v.substr(v.find('=') + 1));
            }
        }
        ev.fields.emplace_back("values", std::move(values));
        if (reply_command_ == "FSUPLOAD") {
            ev.fields.emplace_back("size", upload_announced_);
            ev.fields.emplace_back("bytes", upload_bytes_);
        }
        reply_command_.clear();
        reply_values_.clear();
        emit(std::move(ev));
    }

    void emit_output() {
        if (output_bytes_ == 0) {
            return;
        }
        AppEvent ev = event(kPsRecord, Direction::ToClient, "output");
        ev.from_printer = true;
        ev.fields = Object{{"direction", "response"},
                           {"operator", "output"},
                           {"output", output_},
                           {"bytes", output_bytes_}};
        output_.clear();
        output_bytes_ = 0;
        emit(std::move(ev));
    }

    // ------------------------------------------------------------------ helpers
    AppEvent event(std::string_view proto, Direction dir, std::string name) const {
        AppEvent ev;
        ev.ts = ts_;
        ev.dir = dir;
        ev.proto = proto;
        ev.dissector = "raw";
        ev.name = std::move(name);
        return ev;
    }
    void emit(AppEvent&& ev) {
        if (ev.dir == Direction::ToServer) {
            ev.fields.emplace_back("language", mode_name(mode_));  // the context it was sent in
        }
        sink_->on_app_event(std::move(ev));
    }

    core::Timestamp ts_;
    AppEventSink* sink_ = nullptr;
    // client side
    Mode mode_ = Mode::Pjl;
    std::string line_;
    std::size_t line_length_ = 0;
    bool oversized_ = false;
    bool undecided_ = false;  // line_ holds a stream start that is not PJL but not yet known
    std::size_t uel_matched_ = 0;
    std::uint64_t data_remaining_ = 0;
    PsScanner ps_;
    PclScanner pcl_;
    bool pret_ = false;
    std::uint64_t default_writes_ = 0;
    std::uint64_t job_passwords_ = 0;
    // printer side
    std::string reply_line_;
    std::string reply_command_;
    std::vector<std::string> reply_values_;
    std::uint64_t upload_announced_ = 0;
    std::uint64_t upload_remaining_ = 0;
    std::uint64_t upload_bytes_ = 0;
    std::string output_;
    std::uint64_t output_bytes_ = 0;
};

core::Confidence probe(Bytes first, Direction /*dir*/) noexcept {
    const auto s = core::as_text(first);
    std::string_view body = s;
    while (body.starts_with(kUel)) {
        body.remove_prefix(kUel.size());
    }
    if (s.starts_with(kUel) || (body.size() >= 4 && could_be_pjl(body.substr(0, 4)))) {
        return core::Confidence::Yes;
    }
    if (s.size() < kUel.size() && (kUel.starts_with(s) || could_be_pjl(s))) {
        return core::Confidence::Maybe;  // too short to judge
    }
    // On its own port anything may be printed (PostScript, PCL, PDF, plain text), so this is
    // never a "no"; under --all-traffic only "yes" attaches it to another port.
    return core::Confidence::Maybe;
}

std::unique_ptr<core::Dissector> make(const core::DissectorContext& /*ctx*/) {
    return std::make_unique<Raw9100Dissector>();
}

}  // namespace

std::unique_ptr<core::Dissector> make_job_parser(const core::DissectorContext& ctx) {
    return make(ctx);
}
}  // namespace printwatch::dissect::raw9100

namespace printwatch::dissectors {

using dissect::raw9100::kPclRecord;
using dissect::raw9100::kPjlRecord;
using dissect::raw9100::kPsRecord;

namespace {
constexpr std::array<std::uint16_t, 1> kRawPorts{9100};
constexpr std::array kRawServices{core::ServiceSpec{"raw", 0}};
// Raw JetDirect is TCP only (docs/protocols.md §1.2).
constexpr std::array kRawGroups{
    core::PortGroup{"raw", kRawPorts, true, false, kRawServices, "raw"}};

// Rules (docs/spec.md §4, sids 12xx PJL and 13xx PostScript): what the records of a raw job
// mean. Driver traffic (INFO ID, USTATUS, job attributes) from a trusted client is never an
// alert; from an untrusted or outside client it is, under the stricter sid of its pair (12x1).
// Attack commands alert for everyone.
constexpr std::uint32_t kSidPjlInfoQuery = 1'001'201;
constexpr std::uint32_t kSidPjlConfigChange = 1'001'202;
constexpr std::uint32_t kSidPjlFsAccess = 1'001'203;
constexpr std::uint32_t kSidPjlDestructive = 1'001'204;
constexpr std::uint32_t kSidPjlLock = 1'001'205;
constexpr std::uint32_t kSidPjlOversized = 1'001'206;
constexpr std::uint32_t kSidPjlInfoQueryUntrusted = 1'001'211;
constexpr std::uint32_t kSidPjlConfigChangeUntrusted = 1'001'212;
constexpr std::uint32_t kSidPsDangerousOperator = 1'001'301;
constexpr std::array kRawSignatures{
    core::Signature{kSidPjlInfoQuery, 1, "pjl.info_query", "PRINTWATCH PJL information query",
                    "Attempted Information Leak", 3, kPjlRecord, kSidPjlInfoQueryUntrusted},
    core::Signature{kSidPjlConfigChange, 1, "pjl.config_change",
                    "PRINTWATCH PJL configuration change", "Attempted Administrator Privilege Gain",
                    2, kPjlRecord, kSidPjlConfigChangeUntrusted},
    core::Signature{kSidPjlFsAccess, 1, "pjl.fs_access",
                    "PRINTWATCH PJL printer file-system access", "Attempted Information Leak", 1,
                    kPjlRecord, 0},
    core::Signature{kSidPjlDestructive, 1, "pjl.destructive", "PRINTWATCH PJL destructive command",
                    "Attempted Denial of Service", 1, kPjlRecord, 0},
    core::Signature{kSidPjlLock, 1, "pjl.lock", "PRINTWATCH PJL password or lock change",
                    "Attempted Administrator Privilege Gain", 1, kPjlRecord, 0},
    core::Signature{kSidPjlOversized, 1, "pjl.oversized", "PRINTWATCH oversized PJL line",
                    "Attempted Denial of Service", 1, kPjlRecord, 0},
    core::Signature{kSidPjlInfoQueryUntrusted, 1, "pjl.info_query_untrusted",
                    "PRINTWATCH PJL information query from an untrusted or outside client",
                    "Attempted Information Leak", 2, kPjlRecord, 0},
    core::Signature{kSidPjlConfigChangeUntrusted, 1, "pjl.config_change_untrusted",
                    "PRINTWATCH PJL configuration change from an untrusted or outside client",
                    "Attempted Administrator Privilege Gain", 1, kPjlRecord, 0},
    core::Signature{kSidPsDangerousOperator, 1, "ps.dangerous_operator",
                    "PRINTWATCH dangerous PostScript operator",
                    "Attempted Administrator Privilege Gain", 1, kPsRecord, 0},
};

using dissect::raw9100::Category;

constexpr std::int64_t kDefaultBurst = 10;  // PRET `destroy` sends 98 per batch
constexpr std::int64_t kPasswordBurst = 3;  // more than a secure job needs: brute force

void pjl_rules(const core::AppEvent& event, core::RuleContext& rules) {
    const auto& f = event.fields;
    const auto category = static_cast<Category>(event.kind);
    const std::string_view command = core::text_at(f, "command");
    if (core::flag_at(f, "oversized")) {
        rules.raise(kSidPjlOversized, "oversized", [&] {
            return core::pick(f, {"command", "line_length", "tool"});
        });
    }
    // PRET's loops: a burst of DEFAULTs (destroy) or of JOB PASSWORDs (brute force), alerted
    // with the count under `as`.
    const auto burst = [&](std::string_view count, std::int64_t at, std::uint32_t sid,
                           std::string_view detail, const char* as) {
        if (core::number_at(f, count) != at) {
            return;
        }
        rules.raise(sid, detail, [&] {
            core::Object d = core::pick(f, {"command", "tool"});
            d.emplace_back(as, core::number_at(f, count));
            return d;
        });
    };
    burst("default_count", kDefaultBurst, kSidPjlDestructive, "DEFAULT burst", "burst");
    burst("job_password_count", kPasswordBurst, kSidPjlLock, "JOB PASSWORD burst", "attempts");
    std::uint32_t sid = 0;
    if (category == Category::InfoQuery ||
        (category == Category::Info && command.starts_with("INFO") && !rules.trusted())) {
        sid = kSidPjlInfoQuery;
    } else if (category == Category::ConfigChange) {
        sid = kSidPjlConfigChange;
    } else if (category == Category::FsAccess) {
        sid = kSidPjlFsAccess;
    } else if (category == Category::Destructive) {
        sid = kSidPjlDestructive;
    } else if (category == Category::Lock) {
        sid = kSidPjlLock;
    }
    if (sid != 0) {
        const std::string key =
            std::string(command) + (core::flag_at(f, "traversal") ? " traversal" : "");
        rules.raise(sid, key, [&] {
            return core::pick(f, {"command", "args", "category", "path", "traversal", "tool"});
        });
    }
}

/// The PostScript operators of sid 1001301: what breaks out of the job (exitserver, startjob,
/// superexec), changes the device for good (setsystemparams, setpassword, initializedisk) or
/// touches its files. `file` counts on a real path only: on %stdout it is ordinary job output.
bool dangerous_operator(dissect::raw9100::PsOp op, std::string_view path) {
    using dissect::raw9100::PsOp;
    switch (op) {
        case PsOp::File:
            return !dissect::raw9100::standard_device(path);
        case PsOp::DeleteFile:
        case PsOp::RenameFile:
        case PsOp::ExitServer:
        case PsOp::StartJob:
        case PsOp::SuperExec:
        case PsOp::SetSystemParams:
        case PsOp::InitializeDisk:
        case PsOp::SetPassword:
            return true;
        default:
            return false;
    }
}

void raw_rules(const core::AppEvent& event, core::RuleContext& rules) {
    if (event.dir != core::Direction::ToServer) {
        return;  // a printer's replies are facts for the inventory, not attacks
    }
    if (event.proto == kPjlRecord) {
        pjl_rules(event, rules);
    } else if (event.proto == kPsRecord &&
               dangerous_operator(static_cast<dissect::raw9100::PsOp>(event.kind),
                                  core::text_at(event.fields, "path"))) {
        const auto& f = event.fields;
        rules.raise(
            kSidPsDangerousOperator,
            std::string(core::text_at(f, "operator")) + std::string(core::text_at(f, "path")), [&] {
                return core::pick(f, {"operator", "category", "path", "access"});
            });
    }
}

constexpr std::array<std::string_view, 3> kRawRecords{kPjlRecord, kPsRecord, kPclRecord};
}  // namespace

const core::DissectorInfo& raw9100_info() {
    static const core::DissectorInfo kInfo{"raw",
                                           true,
                                           false,
                                           &dissect::raw9100::probe,
                                           &dissect::raw9100::make,
                                           kRawGroups,
                                           core::RuleSet{kRawSignatures, &raw_rules},
                                           kRawRecords};
    return kInfo;
}

}  // namespace printwatch::dissectors
