#!/usr/bin/python3
"""Live capture under load (issue 9): at which packet rate each of printwatch with one worker,
printwatch with two (--workers 2) and tcpdump starts to drop, on the same replay.

A veth pair joins the root namespace, where the capturing tool listens on the A end, to a
namespace made here, where tcpreplay sends the first --limit packets of the benchmark capture
out of the B end at each --rates value (packets/s; 0 = --topspeed). printwatch runs with
--all-traffic (no filter), tcpdump with none either (`-w /dev/null`), both with a 64 MiB ring.
A run's loss is what tcpreplay sent minus what the tool captured, so drops anywhere on the way
count. Prints a table and writes build/bench/live.json. Needs root; not a pass/fail test.

    bench/live_bench.py [--limit 300000] [--rates 100000,200000,300000,400000,0]
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "bench")
BIN = os.path.join(ROOT, "build", "release", "printwatch")
SHARED = os.path.join(ROOT, "..", "shared", "bench")


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def replay(ns, dev, pcap, limit, rate):
    speed = ["--topspeed"] if rate == 0 else [f"--pps={rate}"]
    r = sh("ip", "netns", "exec", ns, "tcpreplay", "-i", dev, f"--limit={limit}", *speed, pcap)
    sent = re.search(r"Actual: (\d+) packets", r.stdout)
    pps = re.search(r"Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps", r.stdout)
    return int(sent.group(1)), float(pps.group(1))


def run_printwatch(ns, a, b, pcap, limit, rate, workers):
    prom = os.path.join(OUT, "live.prom")
    if os.path.exists(prom):
        os.remove(prom)
    p = subprocess.Popen([BIN, "-i", a, "--all-traffic", "--workers", str(workers), "--metrics-file",
                          prom, "--metrics", "127.0.0.1:0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    sent, pps = replay(ns, b, pcap, limit, rate)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    p.wait(30)
    text = open(prom).read()
    got = re.search(rf'^printwatch_capture_packets_total\{{interface="{a}"\}} (\S+)', text, re.M)
    return sent, pps, int(float(got.group(1))) if got else 0


def run_tcpdump(ns, a, b, pcap, limit, rate):
    p = subprocess.Popen(["tcpdump", "-i", a, "-n", "-B", "65536", "-w", "/dev/null"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    sent, pps = replay(ns, b, pcap, limit, rate)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    got = re.search(r"(\d+) packets captured", err)
    return sent, pps, int(got.group(1)) if got else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=300_000)
    ap.add_argument("--rates", default="100000,200000,300000,400000,0")
    ap.add_argument("--packets", type=int, default=1_500_000, help="the benchmark capture to replay")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("live_bench.py: needs root (network namespaces, live capture)")
    subprocess.run(["cmake", "--preset", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", "--preset", "release", "--target", "printwatch"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    os.makedirs(OUT, exist_ok=True)
    pcap = os.path.join(OUT, f"bench-{a.packets}-1.pcap")
    if not os.path.exists(pcap):
        subprocess.run(["/usr/bin/python3", os.path.join(SHARED, "make_bench_pcap.py"), "--packets", str(a.packets),
                        "--seed", "1", "--out", pcap], check=True, stdout=subprocess.DEVNULL)
    ns, dev_a, dev_b = f"pwlive-{os.getpid()}", f"pwla{os.getpid() % 10000}", f"pwlb{os.getpid() % 10000}"
    rows = []
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", dev_a, "type", "veth", "peer", "name", dev_b)
        sh("ip", "link", "set", dev_b, "netns", ns)
        sh("ip", "link", "set", dev_a, "up")
        sh("ip", "-n", ns, "link", "set", dev_b, "up")
        sh("sysctl", "-q", "-w", f"net.ipv6.conf.{dev_a}.disable_ipv6=1", check=False)
        for rate in [int(r) for r in a.rates.split(",")]:
            for tool in ("printwatch --workers 1", "printwatch --workers 2", "tcpdump"):
                if tool == "tcpdump":
                    sent, pps, got = run_tcpdump(ns, dev_a, dev_b, pcap, a.limit, rate)
                else:
                    sent, pps, got = run_printwatch(ns, dev_a, dev_b, pcap, a.limit, rate, int(tool[-1]))
                rows.append({"tool": tool, "requested_pps": rate, "achieved_pps": pps, "sent": sent,
                             "captured": got, "lost": max(sent - got, 0)})
                r = rows[-1]
                print(f"{tool:24} {('top' if rate == 0 else rate):>8} -> {pps:>10.0f} pps: "
                      f"{got:>8} of {sent} captured, {r['lost']} lost", flush=True)
    finally:
        sh("ip", "netns", "del", ns, check=False)
        sh("ip", "link", "del", dev_a, check=False)
    print("\nhighest rate with nothing lost (packets/s achieved by tcpreplay):")
    summary = {}
    for tool in ("printwatch --workers 1", "printwatch --workers 2", "tcpdump"):
        clean = [r["achieved_pps"] for r in rows if r["tool"] == tool and r["lost"] == 0]
        lossy = [r["achieved_pps"] for r in rows if r["tool"] == tool and r["lost"] > 0]
        summary[tool] = {"max_clean_pps": max(clean, default=0), "min_lossy_pps": min(lossy, default=None)}
        print(f"  {tool:24} {max(clean, default=0):>10.0f}"
              + (f"   (first loss at {min(lossy):.0f})" if lossy else "   (no loss at any rate tried)"))
    json.dump({"limit": a.limit, "runs": rows, "summary": summary}, open(os.path.join(OUT, "live.json"), "w"),
              indent=2)


if __name__ == "__main__":
    main()
