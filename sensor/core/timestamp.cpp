// SPDX-License-Identifier: Apache-2.0
#include "timestamp.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace printwatch::core {

std::string format_iso8601(Timestamp t) {
    std::int64_t secs = t.usec / 1'000'000;
    std::int64_t frac = t.usec % 1'000'000;
    if (frac < 0) {
        frac += 1'000'000;
        secs -= 1;
    }
    const auto tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::array<char, 40> buf{};
    const int n = std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+0000",
                                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                                tm.tm_sec, static_cast<long long>(frac));
    return {buf.data(), static_cast<std::size_t>(n > 0 ? n : 0)};
}

}  // namespace printwatch::core
