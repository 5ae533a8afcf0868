#!/usr/bin/env python3
"""The whole benchmark in one run, on the same files (issue 9): the bare libpcap loop
(pcap_floor, with and without touching the bytes), tcpdump with printwatch's default filter,
printwatch in both modes (its own reader, and libpcap's for comparison), and a SYN flood.
Makes the captures when missing, checks the attempt counts against their ground truth, and
prints a table plus JSON: wall, CPU, peak RSS and packets/s, each as a ratio to the floor and
to tcpdump. Medians of --runs rounds, each running every row once. Not a pass/fail test; the
only code that reads ../shared.

    bench/run_bench.py [--packets 1500000] [--seed 1] [--flood 5000000] [--runs 5]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "bench")
OUT = os.path.join(ROOT, "build", "bench")
BIN = os.path.join(ROOT, "build", "release", "printwatch")


def default_filter():
    """printwatch's default BPF for the default ports of every registered protocol
    (sensor/app/bpf.cpp, docs/spec.md §5), as `printwatch -i lo` logs it at start."""
    base = ("(tcp port 515 or tcp port 631 or tcp portrange 8611-8614 or tcp port 9100"
            " or udp portrange 8611-8614"
            " or icmp[icmptype] == icmp-unreach or (icmp6 and ip6[40] == 1)"
            " or (ip6 and not (ip6 proto 6 or ip6 proto 17 or ip6 proto 58)))")
    return f"{base} or (vlan and ({base} or (vlan and {base})))"


def measure(cmd):
    """Wall seconds, CPU seconds and peak RSS (KiB) of one run of `cmd`."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)}: exit {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def summary(samples):
    return {"wall_s": statistics.median(s[0] for s in samples),
            "cpu_s": statistics.median(s[1] for s in samples),
            "peak_rss_mib": max(s[2] for s in samples) / 1024}


def attempts(prom, service="raw", outcome=None):
    total = 0
    for m in re.finditer(r'^printwatch_inbound_attempts_total\{service="([^"]+)",outcome="([^"]+)"\} (\d+)',
                         open(prom).read(), re.M):
        if m.group(1) == service and (outcome is None or m.group(2) == outcome):
            total += int(m.group(3))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=1_500_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--flood", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["cmake", "--preset", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", "--preset", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    floor_bin = os.path.join(OUT, "pcap_floor")
    subprocess.run(["gcc", "-O2", "-o", floor_bin, os.path.join(SHARED, "pcap_floor.c"), "-lpcap"], check=True)
    bench = os.path.join(OUT, f"bench-{a.packets}-{a.seed}.pcap")
    if not os.path.exists(bench):
        subprocess.run(["/usr/bin/python3", os.path.join(SHARED, "make_bench_pcap.py"), "--packets", str(a.packets),
                        "--seed", str(a.seed), "--out", bench], check=True, stdout=subprocess.DEVNULL)
    flood = os.path.join(OUT, f"flood-{a.flood}.pcap")
    if not os.path.exists(flood):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "make_flood.py"), "--packets", str(a.flood),
                        "--out", flood], check=True)
    cfg = os.path.join(OUT, "bench.yaml")
    open(cfg, "w").write("home_net: [10.0.0.0/8]\n")
    truth = json.load(open(bench + ".truth.json"))
    flood_truth = json.load(open(flood + ".truth.json"))
    for f in (bench, flood):
        subprocess.run(["cat", f], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    prom = os.path.join(OUT, "m.prom")

    def pw(path, *extra):
        return [BIN, "-r", path, "-c", cfg, "--metrics-file", prom, *extra]
    rows = [
        ("floor: bare libpcap loop", bench, [floor_bin, bench]),
        ("floor: libpcap loop touching every byte", bench, [floor_bin, bench, "touch"]),
        ("tcpdump, printer BPF, -w /dev/null", bench, ["tcpdump", "-r", bench, "-w", "/dev/null", default_filter()]),
        ("printwatch, default filter", bench, pw(bench)),
        ("printwatch, default filter, libpcap's reader", bench, pw(bench, "--libpcap-reader")),
        ("printwatch --all-traffic", bench, pw(bench, "--all-traffic")),
        ("printwatch --all-traffic, libpcap's reader", bench, pw(bench, "--all-traffic", "--libpcap-reader")),
        ("flood: floor (bare libpcap loop)", flood, [floor_bin, flood]),
        ("flood: tcpdump, printer BPF", flood, ["tcpdump", "-r", flood, "-w", "/dev/null", default_filter()]),
        ("flood: printwatch, default filter", flood, pw(flood)),
    ]
    # Round-robin: each round runs every row once, so that a slow spell of the machine (they
    # last seconds to minutes here) lands on every row alike instead of on a few of them.
    samples = {name: [] for name, _, _ in rows}
    counts = {}
    for round_no in range(a.runs):
        for name, path, cmd in rows:
            samples[name].append(measure(cmd))
            if name == "printwatch, default filter":
                counts["bench_tcp_9100"] = (attempts(prom), truth["alert_tcp_syn_9100_from_outside"])
            if name == "flood: printwatch, default filter":
                counts["flood_attempts"] = (attempts(prom), flood_truth["attempts_total"])
                counts["flood_accepted"] = (attempts(prom, outcome="accepted"), flood_truth["accepted"])
        print(f"  round {round_no + 1} of {a.runs} done", file=sys.stderr)
    results = []
    for name, path, _ in rows:
        r = summary(samples[name])
        r["name"] = name
        r["packets"] = truth["packets"] if path == bench else flood_truth["packets"]
        r["packets_per_s"] = r["packets"] / r["wall_s"]
        results.append(r)
    base = {p: next(r for r in results if r["name"] == n) for p, n in
            ((bench, "floor: bare libpcap loop"), (flood, "flood: floor (bare libpcap loop)"))}
    tcpd = {p: next(r for r in results if r["name"] == n) for p, n in
            ((bench, "tcpdump, printer BPF, -w /dev/null"), (flood, "flood: tcpdump, printer BPF"))}
    for (name, path, _), r in zip(rows, results):
        r["wall_vs_floor"] = r["wall_s"] / base[path]["wall_s"]
        r["cpu_vs_floor"] = r["cpu_s"] / max(base[path]["cpu_s"], 1e-9)
        r["wall_vs_tcpdump"] = r["wall_s"] / tcpd[path]["wall_s"]
    print(f"{'run':46} {'wall s':>7} {'cpu s':>7} {'RSS MiB':>8} {'Mpkt/s':>7} {'x floor':>8} {'x tcpdump':>9}")
    for r in results:
        print(f"{r['name']:46} {r['wall_s']:7.3f} {r['cpu_s']:7.3f} {r['peak_rss_mib']:8.1f} "
              f"{r['packets_per_s'] / 1e6:7.2f} {r['wall_vs_floor']:8.2f} {r['wall_vs_tcpdump']:9.2f}")
    ok = all(got == want for got, want in counts.values())
    for k, (got, want) in counts.items():
        print(f"{k}: {got} (ground truth {want}){'' if got == want else '  MISMATCH'}")
    report = {"packets": a.packets, "seed": a.seed, "flood": a.flood, "runs": a.runs, "results": results,
              "counts": {k: {"printwatch": g, "truth": w} for k, (g, w) in counts.items()}, "counts_ok": ok}
    json.dump(report, open(os.path.join(OUT, "results.json"), "w"), indent=1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
