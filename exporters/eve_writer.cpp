// SPDX-License-Identifier: Apache-2.0
#include "eve_writer.h"

#include "community_id.h"
#include "core/text.h"
#include "json_text.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace printwatch::exporters {

namespace {
void key(std::string& out, std::string_view k) {
    out.push_back(',');
    out.push_back('"');
    out.append(k);
    out.append("\":");
}
}  // namespace

std::string serialize(const core::EveEvent& e) {
    std::string out;
    out.reserve(512);
    out.append("{\"timestamp\":");
    append_json_string(out, core::format_iso8601(e.ts));
    if (e.flow_id != 0) {
        key(out, "flow_id");
        out.append(std::to_string(e.flow_id));
    }
    if (!e.in_iface.empty()) {
        key(out, "in_iface");
        append_json_string(out, e.in_iface);
    }
    key(out, "event_type");
    append_json_string(out, e.event_type);
    if (e.vlan_count > 0) {
        key(out, "vlan");
        out.push_back('[');
        for (std::size_t i = 0; i < e.vlan_count; ++i) {
            if (i > 0) {
                out.push_back(',');
            }
            out.append(std::to_string(e.vlan.at(i)));
        }
        out.push_back(']');
    }
    if (e.tuple) {
        const auto& t = *e.tuple;
        key(out, "src_ip");
        append_json_string(out, t.src.to_string());
        key(out, "src_port");
        out.append(std::to_string(t.sport));
        key(out, "dest_ip");
        append_json_string(out, t.dst.to_string());
        key(out, "dest_port");
        out.append(std::to_string(t.dport));
        key(out, "proto");
        append_json_string(out, t.proto == 6 ? "TCP" : t.proto == 17 ? "UDP" : "IP");
        key(out, "community_id");
        append_json_string(out, community_id_v1(t.src, t.sport, t.dst, t.dport, t.proto));
    }
    if (!e.app_proto.empty()) {
        key(out, "app_proto");
        append_json_string(out, e.app_proto);
    }
    if (e.alert != nullptr) {
        const auto& s = *e.alert;
        key(out, "alert");
        out.append("{\"action\":\"allowed\",\"gid\":1,\"signature_id\":");
        out.append(std::to_string(s.sid));
        out.append(",\"rev\":");
        out.append(std::to_string(s.rev));
        out.append(",\"signature\":");
        append_json_string(out, s.signature);
        out.append(",\"category\":");
        append_json_string(out, s.category);
        out.append(",\"severity\":");
        out.append(std::to_string(e.severity != 0 ? e.severity : s.severity));
        out.push_back('}');
    }
    if (!e.body_key.empty()) {
        key(out, e.body_key);
        append_json(out, core::Value(e.body));
    }
    out.push_back('}');
    return out;
}

EveFileSink::EveFileSink(const std::string& path, core::Stats& stats) : stats_(stats) {
    errors_ = stats.series(
        stats.family("printwatch_output_errors_total", "Records an output sink failed to deliver",
                     core::MetricType::Counter),
        {{"sink", "eve"}});
    if (path == "-") {
        file_ = stdout;
        return;
    }
    file_ = std::fopen(path.c_str(), "a");
    if (file_ == nullptr) {
        throw std::runtime_error("--eve " + path + ": " + core::errno_text(errno));
    }
    owned_ = true;
}

EveFileSink::~EveFileSink() {
    flush();
    if (owned_) {
        static_cast<void>(std::fclose(file_));  // flushed above; nothing left to report
    }
}

void EveFileSink::write(const core::EveEvent& event) {
    line_ = serialize(event);
    line_.push_back('\n');
    if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
        stats_.add(errors_);
    }
}

void EveFileSink::flush() {
    if (std::fflush(file_) != 0) {
        stats_.add(errors_);
    }
}

}  // namespace printwatch::exporters
