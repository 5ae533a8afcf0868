// SPDX-License-Identifier: Apache-2.0
// LPD (RFC 1179, TCP 515): the pure pieces of the dissector, exposed for unit tests. The
// per-flow state machine is in lpd.cpp.
#pragma once

#include "core/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace printwatch::dissect::lpd {

/// A daemon command or receive-job subcommand line longer than this is an overflow attempt
/// (RFC 1179 names are at most 31 or 99 octets); the record keeps this many bytes of it.
constexpr std::size_t kMaxLine = 1024;
/// A control file announced larger than this is oversized: real ones are a few hundred bytes.
constexpr std::uint64_t kMaxControlFile = 16384;
constexpr std::size_t kMaxOperands = 32;
constexpr std::size_t kMaxValue = 256;

/// A name or word character of RFC 1179's lines: printable ASCII, not a blank.
bool printable(char c) noexcept;
/// A value as records keep it: at most kMaxValue bytes.
std::string capped(std::string_view s);

/// RFC 1179 §5: the first octet of the line a client opens the connection with.
enum class DaemonCode : std::uint8_t {
    PrintWaiting = 1,  // 01 queue LF
    ReceiveJob = 2,    // 02 queue LF, then subcommands
    QueueShort = 3,    // 03 queue SP list LF
    QueueLong = 4,     // 04 queue SP list LF
    RemoveJobs = 5,    // 05 queue SP agent SP list LF
};
const char* to_string(DaemonCode c) noexcept;

struct DaemonCommand {
    DaemonCode code = DaemonCode::PrintWaiting;
    std::string queue;
    std::string agent;                  // RemoveJobs: the user asking
    std::vector<std::string> operands;  // job numbers or user names, capped at kMaxOperands
};
/// Parses one daemon command line (without its LF).
core::Result<DaemonCommand> parse_daemon_command(std::string_view line);

/// RFC 1179 §6: the subcommands of a receive-job conversation.
enum class SubCode : std::uint8_t {
    AbortJob = 1,     // 01 LF
    ControlFile = 2,  // 02 count SP name LF, then count octets and a NUL
    DataFile = 3,     // 03 count SP name LF, then count octets and a NUL
};
const char* to_string(SubCode c) noexcept;

/// What an LPD record is, as its core::AppEvent::kind: a daemon command (its code), a
/// receive-job subcommand, the server's reply, or a command line the dissector could not take.
/// The rules switch on it rather than on the record's name.
enum class Record : std::uint8_t {
    PrintWaiting = 1,
    ReceiveJob,
    QueueShort,
    QueueLong,
    RemoveJobs,
    AbortJob,
    ControlFile,
    DataFile,
    Reply,
    Oversized,
    Malformed,
};
constexpr Record record_of(DaemonCode c) noexcept {
    return static_cast<Record>(c);
}
constexpr Record record_of(SubCode c) noexcept {
    return static_cast<Record>(static_cast<std::uint8_t>(c) +
                               static_cast<std::uint8_t>(Record::RemoveJobs));
}
/// The record's name in EVE (`command`): the daemon command's or subcommand's, "reply",
/// "oversized" or "malformed".
const char* to_string(Record r) noexcept;

struct Subcommand {
    SubCode code = SubCode::AbortJob;
    /// Octets that follow; 0 on a data file means "until the connection closes" (LPRng's
    /// and CUPS's streaming extension).
    std::uint64_t count = 0;
    std::string name;  // "cfA123host" / "dfA123host"
};
/// Parses one subcommand line (without its LF).
core::Result<Subcommand> parse_subcommand(std::string_view line);

/// The job number and originating host a control or data file name carries ("cfA576vm":
/// 576, "vm"); empty when the name does not follow RFC 1179 §7's pattern.
struct FileName {
    std::string job;
    std::string host;
};
FileName parse_file_name(std::string_view name);

/// What one control-file line is (RFC 1179 §7): a job attribute, a file to print in a
/// format, or something else.
enum class LineKind : std::uint8_t { Attribute, Print, Other, Unknown };
struct ControlLine {
    char code = 0;
    LineKind kind = LineKind::Unknown;
    std::string_view key;  // record field: "host", "user", "job_name", "postscript", ...
    std::string value;     // capped at kMaxValue
};
/// Parses one control-file line (without its LF). Invalid when the line is empty, does not
/// start with a letter or digit, or carries control octets.
core::Result<ControlLine> parse_control_line(std::string_view line);

}  // namespace printwatch::dissect::lpd
