// SPDX-License-Identifier: Apache-2.0
#include "config_load.h"

#include "core/ports.h"
#include "core/text.h"
#include "dissectors/registry.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <map>
#include <set>
#include <unistd.h>

namespace printwatch::app {

using core::Duration;
using core::SensorConfig;

core::Result<Duration, std::string> parse_duration(const std::string& text) {
    const std::string_view t(text);
    if (t.starts_with('-')) {
        return core::unexpected("'" + text + "' is negative");
    }
    const auto digits = t.substr(0, t.find_first_not_of("0123456789"));
    const auto parsed = core::parse_uint(digits);
    if (!parsed || *parsed > static_cast<std::uint64_t>(INT64_MAX)) {
        return core::unexpected("'" + text + "' is not a duration (use e.g. 300s, 5m, 24h)");
    }
    const auto n = static_cast<std::int64_t>(*parsed);
    const std::string unit(t.substr(digits.size()));
    static const std::map<std::string, std::int64_t> kUnits{
        {"", 1'000'000},   {"s", 1'000'000},     {"ms", 1'000},
        {"m", 60'000'000}, {"h", 3'600'000'000}, {"d", 86'400'000'000}};
    auto it = kUnits.find(unit);
    if (it == kUnits.end()) {
        return core::unexpected("'" + text + "' has unknown unit '" + unit +
                                "' (use ms, s, m, h or d)");
    }
    if (n > INT64_MAX / it->second) {
        return core::unexpected("'" + text + "' is too large");
    }
    return Duration{n * it->second};
}

bool valid_sensor_name(std::string_view name) {
    // RFC 5424 HOSTNAME: 1*255 PRINTUSASCII (33-126).
    return !name.empty() && name.size() <= 255 &&
           std::all_of(name.begin(), name.end(), [](char c) { return c > 32 && c < 127; });
}

std::string local_host_name() {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) {
        return "localhost";
    }
    std::string name(host.data());
    for (char& c : name) {
        if (c <= 32 || c >= 127) {
            c = '_';  // the syslog HOSTNAME rules, whatever the kernel was told
        }
    }
    return name.empty() ? std::string("localhost") : name;
}

namespace {

/// Collects errors with positions while walking the document.
class Loader {
  public:
    Loader(std::string name, SensorConfig& cfg) : name_(std::move(name)), cfg_(cfg) {}
    ConfigErrors errors;

    void error(const YAML::Node& node, const std::string& msg) {
        const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
        errors.push_back(name_ + ":" + std::to_string(line) + ": " + msg);
    }

    void load(const YAML::Node& root) {
        if (root.IsNull()) {
            return;  // an empty file means all defaults
        }
        if (!root.IsMap()) {
            error(root, "top level must be a mapping of keys");
            return;
        }
        const std::map<std::string, std::function<void(const YAML::Node&)>> sections{
            {"home_net", [this](const YAML::Node& n) { home_net(n); }},
            {"printers", [this](const YAML::Node& n) { printers(n); }},
            {"trusted_clients", [this](const YAML::Node& n) { trusted(n); }},
            {"learning", [this](const YAML::Node& n) { learning(n); }},
            {"ports", [this](const YAML::Node& n) { ports(n); }},
            {"alerts", [this](const YAML::Node& n) { alerts(n); }},
            {"limits", [this](const YAML::Node& n) { limits(n); }},
            {"flow", [this](const YAML::Node& n) { flow(n); }},
            {"syslog", [this](const YAML::Node& n) { syslog(n); }},
            {"sensor", [this](const YAML::Node& n) { sensor(n); }},
            {"redis", [this](const YAML::Node& n) { redis(n); }},
        };
        for (const auto& kv : root) {
            const auto key = kv.first.as<std::string>();
            auto it = sections.find(key);
            if (it == sections.end()) {
                error(kv.first, "unknown key '" + key + "'");
                continue;
            }
            it->second(kv.second);
        }
    }

