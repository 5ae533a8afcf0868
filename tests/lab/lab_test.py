#!/usr/bin/python3
"""The real-client lab (issue 8): a printer LAN in network namespaces with a SPAN port, real
clients from Debian's packages, and printwatch checked against an independent reference.

    lab_test.py PRINTWATCH REPO_ROOT [--write-golden]   build the lab, run the clients, check
    lab_test.py PRINTWATCH REPO_ROOT --golden           the same checks on the committed
                                                        captures pcaps/lab-* (no root needed)
    lab_test.py PRINTWATCH REPO_ROOT --replay WORKDIR   the checks again on a run's captures

Real clients (topology.py has the LAN):
  trusted CUPS/SANE host 10.77.1.20: cups-bjnp discovery and a job (/usr/lib/cups/backend/bjnp),
    SANE's pixma backend (scanimage -L: BJNP discovery over IPv4 broadcast and IPv6 multicast,
    then identity), the CUPS socket backend (/usr/lib/cups/backend/socket) with a PJL-wrapped
    PostScript job and a bare one;
  untrusted inside host 10.77.1.30: a cups-bjnp job, and nc sending bare PostScript with
    exitserver, deletefile, startjob, setsystemparams and filenameforall;
  the outside attacker 203.0.113.66: nmap -sS, nmap -sU --script bjnp-discover, nmap --script
    pjl-ready-message, PRET's PJL and PostScript sequences (pret_client.py, PostScript in 7-byte
    segments), bare PostScript in 9-byte segments; then the firewall fix (iptables REJECT and
    DROP on the printer), a spoofed SYN flood (flood.py) and the attacker's re-scan, in one
    minute of their own.
The printer is printer.py, the only side that is not a real program.

Every capture is replayed through printwatch, for the plain SPAN and for the trunk SPAN
(tagged trunk copies, untagged replies, mirrored duplicates), and compared with
reference.py (scapy, none of printwatch's code): attempts by service and outcome, exposure,
BJNP, PJL and PostScript records, job details, alerts by sid, and no medium or high alert from
the trusted client. A live printwatch on the SPAN port must count the same attempts.
--write-golden copies the captures into pcaps/lab-*/ as golden cases (then run the golden
tests with UPDATE_GOLDEN=1 and review). Needs root; every client comes from
scripts/install-deps.sh. Traffic stays inside the namespaces it creates.
"""
import collections
import datetime
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import capture  # noqa: E402
import reference  # noqa: E402
import topology  # noqa: E402
from topology import HOSTS, OUT  # noqa: E402

BIN, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
WRITE_GOLDEN = "--write-golden" in sys.argv
PRN = HOSTS["prn"][1]
TRUSTED = [HOSTS["cups"][1], HOSTS["cups"][2], HOSTS["cups"][0]]
CONFIG = f"""# The lab's printer LAN: the CUPS/SANE host is trusted by address and by MAC (SANE also
# speaks from its IPv6 link-local address). A small alert budget, so that the spoofed flood
# spends it and the fairness of the budget is what lets the attacker's re-test through.
trusted_clients: [{HOSTS['cups'][1]}, {HOSTS['cups'][2]}, {HOSTS['cups'][0]}]
alerts:
  max_per_minute: 200
"""
PASSED, FAILED = [], []


def check(name, ok, detail=""):
    (PASSED if ok else FAILED).append(name)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else f"\n     | {detail}"))
    sys.stdout.flush()


def step(lab, ns, *cmd, timeout=120, stdin=None):
    """Runs a real client in a namespace; its output is kept for the report."""
    t = time.time()
    r = subprocess.run(["ip", "netns", "exec", lab.ns(ns), *cmd], capture_output=True,
                       timeout=timeout, input=stdin)
    print(f"     {ns}$ {' '.join(cmd)[:110]}  ({time.time() - t:.1f}s, exit {r.returncode})")
    return r


