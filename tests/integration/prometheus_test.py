#!/usr/bin/python3
"""Integration test: a real Prometheus (private config, 127.0.0.1 only) scrapes two live
sensors, each capturing on its own veth pair fed by tcpreplay from a test namespace.

- The query API returns printwatch_inbound_attempts_total with the values of the replayed
  capture, per sensor (the multi-sensor case), and the exposure gauge of the exposed printers.
- `promtool check metrics` is clean on the endpoint's output.
- Every metric name used in a dashboard panel query exists in the sensor's output.
usage: prometheus_test.py PRINTWATCH REPO_ROOT
"""
import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
WORK = h.workdir("prom")
procs = h.Processes()
CASES = ["inbound-outcomes", "alert-flood"]
EXPECTED_ATTEMPTS = {"inbound-outcomes": 8, "alert-flood": 30}


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
        h.check("every metric of SPEC §7 is served", not absent, str(absent))
finally:
    procs.stop_all()
h.finish()
