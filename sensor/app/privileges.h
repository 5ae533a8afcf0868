// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace printwatch::app {

/// Drops root for `user`: supplementary groups, then gid, then uid, then verifies that root
/// cannot be regained and that no capability is left. Call after the capture handles, the
/// metrics socket and the output files are open. Throws std::runtime_error naming the user.
void drop_privileges(const std::string& user);

/// Whether the user exists (thread-safe lookup).
bool user_exists(const std::string& user);

}  // namespace printwatch::app