def send_segmented(lab, ns, host, data, segment):
    """Bare PostScript from a tool that writes `segment` bytes per TCP segment."""
    code = ("import socket,sys,time\n"
            "s=socket.create_connection((sys.argv[1],9100),timeout=3)\n"
            "s.setsockopt(socket.IPPROTO_TCP,socket.TCP_NODELAY,1)\n"
            "d=sys.stdin.buffer.read();n=int(sys.argv[2])\n"
            "for i in range(0,len(d),n):\n s.sendall(d[i:i+n]);time.sleep(0.002)\n"
            "s.shutdown(socket.SHUT_WR)\n"
            "try:\n while s.recv(4096): pass\nexcept OSError: pass\n")
    return step(lab, ns, "/usr/bin/python3", "-c", code, host, str(segment), stdin=data)


PAGE = (b"%!PS-Adobe-3.0\n%%Creator: printwatch lab\n%%Title: quarterly report\n%%Pages: 1\n"
        b"%%EndComments\n%%BeginProlog\n/F { findfont exch scalefont setfont } bind def\n"
        b"%%EndProlog\n%%Page: 1 1\n<< /PageSize [595 842] /Duplex false >> setpagedevice\n"
        b"12 /Helvetica F 72 720 moveto (printwatch lab page) show\nshowpage\n%%EOF\n")
DRIVER_JOB = (b"\x1b%-12345X@PJL JOB NAME=\"quarterly report\"\r\n@PJL SET USERNAME=\"alice\"\r\n"
              b"@PJL ENTER LANGUAGE=POSTSCRIPT\r\n" + PAGE + b"\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X")
EVIL_PS = (b"%!PS\nserverdict begin 0 exitserver\n(0:/webServer/config/device.cfg) deletefile\n"
           b"true 0 startjob pop\n<< /SystemParamsPassword (0) /Password (0) >> setsystemparams\n"
           b"(*) {==} 256 string filenameforall\n")


def clients_phase(lab, work):
    job = os.path.join(work, "canon.bin")
    with open(job, "wb") as f:  # Canon BJL-style data; the backend only carries it
        f.write(b"\x1b[K\x02\x00\x00\x1f\x10" + bytes(range(256)) * 8)
    for name, data in (("page.ps", PAGE), ("driver.prn", DRIVER_JOB)):
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)
    sane = os.path.join(work, "sane.d")
    os.makedirs(sane, exist_ok=True)
    with open(os.path.join(sane, "dll.conf"), "w") as f:
        f.write("pixma\n")
    open(os.path.join(sane, "pixma.conf"), "w").close()  # auto-discovery only
    os.chmod(work, 0o755)
    r = step(lab, "cups", "/usr/lib/cups/backend/bjnp")
    check("cups-bjnp discovery finds the lab printer", b"bjnp://" in r.stdout, r.stdout[-300:])
    r = step(lab, "cups", "env", f"DEVICE_URI=bjnp://{PRN}:8611", "/usr/lib/cups/backend/bjnp",
             "41", "alice", "Holiday photos", "1", "", job)
    check("cups-bjnp printed a job", r.returncode == 0, r.stderr[-300:])
    r = step(lab, "cups", "env", f"SANE_CONFIG_DIR={sane}", "scanimage", "-L")
    check("SANE pixma found the scanner by BJNP discovery", b"pixma:" in r.stdout, (r.stdout + r.stderr)[-300:])
    with open(os.path.join(sane, "pixma.conf"), "w") as f:  # and as a configured IPv4 device
        f.write(f"bjnp://{PRN}\n")
    r = step(lab, "cups", "env", f"SANE_CONFIG_DIR={sane}", "scanimage", "-L")
    check("SANE pixma found the configured IPv4 scanner", b"pixma:" in r.stdout, (r.stdout + r.stderr)[-300:])
    for name in ("driver.prn", "page.ps"):
        r = step(lab, "cups", "env", f"DEVICE_URI=socket://{PRN}:9100",
                 "/usr/lib/cups/backend/socket", "42", "alice", name, "1", "", os.path.join(work, name))
        check(f"CUPS socket backend sent {name}", r.returncode == 0, r.stderr[-300:])
    r = step(lab, "unt", "env", f"DEVICE_URI=bjnp://{PRN}:8611", "/usr/lib/cups/backend/bjnp",
             "43", "mallory", "exfil.pdf", "1", "", job)
    check("cups-bjnp job from the untrusted host", r.returncode == 0, r.stderr[-300:])
    r = step(lab, "unt", "nc", "-N", "-w", "3", PRN, "9100", stdin=EVIL_PS)
    check("nc sent bare PostScript from the untrusted host", r.returncode == 0, r.stderr[-300:])


