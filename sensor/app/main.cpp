// SPDX-License-Identifier: Apache-2.0
// printwatch: a passive sensor for printer services (docs/spec.md §2 is the command line contract).
#include "app/bpf.h"
#include "app/config_load.h"
#include "app/live_capture.h"
#include "app/outputs.h"
#include "app/pipeline.h"
#include "app/privileges.h"
#include "app/replay.h"
#include "app/state_file.h"
#include "capture/pcap_source.h"
#include "capture/port_prefilter.h"
#include "core/text.h"
#include "dissectors/registry.h"
#include "exporters/metrics_text.h"
#include "exporters/process_metrics.h"
#include "exporters/prometheus_endpoint.h"
#include "exporters/summary.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <poll.h>
#include <pwd.h>
#include <random>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace printwatch;  // NOLINT(google-build-using-namespace): main wires every module

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr const char* kVersion = "0.1.0";
#ifndef PRINTWATCH_COMMIT
#define PRINTWATCH_COMMIT "unknown"
#endif
constexpr const char* kCommit = PRINTWATCH_COMMIT;

// The only process-wide mutable state besides the logger: set by signal handlers.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): signal handler state
volatile std::sig_atomic_t g_stop = 0;
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): signal handler state
volatile std::sig_atomic_t g_reload = 0;

extern "C" void on_stop_signal(int /*sig*/) {
    g_stop = 1;
}
extern "C" void on_reload_signal(int /*sig*/) {
    g_reload = 1;
}

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;  // no SA_RESTART: poll() must wake up with EINTR
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sa.sa_handler = on_reload_signal;
    sigaction(SIGHUP, &sa, nullptr);
    // A collector that closes its socket must cost a failed send, not the process (librelp
    // and hiredis write to sockets without MSG_NOSIGNAL).
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, nullptr);
}

struct Options {
    std::vector<std::string> read_files;
    std::vector<std::string> interfaces;
    std::string config_path;
    std::string filter;
    std::vector<std::string> expression;  // a BPF expression after the options, as tcpdump
    std::string filter_file;              // -F: the filter read from a file
    std::string file_list;                // -V: capture files listed in a file
    std::string filter_origin = "-f";     // named in errors about the filter
    bool all_traffic = false;
    bool libpcap_reader = false;
    unsigned workers = 1;
    app::OutputFlags outputs;
    std::string metrics_addr;
    std::string metrics_file;
    std::string state_path;
    std::string user;
    std::string report_path;
    bool summary = false;
    bool check_config = false;

    /// A replay with no output chosen would print nothing: a person at a terminal gets the
    /// summary instead.
    [[nodiscard]] bool wants_summary() const {
        const bool no_output = outputs.eve.empty() && outputs.syslog_url.empty() &&
                               metrics_file.empty() && metrics_addr.empty() &&
                               report_path.empty() && state_path.empty();
        return summary || (interfaces.empty() && no_output);
    }
};

/// Reads `path` whole; nullopt (and an error naming `flag` and the path) when it cannot.
std::optional<std::string> read_text_file(const std::string& flag, const std::string& path,
                                          std::vector<std::string>& errors) {
    std::ifstream in(path);
    if (!in) {
        errors.push_back(flag + " " + path + ": " + core::errno_text(errno));
        return std::nullopt;
    }
    std::string text;
    std::getline(in, text, '\0');  // the whole file: a filter or file list holds no NUL
    return text;
}

/// -V FILE: one capture file per line (blank lines skipped), appended to read_files.
void read_file_list(Options& o, std::vector<std::string>& errors) {
    auto text = read_text_file("-V", o.file_list, errors);
    if (!text) {
        return;
    }
    std::istringstream lines(*text);
    std::size_t added = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto start = line.find_first_not_of(" \t\r");
        if (start != std::string::npos) {
            o.read_files.push_back(line.substr(start, line.find_last_not_of(" \t\r") - start + 1));
            ++added;
        }
    }
    if (added == 0) {
        errors.push_back("-V " + o.file_list + ": lists no capture file");
    }
}

