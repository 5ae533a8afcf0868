#!/usr/bin/python3
"""The IPP lab (issue 10): real IPP clients from Debian's packages on the lab's printer LAN
(topology.py) against a real cupsd serving one queue in the printer's namespace (Browsing
off, a file: device, a private configuration), captured on the SPAN port.

    ipp_lab.py PRINTWATCH REPO_ROOT [--write-golden]   build the lab, run the clients, check
    ipp_lab.py PRINTWATCH REPO_ROOT --golden           the same checks on pcaps/lab-ipp

Clients (cups-ipp-utils' ipptool with the test files it ships, and CUPS's ipp backend):
  trusted CUPS host 10.77.1.20: get-printer-attributes.test, print-job.test (PostScript),
    get-jobs.test, get-printers.test, and /usr/lib/cups/backend/ipp printing a job;
  untrusted inside host 10.77.1.30: print-job.test with a PJL + PostScript document that
    deletes a printer file, and Pause-Printer and Purge-Jobs (.test files written here: none
    ships), which cupsd refuses with 426 Upgrade Required, after which ipptool upgrades to
    TLS (OPTIONS * with Upgrade, 101 Switching Protocols, a TLS handshake);
  the outside attacker 203.0.113.66: get-printer-attributes.test (accepted), Set-Printer-
    Attributes and CUPS-Add-Modify-Printer with a file: device URI, then the firewall fix:
    ipptool against REJECT (refused) and DROP (unanswered).
printwatch is compared with tshark's IPP dissector on the same capture (requests by source
and operation, replies by status, HTTP 426 and 101) and with reference.py (attempts by
outcome, generic alerts). Needs root for the lab; --golden does not.
"""
import collections
import datetime
import os
import pwd
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

BIN, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
PRN, CUPS, UNT = HOSTS["prn"][1], HOSTS["cups"][1], HOSTS["unt"][1]
CONFIG = f"""# The IPP lab's printer LAN: the CUPS host is trusted.
trusted_clients: [{CUPS}]
"""
GOLDEN = os.path.join(ROOT, "pcaps", "lab-ipp")
TESTS = "/usr/share/cups/ipptool"
URI = f"ipp://{PRN}/printers/lp"
PAGE = (b"%!PS-Adobe-3.0\n%%Title: quarterly report\n%%Pages: 1\n%%EndComments\n"
        b"72 720 moveto /Helvetica findfont 12 scalefont setfont (printwatch ipp lab) show\n"
        b"showpage\n%%EOF\n")
EVIL = (b"\x1b%-12345X@PJL INFO ID\r\n@PJL ENTER LANGUAGE=POSTSCRIPT\r\n%!PS\n"
        b"(0:/webServer/config/device.cfg) deletefile\n\x1b%-12345X")