def wait_for_fresh_minute():
    """The fix and its verification get a packet-time minute of their own, so the flood is
    what spends that minute's alert budget. An unanswered attempt is decided attempt_timeout
    (5 s) after its first packet and its alert carries that time: the attempts made before the
    fix must settle first, or their alerts land in the fix's minute and read as the re-test's."""
    time.sleep(6)
    now = datetime.datetime.now()
    wait = 61 - now.second - now.microsecond / 1e6
    print(f"     waiting {wait:.1f}s for a fresh minute")
    time.sleep(wait)


def attack_phase(lab, work):
    r = step(lab, "out", "nmap", "-n", "-Pn", "-sS", "-p", "515,631,8611,8612,9100", PRN)
    check("nmap -sS: 9100, 8611, 8612 open", r.stdout.count(b" open ") == 3, r.stdout[-400:])
    r = step(lab, "out", "nmap", "-n", "-Pn", "-sU", "-p", "8611,8612", "--script", "bjnp-discover", PRN)
    check("nmap bjnp-discover read the model", b"MG5200" in r.stdout, r.stdout[-400:])
    r = step(lab, "out", "nmap", "-n", "-Pn", "-p", "9100", "--script", "pjl-ready-message",
             "--script-args", "pjl_ready_message=PWNED BY NMAP", PRN)
    check("nmap pjl-ready-message changed the display", b"PWNED" in r.stdout, r.stdout[-400:])
    r = step(lab, "out", "/usr/bin/python3", os.path.join(HERE, "pret_client.py"), PRN, "pjl")
    check("PRET PJL session", r.returncode == 0, r.stderr[-300:])
    r = step(lab, "out", "/usr/bin/python3", os.path.join(HERE, "pret_client.py"), PRN, "ps", "7")
    check("PRET PostScript session in 7-byte segments", r.returncode == 0, r.stderr[-300:])
    r = send_segmented(lab, "out", PRN, b"\x1b%-12345X" + EVIL_PS, 9)
    check("bare PostScript in 9-byte segments", r.returncode == 0, r.stderr[-300:])
    wait_for_fresh_minute()
    outside = "! -s 10.77.1.0/24".split()
    for rule in (["-p", "tcp", "--dport", "9100", "-j", "REJECT", "--reject-with", "tcp-reset"],
                 ["-p", "udp", "--dport", "8611", "-j", "REJECT", "--reject-with", "icmp-port-unreachable"],
                 ["-p", "tcp", "--dport", "8611:8612", "-j", "DROP"],
                 ["-p", "udp", "--dport", "8612", "-j", "DROP"]):
        r = step(lab, "prn", "iptables", "-A", "INPUT", *outside, *rule)
        check(f"firewall fix: iptables {' '.join(rule[-3:])}", r.returncode == 0, r.stderr)
    r = step(lab, "out", "/usr/bin/python3", os.path.join(HERE, "flood.py"), PRN, "9100", "1500")
    check("spoofed SYN flood sent", r.returncode == 0, r.stderr[-300:])
    r = step(lab, "out", "nmap", "-n", "-Pn", "-sS", "-p", "8611,8612,9100", PRN)
    check("re-scan after the fix: nothing open", b" open " not in r.stdout, r.stdout[-400:])
    r = step(lab, "out", "nmap", "-n", "-Pn", "-sU", "-p", "8611,8612", "--script", "bjnp-discover", PRN)
    check("re-scan after the fix: no BJNP answer", b"MG5200" not in r.stdout, r.stdout[-400:])
    time.sleep(6)  # past attempt_timeout, so the unanswered attempts settle inside the capture


