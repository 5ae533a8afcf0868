#!/usr/bin/python3
"""Integration test: printwatch -> real rsyslog on 127.0.0.1 (UDP and TCP inputs).

1. Every alert of a golden replay arrives over UDP and over TCP (RFC 6587 octet counting),
   parses as RFC 5424 and carries the right SD params (kind, sid, src, dst, dport...).
2. Hostile text (a PJL path with quote, bracket and newline) cannot forge a message or a param.
3. Collector outage: capture goes on, drops are counted in
   printwatch_output_errors_total{sink="syslog"}, and delivery resumes when rsyslog is back.
5. Local daemons (unix://): a real rsyslog imuxsock socket parses the RFC 3164 form
   (programname printwatch, procid, facility, severity), and a real systemd-journald (in a
   private mount namespace) stores native fields: `journalctl -t printwatch` finds every alert
   with PRINTWATCH_SID, PRINTWATCH_SRC... and the right PRIORITY.
4. Stuck collector: with rsyslog stopped (SIGSTOP) and the TCP buffers full, SIGTERM ends
   the sensor within the flush budget, and every message rsyslog never got is counted.
usage: syslog_test.py PRINTWATCH REPO_ROOT
"""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
WORK = h.workdir("syslog")
RFC5424 = re.compile(
    r'^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (\S+) printwatch (\d+) '
    r'(ALERT|PRINTER|STATS|STATUS) \[printwatch@32473((?: [a-z_]+="(?:[^"\\\]]|\\.)*")*)\] (.*)$')
PARAM = re.compile(r' ([a-z_]+)="((?:[^"\\\]]|\\.)*)"')

procs = h.Processes()
udp_port, tcp_port = h.free_port(h.socket.SOCK_DGRAM), h.free_port()


def rsyslog_conf():
    path = os.path.join(WORK, "rsyslog.conf")
    with open(path, "w") as f:
        f.write(f'''global(workDirectory="{WORK}")
module(load="imudp")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="udp") {{ action(type="omfile" file="{WORK}/udp.log" template="raw") }}
ruleset(name="tcp") {{ action(type="omfile" file="{WORK}/tcp.log" template="raw") }}
input(type="imudp" address="127.0.0.1" port="{udp_port}" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="{tcp_port}" ruleset="tcp")
''')
    return path


def start_rsyslog():
    p = procs.start(["rsyslogd", "-n", "-f", rsyslog_conf(), "-i", os.path.join(WORK, "rsyslog.pid")])
    ok = h.wait_for(lambda: h.run(["ss", "-Hltn", f"sport = :{tcp_port}"]).stdout.strip(), timeout=15)
    if not ok:
        h.check("rsyslog started", False, p.stderr.read().decode() if p.poll() is not None else "no listener")
    return p


def lines(name):
    path = os.path.join(WORK, name)
    return open(path, errors="replace").read().splitlines() if os.path.exists(path) else []


def alerts_in(name):
    return [l for l in lines(name) if " ALERT [" in l]


def replay(case, url, extra_cfg=""):
    cfg = os.path.join(WORK, f"{case}.yaml")
    with open(cfg, "w") as f:
        f.write(open(os.path.join(ROOT, "pcaps", case, "config.yaml")).read() + extra_cfg)
    eve = os.path.join(WORK, f"{case}-{url[:3]}.jsonl")
    r = h.run([BIN, "-r", os.path.join(ROOT, "pcaps", case, "input.pcap"), "-c", cfg, "--eve", eve,
               "--syslog", url])
    return r, [e for e in h.eve_events(eve) if e["event_type"] == "alert"]


def check_delivery(transport, logname):
    url = f"{transport}://127.0.0.1:{udp_port if transport == 'udp' else tcp_port}"
    r, alerts = replay("pret-session", url)
    h.check(f"{transport}: replay ran", r.returncode == 0, r.stderr)
    got = h.wait_for(lambda: len(alerts_in(logname)) >= len(alerts) and alerts_in(logname), timeout=15) or []
    h.check(f"{transport}: every alert arrived ({len(alerts)} sent, {len(got)} received)",
            len(got) == len(alerts) and len(alerts) > 0)
    parsed = [RFC5424.match(l) for l in got]
    h.check(f"{transport}: every message parses as RFC 5424", all(parsed) and parsed,
            next((l for l, m in zip(got, parsed) if not m), ""))
    ok_params = True
    for a, m in zip(alerts, parsed):
        if not m:
            ok_params = False
            break
        params = dict(PARAM.findall(m.group(6)))
        sev = {1: 4, 2: 5, 3: 6}[a["alert"]["severity"]]
        ok_params &= int(m.group(1)) == 21 * 8 + sev  # facility local5, docs/spec.md §6 severity map
        ok_params &= params.get("kind") == a["printwatch"]["kind"]
        ok_params &= params.get("sid") == str(a["alert"]["signature_id"])
        ok_params &= params.get("src") == a["src_ip"] and params.get("dst") == a["dest_ip"]
        ok_params &= params.get("dport") == str(a["dest_port"])
        if "outcome" in a["printwatch"]:
            ok_params &= params.get("outcome") == a["printwatch"]["outcome"]
    h.check(f"{transport}: SD params and PRI match the EVE alerts, in order", ok_params)
    status = [l for l in lines(logname) if " STATUS [" in l]
    h.check(f"{transport}: STATUS messages for start and stop", len(status) >= 2)