CUPSD_CONF = f"""Listen {PRN}:631
Browsing Off
BrowseLocalProtocols none
WebInterface No
HostNameLookups Off
LogLevel info
DefaultAuthType Basic
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  # Job operations are open: cups 2.4.2's cupsd crashes (SIGSEGV) on a Send-Document that a
  # "Require user @OWNER" limit checks without authentication, which the ipp backend sends.
  <Limit CUPS-Add-Modify-Printer CUPS-Delete-Printer CUPS-Add-Modify-Class CUPS-Delete-Class CUPS-Set-Default CUPS-Get-Devices Pause-Printer Resume-Printer Enable-Printer Disable-Printer Purge-Jobs Cancel-Jobs CUPS-Accept-Jobs CUPS-Reject-Jobs>
    AuthType Default
    Require user @SYSTEM
    Order deny,allow
  </Limit>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
PRINTERS_CONF = """<Printer lp>
UUID urn:uuid:6a7e6b2c-4c52-3a3b-7b1c-0a77a1b2c3d4
Info Lab LaserJet
Location Lab
MakeModel HP LaserJet 4250
DeviceURI file:///dev/null
State Idle
Type 4
Accepting Yes
Shared Yes
JobSheets none none
OpPolicy default
ErrorPolicy stop-printer
</Printer>
"""


def admin_test(op, extra=""):
    return ("{\n" f'  NAME "{op}"\n  OPERATION {op}\n  GROUP operation-attributes-tag\n'
            "  ATTR charset attributes-charset utf-8\n"
            "  ATTR naturalLanguage attributes-natural-language en\n"
            "  ATTR uri printer-uri $uri\n  ATTR name requesting-user-name mallory\n"
            f"{extra}}}\n")


def start_cupsd(lab, work):
    root = os.path.join(work, "cups")
    dirs = {d: os.path.join(root, d) for d in ("etc", "spool", "cache", "state", "tmp", "log", "ssl")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    files = (f"ServerRoot {dirs['etc']}\nRequestRoot {dirs['spool']}\nCacheDir {dirs['cache']}\n"
             f"StateDir {dirs['state']}\nTempDir {dirs['tmp']}\nServerKeychain {dirs['ssl']}\n"
             f"AccessLog {dirs['log']}/access_log\nErrorLog {dirs['log']}/error_log\n"
             f"PageLog {dirs['log']}/page_log\nFileDevice Yes\nCreateSelfSignedCerts yes\n"
             f"Printcap {dirs['state']}/printcap\n"
             "SystemGroup root\nUser lp\nGroup lp\n")
    for name, text in (("cupsd.conf", CUPSD_CONF), ("cups-files.conf", files),
                       ("printers.conf", PRINTERS_CONF)):
        with open(os.path.join(dirs["etc"], name), "w") as f:
            f.write(text)
    lp = pwd.getpwnam("lp")
    for d in ("spool", "cache", "state", "tmp", "log", "ssl"):
        os.chown(dirs[d], lp.pw_uid, lp.pw_gid)
    for path in (work, root, dirs["etc"]):
        os.chmod(path, 0o755)
    proc = lab.popen("prn", ["cupsd", "-f", "-c", os.path.join(dirs["etc"], "cupsd.conf"),
                             "-s", os.path.join(dirs["etc"], "cups-files.conf")],
                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "cupsd.err"), "w"))
    for _ in range(50):
        if lab.run("prn", "ss", "-ltn", check=False).stdout.count(":631 "):
            break
        time.sleep(0.2)
    return proc, os.path.join(dirs["log"], "error_log")


def ipptool(lab, ns, test, *args, timeout=30):
    return step(lab, ns, "ipptool", "-t", *args, URI, test, timeout=timeout)


def run_clients(lab, work):
    page, evil = os.path.join(work, "page.ps"), os.path.join(work, "evil.ps")
    for path, data in ((page, PAGE), (evil, EVIL)):
        with open(path, "wb") as f:
            f.write(data)
    tests = {}
    for op, extra in (("Pause-Printer", ""), ("Purge-Jobs", ""),
                      ("Set-Printer-Attributes", '  GROUP printer-attributes-tag\n  ATTR text printer-info "owned"\n'),
                      ("CUPS-Add-Modify-Printer", '  GROUP printer-attributes-tag\n  ATTR uri device-uri "file:///tmp/owned"\n')):
        tests[op] = os.path.join(work, f"{op}.test")
        with open(tests[op], "w") as f:
            f.write(admin_test(op, extra))
    for path in (page, evil, *tests.values()):
        os.chmod(path, 0o644)
    ps = ["-f", page, "-d", "document-format=application/postscript"]
    r = ipptool(lab, "cups", f"{TESTS}/get-printer-attributes.test")
    check("ipptool get-printer-attributes.test (successful-ok; the raw queue lacks media-col-default)",
          r is not None and b"status-code = successful-ok" in r.stdout, r and r.stdout[-300:])
    r = ipptool(lab, "cups", f"{TESTS}/print-job.test", *ps)
    check("ipptool print-job.test from the trusted host", r is not None and b"[PASS]" in r.stdout, r and r.stdout[-300:])
    r = ipptool(lab, "cups", f"{TESTS}/get-jobs.test")
    check("ipptool get-jobs.test", r is not None and b"[PASS]" in r.stdout, r and r.stdout[-300:])
    r = step(lab, "cups", "ipptool", "-t", f"ipp://{PRN}/", f"{TESTS}/get-printers.test")
    check("ipptool get-printers.test (CUPS-Get-Printers)", r is not None and b"[PASS]" in r.stdout, r and r.stdout[-300:])
    r = step(lab, "cups", "/usr/lib/cups/backend/ipp", "41", "alice", "Holiday photos", "1", "", page,
             env=[f"DEVICE_URI={URI}"], timeout=60)
    check("CUPS ipp backend prints a job", r is not None and r.returncode == 0, r and r.stderr[-400:])
    r = ipptool(lab, "unt", f"{TESTS}/print-job.test", "-f", evil, "-d", "document-format=application/octet-stream")
    check("ipptool print-job.test from the untrusted host", r is not None and b"[PASS]" in r.stdout, r and r.stdout[-300:])
    for op in ("Pause-Printer", "Purge-Jobs"):
        r = ipptool(lab, "unt", tests[op])
        check(f"ipptool {op} from the untrusted host is refused", r is not None and b"[FAIL]" in r.stdout,
              r and r.stdout[-300:])
    r = ipptool(lab, "out", f"{TESTS}/get-printer-attributes.test")
    check("ipptool get-printer-attributes.test from outside", r is not None and b"status-code = successful-ok" in r.stdout)
    r = ipptool(lab, "out", tests["Set-Printer-Attributes"])
    check("ipptool Set-Printer-Attributes from outside", r is not None)
    r = ipptool(lab, "out", tests["CUPS-Add-Modify-Printer"])
    check("ipptool CUPS-Add-Modify-Printer from outside is refused", r is not None and b"[FAIL]" in r.stdout)
    outside = ["!", "-s", "10.77.1.0/24", "-p", "tcp", "--dport", "631"]
    step(lab, "prn", "iptables", "-A", "INPUT", *outside, "-j", "REJECT", "--reject-with", "tcp-reset")
    r = ipptool(lab, "out", f"{TESTS}/get-printer-attributes.test", "-T", "2", timeout=10)
    check("ipptool after REJECT fails", r is None or b"[PASS]" not in r.stdout)
    step(lab, "prn", "iptables", "-F", "INPUT")
    step(lab, "prn", "iptables", "-A", "INPUT", *outside, "-j", "DROP")
    ipptool(lab, "out", f"{TESTS}/get-printer-attributes.test", "-T", "2", timeout=3)
    time.sleep(6)  # past attempt_timeout, so the unanswered attempt settles inside the capture


def tshark_reference(path):
    """Wireshark's reading of the same capture: IPP requests (source, operation-id), replies
    (client, status-code), and HTTP 426/101 replies."""
    r = subprocess.run(["tshark", "-r", path, "-Y", "ipp || http.response.code == 426 || "
                        "http.response.code == 101", "-T", "fields", "-E", "separator=|",
                        "-e", "ip.src", "-e", "ip.dst", "-e", "ipp.operation_id", "-e", "ipp.status_code",
                        "-e", "http.response.code"], capture_output=True, text=True)
    requests, replies, http = [], [], collections.Counter()
    for line in r.stdout.splitlines():
        src, dst, op, status, code = (line.split("|") + [""] * 5)[:5]
        if op:
            requests.append([src, int(op, 0)])
        elif status:
            replies.append([dst, int(status, 0)])
        if code in ("426", "101"):
            http[code] += 1
    return {"requests": sorted(requests), "replies": sorted(replies), "http": dict(http)}


def check_capture(path, work):
    events, attempts = labkit.replay(BIN, path, work, CONFIG, "ipp")
    ref, ws = reference.analyse(path, [CUPS]), tshark_reference(path)
    ipp = [e for e in events if e["event_type"] == "ipp"]
    requests = sorted([e["src_ip"], e["ipp"]["operation_id"]] for e in ipp
                      if e["ipp"]["direction"] == "request" and "operation_id" in e["ipp"])
    check(f"every IPP request is recorded with its operation ({len(ws['requests'])}, as tshark reads them)",
          requests == ws["requests"], f"printwatch {requests}\n     | tshark     {ws['requests']}")
    replies = sorted([e["src_ip"], e["ipp"]["status_code"]] for e in ipp
                     if e["ipp"]["direction"] == "response" and "status_code" in e["ipp"])
    check(f"every IPP reply is recorded with its status ({len(ws['replies'])})",
          replies == ws["replies"], f"printwatch {replies}\n     | tshark     {ws['replies']}")
    http = collections.Counter(str(e["ipp"]["http_status"]) for e in ipp
                               if e["ipp"].get("http_status") in (426, 101))
    check(f"the 426 refusals and the 101 upgrades are recorded {ws['http']}", dict(http) == ws["http"]
          and ws["http"].get("426", 0) >= 3 and ws["http"].get("101", 0) >= 3, f"printwatch {dict(http)}")
    refused = sorted({e["ipp"]["operation"] for e in ipp if e["ipp"].get("http_status") == 426})
    check("each refusal names the operation it refused", refused == ["CUPS-Add-Modify-Printer", "Pause-Printer",
                                                                    "Purge-Jobs"], f"{refused}")
    named = all(e["ipp"]["operation"] != "unknown" for e in ipp)
    check("every operation has its name", named)
    inventory = [e["printer"] for e in events if e["event_type"] == "printer"]
    check("the inventory learns the printer's model from its attributes",
          any(p.get("model") for p in inventory), f"{inventory}")
    check(f"inbound attempts by service and outcome equal the reference {ref['attempts']}",
          attempts == ref["attempts"], f"printwatch {attempts}")
    ipp_attempts = {k for k in ref["attempts"] if k.startswith("service=ipp,")}
    check("the firewall fix shows: ipp accepted, refused and unanswered",
          ipp_attempts == {f"service=ipp,outcome={o}" for o in ("accepted", "refused", "unanswered")},
          f"{sorted(ipp_attempts)}")
    alerts = [e for e in events if e["event_type"] == "alert"]
    by_sid = collections.defaultdict(set)
    for e in alerts:
        by_sid[e["alert"]["signature_id"]].add(e["src_ip"])
    generic = sorted([sid, src] for sid, srcs in by_sid.items() if sid < 1001100 and sid != 1001005
                     for src in srcs)
    want = [s for s in ref["sids"] if s[0] < 1001100]
    check("inbound, unknown-client, scan and exposure alerts equal the reference", generic == want,
          f"printwatch {generic}\n     | reference  {want}")
    expect = {1001501: {UNT}, 1001502: {UNT, OUT}, 1001211: {UNT}, 1001301: {UNT}}
    for sid, srcs in expect.items():
        check(f"sid {sid} from {sorted(srcs)}", by_sid.get(sid) == srcs, f"printwatch {by_sid.get(sid)}")
    check("no malformed IPP (1001599)", 1001599 not in by_sid)
    loud = [(e["alert"]["signature_id"], e["alert"]["severity"]) for e in alerts if e["src_ip"] == CUPS]
    check("no alert from the trusted CUPS host", not loud, f"{loud}")


def write_golden(path):
    os.makedirs(GOLDEN, exist_ok=True)
    shutil.copy(path, os.path.join(GOLDEN, "input.pcap"))
    with open(os.path.join(GOLDEN, "config.yaml"), "w") as f:
        f.write(CONFIG + "\n# the host field of every record: the same on every machine\nsensor: {name: golden}\n")
    ver = ", ".join(labkit.pkg(p) for p in ("cups-ipp-utils", "cups-daemon", "cups"))
    with open(os.path.join(GOLDEN, "README.md"), "w") as f:
        f.write(f"""# lab-ipp

