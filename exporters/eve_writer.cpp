// SPDX-License-Identifier: Apache-2.0
#include "eve_writer.h"

#include "community_id.h"
#include "core/text.h"
#include "json_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace printwatch::exporters {

namespace {
void key(std::string& out, std::string_view k) {
    out.push_back(',');
    out.push_back('"');
    out.append(k);
    out.append("\":");
}
}  // namespace

std::string serialize(const core::EveEvent& e, std::string_view host) {
    std::string out;
    out.reserve(512);
    serialize_into(out, e, host);
    return out;
}

void serialize_into(std::string& out, const core::EveEvent& e, std::string_view host) {
    out.append("{\"timestamp\":");
    append_json_string(out, core::iso8601(e.ts).view());
    if (e.flow_id != 0) {
        key(out, "flow_id");
        out.append(std::to_string(e.flow_id));
    }
    if (!e.in_iface.empty()) {
        key(out, "in_iface");
        append_json_string(out, e.in_iface);
    }
    key(out, "event_type");
    append_json_string(out, e.event_type);
    if (e.vlan_count > 0) {
        key(out, "vlan");
        out.push_back('[');
        for (std::size_t i = 0; i < e.vlan_count; ++i) {
            if (i > 0) {
                out.push_back(',');
            }
            out.append(std::to_string(e.vlan.at(i)));
        }
        out.push_back(']');
    }
    if (e.tuple) {
        const auto& t = *e.tuple;
        key(out, "src_ip");
        append_json_string(out, t.src.to_string());
        key(out, "src_port");
        out.append(std::to_string(t.sport));
        key(out, "dest_ip");
        append_json_string(out, t.dst.to_string());
        key(out, "dest_port");
        out.append(std::to_string(t.dport));
        key(out, "proto");
        append_json_string(out, t.proto == 6 ? "TCP" : t.proto == 17 ? "UDP" : "IP");
        key(out, "community_id");
        const auto id = community_id(t.src, t.sport, t.dst, t.dport, t.proto);
        append_json_string(out, std::string_view(id.data(), id.size()));
    }
    if (!e.app_proto.empty()) {
        key(out, "app_proto");
        append_json_string(out, e.app_proto);
    }
    if (e.alert != nullptr) {
        const auto& s = *e.alert;
        key(out, "alert");
        out.append("{\"action\":\"allowed\",\"gid\":1,\"signature_id\":");
        out.append(std::to_string(s.sid));
        out.append(",\"rev\":");
        out.append(std::to_string(s.rev));
        out.append(",\"signature\":");
        append_json_string(out, s.signature);
        out.append(",\"category\":");
        append_json_string(out, s.category);
        out.append(",\"severity\":");
        out.append(std::to_string(e.severity != 0 ? e.severity : s.severity));
        out.push_back('}');
    }
    if (!e.body_key.empty()) {
        key(out, e.body_key);
        append_json(out, e.body);
    }
    if (!host.empty()) {
        key(out, "host");
        append_json_string(out, host);
    }
    if (!e.pcap_filename.empty()) {
        key(out, "pcap_filename");
        append_json_string(out, e.pcap_filename);
    }
    out.push_back('}');
}

EveFileSink::EveFileSink(std::string path, core::Stats& stats, StatusFn status, std::string host)
    : path_(std::move(path)),
      fd_(open_path()),
      host_(std::move(host)),
      stats_(stats),
      errors_(stats.series(stats.family(core::Metric::OutputErrors), {{"sink", "eve"}})),
      status_(std::move(status)) {
    buffer_.reserve(kFlushAt * 2);
}

int EveFileSink::open_path() const {
    if (path_ == "-") {
        return STDOUT_FILENO;
    }
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error("--eve " + path_ + ": " + core::errno_text(errno));
    }
    return fd;
}

EveFileSink::~EveFileSink() {
    finish();
    close_file();
}

void EveFileSink::finish() {
    write_out();
    drop_unwritten("at exit");
    status_ = nullptr;
}

void EveFileSink::close_file() {
    if (fd_ >= 0 && fd_ != STDOUT_FILENO) {
        static_cast<void>(::close(fd_));  // written above; nothing left to report
    }
    fd_ = -1;
}

void EveFileSink::write(const core::EveEvent& event) {
    line_.clear();  // keeps its capacity: no allocation per record
    serialize_into(line_, event, host_);
    line_.push_back('\n');
    if (buffer_.size() + line_.size() > kMaxBuffered) {
        ++lost_;  // writes are failing and the buffer is full: this whole record is lost
        stats_.add(errors_);
        return;
    }
    buffer_.append(line_);
    if (buffer_.size() >= kFlushAt) {
        write_out();
    }
}

void EveFileSink::flush() {
    write_out();
}

void EveFileSink::write_out() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        const std::string_view rest = std::string_view(buffer_).substr(done);
        const ssize_t n = ::write(fd_, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            last_errno_ = n < 0 ? errno : ENOSPC;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    // What reached the file leaves the buffer; the rest (maybe the tail of a record) stays,
    // so the next attempt continues exactly where this one stopped.
    if (done > 0) {
        const auto last_nl = std::string_view(buffer_.data(), done).rfind('\n');
        front_written_ =
            last_nl == std::string_view::npos ? front_written_ + done : done - (last_nl + 1);
        buffer_.erase(0, done);
    }
    const bool failed = !buffer_.empty();
    if (failed && !failing_) {
        failing_ = true;
        lost_at_failure_ = lost_;
        if (status_) {
            status_(
                fmt::format("eve output {} failing: {}; holding whole records (up to {} MiB) "
                            "and retrying",
                            path_, core::errno_text(last_errno_), kMaxBuffered >> 20));
        }
    } else if (!failed && failing_) {
        failing_ = false;
        if (status_) {
            status_(fmt::format("eve output {} recovered; {} records lost while it failed", path_,
                                lost_ - lost_at_failure_));
        }
    }
}

void EveFileSink::drop_unwritten(const char* why) {
    if (buffer_.empty()) {
        return;
    }
    // A record cut off in the file is taken back out, so the file ends on a whole line (a
    // pipe cannot be truncated: there the reader sees the cut, and the count says so).
    if (front_written_ > 0 && fd_ != STDOUT_FILENO) {
        struct stat st {};
        if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<std::size_t>(st.st_size) >= front_written_) {
            static_cast<void>(::ftruncate(fd_, st.st_size - static_cast<off_t>(front_written_)));
        }
    }
    const auto records =
        static_cast<std::uint64_t>(std::count(buffer_.begin(), buffer_.end(), '\n'));
    lost_ += records;
    stats_.add(errors_, static_cast<double>(records));
    if (status_) {
        status_(
            fmt::format("eve output {}: {} records could not be written {}", path_, records, why));
    }
    buffer_.clear();
    front_written_ = 0;
}

void EveFileSink::reopen() {
    write_out();
    if (path_ == "-") {
        return;
    }
    const int fd = open_path();  // throws, naming the path; the old file stays in use
    drop_unwritten("before reopening");
    close_file();
    fd_ = fd;
}

}  // namespace printwatch::exporters