def replay(path, work, tag):
    eve, prom = os.path.join(work, f"{tag}.jsonl"), os.path.join(work, f"{tag}.prom")
    cfg = os.path.join(work, "lab.yaml")
    for p in (eve, prom):
        if os.path.exists(p):
            os.remove(p)
    r = subprocess.run([BIN, "-r", path, "-c", cfg, "--eve", eve, "--metrics-file", prom],
                       capture_output=True, text=True)
    check(f"{tag}: printwatch replays the capture", r.returncode == 0, r.stderr[-300:])
    events = [json.loads(l) for l in open(eve)] if os.path.exists(eve) else []
    return events, metrics(prom)


def metrics(path):
    out = {}
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("printwatch_") and " " in line:
                name, value = line.rsplit(" ", 1)
                out[name] = float(value)
    return out


def attempts_of(m):
    got = {}
    for name, v in m.items():
        if name.startswith("printwatch_inbound_attempts_total{") and v:
            labels = dict(kv.split("=") for kv in name[name.index("{") + 1:-1].split(","))
            got[f"service={labels['service'].strip(chr(34))},outcome={labels['outcome'].strip(chr(34))}"] = int(v)
    return dict(sorted(got.items()))


def summary(events):
    alerts = [e for e in events if e["event_type"] == "alert"]
    sids = sorted({(e["alert"]["signature_id"], e.get("src_ip")) for e in alerts
                   if e["alert"]["signature_id"] != 1001005})
    bjnp = collections.Counter()
    pjl = collections.Counter()
    ps = set()
    jobs = []
    for e in events:
        if e["event_type"] == "bjnp":
            b = e["bjnp"]
            bjnp[f"{e['proto'].lower()} {b['direction']} {b['code']}"] += 1
            if b["command"] == "job_details" and b["direction"] == "command":
                jobs.append({"src": e["src_ip"], "host": b.get("host"), "user": b.get("user"),
                             "title": b.get("title")})
        elif e["event_type"] == "pjl" and e["pjl"]["direction"] == "request":
            pjl[e["pjl"]["command"].split(" ")[0]] += 1
        elif e["event_type"] == "alert" and e["alert"]["signature_id"] == 1001301:
            ps.add((e["src_ip"], e["printwatch"]["operator"]))
    exposed = sorted({f"{e['dest_ip']}:{e['printwatch']['service']}" for e in alerts
                      if e["alert"]["signature_id"] == 1001004})
    return {"alerts": alerts, "sids": [list(s) for s in sids], "bjnp": dict(sorted(bjnp.items())),
            "pjl": dict(sorted(pjl.items())), "postscript": sorted([list(p) for p in ps]),
            "jobs": jobs, "exposed": exposed}


def in_flood(ip):
    return ip is not None and ipaddress.ip_address(ip) in ipaddress.ip_network(topology.FLOOD_NET)


def short(x, n=600):
    t = str(x)
    return t if len(t) <= n else t[:n] + f"... ({len(t)} chars)"


