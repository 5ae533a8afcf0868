#!/usr/bin/python3
"""Fleet test: three sensors, each capturing live in its own network namespace, deliver to one
central site built from Debian's engines, and lose no alert when the collectors restart.

Topology (every namespace is made by this test and removed at the end):
  central netns  redis-server, rsyslogd (imrelp), victoria-metrics, prometheus,
                 prometheus-alertmanager and a webhook receiver, all on its own addresses
  sensor netns i printwatch -i <capture veth> --eve FILE --eve redis://... --syslog relp://...
                 --metrics <mgmt address>:10961; a management veth to the central netns
  root netns     tcpreplay into each sensor's capture veth

Prometheus discovers the sensors from a file_sd file (deploy/fleet/sensors.example.yml's
shape), remote-writes to VictoriaMetrics and sends the shipped rules' alerts to Alertmanager,
whose route (deploy/fleet/alertmanager.yml) posts to the webhook receiver.

Midway, redis-server and rsyslogd are stopped, traffic is replayed while they are away, and
both are started again. Then:
  - every alert in each sensor's EVE file is exactly once in the Redis stream and exactly once
    in the central rsyslog file (and every EVE record, of any type, exactly once in Redis);
  - VictoriaMetrics holds printwatch_inbound_attempts_total from all three sensors, and their
    sum equals the offline replay of the same captures;
  - Alertmanager posted PrintwatchPrinterExposed to the webhook.
usage: fleet_test.py PRINTWATCH REPO_ROOT
"""
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness as h  # noqa: E402
import yaml  # noqa: E402  (python3-yaml)

BIN, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
WORK = h.workdir("fleet")
PID = os.getpid() % 10000
CENTRAL = f"pwf-c-{PID}"
STREAM = "printwatch:eve"
procs = h.Processes()

# Per sensor: the config of the first capture, the capture replayed before the restarts and
# the one replayed while the collectors are away. Real timing, except where the golden case is
# known to replay at top speed (inbound-outcomes spans 400 s of idle time).
SENSORS = [
    {"name": "s0", "config": "pret-download", "before": ("pret-download", []), "during": ("postscript-bare", [])},
    {"name": "s1", "config": "lab-attack", "before": ("lab-attack", []), "during": ("pret-session", [])},
    {"name": "s2", "config": "inbound-outcomes", "before": ("inbound-outcomes", ["--topspeed"]),
     "during": ("trunk-span", [])},
]


def sh(*cmd, check=True):
    r = subprocess.run(list(cmd), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


def in_central(*cmd):
    return ["ip", "netns", "exec", CENTRAL, *cmd]


def pcap(case):
    return os.path.join(ROOT, "pcaps", case, "input.pcap")


# --- topology ---------------------------------------------------------------------------------

def build_topology():
    sh("ip", "netns", "add", CENTRAL)
    sh("ip", "-n", CENTRAL, "link", "set", "lo", "up")
    for i, s in enumerate(SENSORS):
        ns = s["ns"] = f"pwf-s{i}-{PID}"
        s["cap_a"], s["cap_b"] = f"pwfc{i}a{PID}", f"pwfc{i}b{PID}"
        mgmt_c, mgmt_s = f"pwfm{i}c{PID}", f"pwfm{i}s{PID}"
        s["central_ip"], s["sensor_ip"] = f"10.213.{i}.1", f"10.213.{i}.2"
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
           "net.ipv6.conf.default.disable_ipv6=1", check=False)
        # The capture veth: its A end in the sensor's namespace, its B end here for tcpreplay.
        sh("ip", "link", "add", s["cap_a"], "type", "veth", "peer", "name", s["cap_b"])
        sh("ip", "link", "set", s["cap_a"], "netns", ns)
        sh("sysctl", "-q", "-w", f"net.ipv6.conf.{s['cap_b']}.disable_ipv6=1", check=False)
        sh("ip", "link", "set", s["cap_b"], "up")
        sh("ip", "-n", ns, "link", "set", s["cap_a"], "up")
        # The management veth: sensor namespace <-> central namespace.
        sh("ip", "link", "add", mgmt_c, "type", "veth", "peer", "name", mgmt_s)
        sh("ip", "link", "set", mgmt_c, "netns", CENTRAL)
        sh("ip", "link", "set", mgmt_s, "netns", ns)
        sh("ip", "-n", CENTRAL, "addr", "add", f"{s['central_ip']}/24", "dev", mgmt_c)
        sh("ip", "-n", ns, "addr", "add", f"{s['sensor_ip']}/24", "dev", mgmt_s)
        sh("ip", "-n", CENTRAL, "link", "set", mgmt_c, "up")
        sh("ip", "-n", ns, "link", "set", mgmt_s, "up")


