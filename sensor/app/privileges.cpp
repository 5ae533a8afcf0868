// SPDX-License-Identifier: Apache-2.0
#include "privileges.h"

#include "core/text.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <grp.h>
#include <optional>
#include <pwd.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace printwatch::app {

namespace {
/// uid and gid of a user, via the reentrant lookup (sink threads exist by the time we drop).
std::optional<std::pair<uid_t, gid_t>> lookup(const std::string& user) {
    passwd pw{};
    passwd* result = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &result) != 0 ||
        result == nullptr) {
        return std::nullopt;
    }
    return std::make_pair(pw.pw_uid, pw.pw_gid);
}

/// CapEff from /proc/self/status, or "" when unreadable.
std::string effective_capabilities() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("CapEff:", 0) == 0) {
            return line.substr(line.find_first_not_of(" \t", 7));
        }
    }
    return {};
}
}  // namespace

void drop_privileges(const std::string& user) {
    const auto ids = lookup(user);
    if (!ids) {
        throw std::runtime_error("--user " + user + ": no such user");
    }
    const auto [uid, gid] = *ids;
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
        throw std::runtime_error("--user " + user +
                                 ": cannot switch user: " + core::errno_text(errno));
    }
    // setuid from root to another uid clears the capability sets (no SECBIT_KEEP_CAPS); check
    // rather than trust it, and forbid regaining privileges through exec.
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (uid != 0 && (::setuid(0) == 0 || ::seteuid(0) == 0)) {
        throw std::runtime_error("--user " + user + ": root could be regained; refusing to run");
    }
    const std::string caps = effective_capabilities();
    if (uid != 0 && !caps.empty() && caps.find_first_not_of('0') != std::string::npos) {
        throw std::runtime_error("--user " + user + ": capabilities remain (CapEff " + caps + ")");
    }
}

bool user_exists(const std::string& user) {
    return lookup(user).has_value();
}

}  // namespace printwatch::app
