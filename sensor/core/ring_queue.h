// SPDX-License-Identifier: Apache-2.0
// RingQueue: a FIFO in one circular buffer that doubles when full and never shrinks, so that
// after warm-up pushing and popping allocate nothing (std::deque allocates and frees a block
// every few hundred bytes as its front advances, which a flood of attempts turns into steady
// heap traffic).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace printwatch::core {

template <class T>
class RingQueue {
  public:
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    T& front() noexcept { return buf_[head_]; }
    const T& front() const noexcept { return buf_[head_]; }
    void push_back(T value) {
        if (size_ == buf_.size()) {
            grow();
        }
        buf_[(head_ + size_) & (buf_.size() - 1)] = std::move(value);
        ++size_;
    }
    void pop_front() noexcept {
        head_ = (head_ + 1) & (buf_.size() - 1);
        --size_;
    }

    /// Removes the entries `drop` selects, keeping the order of the rest.
    template <class Drop>
    void remove_if(Drop drop) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < size_; ++i) {
            T& e = buf_[(head_ + i) & (buf_.size() - 1)];
            if (!drop(e)) {
                buf_[(head_ + kept) & (buf_.size() - 1)] = std::move(e);
                ++kept;
            }
        }
        size_ = kept;
    }

  private:
    void grow() {
        std::vector<T> bigger(buf_.empty() ? 64 : buf_.size() * 2);
        for (std::size_t i = 0; i < size_; ++i) {
            bigger[i] = std::move(buf_[(head_ + i) & (buf_.size() - 1)]);
        }
        buf_ = std::move(bigger);
        head_ = 0;
    }

    std::vector<T> buf_;  // its size is a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace printwatch::core
