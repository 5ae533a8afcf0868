// SPDX-License-Identifier: Apache-2.0
// LruTable against a plain model (a recency list and a map) over long random churn, with a
// hash that piles keys into a few cells so that probe runs wrap and deletions shift cells back.
#include "core/lru_table.h"

#include "core/net.h"

#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <list>
#include <map>
#include <random>
#include <vector>

namespace {
using printwatch::core::LruTable;

struct Clumped {  // 16 home cells for all keys: long runs, wrap-around at the index's end
    std::size_t operator()(std::uint32_t k) const noexcept { return k % 16U; }
};

/// Values are key * 3 + 1, so a table that stores no keys can derive them.
struct KeyFromValue {
    std::uint32_t operator()(std::uint64_t v) const noexcept {
        return static_cast<std::uint32_t>((v - 1) / 3);
    }
};

template <class Hash, class KeyOf = printwatch::core::StoredKey>
void churn(std::size_t capacity, std::uint32_t key_space, int ops, std::uint64_t seed) {
    LruTable<std::uint32_t, std::uint64_t, Hash, KeyOf> table(capacity, seed);
    std::list<std::uint32_t> recency;  // front: most recent
    std::map<std::uint32_t, std::pair<std::uint64_t, std::list<std::uint32_t>::iterator>> model;
    std::mt19937 rng(static_cast<std::uint32_t>(seed));
    std::vector<std::uint32_t> evicted;
    for (int i = 0; i < ops; ++i) {
        const std::uint32_t key = rng() % key_space;
        const auto op = rng() % 4U;
        auto it = model.find(key);
        if (op == 0) {  // touch or insert
            if (it != model.end()) {
                auto* v = table.touch(key);
                REQUIRE(v != nullptr);
                REQUIRE(*v == it->second.first);
                recency.erase(it->second.second);
                recency.push_front(key);
                it->second.second = recency.begin();
            } else {
                REQUIRE(table.touch(key) == nullptr);
                evicted.clear();
                table.insert(key, [&](const std::uint32_t& k, std::uint64_t&) {
                    evicted.push_back(k);
                }) = std::uint64_t{key} * 3U + 1U;
                if (model.size() == capacity) {
                    REQUIRE(evicted.size() == 1);
                    REQUIRE(evicted[0] == recency.back());
                    model.erase(recency.back());
                    recency.pop_back();
                } else {
                    REQUIRE(evicted.empty());
                }
                recency.push_front(key);
                model[key] = {std::uint64_t{key} * 3U + 1U, recency.begin()};
            }
        } else if (op == 1) {  // erase
            table.erase(key);
            if (it != model.end()) {
                recency.erase(it->second.second);
                model.erase(it);
            }
        } else {  // find, without changing recency
            auto* v = table.find(key);
            REQUIRE((v != nullptr) == (it != model.end()));
            if (v != nullptr) {
                REQUIRE(*v == it->second.first);
            }
        }
        REQUIRE(table.size() == model.size());
    }
    std::vector<std::uint32_t> order;
    table.for_each([&](const std::uint32_t& k, std::uint64_t&) { order.push_back(k); });
    REQUIRE(order == std::vector<std::uint32_t>(recency.begin(), recency.end()));
    if (!recency.empty()) {
        REQUIRE(table.oldest_key() == recency.back());
    }
}
}  // namespace