def compare(tag, path, work):
    """printwatch on `path` against the reference computed from `path`."""
    events, m = replay(path, work, tag)
    got = summary(events)
    ref = reference.analyse(path, TRUSTED)
    check(f"{tag}: attempts by service and outcome equal the reference {ref['attempts']}",
          attempts_of(m) == ref["attempts"], f"printwatch {attempts_of(m)}")
    check(f"{tag}: exposed printers equal the reference {ref['exposed']}", got["exposed"] == ref["exposed"],
          f"printwatch {got['exposed']}")
    # Spoofed flood sources are compared as a whole (flood accounting below): which of them
    # got the minute's budget is the gate's choice, not a fact of the capture.
    want = [s for s in ref["sids"] if not in_flood(s[1])]
    have = [s for s in got["sids"] if not in_flood(s[1])]
    check(f"{tag}: alerts by sid and source equal the reference ({len(want)})",
          have == want, f"printwatch {short(have)}\n     | reference  {short(want)}")
    flood_attempts = sum(1 for s in ref["sids"] if s[0] == 1001001 and in_flood(s[1]))
    if flood_attempts:
        written = sum(1 for e in got["alerts"] if e["alert"]["signature_id"] == 1001001 and in_flood(e.get("src_ip")))
        summarised = sum(e["printwatch"]["suppressed_by_kind"].get("printer.inbound_attempt", 0)
                         for e in got["alerts"] if e["alert"]["signature_id"] == 1001005)
        check(f"{tag}: every flood attempt is alerted or counted in the flood summary "
              f"({written} + {summarised} of {flood_attempts})", written + summarised == flood_attempts)
    check(f"{tag}: BJNP records by transport, direction and code equal the reference",
          got["bjnp"] == ref["bjnp"], f"printwatch {got['bjnp']}\n     | reference  {ref['bjnp']}")
    check(f"{tag}: PJL request records by command equal the reference",
          got["pjl"] == ref["pjl"], f"printwatch {got['pjl']}\n     | reference  {ref['pjl']}")
    check(f"{tag}: dangerous PostScript operators by source equal the reference",
          got["postscript"] == ref["postscript"], f"printwatch {got['postscript']}\n     | reference  {ref['postscript']}")
    check(f"{tag}: job details (host, user, title) equal the reference", got["jobs"] == ref["jobs"],
          f"printwatch {got['jobs']}\n     | reference  {ref['jobs']}")
    loud = [(e["alert"]["signature_id"], e["alert"]["severity"]) for e in got["alerts"]
            if e.get("src_ip") in TRUSTED[:2] or e.get("src_ip", "").startswith("fe80::77:ff:fe00:20")]
    check(f"{tag}: no medium or high alert from the trusted client",
          not [a for a in loud if a[1] <= 2], f"{loud}")
    check(f"{tag}: no malformed-BJNP alert (1001199)",
          not any(e["alert"]["signature_id"] == 1001199 for e in got["alerts"]))
    return events, m, ref


def minute_of(ts):
    return int(datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()) // 60


def check_captures(work, phases, live=None):
    """phases: {name: {"span": pcap, "trunk": pcap or None}}: the checks of the lab, on fresh
    captures or on the committed golden ones."""
    results = {}
    for phase, files in phases.items():
        events, m, ref = compare(f"{phase}-span", files["span"], work)
        results[phase] = (events, m, ref)
        if files.get("trunk"):
            tev, tm, tref = compare(f"{phase}-trunk", files["trunk"], work)
            check(f"{phase}-trunk: the reference sees the same attempts as on the plain SPAN",
                  tref["attempts"] == ref["attempts"], f"{tref['attempts']} vs {ref['attempts']}")
            check(f"{phase}-trunk: mirrored duplicates counted",
                  tm.get("printwatch_duplicate_packets_total", 0) > 0)
            if ref["attempts"]:
                check(f"{phase}-trunk: alerts carry the trunk's tag (vlan {topology.VLAN})",
                      any(e.get("vlan") == [topology.VLAN] for e in tev if e["event_type"] == "alert"))
    if "attack" in results:
        events = results["attack"][0]
        alerts = [e for e in events if e["event_type"] == "alert"]
        flood = [e for e in alerts if in_flood(e.get("src_ip"))]
        fix_minute = minute_of(flood[0]["timestamp"]) if flood else None
        in_fix = [e for e in alerts if minute_of(e["timestamp"]) == fix_minute]
        floods = [e for e in in_fix if e["alert"]["signature_id"] == 1001005]
        check("flood: the minute of the fix overflowed the alert budget (printer.alert_flood)",
              floods and floods[0]["printwatch"]["suppressed"] > 0,
              short([e["printwatch"] for e in floods]))
        # The attacker's re-test: every outcome that is new for it within alerts.suppress
        # (300 s) must be alerted although the flood spent the budget; an outcome it already
        # had in that window is suppressed by design, flood or not.
        attempts = results["attack"][2]["attempt_list"]
        fix_start = fix_minute * 60 if fix_minute else 0
        before = {(svc, outcome) for src, _, svc, _, outcome, t in attempts
                  if src == OUT and fix_start - 300 < t < fix_start}
        want = sorted({(svc, proto.upper(), outcome) for src, _, svc, proto, outcome, t in attempts
                       if src == OUT and t >= fix_start and (svc, outcome) not in before})
        retest = sorted({(e["printwatch"]["service"], e["proto"], e["printwatch"]["outcome"]) for e in in_fix
                         if e["alert"]["signature_id"] == 1001001 and e["src_ip"] == OUT})
        check(f"flood: every new outcome of the attacker's re-test is alerted despite the flood {want}",
              want and retest == want, f"printwatch {retest}")
    if live is not None:
        offline = collections.Counter()
        for phase in results:
            offline.update(results[phase][2]["attempts"])
        check("live: printwatch on the SPAN port counted the same attempts as the reference",
              attempts_of(live) == dict(sorted(offline.items())), f"live {attempts_of(live)} vs {dict(offline)}")


