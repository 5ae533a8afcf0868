// SPDX-License-Identifier: Apache-2.0
// The reader on a file many times its read window: every record comes back whole and in
// order, those that straddle two reads included, the share read climbs to 1, and the file
// does not pile up in resident memory.
#include "capture/file_reader.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace capture = printwatch::capture;

namespace {

void put32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xffU));
    }
}

/// The record's length and bytes follow from its number, so the reader's view can be checked.
std::uint32_t record_len(std::uint32_t n) {
    return 60 + (n * 7919U) % 1400U;
}
std::uint8_t record_byte(std::uint32_t n, std::uint32_t i) {
    return static_cast<std::uint8_t>((n * 31U + i) & 0xffU);
}

/// Resident memory, in KiB.
long rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));
        }
    }
    return -1;
}

}  // namespace

TEST_CASE("a large capture reads whole, in order, in bounded memory", "[reader]") {
    const std::string path = "/tmp/printwatch-reader-test-" + std::to_string(::getpid()) + ".pcap";
    constexpr std::uint32_t kRecords = 32000;  // about 24 MB: a hundred reads of the window
    {
        std::string file;
        put32(file, 0xa1b2c3d4);
        put32(file, 0x00040002);  // version 2.4
        put32(file, 0);
        put32(file, 0);
        put32(file, 65535);
        put32(file, 1);  // Ethernet
        std::ofstream out(path, std::ios::binary);
        out << file;
        std::string rec;
        for (std::uint32_t n = 0; n < kRecords; ++n) {
            rec.clear();
            put32(rec, 1'700'000'000 + n / 1000);
            put32(rec, (n % 1000) * 1000);
            put32(rec, record_len(n));
            put32(rec, record_len(n));
            for (std::uint32_t i = 0; i < record_len(n); ++i) {
                rec.push_back(static_cast<char>(record_byte(n, i)));
            }
            out << rec;
        }
    }
    const long rss_before = rss_kib();
    long rss_peak = rss_before;
    double share = 0;
    bool share_monotonic = true;
    {
        auto reader = capture::CaptureFileReader::open(path);
        capture::FileRecord rec;
        std::uint32_t n = 0;
        std::uint32_t bad = 0;
        while (reader->next(rec) == capture::CaptureFileReader::Status::Record) {
            const auto data = rec.frame.data;
            bool ok = data.size() == record_len(n) &&
                      rec.frame.ts.usec == std::int64_t{1'700'000'000 + n / 1000} * 1'000'000 +
                                               std::int64_t{n % 1000} * 1000;
            for (std::uint32_t i = 0; ok && i < data.size(); ++i) {
                ok = data[i] == record_byte(n, i);
            }
            bad += ok ? 0 : 1;
            ++n;
            if (n % 1000 == 0) {
                rss_peak = std::max(rss_peak, rss_kib());
                const double now = reader->share_read().value_or(-1);
                share_monotonic = share_monotonic && now >= share && now <= 1.0;
                share = now;
            }
        }
        CHECK(reader->error().empty());
        CHECK(share_monotonic);
        CHECK(reader->share_read().value_or(0) == 1.0);
        CHECK(n == kRecords);
        CHECK(bad == 0);
    }
    static_cast<void>(std::remove(path.c_str()));
    // The window is about 512 KiB; the file is 24 MiB.
    INFO("VmRSS before " << rss_before << " KiB, peak " << rss_peak << " KiB");
    CHECK(rss_peak - rss_before < 4L * 1024);
}
