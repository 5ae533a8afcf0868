// SPDX-License-Identifier: Apache-2.0
#include "privileges.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <grp.h>
#include <pwd.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <unistd.h>

namespace printwatch::app {

namespace {
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
    errno = 0;
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw == nullptr) {
        throw std::runtime_error("--user " + user + ": no such user");
    }
    const uid_t uid = pw->pw_uid;
    const gid_t gid = pw->pw_gid;
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
        throw std::runtime_error("--user " + user +
                                 ": cannot switch user: " + std::strerror(errno));
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

}  // namespace printwatch::app