def check_injection():
    """A PJL path that tries to close the SD element and start a new syslog line."""
    from scapy.all import IP, TCP, Ether, Raw, wrpcap  # Debian's python3-scapy
    # PJL quotes have no escapes: the whole value below is the path, with ], \ and a CR in it.
    evil = b'@PJL FSUPLOAD NAME="a] forged=1 \\\r<13>1 2020-01-01T00:00:00Z evil"\n'
    pkts = [Ether() / IP(src="203.0.113.9", dst="10.1.0.50") / TCP(sport=4000, dport=9100, flags="S", seq=1),
            Ether() / IP(src="10.1.0.50", dst="203.0.113.9") / TCP(sport=9100, dport=4000, flags="SA", seq=9, ack=2),
            Ether() / IP(src="203.0.113.9", dst="10.1.0.50") / TCP(sport=4000, dport=9100, flags="PA", seq=2, ack=10) / Raw(evil)]
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i * 0.001
    pcap = os.path.join(WORK, "evil.pcap")
    wrpcap(pcap, pkts)
    before = len(lines("udp.log"))
    eve = os.path.join(WORK, "evil.jsonl")
    h.run([BIN, "-r", pcap, "--eve", eve, "--syslog", f"udp://127.0.0.1:{udp_port}"])
    n_alerts = len([e for e in h.eve_events(eve) if e["event_type"] == "alert"])
    got = h.wait_for(lambda: len(lines("udp.log")) - before >= n_alerts + 3 and lines("udp.log")[before:], timeout=10) or []
    fs = [l for l in got if 'kind="pjl.fs_access"' in l]
    h.check("injection: no forged syslog line", not any(l.startswith("<13>1 2020") for l in got) and len(fs) == 1)
    m = RFC5424.match(fs[0]) if fs else None
    params = dict(PARAM.findall(m.group(6))) if m else {}
    h.check("injection: the path stays one escaped SD param, no forged param",
            m is not None and "forged" not in params and
            params.get("path") == 'a\\] forged=1 \\\\\\x0d<13>1 2020-01-01T00:00:00Z evil',
            fs[0] if fs else "no fs_access line")


def check_outage(transport, port, log):
    cfg = os.path.join(WORK, "outage.yaml")
    with open(cfg, "w") as f:
        # 15 holds one batch (11 messages) but not the 41 produced while the collector is down.
        f.write("alerts: {suppress: 0s}\nsyslog: {queue: 15}\n")
    eve, prom = os.path.join(WORK, f"outage-{transport}.jsonl"), os.path.join(WORK, f"outage-{transport}.prom")
    rsys = start_rsyslog()
    sensor = procs.start([BIN, "-r", "-", "-c", cfg, "--eve", eve, "--metrics-file", prom,
                          "--syslog", f"{transport}://127.0.0.1:{port}"], stdin=subprocess.PIPE)
    base = len(alerts_in(log))
    sensor.stdin.write(h.pcap_header() + h.attempts(1, 5))
    sensor.stdin.flush()
    h.check(f"outage ({transport}): batch 1 delivered", h.wait_for(lambda: len(alerts_in(log)) - base >= 10, timeout=15))
    procs.stop(rsys)
    sensor.stdin.write(h.attempts(2, 20))  # 40 alerts while the collector is down
    sensor.stdin.flush()
    time.sleep(3)
    h.check(f"outage ({transport}): the sensor keeps capturing", sensor.poll() is None)
    start_rsyslog()
    # The queue held the first outage messages: they arrive once the collector is back...
    held = h.wait_for(lambda: sum("198.51.102." in l for l in alerts_in(log)), timeout=30)
    h.check(f"outage ({transport}): messages held during the outage are delivered ({held or 0})", held)
    # ...and new alerts flow again.
    sensor.stdin.write(h.attempts(3, 5))
    sensor.stdin.flush()
    resumed = h.wait_for(lambda: sum("198.51.103." in l for l in alerts_in(log)) >= 10, timeout=30)
    h.check(f"outage ({transport}): delivery resumes when the collector is back", resumed)
    sensor.stdin.close()
    rc = procs.stop(sensor, sig=0) if False else sensor.wait(30)
    h.check(f"outage ({transport}): sensor exits cleanly", rc == 0)
    events = h.eve_events(eve)
    batch2 = [e for e in events if e["event_type"] == "alert" and e.get("src_ip", "").startswith("198.51.102.")]
    h.check(f"outage ({transport}): alerts of the outage are all in EVE", len(batch2) == 40)
    metrics = open(prom).read() if os.path.exists(prom) else ""
    m = re.search(r'^printwatch_output_errors_total\{sink="syslog"\} (\d+)', metrics, re.M)
    h.check(f"outage ({transport}): drops are counted ({m.group(1) if m else 'none'})", m is not None and int(m.group(1)) > 0)
    lost = 40 - sum("198.51.102." in l for l in alerts_in(log))
    h.check(f"outage ({transport}): every alert not delivered is counted", m is not None and int(m.group(1)) >= lost, f"lost {lost}")
    err = sensor.stderr.read().decode(errors="replace")
    h.check(f"outage ({transport}): one status line when delivery fails and one when it recovers",
            err.count(" failing;") == 1 and err.count(" recovered;") == 1, err[-1000:])