/// -F FILE: the filter, lines joined by spaces; lines starting with '#' are comments, as
/// tcpdump reads them.
void read_filter_file(Options& o, std::vector<std::string>& errors) {
    auto text = read_text_file("-F", o.filter_file, errors);
    if (!text) {
        return;
    }
    std::istringstream lines(*text);
    std::string joined;
    for (std::string line; std::getline(lines, line);) {
        const auto start = line.find_first_not_of(" \t\r");
        if (start != std::string::npos && line[start] != '#') {
            joined.append(joined.empty() ? "" : " ").append(line);
        }
    }
    if (joined.empty()) {
        errors.push_back("-F " + o.filter_file + ": the file holds no filter expression");
    }
    o.filter = joined;
    o.filter_origin = "-F " + o.filter_file;
}

/// The tcpdump habits: -V FILE lists capture files (one per line), -F FILE holds the filter,
/// and words after the options are the filter expression. Folds them into read_files and
/// filter, so that everything after sees one filter and one list of files.
std::vector<std::string> fold_tcpdump_inputs(Options& o) {
    std::vector<std::string> errors;
    if (!o.file_list.empty()) {
        read_file_list(o, errors);
    }
    const int sources = static_cast<int>(!o.filter.empty()) +
                        static_cast<int>(!o.filter_file.empty()) +
                        static_cast<int>(!o.expression.empty());
    if (sources > 1) {
        errors.emplace_back(
            "give the filter once: -f EXPR, -F FILE or an expression after the options");
    } else if (!o.filter_file.empty()) {
        read_filter_file(o, errors);
    } else if (!o.expression.empty()) {
        o.filter = fmt::format("{}", fmt::join(o.expression, " "));
        o.filter_origin = "the filter expression";
    }
    return errors;
}

std::vector<std::string> validate_flags(const Options& o) {
    std::vector<std::string> errors;
    if (!o.check_config && o.read_files.empty() && o.interfaces.empty()) {
        errors.emplace_back("nothing to do: give -r FILE or -i IFACE (see --help)");
    }
    if (!o.read_files.empty() && !o.interfaces.empty()) {
        errors.emplace_back(
            "-r and -i cannot be combined: replay and live capture are separate runs");
    }
    if (o.workers > 1 && !o.read_files.empty()) {
        errors.push_back(fmt::format(
            "--workers {}: only for live capture (-i); a replay runs on one thread, so that its "
            "output is the same on every run",
            o.workers));
    }
    if (!o.filter.empty() && o.all_traffic) {
        errors.push_back(o.filter_origin + " and --all-traffic cannot be combined");
    }
    if (!o.filter.empty()) {
        if (auto err = capture::check_filter(o.filter)) {
            errors.push_back(o.filter_origin + " \"" + o.filter + "\": " + *err);
        }
    }
    if (!o.user.empty() && !app::user_exists(o.user)) {
        errors.push_back("--user " + o.user + ": no such user");
    }
    if (!o.metrics_addr.empty() && o.metrics_addr.find(':') == std::string::npos) {
        errors.push_back("--metrics " + o.metrics_addr +
                         ": expected ADDR:PORT, e.g. 127.0.0.1:10961");
    }
    for (auto& e : app::check_output_flags(o.outputs)) {
        errors.push_back(std::move(e));
    }
    return errors;
}

std::string input_name(const std::string& path) {
    return path == "-" ? std::string("stdin") : std::filesystem::path(path).filename().string();
}

/// A live sensor's hash key (PipelineOptions::hash_seed), drawn from the kernel's random pool.
std::uint64_t random_hash_seed() {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32U) ^ rd();
}

/// The sensor's identity for flow ids: its name (sensor.name, by default the host name).
std::uint64_t sensor_salt(const std::string& name) {
    return core::fnv1a_bytes(reinterpret_cast<const std::uint8_t*>(name.data()),  // NOLINT
                             name.size(), 0x5e05) |
           1;
}