def remove_topology():
    for s in SENSORS:
        if "cap_b" in s:
            subprocess.run(["ip", "link", "del", s["cap_b"]], stderr=subprocess.DEVNULL)
        if "ns" in s:
            subprocess.run(["ip", "netns", "del", s["ns"]], stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "netns", "del", CENTRAL], stderr=subprocess.DEVNULL)


# --- the central engines ----------------------------------------------------------------------

def start_redis():
    os.makedirs(os.path.join(WORK, "redis"), exist_ok=True)
    # Append-only with fsync always: what Redis answered for survives its restart.
    return procs.start(in_central("redis-server", "--port", "6379", "--bind", "0.0.0.0",
                                  "--protected-mode", "no", "--dir", os.path.join(WORK, "redis"),
                                  "--appendonly", "yes", "--appendfsync", "always", "--save", ""),
                       stdout=open(os.path.join(WORK, "redis.log"), "a"), stderr=subprocess.STDOUT)


def redis_cli(*args):
    return sh(*in_central("redis-cli", "--raw", *args)).stdout


def redis_up():
    return redis_cli("PING").strip() == "PONG"


def redis_records():
    """Every stream entry as (host, event_type, parsed EVE record)."""
    out = redis_cli("XRANGE", STREAM, "-", "+").split("\n")
    records, i = [], 0
    while i + 6 < len(out):
        fields = dict(zip(out[i + 1:i + 7:2], out[i + 2:i + 7:2]))
        records.append((fields["host"], fields["event_type"], json.loads(fields["eve"])))
        i += 7
    return records


def rsyslog_conf():
    """deploy/fleet/rsyslog-relp-receiver.conf, with its files in the work directory."""
    shipped = open(os.path.join(ROOT, "deploy", "fleet", "rsyslog-relp-receiver.conf")).read()
    os.makedirs(os.path.join(WORK, "rsyslog-work"), exist_ok=True)
    conf = (f'global(workDirectory="{WORK}/rsyslog-work")\n' +
            shipped.replace("/var/log/printwatch/fleet", os.path.join(WORK, "syslog")))
    path = os.path.join(WORK, "rsyslog.conf")
    open(path, "w").write(conf)
    return path


def start_rsyslog(conf):
    return procs.start(in_central("rsyslogd", "-n", "-f", conf, "-i", os.path.join(WORK, "rsyslog.pid")),
                       stdout=open(os.path.join(WORK, "rsyslog.log"), "a"), stderr=subprocess.STDOUT)


def relp_listening():
    return ":2514 " in sh(*in_central("ss", "-Htln")).stdout


def start_victoria_metrics():
    # latencyOffset 0: a query sees samples as soon as they arrive (the default hides 30 s).
    return procs.start(in_central("victoria-metrics", f"-storageDataPath={WORK}/vm",
                                  "-httpListenAddr=127.0.0.1:8428", "-retentionPeriod=1",
                                  "-search.latencyOffset=0s", "-search.disableCache"),
                       stdout=open(os.path.join(WORK, "vm.log"), "w"), stderr=subprocess.STDOUT)


def central_get(url):
    return sh(*in_central("curl", "-sf", "--max-time", "5", url)).stdout


def vm_query(expr):
    body = json.loads(central_get("http://127.0.0.1:8428/api/v1/query?query=" + urllib.parse.quote(expr)))
    return body["data"]["result"]


WEBHOOK = r'''
import http.server, sys
out = open(sys.argv[1], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        out.write(self.path + " " + body.decode().replace("\n", " ") + "\n"); out.flush()
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", 5001), H).serve_forever()
'''