def check_stuck_collector():
    """SIGSTOP, not a stop: the kernel still accepts the connection and buffers, until full."""
    cfg = os.path.join(WORK, "stuck.yaml")
    with open(cfg, "w") as f:
        f.write("alerts: {suppress: 0s, max_per_minute: 100000}\nsyslog: {queue: 50000}\n")
    eve, prom = os.path.join(WORK, "stuck.jsonl"), os.path.join(WORK, "stuck.prom")
    base = len(alerts_in("tcp.log"))
    rsys = start_rsyslog()
    os.kill(rsys.pid, signal.SIGSTOP)
    sensor = procs.start([BIN, "-r", "-", "-c", cfg, "--eve", eve, "--metrics-file", prom,
                          "--syslog", f"tcp://127.0.0.1:{tcp_port}"], stdin=subprocess.PIPE)
    sensor.stdin.write(h.pcap_header() + h.attempts(9, 6000))  # about 12,000 alerts, some MB of syslog
    sensor.stdin.flush()
    time.sleep(3)  # the pipe took all but its last 64 KiB; let the sensor catch up
    started = time.time()
    sensor.send_signal(signal.SIGTERM)
    try:
        rc = sensor.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.time() - started
    h.check(f"stuck collector: SIGTERM ends the sensor in {took:.1f} s (budget 5 s + a slice)",
            rc == 0 and took < 8, f"exit {rc}")
    err = sensor.stderr.read().decode(errors="replace") if rc is not None else ""
    in_eve = sum(e["event_type"] == "alert" for e in h.eve_events(eve))
    os.kill(rsys.pid, signal.SIGCONT)
    # rsyslog now reads what the kernel buffered; wait until the log stops growing.
    last = -1
    while (n := len(alerts_in("tcp.log"))) != last:
        last = n
        time.sleep(2)
    delivered = last - base
    metrics = open(prom).read() if os.path.exists(prom) else ""
    m = re.search(r'^printwatch_output_errors_total\{sink="syslog"\} (\d+)', metrics, re.M)
    counted = int(m.group(1)) if m else 0
    h.check(f"stuck collector: {in_eve} alerts in EVE, {delivered} reached rsyslog, {counted} counted as lost",
            in_eve > 10000 and counted > 0 and delivered + counted >= in_eve, metrics[-300:])
    h.check("stuck collector: the shutdown names the loss on stderr", "not delivered at shutdown" in err, err[-500:])
    procs.stop(rsys)


def eve_alerts(case, url, tag):
    eve = os.path.join(WORK, f"{tag}.jsonl")
    r = h.run([BIN, "-r", os.path.join(ROOT, "pcaps", case, "input.pcap"), "-c",
               os.path.join(ROOT, "pcaps", case, "config.yaml"), "--eve", eve, "--syslog", url])
    return r, [e for e in h.eve_events(eve) if e["event_type"] == "alert"]


SEVERITY_TEXT = {1: "warning", 2: "notice", 3: "info"}


