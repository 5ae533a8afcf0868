#!/usr/bin/env python3
"""The golden cases agree with tshark's view of the same captures (issue 4 acceptance):
- every BJNP message tshark decodes (UDP) is a `bjnp` record with the same magic, type, code
  and sequence number, in the same order;
- every `@PJL` line that tshark's TCP stream reassembly shows the client sending is a `pjl`
  request record with the same command word, in the same order.
usage: tshark_view_test.py REPO_ROOT   (standard library + tshark only)
"""
import glob
import json
import os
import subprocess
import sys

ROOT = sys.argv[1]
passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    ok = bool(ok)
    passed += ok
    failed += not ok
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else f"\n     | {detail}"))


def tshark(*args):
    return subprocess.run(["tshark", *args], capture_output=True, text=True).stdout


def records(case, event_type):
    with open(os.path.join(ROOT, "pcaps", case, "expected.jsonl")) as f:
        return [e for e in map(json.loads, f) if e["event_type"] == event_type]


def pcap_of(case):
    return glob.glob(os.path.join(ROOT, "pcaps", case, "input.pcap*"))[0]


def bjnp_case(case):
    fields = tshark("-r", pcap_of(case), "-Y", "bjnp", "-T", "fields", "-e", "bjnp.id", "-e", "bjnp.type",
                    "-e", "bjnp.code", "-e", "bjnp.seq_no")
    theirs = [tuple(l.split("\t")) for l in fields.splitlines() if l]
    ours = [(r["bjnp"]["magic"], str(0x80 * (r["bjnp"]["direction"] == "response") +
                                     (2 if r["bjnp"]["device"] == "scanner" else 1)),
             str(r["bjnp"]["code"]), str(r["bjnp"]["seq"]))
            for r in records(case, "bjnp") if r["proto"] == "UDP"]
    check(f"{case}: {len(theirs)} BJNP messages match tshark", theirs == ours and theirs, f"tshark={theirs}\n     | ours={ours}")


def client_pjl_lines(case):
    """@PJL lines in the client half of every TCP stream to 9100, per tshark's reassembly."""
    streams = tshark("-r", pcap_of(case), "-Y", "tcp.port == 9100", "-T", "fields", "-e", "tcp.stream")
    lines = []
    for stream in sorted({int(s) for s in streams.split()}):
        out = tshark("-r", pcap_of(case), "-q", "-z", f"follow,tcp,raw,{stream}")
        data = b""
        for l in out.splitlines():
            if l and not l.startswith(("\t", "=", "Follow", "Filter", "Node")) and all(c in "0123456789abcdef" for c in l):
                data += bytes.fromhex(l)
        # A UEL ends whatever language was active, so a PJL line may follow PDL bytes directly.
        for raw in data.replace(b"\x1b%-12345X", b"\n").split(b"\n"):
            raw = raw.strip(b"\r ")
            if raw[:4].upper() == b"@PJL":
                lines.append(raw.decode("latin-1"))
    return lines


def pjl_case(case):
    theirs = [l[4:].split()[0].upper() if len(l) > 4 else "" for l in client_pjl_lines(case)]
    ours = [r["pjl"]["command"].split()[0] if r["pjl"]["command"] else ""
            for r in records(case, "pjl") if r["pjl"]["direction"] == "request"]
    check(f"{case}: {len(theirs)} PJL lines match tshark's stream", theirs == ours and theirs,
          f"tshark={theirs}\n     | ours={ours}")


for case in ("bjnp-scanner-sweep", "null-loopback-bjnb", "inbound-outcomes", "bjnp-sids"):
    bjnp_case(case)
for case in ("inconsistent-printer", "pret-session", "trusted-driver-job", "pjl-split-segments", "pjl-out-of-order"):
    pjl_case(case)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
