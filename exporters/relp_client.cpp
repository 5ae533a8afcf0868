// SPDX-License-Identifier: Apache-2.0
#include "relp_client.h"

// librelp.h declares C functions without extern "C" of its own.
extern "C" {
#include <librelp.h>
}
#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <vector>

namespace printwatch::exporters {

namespace {
// librelp's own limits, in seconds: a connect that does not complete, and a collector that does
// not acknowledge (window full) or answer the session's open. Past them librelp calls the
// session broken; the sink then re-establishes it, resending the unacknowledged messages.
constexpr int kConnectTimeout = 3;
constexpr unsigned kSessionTimeout = 5;

extern "C" void relp_debug_discard(char* /*fmt*/, ...) {}

std::vector<unsigned char> c_string(const std::string& s) {
    std::vector<unsigned char> out(s.begin(), s.end());
    out.push_back(0);
    return out;
}
}  // namespace

RelpClient::RelpClient(std::string host, std::string port)
    : host_(std::move(host)), port_(std::move(port)) {}

RelpClient::~RelpClient() {
    destroy_client();
    if (engine_ != nullptr) {
        ::relpEngineDestruct(&engine_);
    }
}

void RelpClient::destroy_client() {
    if (client_ != nullptr) {
        // Closes the session politely (librelp waits for the close answer within its timeout).
        ::relpEngineCltDestruct(engine_, &client_);
        client_ = nullptr;
    }
    connected_once_ = false;
    broken_ = true;
}

bool RelpClient::open_session() {
    if (engine_ == nullptr) {
        if (::relpEngineConstruct(&engine_) != RELP_RET_OK) {
            engine_ = nullptr;
            return false;
        }
        ::relpEngineSetDbgprint(engine_, relp_debug_discard);
        auto cmd = c_string("syslog");
        ::relpEngineSetEnableCmd(engine_, cmd.data(), eRelpCmdState_Required);
    }
    if (connected_once_) {
        // librelp re-establishes the same session and resends what was not acknowledged.
        if (::relpCltReconnect(client_) != RELP_RET_OK) {
            return false;
        }
        broken_ = false;
        return true;
    }
    if (client_ == nullptr) {
        if (::relpEngineCltConstruct(engine_, &client_) != RELP_RET_OK) {
            client_ = nullptr;
            return false;
        }
        ::relpCltSetTimeout(client_, kSessionTimeout);
        ::relpCltSetConnTimeout(client_, kConnectTimeout);
    }
    auto host = c_string(host_);
    auto port = c_string(port_);
    if (::relpCltConnect(client_, AF_UNSPEC, port.data(), host.data()) != RELP_RET_OK) {
        // A client whose first connect failed is not reused: librelp starts a session per
        // connect, so a fresh client per attempt is what keeps nothing behind.
        destroy_client();
        return false;
    }
    connected_once_ = true;
    broken_ = false;
    return true;
}

bool RelpClient::send(std::string_view message) {
    if (broken_ && !open_session()) {
        return false;
    }
    std::vector<unsigned char> buf(message.begin(), message.end());
    if (::relpCltSendSyslog(client_, buf.data(), buf.size()) == RELP_RET_OK) {
        return true;
    }
    // librelp adds a message to its unacknowledged list only once fully written: a failed send
    // left nothing behind in librelp, and the caller still holds the message.
    broken_ = true;
    return false;
}

}  // namespace printwatch::exporters