def check_imuxsock():
    d = os.path.join(WORK, "imux")
    os.makedirs(d, exist_ok=True)
    sock, log = os.path.join(d, "log.sock"), os.path.join(d, "parsed.log")
    conf = os.path.join(d, "rsyslog.conf")
    with open(conf, "w") as f:
        f.write(f'''global(workDirectory="{d}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{sock}" CreatePath="on" RateLimit.Interval="0")
template(name="parsed" type="string"
         string="%programname%|%procid%|%syslogfacility-text%|%syslogseverity-text%|%msg%\\n")
action(type="omfile" file="{log}" template="parsed")
''')
    rsys = procs.start(["rsyslogd", "-n", "-f", conf, "-i", os.path.join(d, "pid")])
    h.check("imuxsock: rsyslog listens on its own socket", h.wait_for(lambda: os.path.exists(sock), timeout=15))
    r, alerts = eve_alerts("pjl-sids", f"unix://{sock}", "imux")
    got = h.wait_for(lambda: (n := [l for l in open(log).read().splitlines() if "|ALERT " in l or "| ALERT " in l])
                     and len(n) >= len(alerts) and n, timeout=15) or []
    parsed = [l.split("|", 4) for l in got]
    sids = sorted(int(re.search(r'sid="(\d+)"', p[4]).group(1)) for p in parsed if 'sid="' in p[4])
    h.check(f"imuxsock: all {len(alerts)} alerts arrive, tagged printwatch[PID] with facility local5",
            alerts and len(parsed) == len(alerts)
            and all(p[0] == "printwatch" and p[1].isdigit() and p[2] == "local5" for p in parsed),
            str(parsed[:2]))
    h.check("imuxsock: severities and sids are those of EVE",
            sids == sorted(e["alert"]["signature_id"] for e in alerts)
            and sorted(p[3] for p in parsed) == sorted(SEVERITY_TEXT[e["alert"]["severity"]] for e in alerts),
            f"{sids[:5]}")
    procs.stop(rsys)


JOURNAL_SCRIPT = r'''
set -e
mount -t tmpfs printwatch-test /run/systemd 2>/dev/null || { mkdir -p /run/systemd; mount -t tmpfs printwatch-test /run/systemd; }
mkdir -p /run/systemd/journal /run/log
mount -t tmpfs printwatch-test /run/log
/lib/systemd/systemd-journald & jpid=$!
for i in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
"$1" -r "$2" -c "$3" --eve "$4" --syslog unix:///run/systemd/journal/dev-log
sleep 1
journalctl -D /run/log/journal -t printwatch -o json --no-pager > "$5"
kill $jpid; wait $jpid || true
'''


def check_journald():
    journald = "/lib/systemd/systemd-journald"
    if not os.path.exists(journald):
        h.check("journald: systemd-journald is installed", False)
        return
    eve, out = os.path.join(WORK, "journal-eve.jsonl"), os.path.join(WORK, "journal.json")
    case = os.path.join(ROOT, "pcaps", "pjl-sids")
    r = h.run(["unshare", "-m", "bash", "-c", JOURNAL_SCRIPT, "journal", BIN, os.path.join(case, "input.pcap"),
               os.path.join(case, "config.yaml"), eve, out])
    h.check("journald: a private journald ran and journalctl read it", r.returncode == 0, r.stderr[-800:])
    alerts = [e for e in h.eve_events(eve) if e["event_type"] == "alert"]
    entries = [json.loads(l) for l in open(out)] if os.path.exists(out) else []
    logged = [e for e in entries if e.get("PRINTWATCH_MSGID") == "ALERT"]
    h.check(f"journald: journalctl -t printwatch finds all {len(alerts)} alerts",
            alerts and len(logged) == len(alerts), f"{len(logged)} of {len(entries)} entries")
    h.check("journald: PRINTWATCH_SID and the tuple are fields, the message is plain text",
            sorted(int(e["PRINTWATCH_SID"]) for e in logged) == sorted(a["alert"]["signature_id"] for a in alerts)
            and all(e.get("PRINTWATCH_SRC") and e.get("PRINTWATCH_DPORT") == "9100" and "[printwatch@" not in e["MESSAGE"]
                    for e in logged))
    prio = {1: "4", 2: "5", 3: "6"}
    h.check("journald: PRIORITY follows the alert severity, SYSLOG_FACILITY is local5",
            sorted(e["PRIORITY"] for e in logged) == sorted(prio[a["alert"]["severity"]] for a in alerts)
            and all(e.get("SYSLOG_FACILITY") == "21" for e in logged))


try:
    check_imuxsock()
    check_journald()
    start_rsyslog()
    check_delivery("udp", "udp.log")
    check_delivery("tcp", "tcp.log")
    check_injection()
    for p in list(procs.procs):
        procs.stop(p)
    check_outage("tcp", tcp_port, "tcp.log")
    for p in list(procs.procs):
        procs.stop(p)
    # UDP has no receipt: a refusal (ICMP port unreachable) is the one loss a sender can see,
    # and each must be counted, with the rest held in the queue (issue 12).
    check_outage("udp", udp_port, "udp.log")
    for p in list(procs.procs):
        procs.stop(p)
    check_stuck_collector()
finally:
    procs.stop_all()
h.finish()
