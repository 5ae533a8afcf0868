#!/usr/bin/python3
"""Integration test: a real Prometheus (private config, 127.0.0.1 only) scrapes two live
sensors, each capturing on its own veth pair fed by tcpreplay from a test namespace.

- The query API returns printwatch_inbound_attempts_total with the values of the replayed
  capture, per sensor (the multi-sensor case), and the exposure gauge of the exposed printers.
- `promtool check metrics` is clean on the endpoint's output.
- Every metric name used in a dashboard panel query exists in the sensor's output.
- Scrape storm: thousands of scrapes from 8 threads while tcpreplay teaches a third sensor
  400 new printers (each registers per-printer series while /metrics is being read). Every
  scrape is complete, the counts are right afterwards, and the sensor exits cleanly; in the
  tsan build, TSan reports nothing (it would print a WARNING and exit 66).
usage: prometheus_test.py PRINTWATCH REPO_ROOT
"""
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
WORK = h.workdir("prom")
procs = h.Processes()
CASES = ["inbound-outcomes", "alert-flood"]
EXPECTED_ATTEMPTS = {"inbound-outcomes": 8, "alert-flood": 30}


STORM_ROUNDS = 5
STORM_PRINTERS = 400  # per round, each round new printers: 2,000 in all (limits.printers 4096)
STORM_SCRAPES = 2000
SAMPLE = re.compile(r"^[a-z_:]+(\{[^}]*\})? (-?[0-9.e+]+|Nan|[+-]Inf)$")


def storm_capture(path, rnd):
    """SYNs from outside to 400 new printers on 9100, each answered by a SYN-ACK: 400 exposed
    printers, so 400 rounds of per-printer series registration during the replay."""
    from scapy.all import IP, TCP, Ether, wrpcap  # noqa: PLC0415 - only this check needs scapy
    pkts = []
    for i in range(STORM_PRINTERS):
        n = rnd * STORM_PRINTERS + i
        printer = f"10.9.{n // 250}.{n % 250 + 1}"
        client = f"198.51.100.{i % 200 + 1}"
        syn = Ether() / IP(src=client, dst=printer) / TCP(sport=40000 + i, dport=9100, flags="S", seq=1)
        ack = Ether() / IP(src=printer, dst=client) / TCP(sport=9100, dport=40000 + i, flags="SA", seq=7, ack=2)
        pkts += [syn, ack]
    wrpcap(path, pkts)


def complete_scrape(text):
    lines = text.splitlines()
    return (text.endswith("\n") and any(x.startswith("printwatch_build_info{") for x in lines)
            and all(x.startswith("# ") or SAMPLE.match(x) for x in lines))


def scrape_storm(port, stop, results):
    while not stop.is_set():
        try:
            results.append(complete_scrape(h.http_get(f"http://127.0.0.1:{port}/metrics", timeout=10)))
        except Exception:  # noqa: BLE001 - a failed scrape is what the check counts
            results.append(False)


def query(prom_port, expr):
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?query=" + urllib.parse.quote(expr)
    data = json.loads(h.http_get(url))
    return data["data"]["result"] if data.get("status") == "success" else None


