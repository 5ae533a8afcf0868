// SPDX-License-Identifier: Apache-2.0
// Protocol rules: what dissector facts mean (sids 11xx, 12xx, 13xx) and what they teach the
// inventory. Kept apart from detector.cpp so that the transport rules stay readable.
//
// Trust: a client is trusted when it is inside home_net and configured in trusted_clients (or,
// with that list empty, learned during learning.period). Driver traffic (INFO ID, USTATUS,
// job attributes) from a trusted client is never an alert; the same from an untrusted or
// outside client is. Attack commands alert for everyone; where a stricter level applies to
// untrusted clients, it is a sid of its own (untrusted_variant()), so each sid keeps one severity.
#include "core/bytes.h"
#include "detector.h"
#include "signatures.h"

#include <string>

namespace printwatch::detect {

using core::AppEvent;
using core::Flow;
using core::Object;

namespace {

constexpr std::int64_t kDefaultBurst = 10;  // PRET `destroy` sends 98 per batch
constexpr std::int64_t kPasswordBurst = 3;  // more than a secure job needs: brute force

std::string text(const Object& o, std::string_view key) {
    const auto* v = core::find(o, key);
    return v != nullptr && std::holds_alternative<std::string>(v->v) ? std::get<std::string>(v->v)
                                                                     : std::string{};
}
bool flag(const Object& o, std::string_view key) {
    const auto* v = core::find(o, key);
    return v != nullptr && std::holds_alternative<bool>(v->v) && std::get<bool>(v->v);
}
std::int64_t number(const Object& o, std::string_view key) {
    const auto* v = core::find(o, key);
    return v != nullptr && std::holds_alternative<std::int64_t>(v->v) ? std::get<std::int64_t>(v->v)
                                                                      : 0;
}
/// Copies the listed fields of a record into alert details, when present.
Object pick(const Object& from, std::initializer_list<std::string_view> keys) {
    Object out;
    for (auto k : keys) {
        if (const auto* v = core::find(from, k); v != nullptr) {
            out.emplace_back(std::string(k), *v);
        }
    }
    return out;
}
std::uint64_t hash(std::string_view s) {
    const auto b = core::as_bytes(s);
    return core::hash_bytes(b.data(), b.size(), 7);
}

}  // namespace

void Detector::app_alert(Flow& flow, std::uint32_t sid, std::string_view detail,
                         core::FunctionRef<Object()> details, core::Timestamp ts,
                         bool stricter_when_untrusted, bool trusted) {
    const std::string_view app_proto = sid == sid::kPsDangerousOperator ? "postscript"
                                       : sid >= sid::kPjlInfoQuery      ? "pjl"
                                                                        : "bjnp";
    if (stricter_when_untrusted && !trusted) {
        sid = untrusted_variant(sid);
    }
    SuppressKey key{sid, flow.client, flow.server, static_cast<std::uint8_t>(flow.service),
                    0,   hash(detail)};
    alert(&flow, sid, key, flow.client, details, ts, app_proto);
}

void Detector::apply_app_rules(Flow& flow, const AppEvent& event) {
    // The flow's app_proto follows the language actually spoken on 9100.
    if (flow.app_proto == "raw" && event.proto != "bjnp") {
        flow.app_proto = event.proto;
    }
    // A reply from a printer confirms it, and may carry its model.
    if (event.from_printer) {
        learn_printer(flow, event.dir == core::Direction::ToServer, text(event.fields, "model"),
                      event.proto, event.ts);
    }
    const bool trusted = config_->in_home_net(flow.client) && this->trusted(flow);
    if (event.proto == "bjnp") {
        bjnp_rules(flow, event, trusted);
    } else if (event.proto == "pjl" && event.dir == core::Direction::ToServer) {
        pjl_rules(flow, event, trusted);
    } else if (event.proto == "postscript" && event.dir == core::Direction::ToServer) {
        postscript_rules(flow, event, trusted);
    }
}

void Detector::bjnp_rules(Flow& flow, const AppEvent& event, bool trusted) {
    const auto& f = event.fields;
    if (!event.violation.empty()) {
        app_alert(
            flow, sid::kBjnpMalformed, event.violation,
            [&] {
                return pick(f, {"magic", "command", "code", "length", "violation"});
            },
            event.ts, false, trusted);
        return;
    }
    if (trusted) {
        return;  // discovery, identity and jobs are what CUPS and SANE do
    }
    const bool request = text(f, "direction") == "command";
    if (event.name == "discover" && request) {
        app_alert(
            flow, sid::kBjnpDiscovery, event.name,
            [&] {
                return pick(f, {"device", "magic"});
            },
            event.ts, false, trusted);
    } else if (event.name == "identity" && !request) {
        app_alert(
            flow, sid::kBjnpIdentityQuery, event.name,
            [&] {
                return pick(f, {"device", "model", "manufacturer", "command_set"});
            },
            event.ts, false, trusted);
    } else if (event.name == "job_details" && request) {
        app_alert(
            flow, sid::kBjnpJob, event.name,
            [&] {
                return pick(f, {"device", "host", "user", "title"});
            },
            event.ts, false, trusted);
    }
}

void Detector::pjl_rules(Flow& flow, const AppEvent& event, bool trusted) {
    const auto& f = event.fields;
    const std::string category = text(f, "category");
    const std::string command = text(f, "command");
    if (flag(f, "oversized")) {
        app_alert(
            flow, sid::kPjlOversized, "oversized",
            [&] {
                return pick(f, {"command", "line_length", "tool"});
            },
            event.ts, true, trusted);
    }
    // PRET's loops: a burst of DEFAULTs (destroy) or of JOB PASSWORDs (brute force), alerted
    // with the count under `as`.
    const auto burst = [&](std::string_view count, std::int64_t at, std::uint32_t sid,
                           std::string_view detail, const char* as) {
        if (number(f, count) != at) {
            return;
        }
        app_alert(
            flow, sid, detail,
            [&] {
                Object d = pick(f, {"command", "tool"});
                d.emplace_back(as, number(f, count));
                return d;
            },
            event.ts, true, trusted);
    };
    burst("default_count", kDefaultBurst, sid::kPjlDestructive, "DEFAULT burst", "burst");
    burst("job_password_count", kPasswordBurst, sid::kPjlLock, "JOB PASSWORD burst", "attempts");
    std::uint32_t sid = 0;
    if (category == "info_query" ||
        (category == "info" && command.starts_with("INFO") && !trusted)) {
        sid = sid::kPjlInfoQuery;
    } else if (category == "config_change") {
        sid = sid::kPjlConfigChange;
    } else if (category == "fs_access") {
        sid = sid::kPjlFsAccess;
    } else if (category == "destructive") {
        sid = sid::kPjlDestructive;
    } else if (category == "lock") {
        sid = sid::kPjlLock;
    }
    if (sid != 0) {
        const std::string key = command + (flag(f, "traversal") ? " traversal" : "");
        app_alert(
            flow, sid, key,
            [&] {
                return pick(f, {"command", "args", "category", "path", "traversal", "tool"});
            },
            event.ts, true, trusted);
    }
}

void Detector::postscript_rules(Flow& flow, const AppEvent& event, bool trusted) {
    const auto& f = event.fields;
    if (flag(f, "dangerous")) {
        app_alert(
            flow, sid::kPsDangerousOperator, text(f, "operator") + text(f, "path"),
            [&] {
                return pick(f, {"operator", "category", "path", "access"});
            },
            event.ts, true, trusted);
    }
}

}  // namespace printwatch::detect