def start_alerting():
    """Alertmanager with deploy/fleet/alertmanager.yml (waits shortened), and the webhook."""
    am = yaml.safe_load(open(os.path.join(ROOT, "deploy", "fleet", "alertmanager.yml")))
    am["route"]["group_wait"] = "1s"
    for r in am["route"]["routes"]:
        r["group_wait"] = "1s"
    path = os.path.join(WORK, "alertmanager.yml")
    yaml.safe_dump(am, open(path, "w"))
    check = h.run(["amtool", "check-config", path])
    h.check("amtool check-config accepts the fleet's Alertmanager config", check.returncode == 0, check.stdout + check.stderr)
    hook = procs.start(in_central("/usr/bin/python3", "-c", WEBHOOK, os.path.join(WORK, "webhook.log")))
    alertmanager = procs.start(in_central("prometheus-alertmanager", f"--config.file={path}",
                                          f"--storage.path={WORK}/alertmanager",
                                          "--web.listen-address=127.0.0.1:9093", "--cluster.listen-address="),
                               stdout=open(os.path.join(WORK, "alertmanager.log"), "w"), stderr=subprocess.STDOUT)
    return hook, alertmanager


def start_prometheus():
    """deploy/fleet/prometheus.yml with the work directory's paths and a 1 s scrape."""
    cfg = yaml.safe_load(open(os.path.join(ROOT, "deploy", "fleet", "prometheus.yml")))
    cfg["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    shutil.copy(os.path.join(ROOT, "deploy", "prometheus", "rules.yml"), os.path.join(WORK, "rules.yml"))
    cfg["rule_files"] = [os.path.join(WORK, "rules.yml")]
    targets = os.path.join(WORK, "sensors")
    os.makedirs(targets, exist_ok=True)
    cfg["scrape_configs"][0]["file_sd_configs"][0]["files"] = [os.path.join(targets, "*.yml")]
    cfg["scrape_configs"][0]["file_sd_configs"][0]["refresh_interval"] = "1s"
    # The fleet's file_sd shape: one entry per sensor, `sensor` equal to its sensor.name.
    entries = [{"targets": [f"{s['sensor_ip']}:10961"], "labels": {"sensor": s["name"], "site": "test"}}
               for s in SENSORS]
    yaml.safe_dump(entries, open(os.path.join(targets, "fleet.yml"), "w"))
    cfg["remote_write"][0]["queue_config"]["batch_send_deadline"] = "1s"
    path = os.path.join(WORK, "prometheus.yml")
    yaml.safe_dump(cfg, open(path, "w"))
    check = h.run(["promtool", "check", "config", path])
    h.check("promtool check config accepts the fleet's Prometheus config", check.returncode == 0, check.stdout + check.stderr)
    return procs.start(in_central("prometheus", f"--config.file={path}", f"--storage.tsdb.path={WORK}/prometheus",
                                  "--web.listen-address=127.0.0.1:9090"),
                       stdout=open(os.path.join(WORK, "prometheus.log"), "w"), stderr=subprocess.STDOUT)


# --- sensors ----------------------------------------------------------------------------------

def sensor_config(s):
    base = yaml.safe_load(open(os.path.join(ROOT, "pcaps", s["config"], "config.yaml"))) or {}
    base["sensor"] = {"name": s["name"]}
    path = os.path.join(WORK, f"{s['name']}.yaml")
    yaml.safe_dump(base, open(path, "w"))
    return path


def start_sensor(s):
    s["cfg"] = sensor_config(s)
    s["eve"] = os.path.join(WORK, f"{s['name']}-eve.json")
    s["stderr"] = open(os.path.join(WORK, f"{s['name']}.stderr"), "w")
    s["proc"] = procs.start(["ip", "netns", "exec", s["ns"], BIN, "-i", s["cap_a"], "-c", s["cfg"],
                             "--eve", s["eve"], "--eve", f"redis://{s['central_ip']}:6379/{STREAM}",
                             "--syslog", f"relp://{s['central_ip']}:2514",
                             "--metrics", f"{s['sensor_ip']}:10961"], stderr=s["stderr"])


def replay_all(which):
    """Replays each sensor's capture for this phase, all three at once."""
    running = []
    for s in SENSORS:
        case, extra = s[which]
        running.append((s, subprocess.Popen(["tcpreplay", "-q", "-i", s["cap_b"], *extra, pcap(case)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)))
    ok = True
    for s, p in running:
        _, err = p.communicate(timeout=120)
        ok = ok and p.returncode == 0
        if p.returncode != 0:
            print(f"     | tcpreplay into {s['name']}: {err.strip()}")
    return ok


def offline_attempts(s):
    """printwatch_inbound_attempts_total summed over offline replays of the sensor's captures."""
    total = 0
    for which in ("before", "during"):
        case = s[which][0]
        metrics = os.path.join(WORK, f"{s['name']}-{which}-offline.prom")
        r = h.run([BIN, "-r", pcap(case), "-c", s["cfg"], "--metrics-file", metrics])
        if r.returncode != 0:
            raise RuntimeError(f"offline replay of {case}: {r.stderr}")
        for m in re.finditer(r"^printwatch_inbound_attempts_total\{[^}]*\} (\d+)", open(metrics).read(), re.M):
            total += int(m.group(1))
    return total


# --- comparing what arrived -------------------------------------------------------------------

def epoch_us(ts):
    return round(datetime.fromisoformat(ts).timestamp() * 1_000_000)


def eve_alert_key(host, e):
    return (host, e["alert"]["signature_id"], e.get("src_ip"), e.get("src_port"), e.get("dest_ip"),
            e.get("dest_port"), epoch_us(e["timestamp"]))


SYSLOG_LINE = re.compile(r"^<\d+>1 (\S+) (\S+) printwatch \d+ ALERT \[printwatch@32473([^\]]*)\]")


def syslog_alert_keys(path):
    keys = []
    if not os.path.exists(path):
        return keys
    for line in open(path, errors="replace"):
        m = SYSLOG_LINE.match(line)
        if not m:
            continue
        p = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3)))
        keys.append((m.group(2), int(p["sid"]), p.get("src"), int(p["sport"]) if "sport" in p else None,
                     p.get("dst"), int(p["dport"]) if "dport" in p else None, epoch_us(m.group(1))))
    return keys


