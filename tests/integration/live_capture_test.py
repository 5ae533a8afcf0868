#!/usr/bin/python3
"""Integration test: live capture on a veth pair inside a network namespace made by the test.

printwatch -i captures on the root-namespace end; tcpreplay sends a golden capture out of the
namespace end. The alerts must match the offline run of the same capture; capture drops are
reported; --user drops root; SIGHUP reloads the config without losing state; SIGTERM flushes
the sinks and writes the state file.
usage: live_capture_test.py PRINTWATCH REPO_ROOT
"""
import collections
import os
import re
import select
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
WORK = h.workdir("live")
os.chmod(WORK, 0o777)  # the sensor writes here after dropping to nobody
procs = h.Processes()


def offline(case):
    eve = os.path.join(WORK, f"{case}-offline.jsonl")
    if os.path.exists(eve):
        os.remove(eve)  # --eve appends
    cfg = os.path.join(ROOT, "pcaps", case, "config.yaml")
    h.run([BIN, "-r", os.path.join(ROOT, "pcaps", case, "input.pcap"), "-c", cfg, "--eve", eve])
    return h.alert_keys(h.eve_events(eve))


def live_vs_offline(ns, a, b):
    case = "inbound-outcomes"
    eve, prom = os.path.join(WORK, "live.jsonl"), os.path.join(WORK, "live.prom")
    state = os.path.join(WORK, "state.json")
    port = h.free_port()
    sensor = procs.start([BIN, "-i", a, "-c", os.path.join(ROOT, "pcaps", case, "config.yaml"),
                          "--eve", eve, "--metrics-file", prom, "--state", state,
                          "--metrics", f"127.0.0.1:{port}", "--user", "nobody"])
    up = h.wait_for(lambda: "printwatch_build_info" in h.http_get(f"http://127.0.0.1:{port}/metrics"), timeout=15)
    h.check("live: sensor up, /metrics served", up)
    nobody = str(__import__("pwd").getpwnam("nobody").pw_uid)
    # Root is dropped once the capture is open, which may come after /metrics answers on a
    # loaded machine (ASan in CI): wait for it.
    h.wait_for(lambda: re.search(rf"^Uid:\s+{nobody}\s", open(f"/proc/{sensor.pid}/status").read(), re.M),
               timeout=15)
    status = open(f"/proc/{sensor.pid}/status").read()
    uid = re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M)
    caps = re.search(r"^CapEff:\s+(\S+)", status, re.M)
    h.check("--user: real, effective and saved uid are nobody", uid and set(uid.groups()) == {nobody},
            uid.group(0) if uid else status[:200])
    h.check("--user: no capability left", caps and int(caps.group(1), 16) == 0, caps.group(0) if caps else "")
    r = h.tcpreplay(ns, b, os.path.join(ROOT, "pcaps", case, "input.pcap"), ["--topspeed"])
    h.check("tcpreplay sent the capture from the namespace", r.returncode == 0, r.stderr)
    # Accepted/refused answers are immediate; unanswered ones settle after attempt_timeout.
    h.wait_for(lambda: len(h.alert_keys(h.eve_events(eve))) >= len(offline(case)), timeout=20)
    rc = procs.stop(sensor)
    err = sensor.stderr.read().decode()
    h.check("live: SIGTERM exits 0", rc == 0, err[-500:])
    h.check("live: kernel and interface drops reported at exit",
            re.search(rf"capture on {a}: \d+ kernel drops, \d+ interface drops", err), err[-300:])
    live_alerts, off_alerts = h.alert_keys(h.eve_events(eve)), offline(case)
    h.check(f"live: alerts match the offline run ({len(live_alerts)} alerts)",
            live_alerts == off_alerts and live_alerts, f"live={live_alerts}\n     | offline={off_alerts}")
    metrics = open(prom).read() if os.path.exists(prom) else ""
    h.check("live: kernel and interface drops reported for the interface",
            re.search(rf'^printwatch_capture_kernel_drops_total\{{interface="{a}"\}} \d+', metrics, re.M) and
            re.search(rf'^printwatch_capture_interface_drops_total\{{interface="{a}"\}} \d+', metrics, re.M))
    packets = re.search(rf'^printwatch_capture_packets_total\{{interface="{a}"\}} (\d+)', metrics, re.M)
    h.check("live: every replayed packet captured", packets and int(packets.group(1)) >= 16,
            packets.group(0) if packets else "")
    h.check("SIGTERM: state file written with the learned printers",
            os.path.exists(state) and '"10.1.0.50"' in open(state).read())


