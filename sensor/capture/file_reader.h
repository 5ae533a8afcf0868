// SPDX-License-Identifier: Apache-2.0
// CaptureFileReader: printwatch's own reader for pcap and pcapng files (issue 9), used for
// replay; libpcap stays for live capture and compiles the BPF.
//
// Why not libpcap's reader: it copies every record through stdio into its own buffer, and it
// refuses a pcapng file whose interfaces have different link types (a capture of eth0 and
// "any" together, say). This reader read()s files, stdin and pipes alike in 256 KiB chunks
// into one bounded window and hands out frames that point into it. It used to map regular
// files, with a thread that mapped pages ahead and released them behind: on this project's
// machines that walk took 0.57 s for the 1 GB benchmark capture on two cores, where the
// kernel copies it in 0.12 s on one (bench/README.md, run 12). It reads
// pcap in both byte orders with micro- or nanosecond timestamps, and pcapng with every
// section and interface (each its own link type, timestamp resolution and offset): enhanced,
// simple and obsolete packet blocks. Errors name what is wrong as libpcap words them
// ("truncated ...", "unknown file format"), so messages stay the same for the operator.
#pragma once

#include "core/packet.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace printwatch::capture {

/// One record as the reader found it: the frame, and the file's link type number for it
/// (LINKTYPE_*), so that a BPF compiled for that link type can be run on it.
struct FileRecord {
    core::RawFrame frame;
    int linktype = 0;
};

class CaptureFileReader {
  public:
    enum class Status : std::uint8_t { Record, End, Error };

    /// "-" reads standard input. Throws std::runtime_error("-r PATH: why") when the file cannot
    /// be opened or does not start like a pcap or pcapng file.
    static std::unique_ptr<CaptureFileReader> open(const std::string& path);
    ~CaptureFileReader();
    CaptureFileReader(const CaptureFileReader&) = delete;
    CaptureFileReader& operator=(const CaptureFileReader&) = delete;

    /// The next record; its bytes stay valid until the next call. Error: error() says why.
    Status next(FileRecord& out) { return next(out.frame, out.linktype); }
    /// The same into the caller's frame, with the record's link type number: filling a
    /// FileRecord and copying its frame over stalled each copy's wide loads on the record's
    /// narrower stores (a twentieth of a SYN flood's replay).
    Status next(core::RawFrame& frame, int& linktype);
    [[nodiscard]] const std::string& error() const noexcept { return error_; }
    /// The link type of the file's first interface (pcap: the file's).
    [[nodiscard]] int first_linktype() const noexcept { return first_linktype_; }
    /// Share of a regular file consumed, 0..1; nullopt for a stream.
    [[nodiscard]] std::optional<double> share_read() const;

  private:
    CaptureFileReader() = default;
    /// Where a record goes: the caller's frame and link type.
    struct Out {
        core::RawFrame& frame;
        int& linktype;
    };
    struct Interface {
        int linktype = 0;
        std::uint32_t snaplen = 0;
        // Timestamp units per second, and whether that is a power of ten (the usual case).
        std::uint64_t units_per_second = 1'000'000;
        std::int64_t offset_seconds = 0;
    };

    [[nodiscard]] core::Bytes bytes() const noexcept { return {base_, size_}; }
    /// At least `n` bytes at pos_, reading more from a stream when needed. The check inline,
    /// the refill not: a record asks twice, and the call was a fifth of the reader's time.
    bool ensure(std::size_t n) { return size_ - pos_ >= n || refill(n); }
    bool refill(std::size_t n);
    [[nodiscard]] std::uint16_t u16(std::size_t at) const;
    [[nodiscard]] std::uint32_t u32(std::size_t at) const;
    Status fail(std::string why);
    bool read_header();
    void peek_first_interface();
    Status next_pcap(Out out);
    Status next_pcapng(Out out);
    bool read_section_header(std::size_t block_len);
    bool read_interface(std::size_t block_len);
    Status next_block_header(std::uint32_t& type, std::uint32_t& len);
    Status packet_block(Out out, std::uint32_t type, std::uint32_t len);
    Status packet(Out out, const Interface& iface, std::uint64_t ts_units, std::size_t data_at,
                  std::uint32_t caplen, std::uint32_t wire_len);

    // The bytes: a window over the input, refilled by ensure().
    const std::uint8_t* base_ = nullptr;
    std::size_t size_ = 0;  // the bytes in the window
    std::size_t pos_ = 0;
    std::size_t window_start_ = 0;  // the input's offset of the window's first byte
    std::size_t file_size_ = 0;     // a regular file's size, for share_read(); else 0
    int fd_ = -1;
    bool own_fd_ = false;
    bool eof_ = false;
    std::unique_ptr<std::uint8_t[]> window_;  // NOLINT(*-avoid-c-arrays): a byte buffer
    std::size_t window_size_ = 0;

    bool pcapng_ = false;
    bool swapped_ = false;
    bool nanoseconds_ = false;
    int first_linktype_ = 0;
    bool have_first_linktype_ = false;
    std::uint32_t snaplen_ = 0;
    std::vector<Interface> interfaces_;
    std::string error_;
};

}  // namespace printwatch::capture