/// Writes --state now; a failure is logged, never fatal (the next write may succeed).
void save_state_now(const Options& o, app::Pipeline& pipeline) {
    if (o.state_path.empty()) {
        return;
    }
    try {
        app::save_state(o.state_path, pipeline.detector().inventory());
    } catch (const std::exception& e) {
        spdlog::error("--state {}: {}", o.state_path, e.what());
    }
}

/// The config file and the flags, with every error of both reported at once.
std::optional<core::SensorConfig> load_configuration(Options& o) {
    core::SensorConfig config;
    std::vector<std::string> errors = fold_tcpdump_inputs(o);
    if (!o.config_path.empty()) {
        auto loaded = app::load_config_file(o.config_path);
        if (loaded) {
            config = std::move(*loaded);
        } else {
            errors = loaded.error();
        }
    }
    auto flag_errors = validate_flags(o);
    errors.insert(errors.end(), flag_errors.begin(), flag_errors.end());
    for (const auto& e : errors) {
        spdlog::error("{}", e);
    }
    return errors.empty() ? std::optional(std::move(config)) : std::nullopt;
}

/// Installs the capture filter on every source; returns a description of it for the log.
std::string install_filters(const Options& o, const core::PortMap& ports,
                            std::vector<capture::PcapSource>& sources) {
    std::string filter_summary = "(none)";
    const auto prefilter = std::make_shared<const capture::PortPrefilter>(ports);
    for (auto& s : sources) {
        if (o.all_traffic) {
            continue;
        }
        if (!o.filter.empty()) {
            s.set_filter(o.filter, "-f");
            filter_summary = o.filter;
        } else {
            // Per link type: VLAN-aware on Ethernet (a pcapng file may mix link types).
            filter_summary = app::default_filter(ports, s.link() == core::LinkType::Ethernet);
            s.set_filter(
                [ports](core::LinkType link) {
                    return app::default_filter(ports, link == core::LinkType::Ethernet);
                },
                "default filter");
            s.set_prefilter(prefilter);
        }
    }
    return filter_summary;
}

/// Opens every input before any is processed, so a typo fails fast (exit 1), and installs the
/// capture filter: the replayed files, or the interfaces for each of o.workers workers (with
/// more than one, each interface's sockets share a fanout group). Returns one list of sources
/// per worker.
std::vector<std::vector<capture::PcapSource>> open_inputs(const Options& o,
                                                          const core::PortMap& ports,
                                                          std::string& filter_summary) {
    std::vector<std::vector<capture::PcapSource>> workers(o.interfaces.empty() ? 1 : o.workers);
    for (const auto& f : o.read_files) {
        workers.front().push_back(capture::PcapSource::open_offline(
            f, o.libpcap_reader ? capture::OfflineReader::Libpcap : capture::OfflineReader::Own));
    }
    for (std::size_t w = 0; w < workers.size() && !o.interfaces.empty(); ++w) {
        for (std::size_t i = 0; i < o.interfaces.size(); ++i) {
            capture::LiveOptions live;
            live.fanout = workers.size() > 1;
            if (w > 0) {
                live.fanout_group = workers.front()[i].fanout_group();
            }
            workers[w].push_back(capture::PcapSource::open_live(o.interfaces[i], live));
        }
    }
    for (auto& sources : workers) {
        filter_summary = install_filters(o, ports, sources);
    }
    return workers;
}

void register_process_metrics(core::Stats& stats) {
    stats.set(stats.series(stats.family(core::Metric::BuildInfo),
                           {{"version", kVersion}, {"commit", kCommit}}),
              1);
    // The EVE sink's error series exists even without --eve, so dashboards always find it.
    stats.series(stats.family(core::Metric::OutputErrors), {{"sink", "eve"}});
}