GOLDEN = {
    "lab-clients": ("clients", "span", """Real clients on the lab's printer LAN (tests/lab, issue 8), captured on the plain SPAN port.
The trusted CUPS/SANE host 10.77.1.20 runs cups-bjnp discovery and a job
(`/usr/lib/cups/backend/bjnp`, user alice, title "Holiday photos": the real 392-byte job
details), SANE's `scanimage -L` (pixma over BJNP: IPv4 broadcast and IPv6 multicast discovery,
then identity), and the CUPS socket backend with a PJL-wrapped PostScript job and a bare one:
none of it alerts. The untrusted host 10.77.1.30 prints through cups-bjnp (unknown client,
bjnp.job) and sends bare PostScript with `nc` (exitserver, deletefile, startjob,
setsystemparams, filenameforall: sid 1001301). The printer is the lab's responder."""),
    "lab-attack": ("attack", "span", """Real attack tools against the lab's printer (tests/lab, issue 8), captured on the plain SPAN
port. From outside (203.0.113.66): `nmap -sS`, `nmap -sU --script bjnp-discover`, `nmap --script
pjl-ready-message`, PRET's PJL session (info, ls, get, put, set, format, destroy, unlock, flood,
display, restart) and PostScript session (in 7-byte segments), bare PostScript in 9-byte
segments. Then, in a minute of its own, the firewall fix (iptables REJECT tcp-reset on 9100,
REJECT icmp on 8611/udp, DROP on 8611-8612/tcp and 8612/udp), a spoofed SYN flood of 1500
sources, and the attacker's re-scan: refused and unanswered, each alerted despite the flood."""),
    "lab-attack-trunk": ("attack", "trunk", """The lab-attack run as a trunk SPAN saw it (tests/lab, issue 8): frames from the router carry
802.1Q VLAN 100, the printer's replies are untagged, and every frame to the printer is mirrored
twice (tagged from the trunk port, untagged from the printer's port). With the default
flow.vlan_tracking: false, the result equals lab-attack's."""),
}


def write_golden(work, caps):
    for name, (phase, kind, text) in GOLDEN.items():
        d = os.path.join(ROOT, "pcaps", name)
        os.makedirs(d, exist_ok=True)
        src = caps[phase].plain if kind == "span" else os.path.join(work, f"{phase}-trunk.pcap")
        shutil.copy(src, os.path.join(d, "input.pcap"))
        with open(os.path.join(d, "config.yaml"), "w") as f:
            f.write(CONFIG)
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write(f"# {name}\n\n{text}\n\nProvenance: made by real clients from Debian's packages "
                    f"(cups {pkg('cups')}, cups-backend-bjnp {pkg('cups-backend-bjnp')}, "
                    f"sane-utils {pkg('sane-utils')}, nmap {pkg('nmap')}) with\n"
                    f"`sudo /usr/bin/python3 tests/lab/lab_test.py build/dev/printwatch . --write-golden`\n"
                    f"on {datetime.date.today().isoformat()}; the expected output was then written with "
                    f"`UPDATE_GOLDEN=1 ctest --preset dev -R golden/lab-` and reviewed.\n")
        print(f"     wrote pcaps/{name}")