def sighup_reload(ns, a, b):
    """An untrusted client alerts; after SIGHUP trusts it, the same traffic is silent, and the
    flows and learned printers survive the reload."""
    case = "untrusted-client"
    cfg = os.path.join(WORK, "reload.yaml")
    with open(cfg, "w") as f:
        f.write("trusted_clients: [10.1.2.0/24]\nalerts: {suppress: 0s}\n")
    eve = os.path.join(WORK, "reload.jsonl")
    state = os.path.join(WORK, "reload-state.json")
    port = h.free_port()
    sensor = procs.start([BIN, "-i", a, "-c", cfg, "--eve", eve, "--metrics", f"127.0.0.1:{port}",
                          "--state", state])
    h.wait_for(lambda: "printwatch_build_info" in h.http_get(f"http://127.0.0.1:{port}/metrics"), timeout=15)
    pcap = os.path.join(ROOT, "pcaps", case, "input.pcap")
    h.tcpreplay(ns, b, pcap, ["--topspeed"])
    first = h.wait_for(lambda: [e for e in h.eve_events(eve) if e.get("alert", {}).get("signature_id") == 1001002], timeout=10)
    h.check("reload: untrusted clients alert before the reload", first and len(first) >= 2)
    with open(cfg, "w") as f:
        f.write("trusted_clients: [10.1.0.0/16]\nalerts: {suppress: 0s}\n")
    sensor.send_signal(signal.SIGHUP)
    # The pipeline writes it between two batches: under ThreadSanitizer that can take over 1 s.
    h.check("SIGHUP: the state file is written while the sensor runs",
            h.wait_for(lambda: os.path.exists(state) and '"10.1.0.50"' in open(state).read(),
                       timeout=15))
    before = len(h.eve_events(eve))
    h.tcpreplay(ns, b, pcap, ["--topspeed"])
    time.sleep(2)
    after = h.eve_events(eve)[before:]
    with open(cfg, "w") as f:  # keys that need a restart are refused by name, not "reloaded"
        f.write("trusted_clients: [10.1.0.0/16]\nalerts: {suppress: 0s}\nflow: {vlan_tracking: true}\n"
                "ports: {raw: [9100, 9101]}\nlimits: {flows: 1000}\n")
    sensor.send_signal(signal.SIGHUP)
    time.sleep(1)
    procs.stop(sensor)
    err = sensor.stderr.read().decode()
    h.check("reload: logged", "configuration reloaded" in err, err[-300:])
    h.check("reload: ports.raw, limits.flows and flow.vlan_tracking refused by name (restart needed)",
            "reload rejected: ports.raw, limits.flows, flow.vlan_tracking changed: restart needed" in err
            and err.count("configuration reloaded") == 1, err[-300:])
    h.check("reload: the same clients are now trusted (no 1001002)",
            not any(e.get("alert", {}).get("signature_id") == 1001002 for e in after))
    h.check("reload: learned printers kept (no second inventory record)",
            not any(e["event_type"] == "printer" for e in after))