/// SIGHUP: a new config for allow-lists and thresholds; a bad file keeps the old one.
void reload(const Options& o, core::SensorConfig& config,
            const std::vector<std::unique_ptr<app::Pipeline>>& pipelines, const app::Outputs& out) {
    // File outputs first, and whatever the config says: logrotate has moved the EVE file and
    // sent SIGHUP. (The metrics and state files are replaced by rename at every write, so a
    // rotation needs nothing of them.)
    out.reopen_files();
    if (o.config_path.empty()) {
        return;
    }
    const auto reject = [&](const std::string& why) {
        spdlog::error("reload rejected: {}", why);
        out.status("reload rejected: " + why);
    };
    auto loaded = app::load_config_file(o.config_path);
    if (!loaded) {
        for (const auto& e : loaded.error()) {
            reject(e);
        }
        return;
    }
    if (const auto keys = app::restart_only_changes(config, *loaded); !keys.empty()) {
        // Applying part of a config would leave the sensor running what nobody configured.
        reject(fmt::format("{} changed: restart needed; the running configuration is kept",
                           fmt::join(keys, ", ")));
        return;
    }
    config = std::move(*loaded);  // the pipelines hold a reference to this object
    for (const auto& pipeline : pipelines) {
        pipeline->reconfigure(config);
    }
    spdlog::info("configuration reloaded from {}", o.config_path);
    out.status("configuration reloaded from " + o.config_path);
}

/// --state and --metrics-file are written later by an atomic replace (a temporary file in the
/// same directory, then a rename), at exit or every minute. Their directories must be writable
/// by the user the sensor runs as: checked at start, after the privilege drop, so that a sensor
/// that cannot save fails now with the path named, not hours later at exit.
bool outputs_writable(const Options& o) {
    const std::string who = o.user.empty() ? std::string() : " by user " + o.user;
    const std::array<std::pair<std::string_view, const std::string*>, 3> outputs{
        {{"--state", &o.state_path},
         {"--metrics-file", &o.metrics_file},
         {"--report", &o.report_path}}};
    bool ok = true;
    for (const auto& [flag, path] : outputs) {
        const auto parent = std::filesystem::path(*path).parent_path();
        const std::string dir = parent.empty() ? "." : parent.string();
        if (!path->empty() && ::access(dir.c_str(), W_OK | X_OK) != 0) {
            spdlog::error("{} {}: directory {} is not writable{}: {}", flag, *path, dir, who,
                          core::errno_text(errno));
            ok = false;
        }
    }
    return ok;
}

/// --state at start: learned state back, or a corrupt file moved aside with a warning.
void load_state_file(const Options& o, app::Pipeline& pipeline, const app::Outputs& out) {
    if (o.state_path.empty()) {
        return;
    }
    const auto loaded = app::load_state(o.state_path, pipeline.detector().inventory());
    if (loaded.outcome == app::StateLoad::Outcome::MovedAside) {
        const auto why = fmt::format("--state {}: {}: moved aside to {}, starting fresh",
                                     o.state_path, loaded.reason, loaded.moved_to);
        spdlog::warn("{}", why);
        out.status(why);
    }
}

/// Capture drops as the kernel and the interface report them, for the operator's log at exit:
/// per interface, the kernel's drops of every worker's socket added up; the interface's own
/// drops are one figure, whichever socket reads them.
void report_drops(const std::vector<app::LiveWorker>& workers) {
    for (std::size_t i = 0; i < workers.front().sources.size(); ++i) {
        std::optional<capture::CaptureCounters> total;
        for (const auto& w : workers) {
            if (auto c = w.sources[i].counters()) {
                total = total.value_or(capture::CaptureCounters{});
                total->kernel_drops += c->kernel_drops;
                total->interface_drops = std::max(total->interface_drops, c->interface_drops);
            }
        }
        if (total) {
            spdlog::info("capture on {}: {} kernel drops, {} interface drops",
                         workers.front().sources[i].name(), total->kernel_drops,
                         total->interface_drops);
        }
    }
}

