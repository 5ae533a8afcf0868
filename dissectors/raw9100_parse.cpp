// SPDX-License-Identifier: Apache-2.0
// \summary: pure parsers of the raw 9100 dissector: PJL command lines, a PostScript operator
// scanner and a PCL escape-sequence scanner.
//
// References: docs/protocols.md Part 2 (HP PJL Technical Reference: UEL, FS commands,
// security variables; Brother/Lexmark PJL tables; PRET's command set; the classification
// table in §2.7). PJL line: "@PJL" SP command [SP words] [SP var "=" value] CR? LF.
// PCL 5 escape: ESC param(0x21-0x2F) group(0x60-0x7E) value terminator(0x40-0x5E, or
// 0x60-0x7E to combine the next parameter).
#include "core/text.h"
#include "raw9100.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string_view>
#include <utility>

namespace printwatch::dissect::raw9100 {

namespace {

/// Splits off the next word (up to a space, a tab or '=').
std::string_view next_word(std::string_view& s) {
    s = core::trim_blanks(s);
    std::size_t n = 0;
    while (n < s.size() && s[n] != ' ' && s[n] != '\t' && s[n] != '=') {
        ++n;
    }
    auto w = s.substr(0, n);
    s.remove_prefix(n);
    return w;
}

/// The value of KEY=value (or KEY = "value") in PJL arguments; case-insensitive key.
std::optional<std::string> param(std::string_view args, std::string_view key) {
    const std::string up = core::ascii_upper(args);
    for (std::size_t pos = up.find(key); pos != std::string::npos; pos = up.find(key, pos + 1)) {
        const bool starts = pos == 0 || up[pos - 1] == ' ' || up[pos - 1] == '\t';
        std::size_t i = pos + key.size();
        while (i < up.size() && up[i] == ' ') {
            ++i;
        }
        if (!starts || i >= up.size() || up[i] != '=') {
            continue;
        }
        ++i;
        while (i < up.size() && up[i] == ' ') {
            ++i;
        }
        if (i < args.size() && args[i] == '"') {
            const auto end = args.find('"', i + 1);
            return std::string(
                args.substr(i + 1, end == std::string_view::npos ? end : end - i - 1));
        }
        std::size_t end = i;
        while (end < args.size() && args[end] != ' ' && args[end] != '\t') {
            ++end;
        }
        return std::string(args.substr(i, end - i));
    }
    return std::nullopt;
}

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

/// Commands whose meaning does not depend on their arguments (docs/protocols.md §2.7).
constexpr std::array<std::pair<std::string_view, Category>, 17> kCommandCategories{{
    {"FSQUERY", Category::FsAccess},
    {"FSDIRLIST", Category::FsAccess},
    {"FSUPLOAD", Category::FsAccess},
    {"FSDOWNLOAD", Category::FsAccess},
    {"FSAPPEND", Category::FsAccess},
    {"FSMKDIR", Category::FsAccess},
    {"FSDELETE", Category::FsAccess},
    {"FSINIT", Category::Destructive},
    {"INITIALIZE", Category::Destructive},
    {"CLEARNVRAM", Category::Destructive},
    {"NVRAMINIT", Category::Destructive},
    {"RNVRAM", Category::Destructive},
    {"WNVRAM", Category::Destructive},
    {"SUPERUSER", Category::Destructive},
    {"RDYMSG", Category::ConfigChange},
    {"OPMSG", Category::ConfigChange},
    {"STMSG", Category::ConfigChange},
}};

bool lock_variable(std::string_view var) {
    return one_of(var, {"PASSWORD", "CPLOCK", "DISKLOCK"});
}

Category classify_set(const std::string& var) {
    if (lock_variable(var)) {
        return Category::Lock;
    }
    if (one_of(var, {"SERVICEMODE", "JOBMEDIA", "HOLD"})) {
        return Category::ConfigChange;
    }
    return var == "TESTPAGE" ? Category::Nuisance : Category::Benign;
}

Category classify_dmcmd(std::string_view args) {
    // PML prtGeneralReset via ASCIIHEX: ...0104/0105 restart, ...0106 factory reset (PRET).
    const auto hex = core::ascii_upper(param(args, "ASCIIHEX").value_or(""));
    const bool reset = hex.size() >= 4 && one_of(std::string_view(hex).substr(hex.size() - 4),
                                                 {"0104", "0105", "0106"});
    return reset ? Category::Destructive : Category::ConfigChange;
}

Category classify(const std::string& cmd, const std::string& sub, std::string_view args) {
    for (const auto& [name, category] : kCommandCategories) {
        if (name == cmd) {
            return category;
        }
    }
    if (cmd == "RESET") {
        return Category::ConfigChange;
    }
    if (one_of(cmd, {"INQUIRE", "DINQUIRE"})) {
        return Category::InfoQuery;
    }
    if (one_of(cmd, {"ECHO", "USTATUS", "USTATUSOFF"})) {
        return Category::Info;
    }
    if (cmd == "INFO") {
        return one_of(sub, {"ID", "STATUS"}) ? Category::Info
               : sub == "FILESYS"            ? Category::FsAccess
                                             : Category::InfoQuery;
    }
    if (cmd == "DEFAULT") {
        return lock_variable(sub) ? Category::Lock : Category::ConfigChange;
    }
    if (cmd == "SET") {
        return classify_set(sub);
    }
    if (cmd == "EXECUTE") {
        return core::ascii_upper(args).find("SHUTDOWN") != std::string::npos ? Category::Destructive
                                                                             : Category::Nuisance;
    }
    return cmd == "DMCMD" ? classify_dmcmd(args) : Category::Benign;  // JOB, EOJ, COMMENT, ...
}

}  // namespace

const char* to_string(Category c) noexcept {
    switch (c) {
        case Category::Benign:
            return "benign";
        case Category::Info:
            return "info";
        case Category::InfoQuery:
            return "info_query";
        case Category::FsAccess:
            return "fs_access";
        case Category::ConfigChange:
            return "config_change";
        case Category::Destructive:
            return "destructive";
        case Category::Lock:
            return "lock";
        case Category::Nuisance:
            return "nuisance";
    }
    return "benign";
}

std::optional<PjlCommand> parse_pjl_line(std::string_view line) {
    while (line.starts_with(kUel)) {
        line.remove_prefix(kUel.size());
    }
    line = core::trim_blanks(line);
    if (line.size() < 4 || core::ascii_upper(line.substr(0, 4)) != "@PJL" ||
        (line.size() > 4 && line[4] != ' ' && line[4] != '\t')) {
        return std::nullopt;
    }
    std::string_view rest = line.substr(4);
    PjlCommand c;
    const std::string cmd = core::ascii_upper(next_word(rest));
    std::string sub;
    c.command = cmd;
    if (one_of(cmd, {"INFO", "INQUIRE", "DINQUIRE", "SET", "DEFAULT", "ENTER", "USTATUS"})) {
        std::string_view word = next_word(rest);
        if (core::ascii_upper(word).starts_with("LPARM:")) {  // DEFAULT LPARM:PCL VAR=...
            word = next_word(rest);
        }
        sub = core::ascii_upper(word);
        if (!sub.empty()) {
            c.command += " " + sub;
        }
    }
    std::string_view args = core::trim_blanks(rest);
    if (!sub.empty() && args.starts_with('=')) {  // "SET VAR=VALUE": the variable is in command
        args = core::trim_blanks(args.substr(1));
    }
    c.args = std::string(args.substr(0, kMaxArgs));
    c.category = classify(cmd, sub, args);
    if (c.category == Category::FsAccess && cmd != "INFO") {
        c.path = param(args, "NAME").value_or("").substr(0, kMaxArgs);
        c.traversal = c.path.find("..") != std::string::npos;
    }
    if (cmd == "ECHO") {
        c.pret_delimiter = core::ascii_upper(args).starts_with("DELIMITER");
    }
    if (cmd == "ENTER" && sub == "LANGUAGE") {
        c.language = core::ascii_upper(args).substr(0, 32);
    }
    if (cmd == "JOB") {
        c.job_password = param(args, "PASSWORD").has_value();
    }
    if (auto size = param(args, "SIZE")) {
        c.size = core::parse_uint(*size);
    }
    return c;
}

// ---------------------------------------------------------------- PostScript

const char* to_string(PsCategory c) noexcept {
    switch (c) {
        case PsCategory::FsAccess:
            return "fs_access";
        case PsCategory::FsWrite:
            return "fs_write";
        case PsCategory::FsRecon:
            return "fs_recon";
        case PsCategory::Destructive:
            return "destructive";
        case PsCategory::PersistentChange:
            return "persistent_change";
        case PsCategory::ConfigChange:
            return "config_change";
        case PsCategory::PrivilegeBypass:
            return "privilege_bypass";
        case PsCategory::Lock:
            return "lock";
        case PsCategory::Restart:
            return "restart";
        case PsCategory::Info:
            return "info";
    }
    return "unknown";
}

const char* to_string(PclCategory c) noexcept {
    switch (c) {
        case PclCategory::Info:
            return "info";
        case PclCategory::Storage:
            return "storage";
        case PclCategory::Macro:
            return "macro";
    }
    return "unknown";
}

namespace {
constexpr std::size_t kMaxToken = 64;
constexpr std::size_t kMaxString = 256;

struct PsEntry {
    std::string_view name;
    PsOp op;
    PsCategory category;
};
// docs/protocols.md §2.4 and §2.7: what each operator does. Which of them alert is the rules'
// choice (raw9100.cpp).
constexpr std::array kPsOperators{
    PsEntry{"file", PsOp::File, PsCategory::FsAccess},
    PsEntry{"deletefile", PsOp::DeleteFile, PsCategory::Destructive},
    PsEntry{"renamefile", PsOp::RenameFile, PsCategory::FsAccess},
    PsEntry{"exitserver", PsOp::ExitServer, PsCategory::PersistentChange},
    PsEntry{"startjob", PsOp::StartJob, PsCategory::PersistentChange},
    PsEntry{"setsystemparams", PsOp::SetSystemParams, PsCategory::ConfigChange},
    PsEntry{"superexec", PsOp::SuperExec, PsCategory::PrivilegeBypass},
    PsEntry{"initializedisk", PsOp::InitializeDisk, PsCategory::Destructive},
    PsEntry{"setpassword", PsOp::SetPassword, PsCategory::Lock},
    PsEntry{"checkpassword", PsOp::CheckPassword, PsCategory::Lock},
    PsEntry{"filenameforall", PsOp::FilenameForAll, PsCategory::FsRecon},
    PsEntry{"devforall", PsOp::DevForAll, PsCategory::FsRecon},
    PsEntry{"devstatus", PsOp::DevStatus, PsCategory::FsRecon},
    PsEntry{"resourceforall", PsOp::ResourceForAll, PsCategory::FsRecon},
    PsEntry{"setuserparams", PsOp::SetUserParams, PsCategory::ConfigChange},
    PsEntry{"setdevparams", PsOp::SetDevParams, PsCategory::ConfigChange},
    PsEntry{"quit", PsOp::Quit, PsCategory::Restart},
    PsEntry{"product", PsOp::Product, PsCategory::Info},
    PsEntry{"version", PsOp::Version, PsCategory::Info},
    PsEntry{"revision", PsOp::Revision, PsCategory::Info},
    PsEntry{"serialnumber", PsOp::SerialNumber, PsCategory::Info},
    PsEntry{"currentsystemparams", PsOp::CurrentSystemParams, PsCategory::Info},
    PsEntry{"vmstatus", PsOp::VmStatus, PsCategory::Info},
    PsEntry{"realtime", PsOp::RealTime, PsCategory::Info},
};
/// Operator names are lowercase words of these lengths: a token outside them (a number, image
/// data, a name with capitals) is rejected without a look at the table.
constexpr auto kPsNameLengths = [] {
    std::size_t shortest = SIZE_MAX;
    std::size_t longest = 0;
    for (const auto& e : kPsOperators) {
        shortest = std::min(shortest, e.name.size());
        longest = std::max(longest, e.name.size());
    }
    return std::pair{shortest, longest};
}();
static_assert(std::all_of(kPsOperators.begin(), kPsOperators.end(), [](const PsEntry& e) {
    return std::all_of(e.name.begin(), e.name.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}));

/// What ends a run of bytes code_byte() only appends to the current token: delimiters (NUL
/// among them) and the bytes that open comments, strings, hex strings and names.
const core::StopBytes kTokenEnd(std::string_view("%(</ \t\r\n\f)>[]{}\0", 16));
/// What ends a run of bytes string_byte() only appends to the current string (outside an
/// escape).
const core::StopBytes kStringEnd("\\()");

/// Appends to `to` the run at data[i...] up to the first of `end`, keeping `to` at most `cap`
/// bytes as the byte-wise path would; returns where the run ends.
std::size_t append_run(std::string& to, std::string_view data, std::size_t i,
                       const core::StopBytes& end, std::size_t cap) {
    const std::size_t stop = end.find(data, i);
    to.append(data.substr(i, std::min(stop - i, cap - std::min(to.size(), cap))));
    return stop;
}

}  // namespace

bool standard_device(std::string_view path) noexcept {
    return path.empty() ||
           one_of(path, {"%stdin", "%stdout", "%stderr", "%lineedit", "%statementedit"});
}

void PsScanner::end_string() {
    strings_[0] = std::move(strings_[1]);
    strings_[1] = std::move(string_);
    string_.clear();
}

void PsScanner::end_token(const std::function<void(PsOperator&&)>& emit) {
    // superexec lives only in internaldict, so it is always reached by its literal name:
    // `1183615869 internaldict /superexec get exec` (PRET's invalidaccess bypass). Any other
    // literal name is data, never an operator.
    if (token_ == "/superexec") {
        token_.erase(0, 1);
    }
    const auto [shortest, longest] = kPsNameLengths;
    if (token_.size() < shortest || token_.size() > longest || token_.front() < 'a' ||
        token_.front() > 'z') {
        token_.clear();  // also a literal name (a leading '/') and an oversized token
        return;
    }
    const auto* const it =
        std::find_if(kPsOperators.begin(), kPsOperators.end(), [&](const PsEntry& e) {
            // The first byte before the compare: most tokens
            // of an operator's length are other words.
            return e.name.front() == token_.front() && e.name == token_;
        });
    token_.clear();
    if (it == kPsOperators.end()) {
        return;
    }
    PsOperator op{it->op, it->name, it->category, {}, {}};
    if (op.op == PsOp::File) {
        op.path = strings_[0];
        op.mode = strings_[1];
        // Opening a real path for writing writes to the file system; %stdout is job output.
        if (!standard_device(op.path) && !op.mode.empty() && op.mode.front() != 'r') {
            op.category = PsCategory::FsWrite;
        }
    } else if (op.op == PsOp::DeleteFile) {
        op.path = strings_[1];
    } else if (op.op == PsOp::RenameFile) {
        op.path = strings_[0];
    }
    if (!op.path.empty()) {
        strings_ = {};
    }
    emit(std::move(op));
}

void PsScanner::string_byte(char c) {
    if (escape_) {
        escape_ = false;
    } else if (c == '\\') {
        escape_ = true;
        return;
    } else if (c == '(') {
        ++string_depth_;
    } else if (c == ')' && --string_depth_ == 0) {
        end_string();
        return;
    }
    if (string_.size() < kMaxString) {
        string_.push_back(c);
    }
}

bool PsScanner::skipped(char c) {
    if (comment_) {
        comment_ = c != '\n' && c != '\r';
        return true;
    }
    if (hex_) {
        hex_ = c != '>';
        return true;
    }
    if (saw_lt_) {
        saw_lt_ = false;
        // "<" starts a hex (or ASCII85) string, "<<" a dictionary: either way this byte is done.
        hex_ = c != '<' && c != '>';
        return true;
    }
    return false;
}

void PsScanner::code_byte(char c, const std::function<void(PsOperator&&)>& emit) {
    switch (c) {
        case '%':
            end_token(emit);
            comment_ = true;
            break;
        case '(':
            end_token(emit);
            string_depth_ = 1;
            string_.clear();
            break;
        case '<':
            end_token(emit);
            saw_lt_ = true;
            break;
        case '/':
            end_token(emit);
            token_.push_back('/');  // a literal name is data, never an operator
            break;
        case ' ':
        case '\t':
        case '\r':
        case '\n':
        case '\f':
        case '\0':
        case ')':
        case '>':
        case '[':
        case ']':
        case '{':
        case '}':
            end_token(emit);
            break;
        default:
            if (token_.size() <= kMaxToken) {
                token_.push_back(c);
            }
    }
}

void PsScanner::feed(std::string_view data, const std::function<void(PsOperator&&)>& emit) {
    // Byte by byte as the states require, but comments, hex strings and runs of string or
    // token bytes are taken whole: a print job is mostly those, and one call per byte was the
    // largest cost of a replay's printer traffic.
    std::size_t i = 0;
    while (i < data.size()) {
        if (string_depth_ > 0 && !escape_ &&
            !kStringEnd.contains(static_cast<unsigned char>(data[i]))) {
            i = append_run(string_, data, i, kStringEnd, kMaxString);  // its first bytes only
        } else if (string_depth_ > 0) {
            string_byte(data[i++]);
        } else if (comment_) {
            const auto end = data.find_first_of("\r\n", i);
            comment_ = end == std::string_view::npos;
            i = comment_ ? data.size() : end + 1;  // the line end ends the comment
        } else if (hex_) {
            const auto end = data.find('>', i);
            hex_ = end == std::string_view::npos;
            i = hex_ ? data.size() : end + 1;
        } else if (saw_lt_) {
            skipped(data[i++]);
        } else if (!kTokenEnd.contains(static_cast<unsigned char>(data[i]))) {
            // As code_byte() would: kMaxToken + 1 bytes at most, so an oversized token shows.
            i = append_run(token_, data, i, kTokenEnd, kMaxToken + 1);
        } else {
            code_byte(data[i++], emit);
        }
    }
}

// ---------------------------------------------------------------- PCL

void PclScanner::finish(char terminator, const std::function<void(PclCommand&&)>& emit) {
    const char term = static_cast<char>(std::toupper(static_cast<unsigned char>(terminator)));
    // PCL values may carry a sign or decimals; the commands of interest take whole numbers.
    std::string_view digits(value_);
    const bool negative = digits.starts_with('-');
    digits = digits.substr(digits.find_first_of("0123456789") == std::string_view::npos
                               ? digits.size()
                               : digits.find_first_of("0123456789"));
    digits = digits.substr(0, digits.find_first_not_of("0123456789"));
    // At most 16 digits are kept (PclScanner::feed), so the value fits an int64_t.
    const auto magnitude = static_cast<std::int64_t>(core::parse_uint(digits).value_or(0));
    const std::int64_t v = negative ? -magnitude : magnitude;
    const std::string seq = std::string("ESC") + param_ + group_ + value_ + term;
    value_.clear();
    if (param_ == '*' && group_ == 's') {
        if (term == 'X') {
            emit(PclCommand{"echo", seq, PclCategory::Info, v});
        } else if (term == 'T' || term == 'U' || term == 'I') {
            emit(PclCommand{"status_inquiry", seq, PclCategory::Info, v});
        }
    } else if (param_ == '&' && group_ == 'f') {
        if (term == 'Y') {
            emit(PclCommand{"macro_id", seq, PclCategory::Storage, v});
        } else if (term == 'X') {
            // 0/1 define, 2/3 execute/call, 8 delete, 9 temporary, 10 permanent (PCL 5 manual).
            const bool storage = v == 0 || v == 1 || v == 8 || v == 10;
            emit(PclCommand{"macro_control", seq,
                            storage ? PclCategory::Storage : PclCategory::Macro, v});
        }
    } else if ((param_ == '*' && group_ == 'b' && term == 'W') ||
               ((param_ == '(' || param_ == ')') && group_ == 's' && term == 'W') ||
               (param_ == '&' && group_ == 'p' && term == 'X')) {
        skip_ = static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0));  // binary data follows
    }
}

