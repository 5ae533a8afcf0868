// SPDX-License-Identifier: Apache-2.0
// StreamReassembler: turns one direction of TCP segments into in-order bytes plus explicit
// gaps (Suricata's gap model). Out-of-order segments wait in a buffer bounded by
// limits.stream_bytes; when the buffer would overflow, the hole is declared a gap and delivery
// resumes at the next buffered byte. Retransmitted and overlapping bytes are delivered once.
// All reassemblers also share one ReassemblyBudget, so the total held across every flow is
// bounded too (per-flow caps times limits.flows would be tens of gigabytes).
#pragma once

#include "core/bytes.h"
#include "core/function_ref.h"

#include <cstdint>
#include <vector>

namespace printwatch::flow {

/// Bytes held out of order across all flows; shared by every StreamReassembler of a table.
struct ReassemblyBudget {
    std::size_t limit = 0;
    std::size_t used = 0;
    std::uint64_t refused = 0;  // segments not buffered because the budget was spent
};

class StreamReassembler {
  public:
    using DataFn = core::FunctionRef<void(core::Bytes)>;
    using GapFn = core::FunctionRef<void(std::size_t)>;

    explicit StreamReassembler(std::size_t max_buffered = 65536, std::size_t max_segments = 64,
                               ReassemblyBudget* budget = nullptr)
        : max_buffered_(max_buffered), max_segments_(max_segments), budget_(budget) {}
    ~StreamReassembler() { release(buffered_); }
    StreamReassembler(const StreamReassembler&) = delete;
    StreamReassembler& operator=(const StreamReassembler&) = delete;
    StreamReassembler(StreamReassembler&&) = delete;
    StreamReassembler& operator=(StreamReassembler&&) = delete;

    /// The SYN's sequence number; data starts at isn + 1.
    void set_isn(std::uint32_t isn) noexcept;
    /// One segment's payload at sequence number `seq`.
    void on_segment(std::uint32_t seq, core::Bytes data, const DataFn& deliver, const GapFn& gap);
    /// Declares any remaining hole a gap and delivers what is buffered (FIN, RST, flow end).
    void flush(const DataFn& deliver, const GapFn& gap);

    [[nodiscard]] std::size_t buffered() const noexcept { return buffered_; }

  private:
    struct Segment {
        std::uint32_t seq = 0;
        std::vector<std::uint8_t> data;
    };
    void drain(const DataFn& deliver);
    void skip_to_first(const GapFn& gap);
    /// Takes `n` bytes from the shared budget; false when it is spent.
    bool reserve(std::size_t n) noexcept;
    void release(std::size_t n) noexcept {
        if (budget_ != nullptr) {
            budget_->used -= n;
        }
    }

    std::size_t max_buffered_;
    std::size_t max_segments_;
    ReassemblyBudget* budget_;
    bool started_ = false;
    std::uint32_t next_ = 0;
    std::size_t buffered_ = 0;
    std::vector<Segment> pending_;  // sorted by distance from next_
};

}  // namespace printwatch::flow
