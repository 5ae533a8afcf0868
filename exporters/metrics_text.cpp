// SPDX-License-Identifier: Apache-2.0
#include "metrics_text.h"

#include "core/text.h"

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace printwatch::exporters {

namespace {
void append_label_value(std::string& out, std::string_view v) {
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out.append("\\n");
        } else {
            out.push_back(c);
        }
    }
}
void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out.append("NaN");
        return;
    }
    // Shortest round-trip text (to_chars): integers print without a fraction or exponent.
    std::array<char, 40> buf{};
    const auto res = std::abs(v) < 1e15 && std::floor(v) == v
                         ? std::to_chars(buf.begin(), buf.end(), static_cast<std::int64_t>(v))
                         : std::to_chars(buf.begin(), buf.end(), v);
    out.append(buf.begin(), res.ptr);
}
}  // namespace

std::string render_metrics_text(const core::Stats& stats) {
    std::string out;
    // Every family, even one with no series yet, so HELP and TYPE are always there.
    stats.visit_families([&](const core::Stats::Family& fam) {
        out.append("# HELP ").append(fam.name).append(" ").append(fam.help).append("\n");
        out.append("# TYPE ").append(fam.name).append(
            fam.type == core::MetricType::Counter ? " counter\n" : " gauge\n");
        for (auto idx : fam.series) {
            const auto& s = stats.series_at(idx);
            out.append(fam.name);
            if (!s.labels.empty()) {
                out.push_back('{');
                bool first = true;
                for (const auto& [k, v] : s.labels) {
                    if (!first) {
                        out.push_back(',');
                    }
                    first = false;
                    out.append(k).append("=\"");
                    append_label_value(out, v);
                    out.push_back('"');
                }
                out.push_back('}');
            }
            out.push_back(' ');
            append_number(out, s.value.load(std::memory_order_relaxed));
            out.push_back('\n');
        }
    });
    return out;
}

void write_file_atomically(const std::string& path, const std::string& content) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw std::runtime_error(path + ": cannot create " + tmp + ": " + core::errno_text(errno));
    }
    std::size_t done = 0;
    while (done < content.size()) {
        const std::string_view rest = std::string_view(content).substr(done);
        const ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw std::runtime_error(path + ": write failed: " + core::errno_text(err));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw std::runtime_error(path + ": cannot replace: " + core::errno_text(err));
    }
}

}  // namespace printwatch::exporters
