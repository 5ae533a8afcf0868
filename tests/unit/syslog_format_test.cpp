// SPDX-License-Identifier: Apache-2.0
#include "exporters/redis_sink.h"
#include "exporters/syslog_sink.h"

#include <catch2/catch.hpp>

#include <string>

using namespace printwatch;  // NOLINT(google-build-using-namespace)

namespace {
core::EveEvent alert_event(const core::Signature& sig, std::string path) {
    core::EveEvent e;
    e.ts = core::Timestamp{1700000000'000001};
    e.event_type = "alert";
    e.alert = &sig;
    e.severity = sig.severity;
    e.tuple = core::EventTuple{*core::IpAddr::parse("203.0.113.9"),
                               *core::IpAddr::parse("10.1.0.50"), 4000, 9100, 6};
    e.body = core::Object{{"kind", std::string(sig.kind)}, {"path", std::move(path)}};
    return e;
}
}  // namespace

TEST_CASE("RFC 5424: header, PRI from facility and severity, SD params", "[syslog]") {
    const core::Signature sig{1001203, 1, "pjl.fs_access", "PRINTWATCH PJL file-system access",
                              "c",     1};
    const auto msg = exporters::format_rfc5424(alert_event(sig, "0:/../etc"), 21, "sensor1", 42);
    // local5 (21) * 8 + warning (4) = 172: docs/spec.md §6 maps severity 1 to warning.
    CHECK(msg.rfind("<172>1 2023-11-14T22:13:20.000001Z sensor1 printwatch 42 ALERT "
                    "[printwatch@32473 kind=\"pjl.fs_access\" sid=\"1001203\" severity=\"1\" "
                    "src=\"203.0.113.9\" sport=\"4000\" dst=\"10.1.0.50\" dport=\"9100\" "
                    "proto=\"TCP\" path=\"0:/../etc\"] PRINTWATCH PJL file-system access: ",
                    0) == 0);
}

TEST_CASE("RFC 5424: SD-PARAM escaping and no line breaks from wire text", "[syslog]") {
    const core::Signature sig{1001203, 1, "pjl.fs_access", "m", "c", 1};
    const auto msg =
        exporters::format_rfc5424(alert_event(sig, "a\"b]c\\d\r\n<13>1 x"), 21, "h", 1);
    CHECK(msg.find(R"(path="a\"b\]c\\d\x0d\x0a<13>1 x")") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.find('\r') == std::string::npos);
}

TEST_CASE("RFC 5424: messages are capped at 2048 bytes", "[syslog]") {
    const std::string long_sig(5000, 'S');
    const core::Signature sig{1001203, 1, "pjl.fs_access", long_sig, "c", 2};
    const auto msg =
        exporters::format_rfc5424(alert_event(sig, std::string(5000, 'p')), 21, "h", 1);
    CHECK(msg.size() == 2048);
    CHECK(msg.rfind("<173>1 ", 0) == 0);  // severity 2 -> notice (5)
}

TEST_CASE("Protocol records stay out of syslog; URLs are validated", "[syslog]") {
    core::EveEvent e;
    e.event_type = "pjl";
    CHECK(exporters::format_rfc5424(e, 21, "h", 1).empty());
    using exporters::SyslogTarget;
    CHECK(SyslogTarget::parse("unix:///dev/log")->path == "/dev/log");
    CHECK(SyslogTarget::parse("tcp://[::1]:6514")->host == "::1");
    CHECK(SyslogTarget::parse("udp://127.0.0.1:514")->port == "514");
    CHECK_FALSE(SyslogTarget::parse("udp://127.0.0.1:0"));
    CHECK_FALSE(SyslogTarget::parse("udp://127.0.0.1:70000"));
    CHECK_FALSE(SyslogTarget::parse("http://x:1"));
    CHECK_FALSE(SyslogTarget::parse("tcp://:514"));
    const auto relp = SyslogTarget::parse("relp://collector.example:2514");
    REQUIRE(relp);
    CHECK(relp->transport == SyslogTarget::Transport::Relp);
    CHECK(relp->host == "collector.example");
    CHECK(relp->port == "2514");
    CHECK_FALSE(SyslogTarget::parse("relp://collector.example"));
    CHECK(exporters::syslog_facility("local5") == 21);
    CHECK(exporters::syslog_facility("nope") == -1);
}

TEST_CASE("redis:// URLs name host, port and stream key", "[redis]") {
    using exporters::RedisTarget;
    const auto t = RedisTarget::parse("redis://10.0.0.5:6380/printwatch:eve");
    REQUIRE(t);
    CHECK(t->host == "10.0.0.5");
    CHECK(t->port == 6380);
    CHECK(t->key == "printwatch:eve");
    CHECK(RedisTarget::parse("redis://redis.example/k")->port == 6379);
    CHECK(RedisTarget::parse("redis://[::1]:6379/k")->host == "::1");
    CHECK(RedisTarget::parse("redis://[::1]/k")->port == 6379);
    CHECK_FALSE(RedisTarget::parse("redis://10.0.0.5:6379"));   // no key
    CHECK_FALSE(RedisTarget::parse("redis://10.0.0.5:6379/"));  // empty key
    CHECK_FALSE(RedisTarget::parse("redis://10.0.0.5:0/k"));    // port 0
    CHECK_FALSE(RedisTarget::parse("redis://10.0.0.5:99999/k"));
    CHECK_FALSE(RedisTarget::parse("redis://:6379/k"));
    CHECK_FALSE(RedisTarget::parse("redis://h:6379/a key"));  // a space in the key
    CHECK_FALSE(RedisTarget::parse("rediss://h:6379/k"));
    CHECK(exporters::redis_producers_key("pw:eve") == "pw:eve:producers");
}

TEST_CASE("RFC 5424: an unknown value is an absent SD-PARAM, not the text null", "[syslog]") {
    core::EveEvent e;
    e.ts = core::Timestamp{1700000000'000001};
    e.event_type = "printer";
    e.body = core::Object{{"address", std::string("10.1.0.50")},
                          {"mac", core::Value()},
                          {"model", core::Value()},
                          {"learned_from", std::string("syn-ack")}};
    const auto msg = exporters::format_rfc5424(e, 21, "h", 1);
    CHECK(msg.find("model=") == std::string::npos);
    CHECK(msg.find("null") == std::string::npos);
    CHECK(msg.find(R"(address="10.1.0.50" learned_from="syn-ack")") != std::string::npos);
}

TEST_CASE("RFC 3164 for a local daemon: printwatch[PID]: tag, parameters in the text", "[syslog]") {
    const core::Signature sig{1001203, 1, "pjl.fs_access", "PRINTWATCH PJL file-system access",
                              "c",     1};
    const auto msg = exporters::format_rfc3164(alert_event(sig, "0:/../etc\nforged"), 21, 42);
    // 2023-11-14T22:13:20Z; local5 warning = 172
    CHECK(msg.rfind("<172>Nov 14 22:13:20 printwatch[42]: ALERT kind=\"pjl.fs_access\" "
                    "sid=\"1001203\" severity=\"1\" src=\"203.0.113.9\"",
                    0) == 0);
    CHECK(msg.find('\n') == std::string::npos);  // a wire newline cannot start a forged line
    core::EveEvent e = alert_event(sig, "x");
    e.ts = core::Timestamp{1699000000'000000};  // 2023-11-03: the day is space-padded
    CHECK(exporters::format_rfc3164(e, 21, 1).rfind("<172>Nov  3 ", 0) == 0);
}

TEST_CASE("journald fields: SYSLOG_IDENTIFIER and PRINTWATCH_* one per line", "[syslog]") {
    const core::Signature sig{1001203, 1, "pjl.fs_access", "PRINTWATCH PJL file-system access",
                              "c",     1};
    const auto fields = exporters::format_journal_fields(alert_event(sig, "0:/a\nPRIORITY=0"), 21);
    CHECK(fields.rfind("MESSAGE=PRINTWATCH PJL file-system access: 203.0.113.9:4000 -> ", 0) == 0);
    CHECK(fields.find("\nPRIORITY=4\n") != std::string::npos);
    CHECK(fields.find("\nSYSLOG_IDENTIFIER=printwatch\n") != std::string::npos);
    CHECK(fields.find("\nPRINTWATCH_SID=1001203\n") != std::string::npos);
    CHECK(fields.find("\nPRINTWATCH_SRC=203.0.113.9\n") != std::string::npos);
    CHECK(fields.find("\nPRIORITY=0") == std::string::npos);  // the wire cannot add a field
    core::EveEvent pjl;
    pjl.event_type = "pjl";
    CHECK(exporters::format_journal_fields(pjl, 21).empty());
}

TEST_CASE("Every scalar detail is an SD param; nested ones stay in EVE; the SD is never cut",
          "[syslog]") {
    const core::Signature sig{1001103, 1, "bjnp.job", "PRINTWATCH BJNP job", "c", 2};
    auto e = alert_event(sig, "p");
    e.body.emplace_back("user", "alice");
    e.body.emplace_back("burst", 10);
    e.body.emplace_back("services", core::Array{"raw"});
    e.body.emplace_back("model", core::Value{});
    const auto msg = exporters::format_rfc5424(e, 21, "h", 1);
    CHECK(msg.find(R"( user="alice" burst="10"])") != std::string::npos);
    CHECK(msg.find("services") == std::string::npos);
    CHECK(msg.find("model") == std::string::npos);
    CHECK(msg.find("kind=") == msg.rfind("kind="));  // the body's kind is not repeated

    auto big = alert_event(sig, "p");
    for (int i = 0; i < 20; ++i) {
        big.body.emplace_back("field" + std::to_string(i), std::string(300, 'x'));
    }
    const auto capped = exporters::format_rfc5424(big, 21, "h", 1);
    CHECK(capped.size() <= 2048);
    CHECK(capped.find("] PRINTWATCH BJNP job") != std::string::npos);  // the SD is closed
}
