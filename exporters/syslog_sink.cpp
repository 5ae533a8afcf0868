// SPDX-License-Identifier: Apache-2.0
#include "syslog_sink.h"

#include "core/text.h"
#include "json_text.h"
#include "sink_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <netdb.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

namespace printwatch::exporters {

namespace {

constexpr std::size_t kMaxMessage = 2048;
constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(5);  // a returning collector is found fast
// How long a UDP probe waits for a refusal: an ICMP error comes back within a round trip.
constexpr auto kProbeWindow = std::chrono::milliseconds(100);
// Shutdown drains the queue for at most this long, then drops and counts what is left: a
// stuck collector (stopped, or its buffers full) must never hold SIGTERM hostage.
constexpr auto kFlushWait = std::chrono::seconds(5);
// A connect to a collector that does not answer SYNs gives up after this (the kernel would
// retry for about two minutes).
constexpr auto kConnectTimeout = std::chrono::seconds(3);
// Blocking waits poll in slices this long so close() can interrupt them.
constexpr int kPollSliceMs = 100;
// While running, a send waits for a slow collector this long before reconnecting.
constexpr auto kSendPatience = std::chrono::hours(1);

// RFC 5424 severities: docs/spec.md §6 maps alert severity 1 -> warning, 2 -> notice, 3 -> info.
int syslog_severity(const core::EveEvent& e) {
    if (e.alert == nullptr) {
        return 6;
    }
    switch (e.severity) {
        case 1:
            return 4;
        case 2:
            return 5;
        default:
            return 6;
    }
}

std::string rfc3339(core::Timestamp t) {
    // format_iso8601 gives ...+0000; RFC 5424 wants RFC 3339: ...Z
    std::string s = core::format_iso8601(t);
    return s.substr(0, s.size() - 5) + "Z";
}

/// SD-PARAM value: escape '"', '\' and ']' (RFC 5424 §6.3.3), and make it one printable line.
std::string sd_value(std::string_view v) {
    return sanitize_text(v, "\"]", 256);
}

/// The detail fields that syslog carries as SD-PARAMs: every scalar one, so that a protocol's
/// alert details reach syslog without a list kept here. Nested values (a printer's services,
/// the stats sections) stay in EVE, and so does a status record's `message`, which is the
/// message text. An unknown value (no model, no MAC) is left out: an absent SD-PARAM, not the
/// text "null". Keys are the rules' own literals, never packet bytes.
bool carried_as_sd_param(std::string_view k, const core::Value& v) {
    return k != "message" &&
           (std::holds_alternative<std::string>(v.v) || std::holds_alternative<std::int64_t>(v.v) ||
            std::holds_alternative<bool>(v.v) || std::holds_alternative<double>(v.v));
}

std::string value_text(const core::Value& v) {
    if (const auto* s = std::get_if<std::string>(&v.v)) {
        return *s;
    }
    if (const auto* i = std::get_if<std::int64_t>(&v.v)) {
        return std::to_string(*i);
    }
    if (const auto* b = std::get_if<bool>(&v.v)) {
        return *b ? "true" : "false";
    }
    std::string out;
    append_json(out, v);
    return out;
}

/// Token characters only: RFC 5424 HOSTNAME is PRINTUSASCII without spaces.
std::string clean_hostname(std::string h) {
    for (char& c : h) {
        if (c <= 32 || c >= 127) {
            c = '_';
        }
    }
    return h.empty() ? std::string("-") : h.substr(0, 255);
}

}  // namespace

std::optional<SyslogTarget> SyslogTarget::parse(const std::string& url) {
    SyslogTarget t;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        return std::nullopt;
    }
    const std::string scheme = url.substr(0, scheme_end);
    const std::string rest = url.substr(scheme_end + 3);
    if (scheme == "unix") {
        if (rest.empty() || rest.front() != '/') {
            return std::nullopt;
        }
        t.transport = Transport::Unix;
        t.path = rest;
        return t;
    }
    if (scheme == "udp") {
        t.transport = Transport::Udp;
    } else if (scheme == "tcp") {
        t.transport = Transport::Tcp;
    } else if (scheme == "relp") {
        t.transport = Transport::Relp;
    } else {
        return std::nullopt;
    }
    std::size_t colon = 0;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            return std::nullopt;
        }
        t.host = rest.substr(1, close - 1);
        colon = close + 1;
    } else {
        colon = rest.rfind(':');
        if (colon == std::string::npos) {
            return std::nullopt;
        }
        t.host = rest.substr(0, colon);
    }
    t.port = rest.substr(colon + 1);
    const auto port = core::parse_uint(t.port);
    const bool numeric = port && *port > 0 && *port < 65536;
    if (t.host.empty() || !numeric) {
        return std::nullopt;
    }
    return t;
}

