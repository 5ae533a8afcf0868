#!/usr/bin/python3
"""The LPD lab (issue 10): real LPD clients from Debian's packages on the lab's printer LAN
(topology.py), against lpd_server.py in the printer's namespace, captured on the SPAN port.

    lpd_lab.py PRINTWATCH REPO_ROOT [--write-golden]   build the lab, run the clients, check
    lpd_lab.py PRINTWATCH REPO_ROOT --golden           the same checks on pcaps/lab-lpd

Clients:
  trusted CUPS host 10.77.1.20: rlpr (a PostScript job), rlpq and rlpq -l, CUPS's lpd backend
    (/usr/lib/cups/backend/lpd: control file first, and with order=data,control, banner=on and
    format=o);
  untrusted inside host 10.77.1.30: rlpr with a PJL + PostScript file that deletes a printer
    file, and rlprm;
  the outside attacker 203.0.113.66: rlpq and rlprm (accepted), one crafted receive-job with a
    malformed and oversized control file (no Debian tool sends one), then the firewall fix:
    rlpq against REJECT (refused) and DROP (unanswered).
printwatch's records are compared with a reference parsed here from the capture with scapy
(none of printwatch's code): every daemon command, every control file line by line, every
print file's size, and the inbound attempts by outcome (reference.py). Needs root for the
lab; --golden does not.
"""
import collections
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import capture  # noqa: E402
import labkit  # noqa: E402
import reference  # noqa: E402
import topology  # noqa: E402
from labkit import check, finish, step  # noqa: E402
from topology import HOSTS, OUT  # noqa: E402

from scapy.all import IP, TCP, PcapReader  # noqa: E402

BIN, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
PRN, CUPS, UNT = HOSTS["prn"][1], HOSTS["cups"][1], HOSTS["unt"][1]
CONFIG = f"""# The LPD lab's printer LAN: the CUPS host is trusted.
trusted_clients: [{CUPS}]
"""
GOLDEN = os.path.join(ROOT, "pcaps", "lab-lpd")
COMMANDS = {1: "print_waiting_jobs", 2: "receive_job", 3: "queue_state_short",
            4: "queue_state_long", 5: "remove_jobs"}
ATTRIBUTES = {"C": "class", "H": "host", "I": "indent", "J": "job_name", "L": "banner_user",
              "M": "mail_user", "P": "user", "T": "title", "W": "width"}

PAGE = (b"%!PS-Adobe-3.0\n%%Title: quarterly report\n%%Pages: 1\n%%EndComments\n"
        b"72 720 moveto /Helvetica findfont 12 scalefont setfont (printwatch lpd lab) show\n"
        b"showpage\n%%EOF\n")
EVIL = (b"\x1b%-12345X@PJL INFO ID\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n%!PS\n"
        b"(0:/webServer/config/device.cfg) deletefile\n\x1b%-12345X")
CRAFTED = ("import socket,sys\n"
           "s=socket.create_connection((sys.argv[1],515),timeout=5)\n"
           "def ack(): s.recv(1)\n"
           "s.sendall(b'\\x02lp\\n'); ack()\n"
           "cf=b'Hevil\\nPmallory\\nJ'+b'A'*3000+b'\\n\\x01\\x02\\n'\n"
           "s.sendall(b'\\x02%d cfA666evil\\n' % len(cf)); ack()\n"
           "s.sendall(cf+b'\\0'); ack()\n"
           "s.close()\n")


