// SPDX-License-Identifier: Apache-2.0
#include "file_reader.h"

#include "core/prefetch.h"
#include "core/text.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <span>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace printwatch::capture {

namespace {

constexpr std::uint32_t kPcapMicro = 0xa1b2c3d4;
constexpr std::uint32_t kPcapNano = 0xa1b23c4d;
constexpr std::uint32_t kPcapngSection = 0x0a0d0d0a;
constexpr std::uint32_t kPcapngByteOrder = 0x1a2b3c4d;
constexpr std::size_t kPcapFileHeader = 24;
constexpr std::size_t kPcapRecordHeader = 16;
// libpcap's own ceiling for one record (MAXIMUM_SNAPLEN): larger means a corrupt length.
constexpr std::uint32_t kMaxRecord = 262144;
// A pcapng block larger than this is corrupt (libpcap's limit is 16 MiB).
constexpr std::uint32_t kMaxBlock = 16U * 1024 * 1024;
// Each read() asks for up to this much: the copy then sits in the core's second-level cache
// when the records are parsed (64 KiB to 4 MiB all read the 1 GB benchmark capture from the
// page cache in 0.12-0.18 s here; 256 KiB was among the fastest).
constexpr std::size_t kReadChunk = std::size_t{256} * 1024;
// Interfaces per pcapng section: each costs a few bytes, and a hostile file could declare
// millions; real captures have a handful.
constexpr std::size_t kMaxInterfaces = 4096;

enum : std::uint32_t {
    kBlockInterface = 1,
    kBlockObsoletePacket = 2,
    kBlockSimplePacket = 3,
    kBlockEnhancedPacket = 6,
};
constexpr std::uint16_t kOptionEnd = 0;
constexpr std::uint16_t kOptionTsResol = 9;
constexpr std::uint16_t kOptionTsOffset = 14;

// Callers have checked the length (ensure()); the span keeps the access in bounds anyway.
std::uint32_t load32(core::Bytes p, bool swapped) {
    std::uint32_t v = 0;
    std::memcpy(&v, p.first(sizeof v).data(), sizeof v);
    return swapped ? __builtin_bswap32(v) : v;
}
std::uint16_t load16(core::Bytes p, bool swapped) {
    std::uint16_t v = 0;
    std::memcpy(&v, p.first(sizeof v).data(), sizeof v);
    return swapped ? __builtin_bswap16(v) : v;
}

std::size_t padded4(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

/// The LINKTYPE_* number of a header field whose upper bits may carry the FCS length.
int linktype_number(std::uint32_t raw_field) {
    return static_cast<int>(raw_field & 0x0fffffffU);
}

}  // namespace

CaptureFileReader::~CaptureFileReader() {
    if (own_fd_ && fd_ >= 0) {
        ::close(fd_);
    }
}

std::unique_ptr<CaptureFileReader> CaptureFileReader::open(const std::string& path) {
    std::unique_ptr<CaptureFileReader> r(new CaptureFileReader());
    if (path == "-") {
        r->fd_ = STDIN_FILENO;
    } else {
        r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (r->fd_ < 0) {
            throw std::runtime_error("-r " + path + ": " + core::errno_text(errno));
        }
        r->own_fd_ = true;
    }
    struct stat st {};
    if (::fstat(r->fd_, &st) == 0 && S_ISREG(st.st_mode)) {
        r->file_size_ = static_cast<std::size_t>(st.st_size);
        // Read ahead of us in large steps; the pages stay in the page cache, not in our memory.
        static_cast<void>(::posix_fadvise(r->fd_, 0, 0, POSIX_FADV_SEQUENTIAL));
    }
    if (!r->read_header()) {
        throw std::runtime_error("-r " + path + ": " + r->error_);
    }
    return r;
}

bool CaptureFileReader::refill(std::size_t n) {
    if (eof_) {
        return false;
    }
    // Keep the unread tail (less than one record or block), then read until `n` bytes are
    // there or the input ends. The window holds one record or block plus a chunk at most.
    const std::size_t tail = size_ - pos_;
    if (const std::size_t want = std::max(n, tail + kReadChunk); window_size_ < want) {
        // Not zeroed: read() fills it. Grows only for a record or block larger than a chunk.
        // NOLINTNEXTLINE(*-avoid-c-arrays): a byte buffer whose bytes are left as they are
        auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(want);
        if (tail > 0) {
            std::memcpy(bigger.get(), window_.get() + pos_, tail);  // NOLINT: offsets
        }
        window_ = std::move(bigger);
        window_size_ = want;
    } else if (pos_ > 0 && tail > 0) {
        std::memmove(window_.get(), window_.get() + pos_, tail);  // NOLINT: offsets
    }
    window_start_ += pos_;
    size_ = tail;
    pos_ = 0;
    const std::span<std::uint8_t> window(window_.get(), window_size_);
    while (size_ < n && !eof_) {
        const auto room = window.subspan(size_);
        const ssize_t got = ::read(fd_, room.data(), room.size());
        if (got < 0 && errno == EINTR) {
            base_ = window_.get();
            return false;  // a signal: the caller sees an error and the replay loop a stop
        }
        if (got <= 0) {
            eof_ = true;
        } else {
            size_ += static_cast<std::size_t>(got);
        }
    }
    base_ = window_.get();
    return size_ >= n;
}

std::uint16_t CaptureFileReader::u16(std::size_t at) const {
    return load16(bytes().subspan(pos_ + at), swapped_);
}
std::uint32_t CaptureFileReader::u32(std::size_t at) const {
    return load32(bytes().subspan(pos_ + at), swapped_);
}

CaptureFileReader::Status CaptureFileReader::fail(std::string why) {
    error_ = std::move(why);
    return Status::Error;
}

bool CaptureFileReader::read_header() {
    if (!ensure(4)) {
        error_ = "truncated dump file; tried to read 4 file header bytes, only got " +
                 std::to_string(size_ - pos_);
        return false;
    }
    const std::uint32_t magic = load32(bytes(), false);
    if (magic == kPcapngSection) {
        pcapng_ = true;
        if (!ensure(12)) {
            error_ = "truncated pcapng dump file";
            return false;
        }
        const std::uint32_t bom = load32(bytes().subspan(pos_ + 8), false);
        if (bom != kPcapngByteOrder && bom != __builtin_bswap32(kPcapngByteOrder)) {
            error_ = "unknown file format";
            return false;
        }
        peek_first_interface();
        return true;  // the blocks, the section header first, are read by next_pcapng()
    }
    for (const bool swap : {false, true}) {
        const std::uint32_t m = swap ? __builtin_bswap32(magic) : magic;
        if (m == kPcapMicro || m == kPcapNano) {
            swapped_ = swap;
            nanoseconds_ = m == kPcapNano;
        }
    }
    const std::uint32_t m = swapped_ ? __builtin_bswap32(magic) : magic;
    if (m != kPcapMicro && m != kPcapNano) {
        error_ = "unknown file format";
        return false;
    }
    if (!ensure(kPcapFileHeader)) {
        error_ = "truncated dump file; tried to read 24 file header bytes, only got " +
                 std::to_string(size_ - pos_);
        return false;
    }
    snaplen_ = u32(16);
    first_linktype_ = linktype_number(u32(20));
    Interface iface;
    iface.linktype = first_linktype_;
    iface.snaplen = snaplen_;
    iface.units_per_second = nanoseconds_ ? 1'000'000'000 : 1'000'000;
    interfaces_.push_back(iface);
    pos_ += kPcapFileHeader;
    return true;
}

void CaptureFileReader::peek_first_interface() {
    // The link type is known at open, as with a pcap file, so that an unsupported one is
    // refused before any packet: look ahead over the first blocks for the first interface.
    // Offsets stay relative to pos_, which does not move (a stream's window keeps pos_ on).
    swapped_ = load32(bytes().subspan(pos_ + 8), false) != kPcapngByteOrder;
    std::size_t off = 0;
    for (int blocks = 0; blocks < 16 && ensure(off + 12); ++blocks) {
        const std::uint32_t type = u32(off);
        const std::uint32_t len = u32(off + 4);
        if (len < 12 || len % 4 != 0 || len > kMaxBlock || !ensure(off + len)) {
            break;
        }
        if (type == kBlockInterface && len >= 20) {
            first_linktype_ = linktype_number(u16(off + 8));
            have_first_linktype_ = true;
            break;
        }
        off += len;
    }
}

std::optional<double> CaptureFileReader::share_read() const {
    if (file_size_ == 0) {
        return std::nullopt;
    }
    return static_cast<double>(window_start_ + pos_) / static_cast<double>(file_size_);
}

CaptureFileReader::Status CaptureFileReader::next(core::RawFrame& frame, int& linktype) {
    const Out out{frame, linktype};
    return pcapng_ ? next_pcapng(out) : next_pcap(out);
}

CaptureFileReader::Status CaptureFileReader::packet(Out out, const Interface& iface,
                                                    std::uint64_t ts_units, std::size_t data_at,
                                                    std::uint32_t caplen, std::uint32_t wire_len) {
    // Microseconds, truncating finer units as libpcap does at microsecond precision.
    const std::uint64_t ups = iface.units_per_second;
    // A corrupt or hostile timestamp saturates instead of overflowing: the packet keeps its
    // place in the file, and time checks downstream see it as far in the future or past.
    constexpr std::int64_t kMaxSeconds = INT64_MAX / 1'000'000 - 1;
    const std::uint64_t whole = ts_units / ups;
    std::int64_t seconds = whole > static_cast<std::uint64_t>(kMaxSeconds)
                               ? kMaxSeconds
                               : static_cast<std::int64_t>(whole);
    if (__builtin_add_overflow(seconds, iface.offset_seconds, &seconds)) {
        seconds = iface.offset_seconds < 0 ? -kMaxSeconds : kMaxSeconds;
    }
    seconds = std::clamp(seconds, -kMaxSeconds, kMaxSeconds);
    const std::uint64_t frac = ts_units % ups;
    std::uint64_t usec = 0;
    if (ups % 1'000'000 == 0) {
        usec = frac / (ups / 1'000'000);  // 10^-6 (as is), 10^-9, ...
    } else if (ups <= UINT64_MAX / 1'000'000) {
        usec = frac * 1'000'000 / ups;  // coarser than microseconds, or 2^-k
    } else {
        usec = static_cast<std::uint64_t>(static_cast<long double>(frac) * 1e6L /
                                          static_cast<long double>(ups));
    }
    out.frame.ts = core::Timestamp{seconds * 1'000'000 + static_cast<std::int64_t>(usec)};
    out.frame.wire_len = wire_len;
    out.frame.data = bytes().subspan(pos_ + data_at, caplen);
    out.linktype = iface.linktype;
    return Status::Record;
}

namespace {
/// A record header and an Ethernet, IPv4 and TCP header: at most two cache lines.
constexpr std::size_t kPrefetchedBytes = 16 + 14 + 20 + 20;
}  // namespace

CaptureFileReader::Status CaptureFileReader::next_pcap(Out out) {
    if (!ensure(kPcapRecordHeader)) {
        if (size_ == pos_) {
            return Status::End;  // the input ended between records
        }
        return fail("truncated dump file; tried to read 16 header bytes, only got " +
                    std::to_string(size_ - pos_));
    }
    const std::uint32_t sec = u32(0);
    const std::uint32_t frac = u32(4);
    const std::uint32_t caplen = u32(8);
    const std::uint32_t len = u32(12);
    // Not the header's snaplen: a hostile header may claim 4 GiB, and a stream would buffer it.
    if (caplen > kMaxRecord) {
        return fail("invalid packet capture length " + std::to_string(caplen) +
                    ", bigger than maximum of " + std::to_string(kMaxRecord));
    }
    if (!ensure(kPcapRecordHeader + caplen)) {
        return fail("truncated dump file; tried to read " + std::to_string(caplen) +
                    " captured bytes, only got " +
                    std::to_string(size_ - pos_ - kPcapRecordHeader));
    }
    // packet()'s arithmetic for a pcap file, whose interface has no offset and 10^6 or 10^9
    // units a second: the same microseconds without its three divisions by a variable.
    // Neither sum overflows (2^32 seconds), and whole seconds of units then micro- or
    // nanoseconds are what packet() splits them into and joins again.
    const std::uint64_t usec = nanoseconds_ ? (std::uint64_t{sec} * 1'000'000'000 + frac) / 1000
                                            : std::uint64_t{sec} * 1'000'000 + frac;
    out.frame.ts = core::Timestamp{static_cast<std::int64_t>(usec)};
    out.frame.wire_len = len;
    out.frame.data = bytes().subspan(pos_ + kPcapRecordHeader, caplen);
    out.linktype = first_linktype_;
    pos_ += kPcapRecordHeader + caplen;  // the frame still points at its bytes
    if (size_ - pos_ >= kPrefetchedBytes) {
        // The next record's header and the packet headers behind it, while this frame is
        // processed: records are of any length, so no hardware prefetcher guesses where the
        // next one starts.
        const auto next = bytes().subspan(pos_, kPrefetchedBytes);
        core::prefetch(next.data());
        core::prefetch(&next.back());
    }
    return Status::Record;
}

bool CaptureFileReader::read_section_header(std::size_t block_len) {
    const std::uint32_t bom = load32(bytes().subspan(pos_ + 8), false);
    swapped_ = bom != kPcapngByteOrder;
    interfaces_.clear();                     // interface ids are per section
    return block_len >= 28 && u16(12) == 1;  // major version 1
}

namespace {
/// if_tsresol: units per second, 10^v or (top bit set) 2^v; 0 when absurd.
std::uint64_t units_per_second(std::uint8_t tsresol) {
    const unsigned exp = tsresol & 0x7fU;
    if ((tsresol & 0x80U) != 0) {
        return exp < 64 ? std::uint64_t{1} << exp : 0;
    }
    std::uint64_t units = 1;
    for (unsigned i = 0; i < exp; ++i) {
        if (units > UINT64_MAX / 10) {
            return 0;
        }
        units *= 10;
    }
    return units;
}
}  // namespace

bool CaptureFileReader::read_interface(std::size_t block_len) {
    if (interfaces_.size() >= kMaxInterfaces) {
        return false;
    }
    Interface iface;
    iface.linktype = linktype_number(u16(8));
    iface.snaplen = u32(12);
    // Options: code, length, value padded to 4, up to the trailing length field.
    for (std::size_t at = 16; at + 4 <= block_len - 4;) {
        const std::uint16_t code = u16(at);
        const std::uint16_t len = u16(at + 2);
        if (code == kOptionEnd || at + 4 + len > block_len - 4) {
            break;
        }
        if (code == kOptionTsResol && len >= 1) {
            // An absurd resolution gets libpcap's default instead.
            const auto units = units_per_second(bytes()[pos_ + at + 4]);
            iface.units_per_second = units != 0 ? units : 1'000'000;
        } else if (code == kOptionTsOffset && len >= 8) {
            std::uint64_t v = 0;
            std::memcpy(&v, bytes().subspan(pos_ + at + 4, sizeof v).data(), sizeof v);
            iface.offset_seconds = static_cast<std::int64_t>(swapped_ ? __builtin_bswap64(v) : v);
        }
        at += 4 + padded4(len);
    }
    if (!have_first_linktype_) {
        first_linktype_ = iface.linktype;
        have_first_linktype_ = true;
    }
    interfaces_.push_back(iface);
    return true;
}

CaptureFileReader::Status CaptureFileReader::next_block_header(std::uint32_t& type,
                                                               std::uint32_t& len) {
    if (!ensure(12)) {
        return fail("truncated pcapng dump file; tried to read 12 bytes, only got " +
                    std::to_string(size_ - pos_));
    }
    if (load32(bytes().subspan(pos_), false) == kPcapngSection) {
        // The byte order of a section is its header's to say.
        const std::uint32_t bom = load32(bytes().subspan(pos_ + 8), false);
        if (bom != kPcapngByteOrder && bom != __builtin_bswap32(kPcapngByteOrder)) {
            return fail("pcapng section header has an unknown byte-order magic");
        }
        swapped_ = bom != kPcapngByteOrder;
    }
    type = u32(0);
    len = u32(4);
    if (len < 12 || len % 4 != 0 || len > kMaxBlock) {
        return fail("pcapng block of type " + std::to_string(type) + " has a bad length " +
                    std::to_string(len));
    }
    if (!ensure(len)) {
        return fail("truncated pcapng dump file; tried to read " + std::to_string(len) +
                    " bytes, only got " + std::to_string(size_ - pos_));
    }
    if (u32(len - 4) != len) {
        return fail("pcapng block of type " + std::to_string(type) +
                    ": the trailing length differs from the leading one");
    }
    return Status::Record;
}

CaptureFileReader::Status CaptureFileReader::packet_block(Out out, std::uint32_t type,
                                                          std::uint32_t len) {
    if (type == kBlockSimplePacket) {
        if (interfaces_.empty()) {
            return fail("a simple packet block, but no Interface Description Block");
        }
        const std::uint32_t wire = u32(8);
        std::uint32_t caplen = std::min<std::uint32_t>(wire, len - 16);
        if (interfaces_.front().snaplen != 0) {
            caplen = std::min(caplen, interfaces_.front().snaplen);
        }
        // A simple packet block has no timestamp: libpcap gives it time 0 as well.
        return packet(out, interfaces_.front(), 0, 12, caplen, wire);
    }
    if (len < 32) {
        return fail("pcapng packet block too short");
    }
    const std::uint32_t id = type == kBlockObsoletePacket ? u16(8) : u32(8);
    if (id >= interfaces_.size()) {
        return fail("a packet arrived on interface " + std::to_string(id) +
                    ", but there's no Interface Description Block for that interface");
    }
    const std::uint32_t caplen = u32(20);
    if (caplen > len - 32) {
        return fail("pcapng packet block: captured length " + std::to_string(caplen) +
                    " exceeds the block");
    }
    const std::uint64_t ts = std::uint64_t{u32(12)} << 32 | u32(16);
    return packet(out, interfaces_[id], ts, 28, caplen, u32(24));
}

CaptureFileReader::Status CaptureFileReader::next_pcapng(Out out) {
    for (;;) {
        if (!ensure(1)) {
            return Status::End;
        }
        std::uint32_t type = 0;
        std::uint32_t len = 0;
        if (next_block_header(type, len) == Status::Error) {
            return Status::Error;
        }
        Status st = Status::End;  // End here means: not a packet, go on
        if (type == kPcapngSection) {
            if (!read_section_header(len)) {
                return fail("pcapng section header of an unsupported version");
            }
        } else if (type == kBlockInterface && len >= 20) {
            if (!read_interface(len)) {
                return fail("more than " + std::to_string(kMaxInterfaces) +
                            " interfaces in one pcapng section");
            }
        } else if (type == kBlockEnhancedPacket || type == kBlockObsoletePacket ||
                   (type == kBlockSimplePacket && len >= 16)) {
            st = packet_block(out, type, len);
            if (st == Status::Error) {
                return st;
            }
        }
        pos_ += len;
        if (st == Status::Record) {
            return st;
        }
    }
}

}  // namespace printwatch::capture