  private:
    /// Iterates a mapping, rejecting keys not in `known`.
    void each_key(const YAML::Node& map, const std::string& where,
                  const std::set<std::string>& known,
                  const std::function<void(const std::string&, const YAML::Node&)>& fn) {
        if (!map.IsMap()) {
            error(map, where + " must be a mapping");
            return;
        }
        for (const auto& kv : map) {
            const auto key = kv.first.as<std::string>();
            if (!known.contains(key)) {
                error(kv.first, fmt::format("unknown key '{}.{}'", where, key));
                continue;
            }
            fn(key, kv.second);
        }
    }
    bool sequence(const YAML::Node& n, const std::string& where) {
        if (!n.IsSequence()) {
            error(n, where + " must be a list");
            return false;
        }
        return true;
    }
    std::optional<std::string> scalar(const YAML::Node& n, const std::string& where) {
        if (!n.IsScalar()) {
            error(n, where + " must be a single value");
            return std::nullopt;
        }
        return n.Scalar();
    }
    template <class T>
    void number(const YAML::Node& n, const std::string& where, T& out, std::uint64_t min,
                std::uint64_t max) {
        auto s = scalar(n, where);
        if (!s) {
            return;
        }
        const auto parsed = core::parse_uint(*s);
        const std::uint64_t v = parsed.value_or(0);
        if (!parsed || v < min || v > max) {
            error(n, where + " must be a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", not '" + *s + "'");
            return;
        }
        out = static_cast<T>(v);
    }
    void duration(const YAML::Node& n, const std::string& where, Duration& out, bool positive) {
        auto s = scalar(n, where);
        if (!s) {
            return;
        }
        auto d = parse_duration(*s);
        if (!d) {
            error(n, where + ": " + d.error());
        } else if (positive && d->usec == 0) {
            error(n, where + " must be greater than zero");
        } else {
            out = *d;
        }
    }

    void home_net(const YAML::Node& n) {
        if (!sequence(n, "home_net")) {
            return;
        }
        cfg_.home_net.clear();
        for (const auto& item : n) {
            auto s = scalar(item, "home_net entry");
            if (!s) {
                continue;
            }
            if (auto c = core::Cidr::parse(*s)) {
                cfg_.home_net.push_back(*c);
            } else {
                error(item, "home_net: '" + *s + "' is not a CIDR block (e.g. 10.0.0.0/8)");
            }
        }
    }
    void printers(const YAML::Node& n) {
        if (!sequence(n, "printers")) {
            return;
        }
        for (const auto& item : n) {
            core::KnownPrinter p;
            bool has_address = false;
            each_key(item, "printers[]", {"address", "name"},
                     [&](const std::string& key, const YAML::Node& v) {
                         auto s = scalar(v, "printers[]." + key);
                         if (!s) {
                             return;
                         }
                         if (key == "name") {
                             p.name = *s;
                         } else if (auto a = core::IpAddr::parse(*s)) {
                             p.address = *a;
                             has_address = true;
                         } else {
                             error(v, "printers[].address: '" + *s + "' is not an IP address");
                             has_address = true;  // reported already
                         }
                     });
            if (item.IsMap() && !has_address) {
                error(item, "printers[] entry needs an address");
            } else if (p.address.family != 0) {
                cfg_.printers.push_back(p);
            }
        }
    }
    void trusted(const YAML::Node& n) {
        if (!sequence(n, "trusted_clients")) {
            return;
        }
        for (const auto& item : n) {
            auto s = scalar(item, "trusted_clients entry");
            if (!s) {
                continue;
            }
            if (auto mac = core::MacAddr::parse(*s)) {
                cfg_.trusted_macs.push_back(*mac);
            } else if (auto c = core::Cidr::parse(*s)) {
                cfg_.trusted_networks.push_back(*c);
            } else {
                error(item, "trusted_clients: '" + *s + "' is not an IP, CIDR or MAC address");
            }
        }
    }
    void learning(const YAML::Node& n) {
        each_key(n, "learning", {"period"}, [&](const std::string&, const YAML::Node& v) {
            duration(v, "learning.period", cfg_.learning.period, false);
        });
    }
    void port_list(const YAML::Node& n, const std::string& where, std::vector<std::uint16_t>& out) {
        if (!sequence(n, where)) {
            return;
        }
        out.clear();
        for (const auto& item : n) {
            std::uint16_t p = 0;
            const auto before = errors.size();
            number(item, where + " entry", p, 1, 65535);
            if (errors.size() == before) {
                out.push_back(p);
            }
        }
    }
    /// `ports.<key>`, one list per registered port group (core::PortGroup): the keys are the
    /// registry's, so a new protocol brings its own.
    void ports(const YAML::Node& n) {
        const auto& groups = dissectors::services().groups();
        std::set<std::string> keys;
        for (const auto* g : groups) {
            keys.emplace(g->key);
        }
        each_key(n, "ports", keys, [&](const std::string& key, const YAML::Node& v) {
            for (auto& list : cfg_.ports.lists) {
                if (list.key == key) {
                    port_list(v, "ports." + key, list.ports);
                }
            }
        });
        // A port belongs to one group per transport, or its traffic could not be named.
        for (std::size_t a = 0; a < groups.size(); ++a) {
            for (std::size_t b = a + 1; b < groups.size(); ++b) {
                const bool shared_transport =
                    (groups[a]->tcp && groups[b]->tcp) || (groups[a]->udp && groups[b]->udp);
                if (!shared_transport) {
                    continue;
                }
                const auto pa = core::effective_ports(*groups[a], cfg_.ports);
                for (auto port : core::effective_ports(*groups[b], cfg_.ports)) {
                    if (std::find(pa.begin(), pa.end(), port) != pa.end()) {
                        error(n, "ports: " + std::to_string(port) + " is listed in both ports." +
                                     std::string(groups[a]->key) + " and ports." +
                                     std::string(groups[b]->key));
                    }
                }
            }
        }
    }
    void alerts(const YAML::Node& n) {
        auto& a = cfg_.alerts;
        each_key(n, "alerts", {"suppress", "scan", "attempt_timeout", "max_per_minute"},
                 [&](const std::string& key, const YAML::Node& v) {
                     if (key == "suppress") {
                         duration(v, "alerts.suppress", a.suppress, false);
                     } else if (key == "attempt_timeout") {
                         duration(v, "alerts.attempt_timeout", a.attempt_timeout, true);
                     } else if (key == "max_per_minute") {
                         number(v, "alerts.max_per_minute", a.max_per_minute, 1, 10'000'000);
                     } else {
                         each_key(v, "alerts.scan", {"ports", "hosts", "window"},
                                  [&](const std::string& k, const YAML::Node& sv) {
                                      if (k == "window") {
                                          duration(sv, "alerts.scan.window", a.scan.window, true);
                                      } else {
                                          number(sv, "alerts.scan." + k,
                                                 k == "ports" ? a.scan.ports : a.scan.hosts, 1,
                                                 1024);
                                      }
                                  });
                     }
                 });
    }
    void limits(const YAML::Node& n) {
        auto& l = cfg_.limits;
        bool half_open_given = false;
        each_key(n, "limits", {"flows", "half_open", "clients", "printers", "stream_bytes"},
                 [&](const std::string& key, const YAML::Node& v) {
                     if (key == "flows") {
                         number(v, "limits.flows", l.flows, 16, 16'777'216);
                     } else if (key == "half_open") {
                         half_open_given = true;
                         number(v, "limits.half_open", l.half_open, 16, 16'777'216);
                     } else if (key == "clients") {
                         number(v, "limits.clients", l.clients, 16, 16'777'216);
                     } else if (key == "printers") {
                         number(v, "limits.printers", l.printers, 1, 1'048'576);
                     } else {
                         number(v, "limits.stream_bytes", l.stream_bytes, 1024,
                                std::uint64_t{64} * 1024 * 1024);
                     }
                 });
        if (!half_open_given) {
            // A quarter of the flows, so that a small limits.flows (a small box) does not get
            // the default's 65,536 half-open slots beside it.
            l.half_open = std::max<std::uint32_t>(16, l.flows / 4);
        }
    }
    void boolean(const YAML::Node& n, const std::string& where, bool& out) {
        auto s = scalar(n, where);
        if (!s) {
            return;
        }
        if (*s == "true" || *s == "yes" || *s == "on") {
            out = true;
        } else if (*s == "false" || *s == "no" || *s == "off") {
            out = false;
        } else {
            error(n, where + " must be true or false, not '" + *s + "'");
        }
    }
    void flow(const YAML::Node& n) {
        each_key(n, "flow", {"vlan_tracking"}, [&](const std::string&, const YAML::Node& v) {
            boolean(v, "flow.vlan_tracking", cfg_.flow.vlan_tracking);
        });
    }
    void syslog(const YAML::Node& n) {
        each_key(
            n, "syslog", {"facility", "queue"}, [&](const std::string& key, const YAML::Node& v) {
                if (key == "queue") {
                    number(v, "syslog.queue", cfg_.syslog.queue, 1, 10'000'000);
                    return;
                }
                static const std::set<std::string> kFacilities{
                    "kern",   "user",   "mail",   "daemon",   "auth",   "syslog", "lpr",
                    "news",   "uucp",   "cron",   "authpriv", "ftp",    "local0", "local1",
                    "local2", "local3", "local4", "local5",   "local6", "local7"};
                auto s = scalar(v, "syslog.facility");
                if (s && !kFacilities.contains(*s)) {
                    error(v,
                          "syslog.facility: '" + *s + "' is not a syslog facility (e.g. local5)");
                } else if (s) {
                    cfg_.syslog.facility = *s;
                }
            });
    }

    void sensor(const YAML::Node& n) {
        each_key(n, "sensor", {"name"}, [&](const std::string&, const YAML::Node& v) {
            auto s = scalar(v, "sensor.name");
            if (s && !valid_sensor_name(*s)) {
                error(v,
                      "sensor.name must be 1-255 printable ASCII characters without spaces "
                      "(it is the syslog HOSTNAME)");
            } else if (s) {
                cfg_.sensor.name = *s;
            }
        });
    }
    void redis(const YAML::Node& n) {
        each_key(n, "redis", {"queue", "maxlen"}, [&](const std::string& key, const YAML::Node& v) {
            if (key == "queue") {
                number(v, "redis.queue", cfg_.redis.queue, 1, 10'000'000);
            } else {
                number(v, "redis.maxlen", cfg_.redis.maxlen, 1000, 1'000'000'000);
            }
        });
    }

    std::string name_;
    SensorConfig& cfg_;
};

core::Result<SensorConfig, ConfigErrors> load_node(const std::function<YAML::Node()>& parse,
                                                   const std::string& name) {
    SensorConfig cfg;
    // Every registered port group is listed, with its defaults until the file says otherwise.
    for (const auto* g : dissectors::services().groups()) {
        cfg.ports.lists.push_back(
            core::PortList{std::string(g->key), core::effective_ports(*g, core::PortsConfig{})});
    }
    Loader loader(name, cfg);
    try {
        loader.load(parse());
    } catch (const YAML::BadFile&) {
        return core::unexpected(ConfigErrors{name + ": cannot read file"});
    } catch (const YAML::ParserException& e) {
        return core::unexpected(ConfigErrors{name + ":" + std::to_string(e.mark.line + 1) +
                                             ": YAML syntax error: " + e.msg});
    } catch (const YAML::Exception& e) {
        return core::unexpected(ConfigErrors{name + ": " + e.what()});
    }
    if (!loader.errors.empty()) {
        return core::unexpected(std::move(loader.errors));
    }
    if (cfg.sensor.name.empty()) {
        cfg.sensor.name = local_host_name();
    }
    return cfg;
}

}  // namespace

core::Result<SensorConfig, ConfigErrors> load_config_file(const std::string& path) {
    return load_node([&] { return YAML::LoadFile(path); }, path);
}

core::Result<SensorConfig, ConfigErrors> load_config_text(const std::string& text,
                                                          const std::string& name) {
    return load_node([&] { return YAML::Load(text); }, name);
}

std::vector<std::string> restart_only_changes(const core::SensorConfig& running,
                                              const core::SensorConfig& next) {
    std::vector<std::string> changed;
    const auto check = [&](bool differs, const char* key) {
        if (differs) {
            changed.emplace_back(key);
        }
    };
    for (const auto* g : dissectors::services().groups()) {
        const std::string key = "ports." + std::string(g->key);
        check(core::effective_ports(*g, running.ports) != core::effective_ports(*g, next.ports),
              key.c_str());
    }
    check(running.limits.flows != next.limits.flows, "limits.flows");
    // A half_open the config leaves out follows flows: a change of flows alone names flows.
    const bool half_open_follows =
        next.limits.half_open == std::max<std::uint32_t>(16, next.limits.flows / 4);
    check(running.limits.half_open != next.limits.half_open &&
              (running.limits.flows == next.limits.flows || !half_open_follows),
          "limits.half_open");
    check(running.limits.clients != next.limits.clients, "limits.clients");
    check(running.limits.printers != next.limits.printers, "limits.printers");
    check(running.limits.stream_bytes != next.limits.stream_bytes, "limits.stream_bytes");
    check(running.flow.vlan_tracking != next.flow.vlan_tracking, "flow.vlan_tracking");
    check(running.syslog.facility != next.syslog.facility, "syslog.facility");
    check(running.syslog.queue != next.syslog.queue, "syslog.queue");
    check(running.sensor.name != next.sensor.name, "sensor.name");
    check(running.redis.queue != next.redis.queue, "redis.queue");
    check(running.redis.maxlen != next.redis.maxlen, "redis.maxlen");
    return changed;
}

}  // namespace printwatch::app
