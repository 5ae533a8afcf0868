// SPDX-License-Identifier: Apache-2.0
// PcapSource: one libpcap handle (offline file, stdin, or live interface) as RAII. The only
// code in the tree that includes <pcap.h>. Setup errors throw std::runtime_error naming the
// file, interface or filter; per-packet reads return a status.
#pragma once

#include "core/packet.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

struct pcap;

namespace printwatch::capture {

struct LiveOptions {
    int snaplen = 65535;
    int buffer_bytes = 64 * 1024 * 1024;  // kernel ring (TPACKET_V3) size
    bool promiscuous = true;
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
    static PcapSource open_offline(const std::string& path);
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
    void set_interface_index(std::uint16_t i) noexcept { index_ = i; }

  private:
    PcapSource(pcap* handle, std::string name, bool live);
    struct Closer {
        void operator()(pcap* p) const noexcept;
    };
    struct Program;
    std::unique_ptr<pcap, Closer> handle_;
    std::shared_ptr<Program> offline_filter_;  // replay only: applied in user space
    std::string name_;
    bool live_ = false;
    core::LinkType link_ = core::LinkType::Unsupported;
    std::uint16_t index_ = 0;
};

/// Checks that a BPF expression compiles for a link type, without a capture; for
/// --check-config. Returns libpcap's message on failure.
std::optional<std::string> check_filter(const std::string& bpf);

}  // namespace printwatch::capture