int syslog_facility(const std::string& name) {
    static constexpr std::array<std::pair<std::string_view, int>, 20> kNames{
        {{"kern", 0},      {"user", 1},    {"mail", 2},    {"daemon", 3},  {"auth", 4},
         {"syslog", 5},    {"lpr", 6},     {"news", 7},    {"uucp", 8},    {"cron", 9},
         {"authpriv", 10}, {"ftp", 11},    {"local0", 16}, {"local1", 17}, {"local2", 18},
         {"local3", 19},   {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23}}};
    for (const auto& [n, v] : kNames) {
        if (n == name) {
            return v;
        }
    }
    return -1;
}

SyslogRecord describe_for_syslog(const core::EveEvent& e) {
    SyslogRecord r;
    if (e.event_type == "alert") {
        r.msgid = "ALERT";
    } else if (e.event_type == "printer") {
        r.msgid = "PRINTER";
    } else if (e.event_type == "stats") {
        r.msgid = "STATS";
    } else if (e.event_type == "status") {
        r.msgid = "STATUS";
    } else {
        return r;  // protocol records stay in EVE: syslog carries alerts and state changes
    }
    r.severity = syslog_severity(e);
    if (e.alert != nullptr) {
        r.params.emplace_back("kind", std::string(e.alert->kind));
        r.params.emplace_back("sid", std::to_string(e.alert->sid));
        r.params.emplace_back("severity", std::to_string(e.severity));
    }
    if (e.tuple) {
        r.params.emplace_back("src", e.tuple->src.to_string());
        r.params.emplace_back("sport", std::to_string(e.tuple->sport));
        r.params.emplace_back("dst", e.tuple->dst.to_string());
        r.params.emplace_back("dport", std::to_string(e.tuple->dport));
        r.params.emplace_back("proto", e.tuple->proto == 6 ? "TCP" : "UDP");
    }
    for (const auto& field : e.body) {
        const auto& key = field.first;
        const bool already = std::any_of(r.params.begin(), r.params.end(),
                                         [&](const auto& p) { return p.first == key; });
        if (!already && carried_as_sd_param(key, field.second)) {
            r.params.emplace_back(key, value_text(field.second));
        }
    }
    if (e.alert != nullptr) {
        r.message = std::string(e.alert->signature);
        if (e.tuple) {
            r.message += ": " + e.tuple->src.to_string() + ":" + std::to_string(e.tuple->sport) +
                         " -> " + e.tuple->dst.to_string() + ":" + std::to_string(e.tuple->dport);
        }
        if (const auto* o = core::find(e.body, "outcome")) {
            r.message += " " + value_text(*o);
        }
    } else if (e.event_type == "printer") {
        r.message = "printer inventory: " + value_text(*core::find(e.body, "address"));
    } else if (e.event_type == "status") {
        r.message = value_text(*core::find(e.body, "message"));
    } else {
        r.message = "stats";
    }
    return r;
}

namespace {
/// Room kept for the message text after the parameters.
constexpr std::size_t kMessageRoom = 256;

/// The parameters as `name="value"` pairs, escaped for an SD-ELEMENT (and safe in plain text).
/// A parameter that would leave less than kMessageRoom of kMaxMessage is left out whole, so
/// that the cap never cuts an SD-ELEMENT open.
void append_params(std::string& out, const SyslogRecord& r) {
    for (const auto& [name, value] : r.params) {
        const std::string param = " " + name + "=\"" + sd_value(value) + "\"";
        if (out.size() + param.size() + kMessageRoom > kMaxMessage) {
            continue;
        }
        out.append(param);
    }
}
void cap(std::string& out) {
    if (out.size() > kMaxMessage) {
        out.resize(kMaxMessage);
    }
}
}  // namespace

