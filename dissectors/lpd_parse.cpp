// SPDX-License-Identifier: Apache-2.0
// LPD: the pure pieces (the daemon command, subcommand, file name and control-line parsers and
// the record names), exposed in lpd.h for unit tests. The per-flow state machine, the probe
// and the rules are in lpd.cpp.
#include "core/text.h"
#include "lpd.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace printwatch::dissect::lpd {

using core::ParseError;

bool printable(char c) noexcept {
    return c > ' ' && c < '\x7f';
}

std::string capped(std::string_view s) {
    return core::capped(s, kMaxValue);
}

namespace {

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto start = s.find_first_not_of(" \t");
        if (start == std::string_view::npos) {
            break;
        }
        s.remove_prefix(start);
        const auto end = std::min(s.find_first_of(" \t"), s.size());
        out.emplace_back(s.substr(0, std::min(end, kMaxValue)));
        s.remove_prefix(end);
    }
    return out;
}

struct LineSpec {
    char code;
    LineKind kind;
    std::string_view key;
};
constexpr std::array kLineSpecs{
    LineSpec{'C', LineKind::Attribute, "class"},
    LineSpec{'H', LineKind::Attribute, "host"},
    LineSpec{'I', LineKind::Attribute, "indent"},
    LineSpec{'J', LineKind::Attribute, "job_name"},
    LineSpec{'L', LineKind::Attribute, "banner_user"},
    LineSpec{'M', LineKind::Attribute, "mail_user"},
    LineSpec{'P', LineKind::Attribute, "user"},
    LineSpec{'T', LineKind::Attribute, "title"},
    LineSpec{'W', LineKind::Attribute, "width"},
    LineSpec{'N', LineKind::Other, "source_files"},
    LineSpec{'U', LineKind::Other, "unlink"},
    LineSpec{'S', LineKind::Other, "symlink"},
    LineSpec{'1', LineKind::Other, "font_r"},
    LineSpec{'2', LineKind::Other, "font_i"},
    LineSpec{'3', LineKind::Other, "font_b"},
    LineSpec{'4', LineKind::Other, "font_s"},
    LineSpec{'c', LineKind::Print, "cif"},
    LineSpec{'d', LineKind::Print, "dvi"},
    LineSpec{'f', LineKind::Print, "text"},
    LineSpec{'g', LineKind::Print, "plot"},
    LineSpec{'l', LineKind::Print, "raw"},
    LineSpec{'n', LineKind::Print, "ditroff"},
    LineSpec{'o', LineKind::Print, "postscript"},
    LineSpec{'p', LineKind::Print, "pr"},
    LineSpec{'r', LineKind::Print, "fortran"},
    LineSpec{'t', LineKind::Print, "troff"},
    LineSpec{'v', LineKind::Print, "raster"},
};

}  // namespace

const char* to_string(DaemonCode c) noexcept {
    switch (c) {
        case DaemonCode::PrintWaiting:
            return "print_waiting_jobs";
        case DaemonCode::ReceiveJob:
            return "receive_job";
        case DaemonCode::QueueShort:
            return "queue_state_short";
        case DaemonCode::QueueLong:
            return "queue_state_long";
        case DaemonCode::RemoveJobs:
            return "remove_jobs";
    }
    return "unknown";
}

const char* to_string(SubCode c) noexcept {
    switch (c) {
        case SubCode::AbortJob:
            return "abort_job";
        case SubCode::ControlFile:
            return "receive_control_file";
        case SubCode::DataFile:
            return "receive_data_file";
    }
    return "unknown";
}

const char* to_string(Record r) noexcept {
    switch (r) {
        case Record::Reply:
            return "reply";
        case Record::Oversized:
            return "oversized";
        case Record::Malformed:
            return "malformed";
        case Record::AbortJob:
        case Record::ControlFile:
        case Record::DataFile:
            return to_string(static_cast<SubCode>(static_cast<std::uint8_t>(r) -
                                                  static_cast<std::uint8_t>(Record::RemoveJobs)));
        default:
            return to_string(static_cast<DaemonCode>(r));
    }
}

core::Result<DaemonCommand> parse_daemon_command(std::string_view line) {
    if (line.empty()) {
        return core::unexpected(ParseError::Truncated);
    }
    const auto code = static_cast<std::uint8_t>(line[0]);
    if (code < 1 || code > 5) {
        return core::unexpected(ParseError::Unsupported);
    }
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);  // tolerated: some clients end lines with CR LF
    }
    DaemonCommand cmd;
    cmd.code = static_cast<DaemonCode>(code);
    auto args = words(line.substr(1));
    if (args.empty() || !std::all_of(args[0].begin(), args[0].end(), printable)) {
        return core::unexpected(ParseError::Invalid);  // every command names a queue
    }
    cmd.queue = std::move(args[0]);
    std::size_t first = 1;
    if (cmd.code == DaemonCode::RemoveJobs) {
        if (args.size() < 2) {
            return core::unexpected(ParseError::Invalid);  // RFC 1179 §5.5: the agent is required
        }
        cmd.agent = std::move(args[1]);
        first = 2;
    } else if (cmd.code == DaemonCode::PrintWaiting || cmd.code == DaemonCode::ReceiveJob) {
        if (args.size() > 1) {
            return core::unexpected(ParseError::Invalid);  // these take the queue only
        }
    }
    for (std::size_t i = first; i < args.size() && cmd.operands.size() < kMaxOperands; ++i) {
        cmd.operands.push_back(std::move(args[i]));
    }
    return cmd;
}

core::Result<Subcommand> parse_subcommand(std::string_view line) {
    if (line.empty()) {
        return core::unexpected(ParseError::Truncated);
    }
    const auto code = static_cast<std::uint8_t>(line[0]);
    if (code < 1 || code > 3) {
        return core::unexpected(ParseError::Unsupported);
    }
    Subcommand sub;
    sub.code = static_cast<SubCode>(code);
    if (sub.code == SubCode::AbortJob) {
        return sub;
    }
    const auto args = words(line.substr(1));
    if (args.size() != 2) {
        return core::unexpected(ParseError::Invalid);
    }
    const auto count = core::parse_uint(args[0]);
    if (!count || !std::all_of(args[1].begin(), args[1].end(), printable)) {
        return core::unexpected(ParseError::Invalid);
    }
    sub.count = *count;
    sub.name = args[1];
    return sub;
}

FileName parse_file_name(std::string_view name) {
    // "cfA" or "dfA" (the letter runs A-Z, a-z for later files), three digits, the host.
    if (name.size() < 7 || (name.substr(0, 2) != "cf" && name.substr(0, 2) != "df") ||
        std::isalpha(static_cast<unsigned char>(name[2])) == 0 ||
        !std::all_of(name.begin() + 3, name.begin() + 6,
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
        return {};
    }
    return FileName{std::string(name.substr(3, 3)), capped(name.substr(6))};
}

core::Result<ControlLine> parse_control_line(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    if (line.empty() || std::isalnum(static_cast<unsigned char>(line[0])) == 0) {
        return core::unexpected(ParseError::Invalid);
    }
    if (std::any_of(line.begin(), line.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; })) {
        return core::unexpected(ParseError::Invalid);
    }
    ControlLine out;
    out.code = line[0];
    out.value = capped(line.substr(1));
    for (const auto& spec : kLineSpecs) {
        if (spec.code == out.code) {
            out.kind = spec.kind;
            out.key = spec.key;
        }
    }
    return out;
}

}  // namespace printwatch::dissect::lpd