def pkg(name):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
    return r.stdout or "?"


def finish():
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    sys.exit(1 if FAILED else 0)


def stored(work, files):
    with open(os.path.join(work, "lab.yaml"), "w") as f:
        f.write(CONFIG)
    check_captures(work, files)
    finish()


def main():
    if "--golden" in sys.argv:
        pc = os.path.join(ROOT, "pcaps")
        stored(tempfile.mkdtemp(prefix="printwatch-lab-golden-"), {
            "clients": {"span": os.path.join(pc, "lab-clients", "input.pcap")},
            "attack": {"span": os.path.join(pc, "lab-attack", "input.pcap"),
                       "trunk": os.path.join(pc, "lab-attack-trunk", "input.pcap")}})
    if "--replay" in sys.argv:
        d = sys.argv[sys.argv.index("--replay") + 1]
        stored(d, {p: {"span": os.path.join(d, f"{p}-span.pcap"), "trunk": os.path.join(d, f"{p}-trunk.pcap")}
                   for p in ("clients", "attack")})
    if os.geteuid() != 0:
        print("FAIL the lab needs root (network namespaces)\n0 passed, 1 failed")
        sys.exit(1)
    missing = [t for t in ("nmap", "tcpdump", "scanimage", "iptables", "nc",
                           "/usr/lib/cups/backend/bjnp", "/usr/lib/cups/backend/socket")
               if not shutil.which(t) and not os.path.exists(t)]
    if missing:
        print(f"FAIL missing clients (run scripts/install-deps.sh): {missing}\n0 passed, 1 failed")
        sys.exit(1)
    work = tempfile.mkdtemp(prefix="printwatch-lab-")
    with open(os.path.join(work, "lab.yaml"), "w") as f:
        f.write(CONFIG)
    lab = topology.Lab()
    procs = []
    try:
        lab.up()
        printer = lab.popen("prn", ["/usr/bin/python3", os.path.join(HERE, "printer.py"), *HOSTS["prn"]],
                            stdout=open(os.path.join(work, "printer.log"), "w"), stderr=subprocess.STDOUT)
        procs.append(printer)
        live_prom = os.path.join(work, "live.prom")
        live = lab.popen("mon", [BIN, "-i", "span", "-c", os.path.join(work, "lab.yaml"),
                                 "--eve", os.path.join(work, "live.jsonl"), "--metrics-file", live_prom],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "live.err"), "w"))
        procs.append(live)
        time.sleep(1.5)
        check("printer responder and live sensor are up", printer.poll() is None and live.poll() is None,
              open(os.path.join(work, "live.err")).read()[-300:])
        caps = {}
        for phase, run in (("clients", clients_phase), ("attack", attack_phase)):
            print(f"== {phase}")
            caps[phase] = capture.Capture(lab, work, phase)
            caps[phase].start()
            run(lab, work)
            caps[phase].stop()
        live.send_signal(signal.SIGTERM)
        live.wait(15)
        check("live: SIGTERM exits 0", live.returncode == 0, open(os.path.join(work, "live.err")).read()[-300:])
        print("== replay and reference")
        phases = {name: {"span": cap.plain,
                         "trunk": capture.assemble_trunk(cap, os.path.join(work, f"{name}-trunk.pcap"))}
                  for name, cap in caps.items()}
        check_captures(work, phases, metrics(live_prom))
        if WRITE_GOLDEN:
            write_golden(work, caps)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        lab.down()
    print(f"lab work files: {work}")
    finish()


if __name__ == "__main__":
    main()