def run_clients(lab, work):
    page, evil = os.path.join(work, "page.ps"), os.path.join(work, "evil.ps")
    for path, data in ((page, PAGE), (evil, EVIL)):
        with open(path, "wb") as f:
            f.write(data)
    os.chmod(work, 0o755)
    r = step(lab, "cups", "rlpr", "-H", PRN, "-P", "lp", "-J", "quarterly report", "-T",
             "Q3 figures", page)
    check("rlpr job from the trusted host", r is not None and r.returncode == 0, r and r.stderr)
    r = step(lab, "cups", "rlpq", "-H", PRN, "-P", "lp")
    check("rlpq lists the queue", r is not None and b"lp is ready" in r.stdout, r and r.stderr)
    r = step(lab, "cups", "rlpq", "-l", "-H", PRN, "-P", "lp", "alice")
    check("rlpq -l lists the queue", r is not None and b"lp is ready" in r.stdout, r and r.stderr)
    for job, user, title, uri in (
            ("41", "alice", "Holiday photos", f"lpd://{PRN}/lp"),
            ("42", "bob", "Board minutes", f"lpd://{PRN}/lp?order=data,control&banner=on&format=o")):
        r = step(lab, "cups", "/usr/lib/cups/backend/lpd", job, user, title, "1", "", page,
                 env=[f"DEVICE_URI={uri}"])
        check(f"CUPS lpd backend job {job} ({uri.split('?')[-1] if '?' in uri else 'defaults'})",
              r is not None and r.returncode == 0, r and r.stderr[-300:])
    r = step(lab, "unt", "rlpr", "-H", PRN, "-P", "lp", "-J", "payroll", evil)
    check("rlpr job from the untrusted host", r is not None and r.returncode == 0, r and r.stderr)
    r = step(lab, "unt", "rlprm", "-H", PRN, "-P", "lp", "576")
    check("rlprm from the untrusted host", r is not None and b"dequeued" in r.stdout, r and r.stderr)
    r = step(lab, "out", "rlpq", "-H", PRN, "-P", "lp")
    check("rlpq from outside (accepted)", r is not None and b"lp is ready" in r.stdout, r and r.stderr)
    r = step(lab, "out", "rlprm", "-H", PRN, "-P", "lp", "-")
    check("rlprm - from outside", r is not None and b"dequeued" in r.stdout, r and r.stderr)
    r = step(lab, "out", "/usr/bin/python3", "-c", CRAFTED, PRN)
    check("crafted oversized control file from outside", r is not None and r.returncode == 0,
          r and r.stderr[-300:])
    outside = ["!", "-s", "10.77.1.0/24", "-p", "tcp", "--dport", "515"]
    step(lab, "prn", "iptables", "-A", "INPUT", *outside, "-j", "REJECT", "--reject-with", "tcp-reset")
    r = step(lab, "out", "rlpq", "-H", PRN, "-P", "lp")
    check("rlpq after REJECT fails", r is not None and b"lp is ready" not in r.stdout)
    step(lab, "prn", "iptables", "-F", "INPUT")
    step(lab, "prn", "iptables", "-A", "INPUT", *outside, "-j", "DROP")
    step(lab, "out", "rlpq", "-H", PRN, "-P", "lp", timeout=3)
    time.sleep(6)  # past attempt_timeout, so the unanswered attempt settles inside the capture


def client_streams(path):
    """Client->515 byte streams in SYN order, reassembled by sequence number (mirrored
    duplicates collapse on the same key)."""
    segs, order, current = collections.defaultdict(dict), [], {}
    for p in PcapReader(path):
        if IP not in p or TCP not in p:
            continue
        ip, tcp = p[IP], p[TCP]
        if tcp.dport != 515:
            continue
        tup = (ip.src, tcp.sport, ip.dst)
        if tcp.flags & 0x02:  # a new connection; rlpq and rlprm reuse their privileged ports
            key = (*tup, tcp.seq)
            if key not in segs:
                order.append(key)
                segs[key] = {"isn": tcp.seq}
            current[tup] = key
            continue
        payload = bytes(tcp.payload)
        if payload and tup in current:
            segs[current[tup]][tcp.seq] = payload
    streams = []
    for key in order:
        s = segs[key]
        isn = s.pop("isn", None)
        data = b"".join(s[q] for q in sorted(s, key=lambda q: (q - (isn or 0)) % 2**32))
        if data:
            streams.append((key[0], data))
    return streams


