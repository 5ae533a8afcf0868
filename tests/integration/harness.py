"""Shared helpers for the integration tests: real processes, private ports on 127.0.0.1, and
network namespaces that the test creates and removes. Nothing is sent to any other address.
Run with Debian's /usr/bin/python3 as root (network namespaces need it)."""
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

PASSED = []
FAILED = []


def check(name, condition, detail=""):
    (PASSED if condition else FAILED).append(name)
    print(("ok   " if condition else "FAIL ") + name + ("" if condition or not detail else f"\n     | {detail}"))
    sys.stdout.flush()


def finish():
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    sys.exit(1 if FAILED else 0)


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=20.0, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception:  # noqa: BLE001 - the service may not be up yet
            pass
        time.sleep(interval)
    return None


def http_get(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Processes:
    """Starts processes and guarantees they are stopped (SIGTERM, then SIGKILL)."""

    def __init__(self):
        self.procs = []

    def start(self, cmd, **kw):
        p = subprocess.Popen(cmd, stdout=kw.pop("stdout", subprocess.DEVNULL),
                             stderr=kw.pop("stderr", subprocess.PIPE), **kw)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=15):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def stop_all(self):
        for p in reversed(self.procs):
            self.stop(p)


@contextlib.contextmanager
def veth_namespace(tag, pairs=1):
    """Creates netns `pw-<tag>-<pid>` and `pairs` veth pairs: the A ends stay in the root
    namespace for printwatch to capture on, the B ends live in the namespace for tcpreplay.
    Yields (namespace, [(a, b), ...]); everything is deleted afterwards."""
    ns = f"pw-{tag}-{os.getpid()}"
    links = [(f"pw{tag[:3]}{i}a{os.getpid() % 10000}", f"pw{tag[:3]}{i}b{os.getpid() % 10000}") for i in range(pairs)]
    try:
        subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        # No IPv6 autoconfiguration chatter (MLD, ND) from the namespace ends.
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                        "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"], check=False)
        for a, b in links:
            subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b], check=True)
            subprocess.run(["ip", "link", "set", b, "netns", ns], check=True)
            subprocess.run(["ip", "link", "set", a, "up"], check=True)
            subprocess.run(["ip", "-n", ns, "link", "set", b, "up"], check=True)
            subprocess.run(["sysctl", "-q", "-w", f"net.ipv6.conf.{a}.disable_ipv6=1"], check=False)
        yield ns, links
    finally:
        for a, _ in links:
            subprocess.run(["ip", "link", "del", a], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def tcpreplay(ns, iface, pcap, extra=()):
    """Replays a capture out of the namespace end of a veth pair (never onto a real network)."""
    return run(["ip", "netns", "exec", ns, "tcpreplay", "-q", "-i", iface, *extra, pcap])


def eve_events(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def alert_keys(events):
    """What must match between live and offline runs: times and flow ids differ, these do not."""
    keys = []
    for e in events:
        if e["event_type"] != "alert":
            continue
        pw = e.get("printwatch", {})
        keys.append((e["alert"]["signature_id"], e.get("src_ip"), e.get("src_port"), e.get("dest_ip"),
                     e.get("dest_port"), pw.get("outcome"), pw.get("service")))
    return sorted(keys, key=str)


def workdir(tag):
    return tempfile.mkdtemp(prefix=f"printwatch-{tag}-")


def pcap_header():
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)


def attempts(batch, count):
    """`count` accepted inbound attempts (SYN, SYN-ACK) from distinct outside sources."""
    from scapy.all import IP, TCP, Ether
    out = b""
    for i in range(count):
        src = f"198.{51 + i // 250}.{100 + batch}.{i % 250 + 1}"
        t = 1700000000 + batch * 100 + i
        for k, p in enumerate([Ether() / IP(src=src, dst="10.1.0.50") / TCP(sport=5000 + i, dport=9100, flags="S", seq=1),
                               Ether() / IP(src="10.1.0.50", dst=src) / TCP(sport=9100, dport=5000 + i, flags="SA", seq=9, ack=2)]):
            raw = bytes(p)
            out += struct.pack("<IIII", t, k * 1000, len(raw), len(raw)) + raw
    return out