Real IPP clients on the lab's printer LAN (tests/lab/ipp_lab.py), captured on the plain SPAN
port, against a real cupsd serving the queue `lp` (a raw queue on a file: device, Browsing
off) in the printer's namespace. The trusted CUPS host 10.77.1.20 runs ipptool with the test
files cups-ipp-utils ships (get-printer-attributes, print-job, get-jobs, get-printers) and
CUPS's ipp backend printing a job: no alert. The untrusted host 10.77.1.30 prints a PJL +
PostScript document with `deletefile` (ipp.job, and the document through the 9100 rules) and
sends Pause-Printer and Purge-Jobs (ipp.admin_operation), which cupsd refuses with 426 Upgrade
Required; ipptool then upgrades to TLS (OPTIONS * with Upgrade, 101, the handshake). From
outside, 203.0.113.66 reads the printer's attributes, sets printer-info (cupsd allows it) and
tries CUPS-Add-Modify-Printer with a file: device URI (426), then meets the firewall fix:
REJECT (refused) and DROP (unanswered).

Provenance: made by real clients from Debian's packages ({ver}) with
`sudo /usr/bin/python3 tests/lab/ipp_lab.py build/dev/printwatch . --write-golden`
on {datetime.date.today().isoformat()}; the expected output was then written with
`UPDATE_GOLDEN=1 ctest --preset dev -R golden/lab-ipp` and reviewed.
""")
    print(f"     wrote {GOLDEN}")


def main():
    if "--golden" in sys.argv:
        check_capture(os.path.join(GOLDEN, "input.pcap"), tempfile.mkdtemp(prefix="printwatch-ipp-golden-"))
        finish()
    if os.geteuid() != 0:
        print("FAIL the lab needs root (network namespaces)\n0 passed, 1 failed")
        sys.exit(1)
    missing = [t for t in ("ipptool", "cupsd", "tshark", "tcpdump", "iptables", "/usr/lib/cups/backend/ipp",
                           f"{TESTS}/print-job.test") if not shutil.which(t) and not os.path.exists(t)]
    if missing:
        print(f"FAIL missing clients (run scripts/install-deps.sh): {missing}\n0 passed, 1 failed")
        sys.exit(1)
    work = tempfile.mkdtemp(prefix="printwatch-ipp-lab-")
    lab = topology.Lab()
    cupsd = None
    try:
        lab.up()
        cupsd, log = start_cupsd(lab, work)
        check("cupsd is up in the printer's namespace", cupsd.poll() is None,
              open(os.path.join(work, "cupsd.err")).read()[-300:])
        cap = capture.Capture(lab, work, "ipp")
        cap.start()
        run_clients(lab, work)
        cap.stop()
        check_capture(cap.plain, work)
        if "--write-golden" in sys.argv:
            write_golden(cap.plain)
    finally:
        if cupsd is not None and cupsd.poll() is None:
            cupsd.terminate()
            cupsd.wait(10)
        lab.down()
    print(f"lab work files: {work}")
    finish()


if __name__ == "__main__":
    main()