def lpd_reference(path):
    """What each client said, parsed here from RFC 1179: commands, control files, data files."""
    commands, controls, datas = [], [], []
    for src, s in client_streams(path):
        lf = s.find(b"\n")
        words = s[1:lf].split()
        commands.append([src, COMMANDS.get(s[0], "malformed"), words[0].decode() if words else ""])
        if s[0] != 2:
            continue
        pos = lf + 1
        while pos < len(s):
            lf = s.find(b"\n", pos)
            if lf < 0:
                break
            sub, parts = s[pos], s[pos + 1:lf].split()
            if sub not in (2, 3) or len(parts) != 2:
                break
            count, name = int(parts[0]), parts[1].decode()
            body = s[lf + 1:] if count == 0 else s[lf + 1:lf + 1 + count]
            if sub == 3:
                datas.append([src, name, len(body)])
            else:
                attrs, files, lines = {}, [], 0
                for line in body.split(b"\n")[:-1] if body.endswith(b"\n") else body.split(b"\n"):
                    lines += 1
                    text = line.decode("latin-1")
                    if text[:1] in ATTRIBUTES and all(c >= " " or c == "\t" for c in text):
                        attrs[ATTRIBUTES[text[0]]] = text[1:257]
                    elif text[:1] in "cdfglnoprtv" and text[:1]:
                        files.append(text[1:257])
                controls.append([src, name, lines, dict(sorted(attrs.items())), files])
            pos = lf + 1 + len(body) + 1
    return {"commands": commands, "controls": controls, "datas": datas}


def check_capture(path, work):
    events, attempts = labkit.replay(BIN, path, work, CONFIG, "lpd")
    ref, lpd = reference.analyse(path, [CUPS]), lpd_reference(path)
    records = [e for e in events if e["event_type"] == "lpd" and e["lpd"]["direction"] == "command"]
    got_commands = [[e["src_ip"], e["lpd"]["command"], e["lpd"].get("queue", "")] for e in records
                    if e["lpd"]["command"] in COMMANDS.values() or e["lpd"]["command"] == "malformed"]
    check(f"every daemon command is recorded ({len(lpd['commands'])})",
          got_commands == lpd["commands"], f"printwatch {got_commands}\n     | reference  {lpd['commands']}")
    got_controls = [[e["src_ip"], e["lpd"]["name"], e["lpd"]["lines"],
                     {k: e["lpd"][k] for k in sorted(ATTRIBUTES.values()) if k in e["lpd"]},
                     [p["file"] for p in e["lpd"]["print"]]]
                    for e in records if e["lpd"]["command"] == "receive_control_file"]
    check(f"every control file is recorded line by line ({len(lpd['controls'])})",
          got_controls == lpd["controls"], f"printwatch {got_controls}\n     | reference  {lpd['controls']}")
    got_datas = [[e["src_ip"], e["lpd"]["name"], e["lpd"]["received"]] for e in records
                 if e["lpd"]["command"] == "receive_data_file"]
    check(f"every print file is recorded with its size ({len(lpd['datas'])})",
          sorted(got_datas) == sorted(lpd["datas"]), f"printwatch {got_datas}\n     | reference  {lpd['datas']}")
    check(f"inbound attempts by service and outcome equal the reference {ref['attempts']}",
          attempts == ref["attempts"], f"printwatch {attempts}")
    lpd_attempts = {k for k in ref["attempts"] if k.startswith("service=lpd,")}
    check("the firewall fix shows: lpd accepted, refused and unanswered",
          lpd_attempts == {f"service=lpd,outcome={o}" for o in ("accepted", "refused", "unanswered")},
          f"{sorted(lpd_attempts)}")
    alerts = [e for e in events if e["event_type"] == "alert"]
    by_sid = collections.defaultdict(set)
    for e in alerts:
        by_sid[e["alert"]["signature_id"]].add(e["src_ip"])
    generic = sorted([sid, src] for sid, srcs in by_sid.items() if sid < 1001100 and sid != 1001005
                     for src in srcs)
    want = [s for s in ref["sids"] if s[0] < 1001100]
    check("inbound, unknown-client, scan and exposure alerts equal the reference", generic == want,
          f"printwatch {generic}\n     | reference  {want}")
    expect = {1001401: {UNT, OUT}, 1001402: {UNT, OUT}, 1001498: {OUT}, 1001499: {OUT},
              1001211: {UNT}, 1001301: {UNT}}
    for sid, srcs in expect.items():
        check(f"sid {sid} from {sorted(srcs)}", by_sid.get(sid) == srcs, f"printwatch {by_sid.get(sid)}")
    loud = [(e["alert"]["signature_id"], e["alert"]["severity"]) for e in alerts if e["src_ip"] == CUPS]
    check("no alert from the trusted CUPS host", not loud, f"{loud}")
    replies = [e for e in events if e["event_type"] == "lpd" and e["lpd"].get("reply_to") == "receive_job"]
    check("every job the server acknowledged is recorded as accepted",
          replies and all(e["lpd"]["accepted"] for e in replies), f"{[e['lpd'] for e in replies]}")