/// SIGTERM or end of replay: settle, flush every sink, write metrics and state. Workers end
/// one by one; the last to end is one that saw packets, and closes the run for all.
void shut_down(const Options& o, const std::vector<std::unique_ptr<app::Pipeline>>& pipelines,
               const core::Stats& stats, app::Outputs& out, exporters::ProcessMetrics& process) {
    std::size_t last = 0;
    for (std::size_t i = 0; i < pipelines.size(); ++i) {
        if (pipelines[i]->started() &&
            (!pipelines[last]->started() || pipelines[i]->now() >= pipelines[last]->now())) {
            last = i;
        }
    }
    for (std::size_t i = 0; i < pipelines.size(); ++i) {
        if (i != last) {
            pipelines[i]->finish(false);
        }
    }
    app::Pipeline& pipeline = *pipelines[last];
    pipeline.finish();
    out.status("printwatch stopping");
    out.finish();
    if (!o.metrics_file.empty()) {
        process.refresh();
        exporters::write_file_atomically(o.metrics_file, exporters::render_metrics_text(stats));
    }
    if (!o.state_path.empty()) {
        app::save_state(o.state_path, pipeline.detector().inventory());
    }
}

/// --check-config: the config and flags were checked by now; the state file too.
int check_only(const Options& o) {
    if (!o.state_path.empty()) {
        if (auto why = app::check_state(o.state_path)) {
            spdlog::error("--state {}: {} (printwatch would move it aside and start fresh)",
                          o.state_path, *why);
            return kExitUsage;
        }
    }
    spdlog::info("configuration OK{}", o.config_path.empty() ? " (built-in defaults)" : "");
    return kExitOk;
}

/// Names each input for metrics (interface, or the file's base name) and events (a replay's
/// pcap_filename, as given to -r).
void register_inputs(const Options& o, std::vector<capture::PcapSource>& sources,
                     app::Pipeline& pipeline) {
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (sources[i].live()) {
            sources[i].set_interface_index(pipeline.add_interface(sources[i].name()));
            continue;
        }
        const auto& path = o.read_files[i];
        sources[i].set_interface_index(
            pipeline.add_interface(input_name(path), path == "-" ? std::string("stdin") : path));
    }
}

/// After the run: the summary for a person (stdout, or stderr when EVE has stdout) and the
/// --report page.
void write_summary(const Options& o, const exporters::Summary& summary, const core::Stats& stats,
                   std::uint64_t packets) {
    exporters::Summary::RunInfo run;
    run.inputs = o.interfaces.empty() ? o.read_files : o.interfaces;
    run.packets = packets;
    if (o.wants_summary()) {
        const auto& eve = o.outputs.eve;
        std::FILE* to = std::find(eve.begin(), eve.end(), "-") != eve.end() ? stderr : stdout;
        static_cast<void>(
            std::fputs(exporters::render_summary_text(summary, stats, run).c_str(), to));
    }
    if (!o.report_path.empty()) {
        exporters::write_file_atomically(o.report_path,
                                         exporters::render_report_html(summary, stats, run));
        spdlog::info("--report {}: written", o.report_path);
    }
}