std::string format_rfc5424(const core::EveEvent& e, int facility, const std::string& hostname,
                           int pid) {
    const auto r = describe_for_syslog(e);
    if (r.msgid.empty()) {
        return {};
    }
    std::string out = "<" + std::to_string(facility * 8 + r.severity) + ">1 " + rfc3339(e.ts) +
                      " " + hostname + " printwatch " + std::to_string(pid) + " " + r.msgid +
                      " [printwatch@32473";
    append_params(out, r);
    out.append("] ");
    out.append(sanitize_text(r.message, {}, kMaxMessage));
    cap(out);
    return out;
}

std::string format_rfc3164(const core::EveEvent& e, int facility, int pid) {
    const auto r = describe_for_syslog(e);
    if (r.msgid.empty()) {
        return {};
    }
    // RFC 3164 §4.1.2: "Mmm dd hh:mm:ss", the day space-padded. UTC: the sensor's clock is
    // the packets' clock, and local daemons stamp reception time anyway.
    static constexpr std::array<std::string_view, 12> kMonths{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::string iso = core::format_iso8601(e.ts);  // YYYY-MM-DDTHH:MM:SS.ffffff+0000
    const auto month = static_cast<std::size_t>(std::stoi(iso.substr(5, 2))) - 1;
    const std::string day = iso[8] == '0' ? " " + iso.substr(9, 1) : iso.substr(8, 2);
    std::string out = "<" + std::to_string(facility * 8 + r.severity) + ">" +
                      std::string(kMonths.at(month)) + " " + day + " " + iso.substr(11, 8) +
                      " printwatch[" + std::to_string(pid) + "]: " + r.msgid;
    append_params(out, r);
    out.append(" ");
    out.append(sanitize_text(r.message, {}, kMaxMessage));
    cap(out);
    return out;
}

std::string format_journal_fields(const core::EveEvent& e, int facility) {
    const auto r = describe_for_syslog(e);
    if (r.msgid.empty()) {
        return {};
    }
    // One "FIELD=value" per line; values are sanitised to one printable line, so a newline
    // always ends a field (the sink hands each line to sd_journal_sendv as one iovec).
    std::string out = "MESSAGE=" + sanitize_text(r.message, {}, kMaxMessage);
    out.append("\nPRIORITY=").append(std::to_string(r.severity));
    out.append("\nSYSLOG_FACILITY=").append(std::to_string(facility));
    out.append("\nSYSLOG_IDENTIFIER=printwatch");
    out.append("\nPRINTWATCH_MSGID=").append(r.msgid);
    for (const auto& [name, value] : r.params) {
        std::string field = "PRINTWATCH_";
        for (const char c : name) {
            field.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
        }
        out.append("\n").append(field).append("=").append(sanitize_text(value, {}, 256));
    }
    return out;
}

SyslogSink::SyslogSink(const std::string& url, const core::SyslogConfig& config,
                       const std::string& hostname, core::Stats& stats)
    : url_(url),
      facility_(syslog_facility(config.facility)),
      capacity_(config.queue),
      hostname_(clean_hostname(hostname)),
      pid_(static_cast<int>(::getpid())),
      stats_(stats) {
    auto t = SyslogTarget::parse(url);
    if (!t) {
        throw std::runtime_error("--syslog " + url + ": expected " + SyslogTarget::kForms);
    }
    target_ = *t;
    if (target_.transport == SyslogTarget::Transport::Unix) {
        // Debian's /dev/log is journald's (a link to /run/systemd/journal/dev-log). journald
        // does not parse RFC 5424, so send it native fields; any other local daemon gets RFC 3164.
        std::error_code ec;
        const auto real = std::filesystem::canonical(target_.path, ec).string();
        const bool journald =
            !ec &&
            (real == "/run/systemd/journal/dev-log" || real == "/run/systemd/journal/socket") &&
            std::filesystem::exists("/run/systemd/journal/socket", ec);
        encoding_ = journald ? Encoding::Journal : Encoding::Rfc3164;
    }
    if (target_.transport == SyslogTarget::Transport::Relp) {
        relp_ = std::make_unique<RelpClient>(target_.host, target_.port);
    }
    const auto fam = stats.family(core::Metric::OutputErrors);
    dropped_ = stats.series(fam, {{"sink", "syslog"}});
    sent_ = stats.series(stats.family(core::Metric::OutputMessages), {{"sink", "syslog"}});
    worker_ = std::thread([this] { run(); });
}

SyslogSink::~SyslogSink() {
    close();
}

std::size_t SyslogSink::close() {
    if (!worker_.joinable()) {
        return 0;
    }
    drain();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    abort_.store(true);  // a send or connect still blocked gives up within one poll slice
    wake_.notify_all();
    worker_.join();
    close_socket();
    relp_.reset();  // closes the RELP session: the collector acknowledges what it has
    return dropped_at_close_;
}

std::string SyslogSink::encode(const core::EveEvent& event) const {
    switch (encoding_) {
        case Encoding::Journal:
            return format_journal_fields(event, facility_);
        case Encoding::Rfc3164:
            return format_rfc3164(event, facility_, pid_);
        case Encoding::Rfc5424:
            break;
    }
    return format_rfc5424(event, facility_, hostname_, pid_);
}

void SyslogSink::write(const core::EveEvent& event) {
    std::string msg = encode(event);
    if (!msg.empty()) {
        enqueue(std::move(msg));
    }
}

void SyslogSink::status(const std::string& text, core::Timestamp ts) {
    core::EveEvent e;
    e.ts = ts;
    e.event_type = "status";
    e.body = core::Object{{"message", text}};
    write(e);
}

void SyslogSink::enqueue(std::string message) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= capacity_) {
            stats_.add(dropped_);  // never block capture: the newest message is the one lost
            return;
        }
        queue_.push_back(std::move(message));
    }
    wake_.notify_one();
}