def logrotate_reopen(ns, a, b):
    """The shipped deploy/logrotate/printwatch, run by the real logrotate: the old file keeps
    what came before the rotation, the new one what came after, and nothing is lost."""
    rot = os.path.join(WORK, "rotate")
    os.makedirs(rot, exist_ok=True)
    eve = os.path.join(rot, "eve.json")
    cfg = os.path.join(rot, "cfg.yaml")
    with open(cfg, "w") as f:
        f.write("alerts: {suppress: 0s}\n")
    batches = []
    for n in (1, 2):
        path = os.path.join(rot, f"batch{n}.pcap")
        with open(path, "wb") as f:
            f.write(h.pcap_header() + h.attempts(n, 20))
        batches.append(path)
    sensor = procs.start([BIN, "-i", a, "-c", cfg, "--eve", eve])
    time.sleep(1)
    h.tcpreplay(ns, b, batches[0], ["--topspeed"])
    h.wait_for(lambda: len([e for e in h.eve_events(eve) if e["event_type"] == "alert"]) >= 40, timeout=10)
    shipped = open(os.path.join(ROOT, "deploy", "logrotate", "printwatch")).read()
    conf = os.path.join(rot, "logrotate.conf")
    with open(conf, "w") as f:
        f.write(shipped.replace("/var/log/printwatch/eve.json", eve).replace(
            "systemctl kill --kill-whom=main --signal=HUP printwatch.service", f"kill -HUP {sensor.pid}"))
    r = h.run(["logrotate", "-f", "-s", os.path.join(rot, "logrotate.state"), conf])
    h.check("logrotate: the shipped file rotates the EVE file", r.returncode == 0 and os.path.exists(eve + ".1"),
            r.stdout + r.stderr)
    h.wait_for(lambda: os.path.exists(eve), timeout=5)
    h.check("logrotate: SIGHUP makes the sensor create a new EVE file", os.path.exists(eve))
    h.tcpreplay(ns, b, batches[1], ["--topspeed"])
    h.wait_for(lambda: len([e for e in h.eve_events(eve) if e["event_type"] == "alert"]) >= 40, timeout=10)
    procs.stop(sensor)

    def sources(path):
        return {e["src_ip"].split(".")[2] for e in h.eve_events(path) if e["event_type"] == "alert"}
    old, new = sources(eve + ".1"), sources(eve)
    n_old = sum(e["event_type"] == "alert" for e in h.eve_events(eve + ".1"))
    n_new = sum(e["event_type"] == "alert" for e in h.eve_events(eve))
    h.check(f"logrotate: {n_old} alerts before the rotation in eve.json.1, {n_new} after in eve.json",
            old == {"101"} and new == {"102"} and n_old == 40 and n_new == 40, f"{old} {new}")


def record_counts(events):
    """Protocol records by type, and each printer as its last record describes it (the workers
    may learn a printer's facts in another order, which can add an update record)."""
    counts = collections.Counter(e["event_type"] for e in events if e["event_type"] not in ("stats", "printer"))
    printers = {e["printer"]["address"]: (e["printer"].get("model"), tuple(e["printer"].get("services", [])))
                for e in events if e["event_type"] == "printer"}
    return sorted(counts.items()), sorted(printers.items(), key=str)


def comparable(keys):
    """A scan fires on whichever packet crosses the threshold: with its hosts spread over the
    workers that packet can differ, so a scan alert is compared by its source alone."""
    return sorted(((k[0], k[1]) if k[0] == 1001003 else k for k in keys), key=str)


def wait_capturing(sensor, timeout=20.0):
    """Reads the sensor's stderr up to its "capturing on" line (its sockets are open by then);
    returns what it read."""
    seen, deadline = b"", time.time() + timeout
    while time.time() < deadline and sensor.poll() is None:
        ready, _, _ = select.select([sensor.stderr], [], [], 0.2)
        if ready:
            line = sensor.stderr.readline()
            seen += line
            if b"capturing on" in line:
                break
    return seen.decode(errors="replace")