void PclScanner::step(char c, const std::function<void(PclCommand&&)>& emit) {
    const auto restart = [&] { state_ = c == '\x1b' ? State::Esc : State::Text; };
    switch (state_) {
        case State::Text:
            restart();
            break;
        case State::Esc:
            if (c >= 0x21 && c <= 0x2f) {
                param_ = c;
                state_ = State::Group;
            } else {
                restart();
            }
            break;
        case State::Group:
            if (c >= 0x60 && c <= 0x7e) {
                group_ = c;
                value_.clear();
                state_ = State::Value;
            } else {
                state_ = State::Text;
            }
            break;
        case State::Value:
            value_byte(c, emit);
            break;
    }
}

void PclScanner::value_byte(char c, const std::function<void(PclCommand&&)>& emit) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.') {
        if (value_.size() < 16) {
            value_.push_back(c);
        }
    } else if (c >= 0x60 && c <= 0x7e) {
        finish(c, emit);  // combined: same parameter and group continue
    } else if (c >= 0x40 && c <= 0x5e) {
        finish(c, emit);
        state_ = State::Text;
    } else {
        state_ = c == '\x1b' ? State::Esc : State::Text;
    }
}

void PclScanner::feed(std::string_view data, const std::function<void(PclCommand&&)>& emit) {
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (skip_ > 0) {  // raster or font data announced by the previous escape
            const std::size_t n = std::min<std::uint64_t>(skip_, data.size() - i);
            skip_ -= n;
            i += n - 1;
            continue;
        }
        step(data[i], emit);
    }
}

}  // namespace printwatch::dissect::raw9100
