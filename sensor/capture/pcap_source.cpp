// SPDX-License-Identifier: Apache-2.0
#include "pcap_source.h"

#include <pcap/pcap.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <sys/stat.h>

namespace printwatch::capture {

namespace {

// Values from the tcpdump.org LINKTYPE registry, for the DLTs libpcap may not name everywhere.
constexpr int kDltIpv4 = 228;
constexpr int kDltIpv6 = 229;
constexpr int kDltLinuxSll2 = 276;

core::LinkType map_dlt(int dlt) noexcept {
    switch (dlt) {
        case DLT_EN10MB:
            return core::LinkType::Ethernet;
        case DLT_NULL:
            return core::LinkType::Null;
        case DLT_LOOP:
            return core::LinkType::Loop;
        case DLT_RAW:  // 12 on Linux and most BSDs
        case 14:       // DLT_RAW on OpenBSD
        case 101:      // LINKTYPE_RAW, should a reader hand it through unmapped
            return core::LinkType::Raw;
        case kDltIpv4:
            return core::LinkType::Ipv4;
        case kDltIpv6:
            return core::LinkType::Ipv6;
        case DLT_LINUX_SLL:
            return core::LinkType::LinuxSll;
        case kDltLinuxSll2:
            return core::LinkType::LinuxSll2;
        default:
            return core::LinkType::Unsupported;
    }
}

}  // namespace

struct PcapSource::Program {
    bpf_program prog{};
    Program() = default;
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    ~Program() { pcap_freecode(&prog); }
};

void PcapSource::Closer::operator()(pcap* p) const noexcept {
    pcap_close(p);
}

PcapSource::PcapSource(pcap* handle, std::string name, bool live)
    : handle_(handle), name_(std::move(name)), live_(live), link_(map_dlt(pcap_datalink(handle))) {}
PcapSource::PcapSource(PcapSource&&) noexcept = default;
PcapSource& PcapSource::operator=(PcapSource&&) noexcept = default;
PcapSource::~PcapSource() = default;

PcapSource PcapSource::open_offline(const std::string& path) {
    std::array<char, PCAP_ERRBUF_SIZE> err{};
    pcap* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO,
                                                      err.data());
    if (p == nullptr) {
        throw std::runtime_error("-r " + path + ": " + err.data());
    }
    PcapSource src(p, path, false);
    if (src.link_ == core::LinkType::Unsupported) {
        throw std::runtime_error("-r " + path + ": unsupported link type " +
                                 std::to_string(pcap_datalink(p)) + " (" +
                                 (pcap_datalink_val_to_name(pcap_datalink(p)) != nullptr
                                      ? pcap_datalink_val_to_name(pcap_datalink(p))
                                      : "unknown") +
                                 ")");
    }
    return src;
}

std::optional<double> PcapSource::share_read() const {
    if (live_) {
        return std::nullopt;
    }
    std::FILE* f = pcap_file(handle_.get());
    struct stat st {};
    if (f == nullptr || ::fstat(::fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        return std::nullopt;
    }
    const long pos = std::ftell(f);
    return pos < 0 ? std::nullopt
                   : std::optional(static_cast<double>(pos) / static_cast<double>(st.st_size));
}

PcapSource PcapSource::open_live(const std::string& iface, const LiveOptions& options) {
    std::array<char, PCAP_ERRBUF_SIZE> err{};
    pcap* p = pcap_create(iface.c_str(), err.data());
    if (p == nullptr) {
        throw std::runtime_error("-i " + iface + ": " + err.data());
    }
    PcapSource src(p, iface, true);
    pcap_set_snaplen(p, options.snaplen);
    pcap_set_promisc(p, options.promiscuous ? 1 : 0);
    pcap_set_buffer_size(p, options.buffer_bytes);
    pcap_set_timeout(p, 100);  // ms: TPACKET_V3 block timeout, bounds alert latency
    const int rc = pcap_activate(p);
    if (rc < 0) {
        std::string why = pcap_geterr(p);
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
            why = "no such interface";
        } else if (rc == PCAP_ERROR_PERM_DENIED) {
            why = "permission denied (needs root or CAP_NET_RAW): " + why;
        }
        throw std::runtime_error("-i " + iface + ": " + why);
    }
    src.link_ = map_dlt(pcap_datalink(p));
    if (src.link_ == core::LinkType::Unsupported) {
        throw std::runtime_error("-i " + iface + ": unsupported link type " +
                                 std::to_string(pcap_datalink(p)));
    }
    if (pcap_setnonblock(p, 1, err.data()) != 0) {
        throw std::runtime_error("-i " + iface + ": " + err.data());
    }
    return src;
}

void PcapSource::set_filter(const std::string& bpf, const std::string& origin) {
    bpf_program prog{};
    if (pcap_compile(handle_.get(), &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        throw std::runtime_error(origin + " \"" + bpf + "\" on " + name_ + ": " +
                                 pcap_geterr(handle_.get()));
    }
    if (!live_) {
        // libpcap filters files in user space anyway; doing it here lets the caller count the
        // packets the filter rejects, so replay totals match the file.
        offline_filter_ = std::make_shared<Program>();
        offline_filter_->prog = prog;
        return;
    }
    const int rc = pcap_setfilter(handle_.get(), &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        throw std::runtime_error(origin + " \"" + bpf + "\" on " + name_ + ": " +
                                 pcap_geterr(handle_.get()));
    }
}

ReadStatus PcapSource::next(core::RawFrame& frame) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(handle_.get(), &hdr, &data);
    if (rc == 1) {
        frame.ts = core::Timestamp{static_cast<std::int64_t>(hdr->ts.tv_sec) * 1'000'000 +
                                   static_cast<std::int64_t>(hdr->ts.tv_usec)};
        frame.wire_len = hdr->len;
        frame.link = link_;
        frame.iface = index_;
        frame.data = core::Bytes(data, hdr->caplen);
        if (offline_filter_ && pcap_offline_filter(&offline_filter_->prog, hdr, data) == 0) {
            return ReadStatus::Filtered;
        }
        return ReadStatus::Packet;
    }
    if (rc == 0) {
        return ReadStatus::Timeout;
    }
    if (rc == PCAP_ERROR_BREAK) {
        return ReadStatus::End;
    }
    return rc == -2 ? ReadStatus::End : ReadStatus::Error;
}

std::string PcapSource::last_error() const {
    return pcap_geterr(handle_.get());
}

int PcapSource::selectable_fd() const {
    return pcap_get_selectable_fd(handle_.get());
}

std::optional<CaptureCounters> PcapSource::counters() const {
    if (!live_) {
        return std::nullopt;
    }
    pcap_stat st{};
    if (pcap_stats(handle_.get(), &st) != 0) {
        return std::nullopt;
    }
    return CaptureCounters{st.ps_recv, st.ps_drop, st.ps_ifdrop};
}

std::optional<std::string> check_filter(const std::string& bpf) {
    std::unique_ptr<pcap, void (*)(pcap*)> dead(pcap_open_dead(DLT_EN10MB, 65535), pcap_close);
    bpf_program prog{};
    if (pcap_compile(dead.get(), &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        return std::string(pcap_geterr(dead.get()));
    }
    pcap_freecode(&prog);
    return std::nullopt;
}

}  // namespace printwatch::capture