def exactly_once(name, want, got):
    """Missing and duplicated entries of `got` against `want` (multisets)."""
    w, g = collections.Counter(want), collections.Counter(got)
    missing = sum((w - g).values())
    extra = sum((g - w).values())
    return missing, extra


def eve_lines(s):
    return h.eve_events(s["eve"])


def resend_is_not_a_duplicate():
    """Connections to Redis cut mid-batch (CLIENT KILL, over and over) while a replay streams
    records: each cut makes the sink resend a batch that Redis had partly applied, and the
    per-producer sequence must keep every record exactly once."""
    from scapy.all import IP, UDP, Ether, Raw, wrpcap
    import struct
    import threading
    flood = os.path.join(WORK, "bjnp-flood.pcap")
    wrpcap(flood, [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                   IP(src=f"198.51.{i // 250 % 250}.{i % 250 + 1}", dst="10.1.0.50") /
                   UDP(sport=40000 + i % 20000, dport=8611) /
                   Raw(b"BJNP\x01\x01" + struct.pack(">HI", i & 0xFFFF, 0)) for i in range(8000)])
    cfg = os.path.join(WORK, "resend.yaml")
    open(cfg, "w").write("sensor: {name: resend}\nredis: {queue: 100000}\n")
    eve = os.path.join(WORK, "resend-eve.json")
    key = "printwatch:resend"
    killed, stop = [0], threading.Event()

    def cut():
        # A few cuts, then quiet: the sink backs off after each, and shutdown drains for 5 s.
        # The 3 s count from the first cut: a slow start (ASan, a loaded machine) must not use
        # them up before the sensor has connected.
        deadline = None
        while not stop.is_set() and killed[0] < 4 and (deadline is None or time.time() < deadline):
            out = redis_cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").strip()
            killed[0] += int(out) if out.isdigit() else 0
            if killed[0] > 0 and deadline is None:
                deadline = time.time() + 3
    cutter = threading.Thread(target=cut)
    cutter.start()
    r = h.run(in_central(BIN, "-r", flood, "-c", cfg, "--eve", eve, "--eve", f"redis://127.0.0.1:6379/{key}"))
    stop.set()
    cutter.join()
    written = [json.loads(x) for x in open(eve)]
    out = redis_cli("XRANGE", key, "-", "+").split("\n")
    streamed = [out[i + 6] for i in range(0, len(out) - 6, 7)]
    lines = collections.Counter(json.dumps(e, sort_keys=True) for e in written)
    got = collections.Counter(json.dumps(json.loads(x), sort_keys=True) for x in streamed)
    missing, extra = sum((lines - got).values()), sum((got - lines).values())
    print(f"     resend: {len(written)} records written, {killed[0]} connections cut mid-stream, "
          f"{len(streamed)} in the stream, {missing} missing, {extra} duplicated")
    h.check("redis: the replay exits 0 although its connection was cut", r.returncode == 0, r.stderr[-400:])
    h.check(f"redis: connections were cut while records streamed ({killed[0]})", killed[0] > 0)
    h.check(f"redis: every record exactly once although batches were resent ({len(written)})",
            len(written) > 8000 and missing == 0 and extra == 0, f"missing {missing}, duplicated {extra}")


