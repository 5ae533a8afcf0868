// SPDX-License-Identifier: Apache-2.0
// Bytes and ByteReader: the only door through which untrusted bytes are read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace printwatch::core {

/// A non-owning view of packet bytes. Valid only during the callback that received it.
using Bytes = std::span<const std::uint8_t>;

/// Bounds-checked cursor over Bytes. Index-based: it never forms a pointer past the end.
/// Failure is sticky: once a read fails, every later read fails too, so a run of reads can be
/// checked once with failed(). Endianness is in the method name. All methods are noexcept.
class ByteReader {
  public:
    explicit ByteReader(Bytes data) noexcept : data_(data) {}

    [[nodiscard]] std::size_t remaining() const noexcept {
        return failed_ ? 0 : data_.size() - pos_;
    }
    [[nodiscard]] std::size_t position() const noexcept { return pos_; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    /// The unread bytes, without advancing.
    [[nodiscard]] Bytes rest() const noexcept { return failed_ ? Bytes{} : data_.subspan(pos_); }

    std::optional<std::uint8_t> u8() noexcept {
        if (!need(1)) {
            return std::nullopt;
        }
        return data_[pos_++];
    }
    std::optional<std::uint16_t> u16be() noexcept { return read_be<std::uint16_t>(2); }
    std::optional<std::uint32_t> u32be() noexcept { return read_be<std::uint32_t>(4); }
    std::optional<std::uint16_t> u16le() noexcept { return read_le<std::uint16_t>(2); }
    std::optional<std::uint32_t> u32le() noexcept { return read_le<std::uint32_t>(4); }

    /// The next n bytes as a sub-span, advancing past them.
    std::optional<Bytes> take(std::size_t n) noexcept {
        if (!need(n)) {
            return std::nullopt;
        }
        Bytes out = data_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    /// A child reader over exactly the next n bytes: inner parsers cannot read their siblings.
    std::optional<ByteReader> sub(std::size_t n) noexcept {
        auto bytes = take(n);
        if (!bytes) {
            return std::nullopt;
        }
        return ByteReader(*bytes);
    }
    bool skip(std::size_t n) noexcept { return take(n).has_value(); }
    /// The next N bytes as a span of static extent, advancing past them: one bounds check for
    /// a whole fixed header, whose fields are then read at compile-time offsets (be16<Off>).
    template <std::size_t N>
    std::optional<std::span<const std::uint8_t, N>> take_fixed() noexcept {
        if (!need(N)) {
            return std::nullopt;
        }
        std::span<const std::uint8_t, N> out = data_.subspan(pos_).template first<N>();
        pos_ += N;
        return out;
    }

    /// Peek at byte `offset` ahead of the cursor without advancing; never fails the reader.
    [[nodiscard]] std::optional<std::uint8_t> peek(std::size_t offset = 0) const noexcept {
        if (failed_ || data_.size() - pos_ <= offset) {
            return std::nullopt;
        }
        return data_[pos_ + offset];
    }

  private:
    bool need(std::size_t n) noexcept {
        if (failed_ || data_.size() - pos_ < n) {
            failed_ = true;
            return false;
        }
        return true;
    }
    template <class T>
    std::optional<T> read_be(std::size_t n) noexcept {
        auto b = take(n);
        if (!b) {
            return std::nullopt;
        }
        T v = 0;
        for (std::uint8_t byte : *b) {
            v = static_cast<T>((v << 8U) | byte);
        }
        return v;
    }
    template <class T>
    std::optional<T> read_le(std::size_t n) noexcept {
        auto b = take(n);
        if (!b) {
            return std::nullopt;
        }
        T v = 0;
        for (std::size_t i = n; i > 0; --i) {
            v = static_cast<T>((v << 8U) | (*b)[i - 1]);
        }
        return v;
    }

    Bytes data_;
    std::size_t pos_ = 0;
    bool failed_ = false;
};

/// Big-endian fields of a fixed header (ByteReader::take_fixed) at offsets checked when compiled.
template <std::size_t Off, std::size_t N>
constexpr std::uint16_t be16(std::span<const std::uint8_t, N> b) noexcept {
    static_assert(Off + 2 <= N, "field past the header");
    return static_cast<std::uint16_t>((b[Off] << 8U) | b[Off + 1]);
}
template <std::size_t Off, std::size_t N>
constexpr std::uint32_t be32(std::span<const std::uint8_t, N> b) noexcept {
    static_assert(Off + 4 <= N, "field past the header");
    return (static_cast<std::uint32_t>(be16<Off>(b)) << 16U) | be16<Off + 2>(b);
}

/// Text as bytes (hashing, test data). The span aliases the text.
inline Bytes as_bytes(std::string_view s) noexcept {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): a byte view of text
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Bytes as text, for comparisons with ASCII literals. The view aliases the bytes.
inline std::string_view as_text(Bytes b) noexcept {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): a char view of bytes
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace printwatch::core
