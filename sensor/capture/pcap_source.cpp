// SPDX-License-Identifier: Apache-2.0
#include "pcap_source.h"

#include "fanout.h"
#include "file_reader.h"
#include "port_prefilter.h"

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

/// The DLT that libpcap compiles a filter for, for a file's LINKTYPE_* number: they are equal
/// except LINKTYPE_RAW (101), which is DLT_RAW.
int dlt_for_linktype(int linktype) noexcept {
    return linktype == 101 ? DLT_RAW : linktype;
}

std::string link_type_name(int dlt) {
    const char* name = pcap_datalink_val_to_name(dlt);
    return std::to_string(dlt) + " (" + (name != nullptr ? name : "unknown") + ")";
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
    : handle_(handle),
      name_(std::move(name)),
      live_(live),
      link_(handle != nullptr ? map_dlt(pcap_datalink(handle)) : core::LinkType::Unsupported) {}
PcapSource::PcapSource(PcapSource&&) noexcept = default;
PcapSource& PcapSource::operator=(PcapSource&&) noexcept = default;
PcapSource::~PcapSource() = default;

PcapSource PcapSource::open_offline(const std::string& path, OfflineReader reader) {
    if (reader == OfflineReader::Own) {
        PcapSource src(nullptr, path, false);
        src.file_ = CaptureFileReader::open(path);  // throws "-r PATH: why"
        const int dlt = dlt_for_linktype(src.file_->first_linktype());
        src.link_ = map_dlt(dlt);
        if (src.link_ == core::LinkType::Unsupported) {
            throw std::runtime_error("-r " + path + ": unsupported link type " +
                                     link_type_name(dlt));
        }
        return src;
    }
    std::array<char, PCAP_ERRBUF_SIZE> err{};
    pcap* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO,
                                                      err.data());
    if (p == nullptr) {
        throw std::runtime_error("-r " + path + ": " + err.data());
    }
    PcapSource src(p, path, false);
    if (src.link_ == core::LinkType::Unsupported) {
        throw std::runtime_error("-r " + path + ": unsupported link type " +
                                 link_type_name(pcap_datalink(p)));
    }
    return src;
}

std::optional<double> PcapSource::share_read() const {
    if (file_) {
        return file_->share_read();
    }
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
    if (options.fanout) {
        src.fanout_group_ = join_fanout(pcap_fileno(p), options.fanout_group, iface);
    }
    return src;
}

void PcapSource::set_filter(FilterForLink filter_for, const std::string& origin) {
    if (!file_) {
        set_filter(filter_for(link_), origin);
        return;
    }
    filter_for_ = std::move(filter_for);
    filter_origin_ = origin;
    filters_.clear();
    if (filter_for_linktype(file_->first_linktype()) == nullptr) {
        throw std::runtime_error(file_error_);  // a typo fails at start, naming the filter
    }
}

void PcapSource::set_prefilter(std::shared_ptr<const PortPrefilter> prefilter) {
    if (file_) {
        prefilter_ = std::move(prefilter);
    }
}

const PcapSource::Program* PcapSource::filter_for_linktype(int linktype) {
    if (const auto it = filters_.find(linktype); it != filters_.end()) {
        return it->second.get();
    }
    const int dlt = dlt_for_linktype(linktype);
    const std::string bpf = filter_for_(map_dlt(dlt));
    std::unique_ptr<pcap, void (*)(pcap*)> dead(pcap_open_dead(dlt, 262144), pcap_close);
    auto program = std::make_shared<Program>();
    if (!dead ||
        pcap_compile(dead.get(), &program->prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        file_error_ = filter_origin_ + " \"" + bpf + "\" on " + name_ + " (link type " +
                      link_type_name(dlt) + "): " + (dead ? pcap_geterr(dead.get()) : "no memory");
        return nullptr;
    }
    return filters_.emplace(linktype, std::move(program)).first->second.get();
}

void PcapSource::set_filter(const std::string& bpf, const std::string& origin) {
    if (file_) {
        set_filter([bpf](core::LinkType) { return bpf; }, origin);
        return;
    }
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

ReadStatus PcapSource::next_from_file(core::RawFrame& frame) {
    int linktype = 0;
    switch (file_->next(frame, linktype)) {
        case CaptureFileReader::Status::End:
            return ReadStatus::End;
        case CaptureFileReader::Status::Error:
            file_error_ = file_->error();
            return ReadStatus::Error;
        case CaptureFileReader::Status::Record:
            break;
    }
    frame.link = map_dlt(dlt_for_linktype(linktype));
    frame.iface = index_;
    if (!filter_for_ || frame.link == core::LinkType::Unsupported) {
        return ReadStatus::Packet;  // an unsupported link type is the decoder's to count
    }
    if (prefilter_ && frame.link == core::LinkType::Ethernet) {
        switch (prefilter_->ethernet(frame.data)) {
            case PortPrefilter::Verdict::Pass:
                return ReadStatus::Packet;
            case PortPrefilter::Verdict::Reject:
                return ReadStatus::Filtered;
            case PortPrefilter::Verdict::AskBpf:
                break;
        }
    }
    const Program* program = filter_for_linktype(linktype);
    if (program == nullptr) {
        return ReadStatus::Error;
    }
    pcap_pkthdr hdr{};
    hdr.ts.tv_sec = frame.ts.usec / 1'000'000;
    hdr.ts.tv_usec = frame.ts.usec % 1'000'000;
    hdr.caplen = static_cast<bpf_u_int32>(frame.data.size());
    hdr.len = frame.wire_len;
    return pcap_offline_filter(&program->prog, &hdr, frame.data.data()) == 0 ? ReadStatus::Filtered
                                                                             : ReadStatus::Packet;
}

ReadStatus PcapSource::next(core::RawFrame& frame) {
    if (file_) {
        return next_from_file(frame);
    }
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
    return file_ ? file_error_ : std::string(pcap_geterr(handle_.get()));
}

int PcapSource::selectable_fd() const {
    return handle_ ? pcap_get_selectable_fd(handle_.get()) : -1;
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
