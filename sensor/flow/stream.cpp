// SPDX-License-Identifier: Apache-2.0
#include "stream.h"

#include <algorithm>

namespace printwatch::flow {

namespace {
/// Signed distance from a to b in sequence space (RFC 1982 serial arithmetic).
std::int64_t seq_diff(std::uint32_t from, std::uint32_t to) noexcept {
    return static_cast<std::int32_t>(to - from);
}
}  // namespace

void StreamReassembler::set_isn(std::uint32_t isn) noexcept {
    if (!started_) {
        started_ = true;
        next_ = isn + 1;
    }
}

void StreamReassembler::on_segment(std::uint32_t seq, core::Bytes data, const DataFn& deliver,
                                   const GapFn& gap) {
    if (data.empty()) {
        return;
    }
    if (!started_) {  // picked up mid-stream: start where we are
        started_ = true;
        next_ = seq;
    }
    std::int64_t d = seq_diff(next_, seq);
    if (d < 0) {  // retransmission or overlap: keep only the bytes not yet delivered
        const auto seen = static_cast<std::size_t>(-d);
        if (seen >= data.size()) {
            return;
        }
        data = data.subspan(seen);
        seq += static_cast<std::uint32_t>(seen);
        d = 0;
    }
    if (d == 0) {
        next_ += static_cast<std::uint32_t>(data.size());
        deliver(data);
        drain(deliver);
        return;
    }
    // Future data. Make room by giving up on the hole before this segment when needed.
    while (!pending_.empty() &&
           (buffered_ + data.size() > max_buffered_ || pending_.size() >= max_segments_)) {
        skip_to_first(gap);
        drain(deliver);
    }
    d = seq_diff(next_, seq);
    if (d <= 0) {  // the flush above moved past it
        on_segment(seq, data, deliver, gap);
        return;
    }
    if (data.size() > max_buffered_ || !reserve(data.size())) {
        // Too big for this flow's buffer, or every flow's buffers together are full: give up
        // on the holes before this segment (gaps) and deliver it now rather than hold it.
        while (!pending_.empty()) {
            skip_to_first(gap);
            drain(deliver);
        }
        d = seq_diff(next_, seq);
        if (d <= 0) {
            on_segment(seq, data, deliver, gap);
            return;
        }
        gap(static_cast<std::size_t>(d));
        next_ = seq + static_cast<std::uint32_t>(data.size());
        deliver(data);
        return;
    }
    Segment s{seq, std::vector<std::uint8_t>(data.begin(), data.end())};
    auto pos = std::find_if(pending_.begin(), pending_.end(),
                            [&](const Segment& p) { return seq_diff(next_, p.seq) > d; });
    buffered_ += s.data.size();
    pending_.insert(pos, std::move(s));
}

void StreamReassembler::drain(const DataFn& deliver) {
    while (!pending_.empty()) {
        Segment& s = pending_.front();
        const std::int64_t d = seq_diff(next_, s.seq);
        if (d > 0) {
            return;  // still a hole
        }
        const auto seen = static_cast<std::size_t>(-d);
        if (seen < s.data.size()) {
            core::Bytes rest = core::Bytes(s.data).subspan(seen);
            next_ += static_cast<std::uint32_t>(rest.size());
            deliver(rest);
        }
        buffered_ -= s.data.size();
        release(s.data.size());
        pending_.erase(pending_.begin());
    }
}

bool StreamReassembler::reserve(std::size_t n) noexcept {
    if (budget_ == nullptr) {
        return true;
    }
    if (budget_->used + n > budget_->limit) {
        ++budget_->refused;
        return false;
    }
    budget_->used += n;
    return true;
}

void StreamReassembler::skip_to_first(const GapFn& gap) {
    if (pending_.empty()) {
        return;
    }
    const std::int64_t d = seq_diff(next_, pending_.front().seq);
    if (d > 0) {
        gap(static_cast<std::size_t>(d));
        next_ = pending_.front().seq;
    }
}

void StreamReassembler::flush(const DataFn& deliver, const GapFn& gap) {
    while (!pending_.empty()) {
        skip_to_first(gap);
        drain(deliver);
    }
}

}  // namespace printwatch::flow