try:
    with h.veth_namespace("prom", pairs=2) as (ns, links):
        ports = [h.free_port() for _ in links]
        sensors = []
        for (a, _), port, case in zip(links, ports, CASES):
            sensors.append(procs.start([BIN, "-i", a, "-c", os.path.join(ROOT, "pcaps", case, "config.yaml"),
                                        "--metrics", f"127.0.0.1:{port}"]))
        for port in ports:
            h.check(f"sensor on :{port} serves /metrics",
                    h.wait_for(lambda: "printwatch_build_info" in h.http_get(f"http://127.0.0.1:{port}/metrics"), timeout=15))
        prom_port = h.free_port()
        with open(os.path.join(WORK, "prometheus.yml"), "w") as f:
            f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                    "scrape_configs:\n  - job_name: printwatch\n    static_configs:\n"
                    f"      - targets: [{', '.join(repr(f'127.0.0.1:{p}') for p in ports)}]\n")
        procs.start(["prometheus", f"--config.file={WORK}/prometheus.yml", f"--storage.tsdb.path={WORK}/tsdb",
                     f"--web.listen-address=127.0.0.1:{prom_port}"])
        h.check("prometheus ready", h.wait_for(lambda: h.http_get(f"http://127.0.0.1:{prom_port}/-/ready"), timeout=30))
        for (_, b), case in zip(links, CASES):
            r = h.tcpreplay(ns, b, os.path.join(ROOT, "pcaps", case, "input.pcap"), ["--topspeed"])
            h.check(f"tcpreplay {case}", r.returncode == 0, r.stderr)
        for port, case in zip(ports, CASES):
            expr = f'sum(printwatch_inbound_attempts_total{{instance="127.0.0.1:{port}"}})'
            want = EXPECTED_ATTEMPTS[case]
            got = h.wait_for(lambda: (res := query(prom_port, expr)) and float(res[0]["value"][1]) == want and res, timeout=40)
            seen = query(prom_port, expr)
            h.check(f"query API: {case} sensor has {want} inbound attempts",
                    got, f"got {seen[0]['value'][1] if seen else 'nothing'}")
        exposed = query(prom_port, f'printwatch_printer_exposed{{instance="127.0.0.1:{ports[0]}"}} == 1') or []
        names = sorted(s["metric"]["printer"] for s in exposed)
        h.check("query API: exposure gauge of both exposed printers", names == ["10.1.0.50", "canon-lab"], str(names))
        both = query(prom_port, 'count(up{job="printwatch"} == 1)')
        h.check("multi-sensor: both sensors up in one Prometheus", both and both[0]["value"][1] == "2")

        text = h.http_get(f"http://127.0.0.1:{ports[0]}/metrics")
        r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
        h.check("promtool check metrics is clean", r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
                r.stdout + r.stderr)
        names_out = set(re.findall(r"^(printwatch_[a-z_]+)", text, re.M))
        dash = json.load(open(os.path.join(ROOT, "deploy", "grafana", "printwatch.json")))
        used = set()
        for panel in dash["panels"]:
            for t in panel.get("targets", []):
                used |= set(re.findall(r"printwatch_[a-z_]+", t["expr"]))
        missing = sorted(used - names_out)
        h.check(f"dashboard: all {len(used)} metric names in panel queries exist in the sensor output",
                used and not missing, str(missing))
        spec = ["build_info", "capture_packets_total", "capture_kernel_drops_total", "capture_interface_drops_total",
                "decode_errors_total", "flows_active", "flow_evictions_total", "inbound_attempts_total", "alerts_total",
                "alerts_suppressed_total", "dissector_errors_total", "printers_known", "clients_known",
                "printer_exposed", "printer_last_inbound_attempt_timestamp_seconds", "output_errors_total",
                "last_packet_timestamp_seconds"]
        absent = [m for m in spec if f"printwatch_{m}" not in names_out]
        h.check("every metric of docs/spec.md §7 is served", not absent, str(absent))

    with h.veth_namespace("storm", pairs=1) as (ns, links):
        a, b = links[0]
        pcaps = [os.path.join(WORK, f"storm{r}.pcap") for r in range(STORM_ROUNDS)]
        for r, pcap in enumerate(pcaps):
            storm_capture(pcap, r)
        port = h.free_port()
        sensor = procs.start([BIN, "-i", a, "--metrics", f"127.0.0.1:{port}"])
        h.check("storm sensor serves /metrics",
                h.wait_for(lambda: "printwatch_build_info" in h.http_get(f"http://127.0.0.1:{port}/metrics"), timeout=30))
        quiet = h.http_get(f"http://127.0.0.1:{port}/metrics")
        h.check("before any traffic: printer_exposed has HELP and TYPE (no series yet)",
                "# TYPE printwatch_printer_exposed gauge" in quiet and "\nprintwatch_printer_exposed{" not in quiet)
        proc = [m for m in ("process_start_time_seconds", "process_cpu_seconds_total",
                            "process_resident_memory_bytes", "process_virtual_memory_bytes",
                            "process_open_fds", "process_max_fds") if f"\n{m} " not in quiet]
        h.check("process_* metrics as client libraries export them", not proc, str(proc))
        rss = re.search(r"^process_resident_memory_bytes (\S+)$", quiet, re.M)
        h.check("process_resident_memory_bytes is the real RSS (1-512 MiB)",
                rss and 1 << 20 < float(rss.group(1)) < 512 << 20, rss.group(1) if rss else "")
        h.check("build_info carries version and commit",
                re.search(r'^printwatch_build_info\{version="[^"]+",commit="(?:[0-9a-f]{7,}|unknown)"\} 1$', quiet, re.M),
                "\n".join(x for x in quiet.splitlines() if "build_info" in x))
        h.check("the mirror interface's own receive counter is exported",
                f'printwatch_interface_rx_packets_total{{interface="{a}"}}' in quiet)
        stop, results = threading.Event(), []
        threads = [threading.Thread(target=scrape_storm, args=(port, stop, results)) for _ in range(8)]
        for t in threads:
            t.start()
        replays_ok = all(h.tcpreplay(ns, b, pcap, ["--pps=200"]).returncode == 0 for pcap in pcaps)
        h.wait_for(lambda: len(results) >= STORM_SCRAPES, timeout=180)
        stop.set()
        for t in threads:
            t.join()
        h.check(f"storm: {STORM_ROUNDS} replays of {STORM_PRINTERS} new printers at 200 packets/s", replays_ok)
        ok = sum(results)
        h.check(f"storm: {len(results)} scrapes while the printers were learned, all complete",
                len(results) >= STORM_SCRAPES and ok == len(results), f"{ok} of {len(results)} complete")
        want = STORM_ROUNDS * STORM_PRINTERS

        def exposed_now():
            text = h.http_get(f"http://127.0.0.1:{port}/metrics")
            return len(re.findall(r"^printwatch_printer_exposed\{[^}]*\} 1$", text, re.M))
        h.wait_for(lambda: exposed_now() == want, timeout=20)  # the last packets may be in flight
        exposed = exposed_now()
        h.check(f"storm: all {want} printers are exposed afterwards", exposed == want, str(exposed))
        rc = procs.stop(sensor)
        err = sensor.stderr.read().decode(errors="replace")
        h.check("storm: the sensor exits 0 with no ThreadSanitizer report",
                rc == 0 and "ThreadSanitizer" not in err, f"exit {rc}: {err[-2000:]}")
finally:
    procs.stop_all()
h.finish()