void SyslogSink::drain() {
    std::unique_lock lock(mutex_);
    drained_.wait_for(lock, kFlushWait, [this] { return queue_.empty() && !busy_; });
}

void SyslogSink::close_socket() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

bool SyslogSink::connect_socket() {
    close_socket();
    if (target_.transport == SyslogTarget::Transport::Unix) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        // sun_path is a C array in the OS's struct; copy at most its size minus the NUL.
        const std::size_t n = std::min(target_.path.size(), sizeof(addr.sun_path) - 1);
        std::copy_n(target_.path.begin(), n, std::begin(addr.sun_path));
        if (fd_ < 0 ||
            ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {  // NOLINT
            close_socket();
            return false;
        }
        return true;
    }
    addrinfo hints{};
    hints.ai_socktype =
        target_.transport == SyslogTarget::Transport::Tcp ? SOCK_STREAM : SOCK_DGRAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(target_.host.c_str(), target_.port.c_str(), &hints, &res) != 0) {
        return false;
    }
    for (auto* ai = res; ai != nullptr; ai = ai->ai_next) {
        fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                       ai->ai_protocol);
        if (fd_ >= 0 && connect_bounded(ai->ai_addr, ai->ai_addrlen)) {
            break;
        }
        close_socket();
    }
    ::freeaddrinfo(res);
    return fd_ >= 0;
}

bool SyslogSink::wait_writable(std::chrono::milliseconds limit) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!abort_.load()) {
        pollfd p{fd_, POLLOUT, 0};
        const int n = ::poll(&p, 1, kPollSliceMs);
        if (n > 0) {
            return true;  // writable, or an error that the next send reports
        }
        if (n < 0 && errno != EINTR) {
            return false;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
    }
    return false;
}

bool SyslogSink::connect_bounded(const sockaddr* addr, socklen_t len) const {
    if (::connect(fd_, addr, len) == 0) {
        return true;
    }
    if (errno != EINPROGRESS ||
        !wait_writable(std::chrono::duration_cast<std::chrono::milliseconds>(kConnectTimeout))) {
        return false;
    }
    int err = 0;
    socklen_t err_len = sizeof(err);
    return ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &err_len) == 0 && err == 0;
}

int SyslogSink::pending_error() const {
    std::array<char, 1> byte{};
    const ssize_t n = ::recv(fd_, byte.data(), byte.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) {
        return ECONNRESET;  // the peer closed (TCP FIN)
    }
    return n < 0 ? errno : 0;
}

