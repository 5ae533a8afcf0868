// SPDX-License-Identifier: Apache-2.0
#include "community_id.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <tuple>
#include <vector>

namespace printwatch::exporters {

std::string community_id_v1(const core::IpAddr& src, std::uint16_t sport, const core::IpAddr& dst,
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
    std::vector<std::uint8_t> buf;
    buf.reserve(2 + 16 + 16 + 2 + 2 + 2);
    buf.push_back(static_cast<std::uint8_t>(seed >> 8U));
    buf.push_back(static_cast<std::uint8_t>(seed));
    buf.insert(buf.end(), a->bytes.begin(), a->bytes.begin() + static_cast<long>(a->size()));
    buf.insert(buf.end(), b->bytes.begin(), b->bytes.begin() + static_cast<long>(b->size()));
    buf.push_back(proto);
    buf.push_back(0);  // padding
    for (auto p : {pa, pb}) {
        buf.push_back(static_cast<std::uint8_t>(p >> 8U));
        buf.push_back(static_cast<std::uint8_t>(p));
    }
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    SHA1(buf.data(), buf.size(), digest.data());
    std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> b64{};
    const int n = EVP_EncodeBlock(b64.data(), digest.data(), SHA_DIGEST_LENGTH);
    std::string out = "1:";
    out.append(b64.begin(), b64.begin() + n);
    return out;
}

}  // namespace printwatch::exporters
