// SPDX-License-Identifier: Apache-2.0
// PcapSource: one libpcap handle (offline file, stdin, or live interface) as RAII. The only
// code in the tree that includes <pcap.h>. Setup errors throw std::runtime_error naming the
// file, interface or filter; per-packet reads return a status.
#pragma once

#include "core/packet.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

struct pcap;

namespace printwatch::capture {

class CaptureFileReader;
class PortPrefilter;

/// Which code reads a replayed file: printwatch's own (no copy per record, every pcapng
/// interface with its own link type) or libpcap's (kept to prove that both give the same
/// output, and as a fallback).
enum class OfflineReader : std::uint8_t { Own, Libpcap };

struct LiveOptions {
    int snaplen = 65535;
    int buffer_bytes = 64 * 1024 * 1024;  // kernel ring (TPACKET_V3) size
    bool promiscuous = true;
    /// --workers: join a PACKET_FANOUT group (fanout.h), `fanout_group` or else a new one.
    bool fanout = false;
    std::optional<std::uint16_t> fanout_group;
};

struct CaptureCounters {
    std::uint64_t received = 0;
    std::uint64_t kernel_drops = 0;     // ps_drop: the ring was full
    std::uint64_t interface_drops = 0;  // ps_ifdrop: dropped by the NIC/driver
};

/// Filtered: a packet was read (offline) but the capture filter rejects it. It is counted as
/// read, so packet totals match what tshark reports for the file, and is not decoded.
enum class ReadStatus { Packet, Filtered, Timeout, End, Error };

class PcapSource {
  public:
    /// "-" reads standard input. Throws naming the path on failure.
    static PcapSource open_offline(const std::string& path,
                                   OfflineReader reader = OfflineReader::Own);
    /// Throws naming the interface on failure (no such device, no permission).
    static PcapSource open_live(const std::string& iface, const LiveOptions& options);

    PcapSource(PcapSource&& other) noexcept;
    PcapSource& operator=(PcapSource&& other) noexcept;
    PcapSource(const PcapSource&) = delete;
    PcapSource& operator=(const PcapSource&) = delete;
    ~PcapSource();

    /// Compiles and installs a BPF filter. Throws naming the filter (`origin`: "-f" or
    /// "default filter") and libpcap's reason.
    void set_filter(const std::string& bpf, const std::string& origin = "-f");
    /// The same, with the expression chosen per link type (a pcapng file may mix them): it is
    /// compiled for the first link type now, and for any other when its first frame comes.
    using FilterForLink = std::function<std::string(core::LinkType)>;
    void set_filter(FilterForLink filter_for, const std::string& origin);
    /// Replay through printwatch's reader with the default filter: answer Ethernet frames of
    /// the common shapes without the BPF (port_prefilter.h). No effect otherwise.
    void set_prefilter(std::shared_ptr<const PortPrefilter> prefilter);
    /// Reads the next frame; the frame's bytes stay valid until the next call.
    ReadStatus next(core::RawFrame& frame);
    [[nodiscard]] std::string last_error() const;
    [[nodiscard]] int selectable_fd() const;
    [[nodiscard]] std::optional<CaptureCounters> counters() const;
    /// Replay of a regular file: the share of it read so far, 0..1 (nullopt for stdin, a pipe
    /// or live capture). For progress on a terminal only.
    [[nodiscard]] std::optional<double> share_read() const;
    [[nodiscard]] core::LinkType link() const noexcept { return link_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] bool live() const noexcept { return live_; }
    /// The fanout group a live capture joined (LiveOptions::fanout).
    [[nodiscard]] std::optional<std::uint16_t> fanout_group() const noexcept {
        return fanout_group_;
    }
    void set_interface_index(std::uint16_t i) noexcept { index_ = i; }

  private:
    PcapSource(pcap* handle, std::string name, bool live);
    struct Closer {
        void operator()(pcap* p) const noexcept;
    };
    struct Program;
    ReadStatus next_from_file(core::RawFrame& frame);
    /// The compiled filter for a file's link type (compiled on first use); nullptr with
    /// file_error_ set when it does not compile for that link type.
    const Program* filter_for_linktype(int linktype);
    std::unique_ptr<pcap, Closer> handle_;     // live, or a replay through libpcap
    std::shared_ptr<CaptureFileReader> file_;  // a replay through printwatch's reader
    std::shared_ptr<Program> offline_filter_;  // replay through libpcap: applied in user space
    FilterForLink filter_for_;                 // replay through printwatch's reader
    std::shared_ptr<const PortPrefilter> prefilter_;  // with the default filter, own reader
    std::string filter_origin_;
    // By LINKTYPE_*: at most one per supported link type (unsupported ones are not filtered).
    std::map<int, std::shared_ptr<Program>> filters_;
    std::string file_error_;
    std::string name_;
    bool live_ = false;
    core::LinkType link_ = core::LinkType::Unsupported;
    std::uint16_t index_ = 0;
    std::optional<std::uint16_t> fanout_group_;
};

/// Checks that a BPF expression compiles for a link type, without a capture; for
/// --check-config. Returns libpcap's message on failure.
std::optional<std::string> check_filter(const std::string& bpf);

}  // namespace printwatch::capture