SyslogSink::Send SyslogSink::send_one(const std::string& message) const {
    if (target_.transport == SyslogTarget::Transport::Tcp) {
        // A collector that went away has sent FIN: writing now would "succeed" into a dead
        // connection and lose the message, so look first and reconnect instead.
        const int pending = pending_error();
        if (pending != 0 && pending != EAGAIN && pending != EWOULDBLOCK) {
            return Send::Failed;
        }
    }
    std::string framed;
    const std::string* data = &message;
    if (target_.transport == SyslogTarget::Transport::Tcp) {
        framed = std::to_string(message.size()) + " " + message;  // RFC 6587 octet counting
        data = &framed;
    }
    for (std::string_view rest(*data); !rest.empty();) {
        // Non-blocking, so a collector that stopped reading blocks only until close() says
        // stop: while running the sink waits as long as it takes (nothing is lost while the
        // queue has room).
        const ssize_t n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_writable(kSendPatience)) {
                return Send::Failed;
            }
            continue;
        }
        if (n < 0 && errno == ECONNREFUSED && target_.transport == SyslogTarget::Transport::Udp) {
            return Send::Refused;
        }
        if (n <= 0) {
            return Send::Failed;
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    return Send::Sent;
}

SyslogSink::Send SyslogSink::attempt(const std::string& msg, bool probing) {
    if (encoding_ == Encoding::Journal) {
        // libsystemd speaks journald's native protocol; each line of `msg` is one field.
        std::vector<iovec> fields;
        for (std::size_t start = 0; start < msg.size();) {
            const auto end = std::min(msg.find('\n', start), msg.size());
            // sd_journal_sendv only reads the buffers; iovec has no const member.
            fields.push_back(iovec{const_cast<char*>(msg.data() + start), end - start});  // NOLINT
            start = end + 1;
        }
        return ::sd_journal_sendv(fields.data(), static_cast<int>(fields.size())) == 0
                   ? Send::Sent
                   : Send::Failed;
    }
    if (relp_) {
        return relp_->send(msg) ? Send::Sent : Send::Failed;  // librelp connects and resends
    }
    Send result = fd_ >= 0 ? send_one(msg) : Send::Failed;
    if (result == Send::Failed) {  // collector restarted, or first message
        result = connect_socket() ? send_one(msg) : Send::Failed;
    }
    if (result == Send::Sent && probing) {
        // A probe counts as delivered only if no refusal comes back for it.
        std::this_thread::sleep_for(kProbeWindow);
        if (pending_error() == ECONNREFUSED) {
            result = Send::Refused;
        }
    }
    return result;
}

void SyslogSink::run() {
    // A message leaves the queue only once delivered: while the collector is away the queue
    // holds up to `capacity_` messages and enqueue() drops (and counts) what does not fit.
    auto backoff = kMinBackoff;
    bool probing = false;  // UDP after a refusal: one message at a time until one gets through
    bool failing = false;  // one status line when delivery starts failing, one when it recovers
    double dropped_before = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() || abort_.load()) {
            // Stopping: with nothing left, or past the flush budget, when what is left is lost
            // and counted.
            dropped_at_close_ = drop_queued(queue_, stats_, dropped_, drained_);
            return;
        }
        const std::string msg = queue_.front();
        busy_ = true;
        lock.unlock();
        const Send result = attempt(msg, probing);
        const bool ok = result == Send::Sent;
        lock.lock();
        busy_ = false;
        if (result == Send::Refused) {
            // UDP gives no delivery receipt; a refusal (ICMP port unreachable) is the one loss
            // a sender can see. Outside probing it reports a datagram already sent and counted:
            // that one is lost, and counted. Then the sink probes, one message at a time, and
            // keeps each message queued until a probe is not refused, so an outage loses that
            // one datagram and the queue holds the rest.
            if (!probing) {
                stats_.add(dropped_);
            }
            probing = true;
        } else if (ok) {
            probing = false;
        }
        if (ok && failing) {
            failing = false;
            spdlog::info("--syslog {} recovered; {} messages lost while it failed", url_,
                         stats_.get(dropped_) - dropped_before);
        } else if (!ok && !failing && !stopping_) {
            failing = true;
            dropped_before = stats_.get(dropped_);
            spdlog::warn("--syslog {} failing; holding up to {} messages and retrying", url_,
                         capacity_);
        }
        if (ok) {
            queue_.pop_front();
            stats_.add(sent_);
            backoff = kMinBackoff;
            if (queue_.empty()) {
                drained_.notify_all();
            }
            continue;
        }
        close_socket();
        if (stopping_) {
            // Shutting down with the collector unreachable: what is left is lost, and counted.
            dropped_at_close_ = drop_queued(queue_, stats_, dropped_, drained_);
            return;
        }
        wake_.wait_for(lock, backoff, [this] { return stopping_; });
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
}

}  // namespace printwatch::exporters