int run(Options o) {
    auto config = load_configuration(o);
    if (!config) {
        return kExitUsage;
    }
    if (o.check_config) {
        return check_only(o);
    }
    std::string filter_summary;
    auto worker_sources =
        open_inputs(o, core::PortMap(dissectors::services(), config->ports), filter_summary);
    core::Stats stats;
    register_process_metrics(stats);
    exporters::ProcessMetrics process(stats, o.interfaces);
    app::Outputs out(o.outputs, *config, stats);
    app::PipelineOptions options;
    options.all_traffic = o.all_traffic;
    if (!o.interfaces.empty()) {
        options.flow_id_salt =
            sensor_salt(config->sensor.name);  // live: two sensors give one flow two ids
        options.hash_seed = random_hash_seed();
    }
    const bool threaded = worker_sources.size() > 1;
    app::SerializedSink serialized(out.events());
    core::EventSink& events = threaded ? serialized : out.events();
    if (threaded) {
        options.detection =
            std::make_shared<detect::DetectionState>(*config, stats, options.hash_seed);
        options.detection->threaded = true;
        options.stats_deadline = std::make_shared<std::atomic<std::int64_t>>(INT64_MIN);
    }
    std::vector<std::unique_ptr<app::Pipeline>> pipelines;
    for (auto& sources : worker_sources) {
        pipelines.push_back(
            std::make_unique<app::Pipeline>(*config, stats, events, dissectors::all(), options));
        register_inputs(o, sources, *pipelines.back());
    }
    app::Pipeline& pipeline = *pipelines.front();  // the detection state is every worker's
    std::unique_ptr<exporters::Summary> summary;
    if (o.wants_summary() || !o.report_path.empty()) {
        summary = std::make_unique<exporters::Summary>(config->limits.printers);
        pipeline.detector().set_attempt_observer(summary.get());
    }
    load_state_file(o, pipeline, out);
    const bool live_capture = !o.interfaces.empty();
    const std::string metrics_addr =
        !o.metrics_addr.empty() ? o.metrics_addr : (live_capture ? "127.0.0.1:10961" : "");
    std::unique_ptr<exporters::PrometheusEndpoint> endpoint;
    if (!metrics_addr.empty()) {
        endpoint = std::make_unique<exporters::PrometheusEndpoint>(
            metrics_addr, stats, [&process] { process.refresh(); });
    }
    if (!o.user.empty()) {  // everything privileged is open by now
        app::drop_privileges(o.user);
        spdlog::info("running as {}", o.user);
    }
    if (!outputs_writable(o)) {
        return kExitRuntime;
    }
    install_signal_handlers();
    out.status(fmt::format("printwatch {} started on {}", kVersion,
                           fmt::join(live_capture ? o.interfaces : o.read_files, ",")));
    bool any_error = false;
    std::uint64_t packets = 0;
    if (live_capture) {
        spdlog::info("capturing on {} with filter: {}{}", fmt::join(o.interfaces, ","),
                     filter_summary,
                     threaded ? fmt::format(" ({} workers)", pipelines.size()) : std::string());
        std::vector<app::LiveWorker> workers;
        for (std::size_t w = 0; w < pipelines.size(); ++w) {
            workers.push_back(app::LiveWorker{std::move(worker_sources[w]), pipelines[w].get()});
        }
        const auto save = [&] { save_state_now(o, pipeline); };
        app::LiveHooks hooks;
        hooks.stop_requested = [] { return g_stop != 0; };
        hooks.take_reload = [] {
            const bool asked = g_reload != 0;
            g_reload = 0;
            return asked;
        };
        hooks.reload = [&] {
            reload(o, *config, pipelines, out);
            save();
        };
        hooks.save_state = save;
        app::run_live(workers, events, stats, hooks);
        report_drops(workers);
    } else {
        packets =
            app::replay(o.read_files, worker_sources.front(), pipeline, stats, g_stop, any_error);
    }
    shut_down(o, pipelines, stats, out, process);
    if (summary) {
        write_summary(o, *summary, stats, packets);
    }
    if (!live_capture && any_error && packets == 0) {
        spdlog::error("no packet could be read");
        return kExitRuntime;
    }
    return kExitOk;
}

}  // namespace

namespace {
/// "raw (pjl/postscript/pcl), bjnp (bjnp), ...": the registered protocols and their records.
std::string protocols_summary() {
    std::string out;
    for (const auto* info : printwatch::dissectors::all()) {
        out += out.empty() ? "" : ", ";
        out += std::string(info->name) + " (";
        for (std::size_t i = 0; i < info->record_types.size(); ++i) {
            out += (i > 0 ? "/" : "") + std::string(info->record_types[i]);
        }
        out += ")";
    }
    return out;
}
}  // namespace

