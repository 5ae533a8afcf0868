// SPDX-License-Identifier: Apache-2.0
#include "community_id.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <tuple>

namespace printwatch::exporters {

namespace {
constexpr std::size_t kSha1Size = 20;
constexpr std::size_t kMaxInput = 2 + 16 + 16 + 2 + 2 + 2;

/// SHA-1 with the digest fetched once and a context reused per thread: OpenSSL 3's one-shot
/// SHA1() fetches the algorithm and allocates a context on every call (a dozen mallocs and
/// a fifth of the allocations of a replay with protocol records on).
class Sha1 {
  public:
    Sha1()
        : md_(EVP_MD_fetch(nullptr, "SHA1", nullptr), EVP_MD_free),
          ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
        if (md_ == nullptr || ctx_ == nullptr) {
            throw std::runtime_error("OpenSSL: SHA-1 is not available");
        }
    }
    std::array<unsigned char, kSha1Size> digest(const unsigned char* data, std::size_t n) {
        std::array<unsigned char, kSha1Size> out{};
        unsigned int len = 0;
        if (EVP_DigestInit_ex2(ctx_.get(), md_.get(), nullptr) != 1 ||
            EVP_DigestUpdate(ctx_.get(), data, n) != 1 ||
            EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1 || len != kSha1Size) {
            throw std::runtime_error("OpenSSL: SHA-1 failed");
        }
        return out;
    }

  private:
    std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md_;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};
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
    thread_local Sha1 sha1;
    const auto digest = sha1.digest(buf.data(), n);
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
