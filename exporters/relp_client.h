// SPDX-License-Identifier: Apache-2.0
// A RELP client (rsyslog's Reliable Event Logging Protocol) over librelp, for the syslog sink's
// relp:// transport. RELP acknowledges every message; librelp keeps what was sent but not yet
// acknowledged and sends it again when the session is re-established, so a restart of the
// collector loses nothing that librelp took. What librelp did not take (send() false) stays
// with the caller, which retries it: a message is never in both places, so a restart does not
// duplicate it either (unless the collector stored a message and died before acknowledging it,
// which no acknowledging protocol can tell apart from a loss).
// Used from one thread only (the sink's worker).
#pragma once

#include <string>
#include <string_view>

struct relpEngine_s;
struct relpClt_s;

namespace printwatch::exporters {

class RelpClient {
  public:
    RelpClient(std::string host, std::string port);
    ~RelpClient();
    RelpClient(const RelpClient&) = delete;
    RelpClient& operator=(const RelpClient&) = delete;

    /// Hands one message to librelp, connecting or re-establishing the session first when it is
    /// down. False: not taken (collector unreachable); retry later.
    bool send(std::string_view message);

  private:
    bool open_session();
    void destroy_client();

    std::string host_;
    std::string port_;
    relpEngine_s* engine_ = nullptr;
    relpClt_s* client_ = nullptr;
    bool connected_once_ = false;  // re-establish (and resend) rather than connect anew
    bool broken_ = true;
};

}  // namespace printwatch::exporters