def write_golden(path):
    os.makedirs(GOLDEN, exist_ok=True)
    shutil.copy(path, os.path.join(GOLDEN, "input.pcap"))
    with open(os.path.join(GOLDEN, "config.yaml"), "w") as f:
        f.write(CONFIG + "\n# the host field of every record: the same on every machine\nsensor: {name: golden}\n")
    ver = ", ".join(labkit.pkg(p) for p in ("rlpr", "cups"))
    with open(os.path.join(GOLDEN, "README.md"), "w") as f:
        f.write(f"""# lab-lpd

Real LPD clients on the lab's printer LAN (tests/lab/lpd_lab.py), captured on the plain SPAN port,
against the lab's LPD server (tests/lab/lpd_server.py, the side that may be faked). The trusted
CUPS host 10.77.1.20 prints with `rlpr` (control file first) and CUPS's lpd backend (control
file first; then `order=data,control&banner=on&format=o`: print file first, an `L` banner line
and the PostScript format letter `o`), and lists the queue with `rlpq` and `rlpq -l`: no alert.
The untrusted host 10.77.1.30 prints a PJL + PostScript file with `deletefile` (lpd.job, and the
print file through the 9100 rules: pjl.info_query_untrusted, ps.dangerous_operator) and removes
a job with `rlprm` (lpd.remove_jobs). From outside, 203.0.113.66 runs `rlpq` and `rlprm -`
(accepted), sends one crafted receive-job whose control file has a 3000-byte job name and a
line of control octets (lpd.oversized; the only crafted connection: no Debian tool sends one),
then meets the firewall fix: `rlpq` against REJECT (refused) and DROP (unanswered).

Provenance: made by real clients from Debian's packages ({ver}) with
`sudo /usr/bin/python3 tests/lab/lpd_lab.py build/dev/printwatch . --write-golden`
on {datetime.date.today().isoformat()}; the expected output was then written with
`UPDATE_GOLDEN=1 ctest --preset dev -R golden/lab-lpd` and reviewed.
""")
    print(f"     wrote {GOLDEN}")


def main():
    if "--golden" in sys.argv:
        check_capture(os.path.join(GOLDEN, "input.pcap"), tempfile.mkdtemp(prefix="printwatch-lpd-golden-"))
        finish()
    if os.geteuid() != 0:
        print("FAIL the lab needs root (network namespaces)\n0 passed, 1 failed")
        sys.exit(1)
    missing = [t for t in ("rlpr", "rlpq", "rlprm", "tcpdump", "iptables", "/usr/lib/cups/backend/lpd")
               if not shutil.which(t) and not os.path.exists(t)]
    if missing:
        print(f"FAIL missing clients (run scripts/install-deps.sh): {missing}\n0 passed, 1 failed")
        sys.exit(1)
    work = tempfile.mkdtemp(prefix="printwatch-lpd-lab-")
    lab = topology.Lab()
    server = None
    try:
        lab.up()
        server = lab.popen("prn", ["/usr/bin/python3", os.path.join(HERE, "lpd_server.py"), PRN],
                           stdout=open(os.path.join(work, "lpd_server.log"), "w"), stderr=subprocess.STDOUT)
        time.sleep(1)
        check("LPD server is up", server.poll() is None)
        cap = capture.Capture(lab, work, "lpd")
        cap.start()
        run_clients(lab, work)
        cap.stop()
        check_capture(cap.plain, work)
        if "--write-golden" in sys.argv:
            write_golden(cap.plain)
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(5)
        lab.down()
    print(f"lab work files: {work}")
    finish()


if __name__ == "__main__":
    main()