TEST_CASE("LruTable equals a recency-list model under churn", "[lru]") {
    churn<std::hash<std::uint32_t>>(64, 200, 50'000, 1);
    churn<std::hash<std::uint32_t>>(1000, 1500, 50'000, 2);
}

TEST_CASE("LruTable stays right when keys pile into a few cells", "[lru]") {
    churn<Clumped>(40, 120, 50'000, 3);  // 128 cells, runs cover most of the index and wrap
    churn<Clumped>(7, 30, 20'000, 4);
}

TEST_CASE("LruTable that derives keys from values equals the model", "[lru]") {
    churn<std::hash<std::uint32_t>, KeyFromValue>(64, 200, 50'000, 6);
    churn<Clumped, KeyFromValue>(40, 120, 50'000, 7);
}

TEST_CASE("LruTable of capacity one replaces its entry", "[lru]") {
    churn<std::hash<std::uint32_t>>(1, 5, 5'000, 5);
}

TEST_CASE("LruTable clear and erase_oldest", "[lru]") {
    LruTable<std::uint32_t, int> t(8);
    for (std::uint32_t k = 0; k < 8; ++k) {
        t.insert(k) = static_cast<int>(k);
    }
    t.touch(0);
    t.erase_oldest();  // 1 is now the least recent
    REQUIRE(t.find(1) == nullptr);
    REQUIRE(t.size() == 7);
    REQUIRE(t.oldest_key() == 2);
    t.clear();
    REQUIRE(t.size() == 0);
    REQUIRE(t.oldest() == nullptr);
    for (std::uint32_t k = 0; k < 8; ++k) {
        REQUIRE(t.find(k) == nullptr);
    }
    for (std::uint32_t k = 100; k < 108; ++k) {
        t.insert(k) = static_cast<int>(k);
    }
    REQUIRE(t.size() == 8);
    REQUIRE(*t.find(104) == 104);
}

TEST_CASE("LruTable: keys chosen to share a home cell under one seed spread under another",
          "[lru]") {
    // What an attacker who knows the hash (it is public) could send a sensor with a fixed
    // seed: sources whose home cells are all one, found by trying addresses offline.
    using printwatch::core::IpAddr;
    const LruTable<IpAddr, int> known(4096, 0);
    const LruTable<IpAddr, int> keyed(4096, 0x9e3779b97f4a7c15ULL);
    constexpr std::uint64_t kCells = 8192;  // 2 x capacity, as the table sizes its index
    std::vector<IpAddr> chosen;
    for (std::uint32_t host = 1; chosen.size() < 64; ++host) {
        const IpAddr a = IpAddr::v4(0xc6000000U + host);
        if ((known.hash_of(a) & (kCells - 1)) == 7) {
            chosen.push_back(a);
        }
    }
    std::map<std::uint64_t, int> cells;
    for (const auto& a : chosen) {
        ++cells[keyed.hash_of(a) & (kCells - 1)];
    }
    CHECK(cells.size() >= 60);  // 64 keys over 8192 cells: a few may meet, not a run
}

namespace {
/// The inverse of an odd number modulo 2^64 (Newton's iteration).
std::uint64_t inverse(std::uint64_t k) {
    std::uint64_t x = k;
    for (int i = 0; i < 6; ++i) {
        x *= 2 - k * x;
    }
    return x;
}
}  // namespace

TEST_CASE("LruTable: keys whose unseeded hashes collide do not collide under a seed", "[lru]") {
    // An attacker can solve hash_word's steps backwards: for any IPv6 address a second one
    // with the same unseeded hash. XORed in after the chain, a seed kept them together;
    // entering the chain's first step, it parts them.
    using printwatch::core::IpAddr;
    constexpr std::uint64_t k1 = 0x87c37b91114253d5ULL;
    constexpr std::uint64_t k2 = 0x4cf5ad432745937fULL;
    const auto mixed = [&](std::uint64_t w) { return std::rotl(w * k1, 31) * k2; };
    const auto unmixed = [&](std::uint64_t m) {
        return std::rotr(m * inverse(k2), 31) * inverse(k1);
    };
    const auto v6 = [](std::uint64_t w0, std::uint64_t w1) {
        IpAddr a;
        a.family = 6;
        std::memcpy(a.bytes.data(), &w0, sizeof w0);
        std::memcpy(a.bytes.data() + 8, &w1, sizeof w1);  // NOLINT(*-pointer-arithmetic)
        return a;
    };
    const std::uint64_t w0 = 0x20010db800000000ULL;
    const std::uint64_t w1 = 0x1ULL;
    const std::uint64_t w0b = w0 ^ 0xffULL;
    // hash_word(h, w) depends on h ^ mixed(w): match it after the first step.
    const std::uint64_t h1 = printwatch::core::hash_word(0, w0);
    const std::uint64_t h1b = printwatch::core::hash_word(0, w0b);
    const std::uint64_t w1b = unmixed(h1 ^ h1b ^ mixed(w1));
    REQUIRE(mixed(unmixed(12345)) == 12345);
    const IpAddr a = v6(w0, w1);
    const IpAddr b = v6(w0b, w1b);
    REQUIRE_FALSE(a == b);
    REQUIRE(printwatch::core::hash_addr(0, a) == printwatch::core::hash_addr(0, b));

    constexpr std::uint64_t kSeed = 0x9e3779b97f4a7c15ULL;
    const LruTable<IpAddr, int> seeded_after(4096, kSeed);  // std::hash: no seed of its own
    CHECK(seeded_after.hash_of(a) == seeded_after.hash_of(b));
    const LruTable<IpAddr, int, printwatch::core::IpAddrHash> seeded_first(4096, kSeed);
    CHECK(seeded_first.hash_of(a) != seeded_first.hash_of(b));
    // Seed 0 (a replay's) hashes as before: the chain starts from 0 either way.
    const LruTable<IpAddr, int, printwatch::core::IpAddrHash> unseeded(4096, 0);
    CHECK(unseeded.hash_of(a) == unseeded.hash_of(b));
}

TEST_CASE("HugePageAllocator: large arrays on a 2 MiB boundary, small ones as usual", "[lru]") {
    using printwatch::core::HugePageAllocator;
    using printwatch::core::kHugePageBytes;
    HugePageAllocator<std::uint64_t> huge(true);
    const std::size_t big = kHugePageBytes / sizeof(std::uint64_t) + 1;  // rounds up to 4 MiB
    std::uint64_t* p = huge.allocate(big);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % kHugePageBytes == 0);  // NOLINT: an address
    p[0] = 1;                                                          // NOLINT: the ends are ours
    p[big - 1] = 2;                                                    // NOLINT
    huge.deallocate(p, big);
    // Below the size, or without `huge`, ordinary memory (whatever its alignment).
    std::uint64_t* small = huge.allocate(16);
    small[15] = 3;  // NOLINT
    huge.deallocate(small, 16);
    HugePageAllocator<std::uint64_t> plain;
    std::uint64_t* q = plain.allocate(big);
    q[big - 1] = 4;  // NOLINT
    plain.deallocate(q, big);
    CHECK_FALSE(huge == plain);
    // A table on huge pages keeps its entries and their order as any other does.
    LruTable<std::uint32_t, std::uint64_t> table(300000, 7, /*huge_pages=*/true);
    for (std::uint32_t k = 0; k < 400000; ++k) {
        table.insert(k) = k;
    }
    CHECK(table.size() == 300000);
    CHECK(table.find(99999) == nullptr);
    CHECK(*table.find(399999) == 399999);
    CHECK(*table.oldest() == 100000);
}
