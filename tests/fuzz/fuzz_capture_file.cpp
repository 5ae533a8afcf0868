// SPDX-License-Identifier: Apache-2.0
// libFuzzer target over printwatch's capture-file reader (pcap and pcapng, sensor/capture/
// file_reader.cpp): any bytes, read both as a regular file (a memfd) and as a stream
// (a pipe, as stdin), must give records, an end or an error naming what is wrong, never a
// crash, an out-of-bounds read or a hang. Every frame must lie inside what was read.
#include "capture/file_reader.h"

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

namespace {
void read_all(const std::string& path) {
    std::unique_ptr<printwatch::capture::CaptureFileReader> reader;
    try {
        reader = printwatch::capture::CaptureFileReader::open(path);
    } catch (const std::runtime_error&) {
        return;  // not a capture: a clear error at open
    }
    printwatch::capture::FileRecord record;
    for (int n = 0; n < 100000; ++n) {
        const auto st = reader->next(record);
        if (st != printwatch::capture::CaptureFileReader::Status::Record) {
            if (st == printwatch::capture::CaptureFileReader::Status::Error &&
                reader->error().empty()) {
                __builtin_trap();  // an error must say why
            }
            return;
        }
        // Touch every byte of the frame: ASan reports a frame that points outside the input.
        volatile std::uint8_t sum = 0;
        for (const auto b : record.frame.data) {
            sum = static_cast<std::uint8_t>(sum + b);
        }
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool no_sigpipe = [] {
        std::signal(SIGPIPE, SIG_IGN);  // a reader that stops early closes the pipe
        return true;
    }();
    static_cast<void>(no_sigpipe);
    const int fd = ::memfd_create("capture", MFD_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    if (::write(fd, data, size) == static_cast<ssize_t>(size)) {
        read_all("/proc/self/fd/" + std::to_string(fd));
    }
    ::close(fd);
    // The same bytes as a stream (the reader's window over stdin or a pipe).
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) {
        return 0;
    }
    std::thread writer([&] {
        for (std::size_t done = 0; done < size;) {
            const ssize_t n = ::write(pipe_fds[1], data + done, size - done);
            if (n <= 0) {
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        ::close(pipe_fds[1]);
    });
    read_all("/proc/self/fd/" + std::to_string(pipe_fds[0]));
    ::close(pipe_fds[0]);  // a reader that stopped early: the writer gets EPIPE and ends
    writer.join();
    return 0;
}
