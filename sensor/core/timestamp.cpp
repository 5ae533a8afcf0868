// SPDX-License-Identifier: Apache-2.0
#include "timestamp.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace printwatch::core {

namespace {
Iso8601 iso8601_slow(std::int64_t secs, std::int64_t frac) noexcept {
    const auto tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    Iso8601 out;
    const int n =
        std::snprintf(out.text.data(), out.text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+0000",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                      tm.tm_sec, static_cast<long long>(frac));
    out.size = std::min(static_cast<std::size_t>(n > 0 ? n : 0), out.text.size() - 1);
    return out;
}
}  // namespace

Iso8601 iso8601(Timestamp t) noexcept {
    std::int64_t secs = t.usec / 1'000'000;
    std::int64_t frac = t.usec % 1'000'000;
    if (frac < 0) {
        frac += 1'000'000;
        secs -= 1;
    }
    std::int64_t days = secs / 86'400;
    std::int64_t sod = secs % 86'400;
    if (sod < 0) {
        sod += 86'400;
        days -= 1;
    }
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil inverse, public
    // domain): gmtime_r and snprintf were a tenth of a replay's time with records on.
    const std::int64_t z = days + 719'468;
    const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
    const std::int64_t doe = z - (era * 146'097);
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
    const std::int64_t doy = doe - ((365 * yoe) + yoe / 4 - yoe / 100);
    const std::int64_t mp = ((5 * doy) + 2) / 153;
    const std::int64_t day = doy - ((153 * mp) + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + (era * 400) + (month <= 2 ? 1 : 0);
    Iso8601 out;
    const auto put = [&](std::int64_t v, int width) {
        for (int i = width - 1; i >= 0; --i) {
            out.text.at(out.size + static_cast<std::size_t>(i)) = static_cast<char>('0' + (v % 10));
            v /= 10;
        }
        out.size += static_cast<std::size_t>(width);
    };
    const auto sep = [&](char c) { out.text.at(out.size++) = c; };
    if (year < 0 || year > 9999) {
        return iso8601_slow(secs, frac);  // a hostile capture's timestamp: rare, keep libc's text
    }
    put(year, 4);
    sep('-');
    put(month, 2);
    sep('-');
    put(day, 2);
    sep('T');
    put(sod / 3600, 2);
    sep(':');
    put((sod / 60) % 60, 2);
    sep(':');
    put(sod % 60, 2);
    sep('.');
    put(frac, 6);
    for (const char c : std::string_view("+0000")) {
        sep(c);
    }
    return out;
}

std::string format_iso8601(Timestamp t) {
    return std::string(iso8601(t).view());
}

}  // namespace printwatch::core
