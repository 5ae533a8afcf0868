// SPDX-License-Identifier: Apache-2.0
// Raw 9100 (AppSocket/JetDirect): the pure pieces of the PJL, PostScript and PCL dissector,
// exposed for unit tests. The per-flow state machine is in raw9100.cpp.
#pragma once

#include "core/bytes.h"
#include "core/dissector.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace printwatch::dissect::raw9100 {

/// The 9100 dissector for the bytes of one print job carried by another protocol (an LPD print
/// file, an IPP document): it records PJL, PostScript and PCL exactly as on 9100, under the 9100
/// rules. Feed it the job's bytes as Direction::ToServer and end it with on_end().
std::unique_ptr<core::Dissector> make_job_parser(const core::DissectorContext& ctx);

/// PJL lines longer than this are an overflow/fuzzing attempt (sid 1001206); the record keeps
/// only this many bytes of the line.
constexpr std::size_t kMaxPjlLine = 1024;
constexpr std::size_t kMaxArgs = 256;

/// The record types this dissector writes (EVE event types, --eve-types, syslog): one constant
/// each, so the records, their signatures and the rules that dispatch on them cannot drift apart.
constexpr std::string_view kPjlRecord = "pjl";
constexpr std::string_view kPsRecord = "postscript";
constexpr std::string_view kPclRecord = "pcl";

constexpr std::string_view kUel = "\x1b%-12345X";

/// What a command means (docs/protocols.md §2.7), also the AppEvent::kind of its record (0 is
/// none). The rules map these to sids.
enum class Category : std::uint8_t {
    Benign = 1,    // JOB, EOJ, COMMENT, ENTER LANGUAGE, SET <job variable>, DMINFO
    Info,          // INFO ID/STATUS, ECHO, USTATUS: also what drivers send
    InfoQuery,     // INFO beyond ID/STATUS, INQUIRE, DINQUIRE
    FsAccess,      // FSQUERY, FSDIRLIST, FSUPLOAD, FSDOWNLOAD, FSAPPEND, FSMKDIR, FSDELETE
    ConfigChange,  // RDYMSG, OPMSG, STMSG, DEFAULT, SET SERVICEMODE/JOBMEDIA/HOLD, RESET, DMCMD
    Destructive,   // FSINIT, INITIALIZE, CLEARNVRAM, NVRAMINIT, RNVRAM/WNVRAM, DMCMD reset
    Lock,          // PASSWORD, CPLOCK, DISKLOCK
    Nuisance,      // TESTPAGE, EXECUTE ...PRINT
};
const char* to_string(Category c) noexcept;

struct PjlCommand {
    std::string command;  // upper case: "INFO ID", "SET JOBNAME", "FSUPLOAD", "DEFAULT COPIES"
    std::string args;     // the rest of the line, capped at kMaxArgs
    Category category = Category::Benign;
    std::string path;                   // NAME= of file-system commands
    bool traversal = false;             // the path climbs with ".."
    bool pret_delimiter = false;        // "ECHO DELIMITER<digits>": PRET's fingerprint
    std::string language;               // ENTER LANGUAGE=<x>, upper case
    std::optional<std::uint64_t> size;  // SIZE= (FSDOWNLOAD/FSUPLOAD)
    bool job_password = false;          // JOB ... PASSWORD=
};

/// Parses one PJL line (without its LF/CR). "@PJL" is matched case-insensitively (drivers are
/// strict, attack tools are not); nullopt when the line is not PJL.
std::optional<PjlCommand> parse_pjl_line(std::string_view line);

/// The PostScript operators of the classification table (docs/protocols.md §2.4 and §2.7). A
/// postscript record's core::AppEvent::kind is its operator, so the rules switch on these.
enum class PsOp : std::uint8_t {
    File = 1,
    DeleteFile,
    RenameFile,
    ExitServer,
    StartJob,
    SetSystemParams,
    SuperExec,
    InitializeDisk,
    SetPassword,
    CheckPassword,
    FilenameForAll,
    DevForAll,
    DevStatus,
    ResourceForAll,
    SetUserParams,
    SetDevParams,
    Quit,
    Product,
    Version,
    Revision,
    SerialNumber,
    CurrentSystemParams,
    VmStatus,
    RealTime,
};
/// What a PostScript operator does.
enum class PsCategory : std::uint8_t {
    FsAccess = 1,
    FsWrite,
    FsRecon,
    Destructive,
    PersistentChange,
    ConfigChange,
    PrivilegeBypass,
    Lock,
    Restart,
    Info,
};
const char* to_string(PsCategory c) noexcept;

/// One PostScript operator of the classification table.
struct PsOperator {
    PsOp op = PsOp::File;
    std::string_view name;  // "deletefile", "file", ...: the classification table's, static
    /// `file` on a real path with a write mode is FsWrite; on %stdout it stays FsAccess.
    PsCategory category = PsCategory::Info;
    std::string path;  // the file operand, when the operator takes one
    std::string mode;  // the file mode for `file`
};

/// A device every job may open with `file` (%stdout, %stdin, ...), as opposed to a path.
bool standard_device(std::string_view path) noexcept;

/// Bounded PostScript tokenizer: skips strings, comments and hex strings, remembers the last two
/// string literals (operands of file/deletefile/renamefile), reports table operators. State
/// survives feed() calls, so an operator split across TCP segments is still seen.
class PsScanner {
  public:
    void feed(std::string_view data, const std::function<void(PsOperator&&)>& emit);

  private:
    void end_token(const std::function<void(PsOperator&&)>& emit);
    void end_string();
    void string_byte(char c);
    bool skipped(char c);  // comments, hex strings, the byte after '<'
    void code_byte(char c, const std::function<void(PsOperator&&)>& emit);
    std::string token_;
    std::string string_;
    std::array<std::string, 2> strings_;  // most recent last
    int string_depth_ = 0;
    bool escape_ = false;
    bool comment_ = false;
    bool hex_ = false;
    bool saw_lt_ = false;
};

/// What a PCL command of interest touches: printer information, or its macro storage (a
/// macro control that only runs or calls a macro is Macro). A pcl record's kind.
enum class PclCategory : std::uint8_t { Info = 1, Storage, Macro };
const char* to_string(PclCategory c) noexcept;

/// One PCL escape sequence of interest (inquiry, echo, macro control).
struct PclCommand {
    std::string name;      // "status_inquiry", "echo", "macro_id", "macro_control"
    std::string sequence;  // e.g. "ESC*s1T", "ESC&f10X"
    PclCategory category = PclCategory::Info;
    std::int64_t value = 0;
};

/// Parses PCL 5 parameterized escape sequences (ESC <param char> <group char> value terminator,
/// with combined parameters). Bounded state survives feed() calls.
class PclScanner {
  public:
    void feed(std::string_view data, const std::function<void(PclCommand&&)>& emit);

  private:
    enum class State : std::uint8_t { Text, Esc, Group, Value };
    void finish(char terminator, const std::function<void(PclCommand&&)>& emit);
    void step(char c, const std::function<void(PclCommand&&)>& emit);
    void value_byte(char c, const std::function<void(PclCommand&&)>& emit);
    State state_ = State::Text;
    std::uint64_t skip_ = 0;  // binary bytes announced by ESC*b#W and friends
    char param_ = 0;
    char group_ = 0;
    std::string value_;
};

}  // namespace printwatch::dissect::raw9100
