// SPDX-License-Identifier: Apache-2.0
#include "community_id.h"

// NOLINTNEXTLINE(cppcoreguidelines-macro-usage): OpenSSL's switch, before its headers
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>
#include <tuple>

namespace printwatch::exporters {

namespace {
constexpr std::size_t kSha1Size = 20;
constexpr std::size_t kMaxInput = 2 + 16 + 16 + 2 + 2 + 2;

/// SHA-1 through OpenSSL's low-level interface, on a context on the stack. Its EVP interface
/// allocates on every digest, however it is called: the one-shot SHA1() fetches the algorithm
/// and a context (a dozen mallocs), and EVP_DigestInit_ex2 on a kept context still makes a
/// new provider context (one malloc per record, with tests/unit/alloc_test.cpp counting).
/// The low-level calls are deprecated in OpenSSL 3 but kept for the whole 3.x series; they
/// allocate nothing.
std::array<unsigned char, kSha1Size> sha1(const unsigned char* data, std::size_t n) {
    std::array<unsigned char, kSha1Size> out{};
    SHA_CTX ctx;
    if (SHA1_Init(&ctx) != 1 || SHA1_Update(&ctx, data, n) != 1 ||
        SHA1_Final(out.data(), &ctx) != 1) {
        throw std::runtime_error("OpenSSL: SHA-1 failed");
    }
    return out;
}
}  // namespace

CommunityId community_id(const core::IpAddr& src, std::uint16_t sport, const core::IpAddr& dst,
                         std::uint16_t dport, std::uint8_t proto, std::uint16_t seed) {
    // The spec orders the endpoints so both directions hash alike: smaller (addr, port) first.
    const core::IpAddr* a = &src;
    const core::IpAddr* b = &dst;
    std::uint16_t pa = sport;
    std::uint16_t pb = dport;
    if (std::tie(b->bytes, pb) < std::tie(a->bytes, pa)) {
        std::swap(a, b);
        std::swap(pa, pb);
    }
    std::array<unsigned char, kMaxInput> buf{};
    std::size_t n = 0;
    const auto put = [&](std::uint8_t byte) { buf.at(n++) = byte; };
    put(static_cast<std::uint8_t>(seed >> 8U));
    put(static_cast<std::uint8_t>(seed));
    for (std::size_t i = 0; i < a->size(); ++i) {
        put(a->bytes.at(i));
    }
    for (std::size_t i = 0; i < b->size(); ++i) {
        put(b->bytes.at(i));
    }
    put(proto);
    put(0);  // padding
    for (auto p : {pa, pb}) {
        put(static_cast<std::uint8_t>(p >> 8U));
        put(static_cast<std::uint8_t>(p));
    }
    const auto digest = sha1(buf.data(), n);
    std::array<unsigned char, 4 * ((kSha1Size + 2) / 3) + 1> b64{};
    const int len = EVP_EncodeBlock(b64.data(), digest.data(), kSha1Size);
    CommunityId out{'1', ':'};
    for (std::size_t i = 0; i + 2 < out.size() && i < static_cast<std::size_t>(len); ++i) {
        out.at(i + 2) = static_cast<char>(b64.at(i));
    }
    return out;
}

std::string community_id_v1(const core::IpAddr& src, std::uint16_t sport, const core::IpAddr& dst,
                            std::uint16_t dport, std::uint8_t proto, std::uint16_t seed) {
    const auto id = community_id(src, sport, dst, dport, proto, seed);
    return {id.begin(), id.end()};
}

}  // namespace printwatch::exporters