def workers_vs_offline(ns, a, b):
    """--workers 2: the kernel spreads the packets over two threads by host pair; the alerts
    and protocol records equal the offline run's, on a trunk SPAN too (one packet on two VLANs
    reaches one worker), and SIGHUP reloads with the workers paused."""
    r = h.run([BIN, "--workers", "2", "-r", os.path.join(ROOT, "pcaps", "scan", "input.pcap")])
    h.check("--workers 2 with -r: usage error naming the flag (a replay stays on one thread)",
            r.returncode == 2 and "--workers 2: only for live capture (-i)" in r.stderr, r.stderr[-300:])
    per_worker = collections.Counter()
    for case in ("inbound-outcomes", "trunk-span", "vlan-mirror", "scan", "pret-session", "ipv6",
                 "untrusted-client"):
        eve, prom = os.path.join(WORK, f"w2-{case}.jsonl"), os.path.join(WORK, f"w2-{case}.prom")
        cfg = os.path.join(ROOT, "pcaps", case, "config.yaml")
        sensor = procs.start([BIN, "-i", a, "-c", cfg, "--eve", eve, "--metrics-file", prom,
                              "--workers", "2", "--metrics", "127.0.0.1:0"])
        # Replay only once every worker's socket is open (under TSan that took over 1 s).
        started = wait_capturing(sensor)
        h.tcpreplay(ns, b, os.path.join(ROOT, "pcaps", case, "input.pcap"), ["--topspeed"])
        want = offline(case)
        off_events = h.eve_events(os.path.join(WORK, f"{case}-offline.jsonl"))
        h.wait_for(lambda: len(h.alert_keys(h.eve_events(eve))) >= len(want), timeout=15)
        if case == "inbound-outcomes":
            sensor.send_signal(signal.SIGHUP)
            time.sleep(0.5)
        rc = procs.stop(sensor)
        err = started + sensor.stderr.read().decode()
        events = h.eve_events(eve)
        h.check(f"--workers 2, {case}: alerts match the offline run ({len(want)})",
                rc == 0 and comparable(h.alert_keys(events)) == comparable(want),
                f"rc={rc} live={h.alert_keys(events)}\n     | offline={want}\n     | {err[-300:]}")
        h.check(f"--workers 2, {case}: protocol records and printers match the offline run",
                record_counts(events) == record_counts(off_events),
                f"{record_counts(events)} != {record_counts(off_events)}")
        metrics = open(prom).read() if os.path.exists(prom) else ""
        workers = {w: float(n) for w, n in re.findall(
            r'^printwatch_capture_worker_packets_total\{worker="(\d)"\} (\S+)', metrics, re.M)}
        total = re.search(rf'^printwatch_capture_packets_total\{{interface="{a}"\}} (\S+)', metrics, re.M)
        h.check(f"--workers 2, {case}: the workers' packets add up to the interface's",
                len(workers) == 2 and total and sum(workers.values()) == float(total.group(1)),
                f"{workers} {total.group(0) if total else ''}")
        per_worker.update({w: n for w, n in workers.items()})
        if case == "inbound-outcomes":
            h.check("--workers 2: SIGHUP reloads the configuration", "configuration reloaded" in err,
                    err[-300:])
    h.check(f"--workers 2: both workers took packets ({dict(per_worker)})",
            len(per_worker) == 2 and min(per_worker.values()) > 0)


def privilege_trap(a):
    """--user nobody with --state in a directory only root can write: fail at start, naming
    the path, instead of running for hours and losing the state at exit."""
    locked = os.path.join(WORK, "root-only")
    os.makedirs(locked, exist_ok=True)
    os.chmod(locked, 0o700)
    state = os.path.join(locked, "state.json")
    t = time.time()
    sensor = procs.start([BIN, "-i", a, "--state", state, "--metrics-file",
                          os.path.join(WORK, "trap.prom"), "--user", "nobody"])
    try:
        rc = sensor.wait(10)
    except Exception:  # noqa: BLE001 - still running is the failure
        rc = None
        procs.stop(sensor)
    err = sensor.stderr.read().decode()
    h.check("--user: an unwritable --state directory fails at start with the path named",
            rc == 1 and time.time() - t < 10 and f"--state {state}: directory {locked} is not writable by user nobody" in err,
            f"rc={rc} {err[-300:]}")


try:
    with h.veth_namespace("live") as (ns, links):
        a, b = links[0]
        live_vs_offline(ns, a, b)
        sighup_reload(ns, a, b)
        logrotate_reopen(ns, a, b)
        workers_vs_offline(ns, a, b)
        privilege_trap(a)
finally:
    procs.stop_all()
h.finish()