def main():
    build_topology()
    rsyslog = rsyslog_conf()
    redis = start_redis()
    syslogd = start_rsyslog(rsyslog)
    start_victoria_metrics()
    start_alerting()
    h.check("central: redis-server and rsyslogd (imrelp) up",
            h.wait_for(redis_up, timeout=15) and h.wait_for(relp_listening, timeout=15))
    h.check("central: victoria-metrics and alertmanager up",
            h.wait_for(lambda: central_get("http://127.0.0.1:8428/health"), timeout=20) and
            h.wait_for(lambda: central_get("http://127.0.0.1:9093/-/ready"), timeout=20))
    resend_is_not_a_duplicate()
    for s in SENSORS:
        start_sensor(s)
    start_prometheus()
    up = h.wait_for(lambda: len([r for r in json.loads(central_get(
        "http://127.0.0.1:9090/api/v1/query?query=" + urllib.parse.quote('up{job="printwatch"} == 1')))["data"]["result"]]) == 3,
        timeout=30)
    h.check("prometheus: all 3 sensors found by file_sd and scraped", up)
    expected_attempts = {s["name"]: offline_attempts(s) for s in SENSORS}

    # Phase 1: all collectors up.
    h.check("phase 1: tcpreplay into the 3 sensors", replay_all("before"))
    settled = h.wait_for(lambda: all(len(eve_lines(s)) > 0 and
                                     len([r for r in redis_records() if r[0] == s["name"]]) == len(eve_lines(s))
                                     for s in SENSORS), timeout=30)
    h.check("phase 1: the stream keeps up with every sensor's EVE file", settled)
    time.sleep(6)  # unanswered attempts settle after attempt_timeout

    # Phase 2: Redis and rsyslog go away; traffic goes on; both come back.
    before = {s["name"]: len(eve_lines(s)) for s in SENSORS}
    procs.stop(redis)
    procs.stop(syslogd)
    h.check("restart: redis-server and rsyslogd stopped", redis.poll() is not None and syslogd.poll() is not None)
    h.check("phase 2: tcpreplay while the collectors are away", replay_all("during"))
    time.sleep(6)
    during = {s["name"]: len(eve_lines(s)) - before[s["name"]] for s in SENSORS}
    h.check(f"phase 2: every sensor wrote records while the collectors were away {during}",
            all(n > 0 for n in during.values()))
    redis = start_redis()
    syslogd = start_rsyslog(rsyslog)
    h.check("restart: redis-server and rsyslogd back",
            h.wait_for(redis_up, timeout=15) and h.wait_for(relp_listening, timeout=15))

    # Every sensor delivers its backlog (backoff is at most 5 s).
    def delivered():
        recs = redis_records()
        return all(len([r for r in recs if r[0] == s["name"]]) == len(eve_lines(s)) and
                   len(syslog_alert_keys(os.path.join(WORK, "syslog", f"{s['name']}.log"))) ==
                   len([e for e in eve_lines(s) if e["event_type"] == "alert"]) for s in SENSORS)
    h.wait_for(delivered, timeout=45)

    # Metrics: VictoriaMetrics holds every sensor's attempts, summing to the offline replay.
    want_total = sum(expected_attempts.values())
    q = "sum by (sensor) (printwatch_inbound_attempts_total)"

    def vm_by_sensor():
        return {r["metric"].get("sensor"): int(float(r["value"][1])) for r in vm_query(q)}
    h.wait_for(lambda: vm_by_sensor() == expected_attempts, timeout=45)
    got = vm_by_sensor()
    h.check(f"victoria-metrics: printwatch_inbound_attempts_total from all 3 sensors {sorted(got)}",
            sorted(got) == ["s0", "s1", "s2"], got)
    h.check(f"victoria-metrics: per sensor {got} = offline replay {expected_attempts}", got == expected_attempts)
    h.check(f"victoria-metrics: the fleet's sum {sum(got.values())} = the offline replays' sum {want_total}",
            sum(got.values()) == want_total and want_total > 0)

    # Alerting: the shipped rule fired and Alertmanager routed it to the webhook.
    hook_log = os.path.join(WORK, "webhook.log")

    def exposed_posted():
        return [line for line in open(hook_log) if "PrintwatchPrinterExposed" in line] if os.path.exists(hook_log) else []
    posted = h.wait_for(exposed_posted, timeout=45)
    h.check("alertmanager: PrintwatchPrinterExposed reached the security team's webhook",
            posted and all(line.startswith("/printwatch/security ") for line in posted), posted[:1] if posted else "")
    h.check("alertmanager: the alert names the sensor (file_sd target label)",
            posted and any('"sensor":"s2"' in line or '"sensor":"s0"' in line for line in posted))

    # Stop the sensors: whatever settles at shutdown must arrive too (bounded drain).
    for s in SENSORS:
        h.check(f"{s['name']}: SIGTERM exits 0", procs.stop(s["proc"]) == 0)
        s["stderr"].close()
    h.wait_for(delivered, timeout=15)

    # Exactly once, per sensor.
    records = redis_records()
    lost_total = dup_total = 0
    for s in SENSORS:
        eve = eve_lines(s)
        alerts = [eve_alert_key(s["name"], e) for e in eve if e["event_type"] == "alert"]
        in_redis = [eve_alert_key(host, e) for host, kind, e in records if host == s["name"] and kind == "alert"]
        in_syslog = syslog_alert_keys(os.path.join(WORK, "syslog", f"{s['name']}.log"))
        all_eve = [json.dumps(e, sort_keys=True) for e in eve]
        all_redis = [json.dumps(e, sort_keys=True) for host, _, e in records if host == s["name"]]
        r_missing, r_extra = exactly_once("redis", alerts, in_redis)
        s_missing, s_extra = exactly_once("syslog", alerts, in_syslog)
        a_missing, a_extra = exactly_once("records", all_eve, all_redis)
        lost_total += r_missing + s_missing + a_missing
        dup_total += r_extra + s_extra + a_extra
        print(f"     {s['name']}: EVE {len(eve)} records, {len(alerts)} alerts "
              f"({during[s['name']]} records written while the collectors were away); "
              f"Redis {len(all_redis)} records, {len(in_redis)} alerts, {r_missing + a_missing} missing, "
              f"{r_extra + a_extra} duplicated; rsyslog {len(in_syslog)} alerts, {s_missing} missing, {s_extra} duplicated")
        h.check(f"{s['name']}: every EVE alert is exactly once in the Redis stream ({len(alerts)})",
                alerts and r_missing == 0 and r_extra == 0, f"missing {r_missing}, duplicated {r_extra}")
        h.check(f"{s['name']}: every EVE record is exactly once in the Redis stream ({len(all_eve)})",
                a_missing == 0 and a_extra == 0, f"missing {a_missing}, duplicated {a_extra}")
        h.check(f"{s['name']}: every EVE alert is exactly once in the central rsyslog file ({len(alerts)})",
                alerts and s_missing == 0 and s_extra == 0, f"missing {s_missing}, duplicated {s_extra}")
        err = open(os.path.join(WORK, f"{s['name']}.stderr")).read()
        h.check(f"{s['name']}: no delivery loss reported at shutdown", "not delivered" not in err, err[-400:])
    print(f"     fleet: {lost_total} alerts or records lost, {dup_total} duplicated across the redis-server "
          f"and rsyslogd restarts")
    h.check("fleet: zero lost and zero duplicated across both restarts", lost_total == 0 and dup_total == 0)
    producers = redis_cli("HLEN", STREAM + ":producers").strip()
    h.check("redis: one producer entry per sensor run", producers == "3", producers)


if __name__ == "__main__":
    try:
        main()
    finally:
        procs.stop_all()
        remove_topology()
    h.finish()