int checked_main(int argc, char** argv) {
    auto logger = spdlog::stderr_color_mt("printwatch");
    logger->set_pattern("printwatch: %^%l%$: %v");
    spdlog::set_default_logger(logger);

    Options o;
    CLI::App cli{"printwatch: passive sensor for printer services: " + protocols_summary()};
    cli.set_version_flag("--version",
                         std::string("printwatch ") + kVersion + " (commit " + kCommit + ")");
    // Placeholders say what each value is (FILE, BPF, ADDR:PORT), as tcpdump's usage does.
    cli.add_option("-r,--read", o.read_files,
                   "Replay a pcap/pcapng file ('-' = stdin); repeatable")
        ->type_name("FILE")
        ->allow_extra_args(false);  // the words after it are the filter expression
    cli.add_option("-V", o.file_list, "Replay the capture files listed in FILE, one per line")
        ->type_name("FILE");
    cli.add_option("-i,--interface", o.interfaces, "Capture live on an interface; repeatable")
        ->type_name("IFACE")
        ->allow_extra_args(false);  // the words after it are the filter expression
    cli.add_option("-c,--config", o.config_path, "YAML configuration file")->type_name("FILE");
    cli.add_option("-f,--filter", o.filter,
                   "BPF capture filter (default: printer ports, VLAN-aware)")
        ->type_name("BPF");
    cli.add_option("-F", o.filter_file, "Read the BPF capture filter from FILE")->type_name("FILE");
    cli.add_option("expression", o.expression,
                   "BPF capture filter after the options, as tcpdump takes it")
        ->type_name("BPF");
    cli.add_flag("--all-traffic", o.all_traffic,
                 "No capture filter; recognise every registered protocol on any port");
    cli.add_option("--workers", o.workers,
                   "Live capture on N threads, each with its own flows: the kernel spreads each "
                   "interface's packets over them by host pair (PACKET_FANOUT)")
        ->type_name("N")
        ->check(CLI::Range(1U, 64U));
    cli.add_flag("--libpcap-reader", o.libpcap_reader,
                 "Replay files through libpcap's reader instead of printwatch's own (the same "
                 "output; for comparison)");
    cli.add_option("--eve", o.outputs.eve,
                   "Write EVE JSON lines to FILE ('-' = stdout) or to the Redis stream "
                   "redis://HOST:PORT/KEY; repeatable")
        ->type_name("FILE|URL")
        ->allow_extra_args(false);
    cli.add_option(
           "--eve-types", o.outputs.eve_types,
           fmt::format("Only these event types in EVE ({})", fmt::join(app::eve_types(), ",")))
        ->type_name("TYPE,...")
        ->allow_extra_args(false)
        ->delimiter(',');
    cli.add_option("--metrics", o.metrics_addr,
                   "Serve Prometheus /metrics on ADDR:PORT (live default 127.0.0.1:10961)")
        ->type_name("ADDR:PORT");
    cli.add_option("--metrics-file", o.metrics_file,
                   "Write final metrics in Prometheus text format on exit")
        ->type_name("FILE");
    cli.add_option("--state", o.state_path, "Persist learned printers and clients in FILE")
        ->type_name("FILE");
    cli.add_option("--syslog", o.outputs.syslog_url,
                   "RFC 5424 alerts to unix:///dev/log, udp://HOST:PORT, tcp://HOST:PORT or "
                   "relp://HOST:PORT (acknowledged)")
        ->type_name("URL");
    cli.add_option("--user", o.user, "Drop root for USER once the capture is open")
        ->type_name("USER");
    cli.add_flag("--summary", o.summary,
                 "After the run, print per printer and service reached from outside its "
                 "attempts and verdict, the top sources and alerts by kind (the default for a "
                 "replay with no output)");
    cli.add_option("--report", o.report_path,
                   "Write the summary as one self-contained HTML page, with a timeline per "
                   "printer and service")
        ->type_name("FILE");
    cli.add_flag("--check-config", o.check_config,
                 "Validate the config and flags, then exit 0 or 2");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = cli.exit(e);
        return rc == 0 ? kExitOk : kExitUsage;
    }
    try {
        return run(o);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitRuntime;
    }
}

int main(int argc, char** argv) {
    try {
        return checked_main(argc, argv);
    } catch (const std::exception& e) {  // logger setup itself failed: no spdlog to report with
        static_cast<void>(std::fprintf(stderr, "printwatch: error: %s\n", e.what()));
        return kExitRuntime;
    }
}
