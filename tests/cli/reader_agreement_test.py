#!/usr/bin/env python3
"""printwatch's own capture-file reader against libpcap's (issue 9): the same EVE output, byte
for byte, on every golden case (default filter and --all-traffic), and on the same packets
rewritten as big-endian pcap, nanosecond pcap, and pcapng in both byte orders with microsecond,
nanosecond and 2^-20 s timestamps, a timestamp offset, two sections, and obsolete packet
blocks. Then what libpcap cannot do: one pcapng file whose interfaces have different link types
(Ethernet and raw IP) gives what replaying its two parts in one run gives. Standard library only.

    reader_agreement_test.py PRINTWATCH REPO_ROOT WORK_DIR
"""
import glob
import json
import os
import struct
import subprocess
import sys

BIN, ROOT, WORK = sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)
passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL " + name + (f"\n     | {detail}" if detail else ""))


def replay(inputs, case_dir, extra, reader, tag):
    eve = os.path.join(WORK, f"{tag}-{reader}.jsonl")
    if os.path.exists(eve):
        os.remove(eve)
    cmd = [BIN, "--eve", eve, "--metrics-file", eve + ".prom"]
    for i in inputs:
        cmd += ["-r", i]
    cfg = os.path.join(case_dir, "config.yaml") if case_dir else ""
    if cfg and os.path.exists(cfg):
        cmd += ["-c", cfg]
    cmd += extra
    if reader == "libpcap":
        cmd.append("--libpcap-reader")
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = open(eve).read() if os.path.exists(eve) else ""
    return r.returncode, out, r.stderr


# --- writing the same packets in other formats --------------------------------------------------

def read_pcap(path):
    """(linktype, [(ts_sec, ts_usec, caplen, wirelen, data)]) of a little- or big-endian pcap."""
    raw = open(path, "rb").read()
    magic = struct.unpack("<I", raw[:4])[0]
    order = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nano = struct.unpack(order + "I", raw[:4])[0] == 0xa1b23c4d
    linktype = struct.unpack(order + "I", raw[20:24])[0]
    records, at = [], 24
    while at + 16 <= len(raw):
        sec, frac, cap, wire = struct.unpack(order + "IIII", raw[at:at + 16])
        records.append((sec, frac // 1000 if nano else frac, cap, wire, raw[at + 16:at + 16 + cap]))
        at += 16 + cap
    return linktype & 0x0FFFFFFF, records


def write_pcap(path, linktype, records, order="<", nano=False):
    with open(path, "wb") as f:
        f.write(struct.pack(order + "IHHiIII", 0xa1b23c4d if nano else 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, cap, wire, data in records:
            f.write(struct.pack(order + "IIII", sec, usec * 1000 if nano else usec, cap, wire) + data)


def block(order, btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", n)


def option(order, code, value):
    return struct.pack(order + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def section(order):
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def interface(order, linktype, tsresol=None, tsoffset=None):
    opts = b""
    if tsresol is not None:
        opts += option(order, 9, bytes([tsresol]))
    if tsoffset is not None:
        opts += option(order, 14, struct.pack(order + "q", tsoffset))
    if opts:
        opts += struct.pack(order + "HH", 0, 0)
    return block(order, 1, struct.pack(order + "HHI", linktype, 0, 262144) + opts)


def units(sec, usec, tsresol, tsoffset):
    sec -= tsoffset or 0
    if tsresol is None or tsresol == 6:
        return sec * 1_000_000 + usec
    if tsresol == 9:
        return sec * 1_000_000_000 + usec * 1000
    if tsresol == 0x80 | 20:  # 2^-20 s: round up so that truncating to microseconds is exact
        return sec * (1 << 20) + -(-usec * (1 << 20) // 1_000_000)
    raise ValueError(tsresol)


def packet(order, iface, ts, cap, wire, data, obsolete=False):
    hi, lo = ts >> 32, ts & 0xFFFFFFFF
    if obsolete:
        return block(order, 2, struct.pack(order + "HHIIII", iface, 0, hi, lo, cap, wire) + data)
    return block(order, 6, struct.pack(order + "IIIII", iface, hi, lo, cap, wire) + data)


def write_pcapng(path, parts, order="<", tsresol=None, tsoffset=None, obsolete=False, split_sections=False):
    """parts: [(linktype, records)], each part its own interface (and, split, its own section)."""
    out = section(order)
    for i, (linktype, records) in enumerate(parts):
        if split_sections and i > 0:
            out += section(order)
        iface = 0 if split_sections else i
        out += interface(order, linktype, tsresol, tsoffset)
        for sec, usec, cap, wire, data in records:
            out += packet(order, iface, units(sec, usec, tsresol, tsoffset), cap, wire, data, obsolete)
    open(path, "wb").write(out)


# --- the checks ---------------------------------------------------------------------------------

def agree(name, inputs, case_dir, extra):
    rc1, own, err1 = replay(inputs, case_dir, extra, "own", name)
    rc2, lib, err2 = replay(inputs, case_dir, extra, "libpcap", name)
    same = rc1 == rc2 and own == lib and (own != "" or rc1 != 0)
    check(f"{name}{' ' + ' '.join(extra) if extra else ''}: both readers give the same EVE "
          f"({own.count(chr(10))} records, exit {rc1})", same,
          f"exit {rc1}/{rc2}; {err1[-200:]} | {err2[-200:]}")
    return own


cases = sorted(d for d in glob.glob(os.path.join(ROOT, "pcaps", "*")) if os.path.isdir(d))
for case in cases:
    name = os.path.basename(case)
    inputs = sorted(glob.glob(os.path.join(case, "input.pcap*")))
    args = open(os.path.join(case, "args")).read().split() if os.path.exists(os.path.join(case, "args")) else []
    agree(name, inputs, case, args)
    if "--all-traffic" not in args:
        agree(name, inputs, case, args + ["--all-traffic"])

# The same packets in every format: the EVE must not change (pcap_filename aside).
for name in ("inbound-outcomes", "pret-download", "vlan-mirror", "ipv6"):
    case = os.path.join(ROOT, "pcaps", name)
    linktype, records = read_pcap(os.path.join(case, "input.pcap"))
    reference = agree(f"{name} (as committed)", [os.path.join(case, "input.pcap")], case, [])
    variants = {
        "big-endian pcap": lambda p: write_pcap(p, linktype, records, ">"),
        "nanosecond pcap": lambda p: write_pcap(p, linktype, records, "<", nano=True),
        "pcapng": lambda p: write_pcapng(p, [(linktype, records)]),
        "big-endian pcapng": lambda p: write_pcapng(p, [(linktype, records)], ">"),
        "pcapng, nanoseconds": lambda p: write_pcapng(p, [(linktype, records)], tsresol=9),
        "pcapng, 2^-20 s": lambda p: write_pcapng(p, [(linktype, records)], tsresol=0x80 | 20),
        "pcapng, timestamp offset": lambda p: write_pcapng(p, [(linktype, records)], tsoffset=1_000_000),
        "pcapng, obsolete packet blocks": lambda p: write_pcapng(p, [(linktype, records)], obsolete=True),
        "pcapng, two sections": lambda p: write_pcapng(p, [(linktype, records[:len(records) // 2]),
                                                          (linktype, records[len(records) // 2:])],
                                                      split_sections=True),
    }
    for label, make in variants.items():
        # Named input.pcap like the committed one, so that the interface names in stats agree.
        folder = os.path.join(WORK, f"{name}-{label.replace(' ', '_').replace(',', '').replace('^', '')}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "input.pcap")
        make(path)
        out = agree(f"{name} as {label}", [path], case, [])

        def strip(text):
            return [json.dumps({k: v for k, v in json.loads(line).items() if k != "pcap_filename"})
                    for line in text.splitlines()]
        check(f"{name} as {label}: the same EVE as the committed capture", strip(out) == strip(reference))

# What libpcap refuses: one pcapng whose interfaces have different link types.
eth_case = os.path.join(ROOT, "pcaps", "inbound-outcomes")
raw_case = os.path.join(ROOT, "pcaps", "raw-ip")
eth_lt, eth_records = read_pcap(os.path.join(eth_case, "input.pcap"))
raw_lt, raw_records = read_pcap(os.path.join(raw_case, "input.pcap"))
mixed = os.path.join(WORK, "mixed-links.pcapng")
write_pcapng(mixed, [(eth_lt, eth_records), (raw_lt, raw_records)])
rc, lib, err = replay([mixed], None, [], "libpcap", "mixed")
check("mixed link types: libpcap's reader stops at the second interface (as libpcap does)",
      "different from the type of the first interface" in err, err[-200:])
rc, own, err = replay([mixed], None, [], "own", "mixed")
rc2, parts, err2 = replay([os.path.join(eth_case, "input.pcap"), os.path.join(raw_case, "input.pcap")],
                          None, [], "own", "mixed-parts")


def events(text):
    return [{k: v for k, v in json.loads(line).items() if k != "pcap_filename"}
            for line in text.splitlines() if json.loads(line)["event_type"] != "stats"]


check(f"mixed link types: printwatch reads every interface ({len(events(own))} records)",
      rc == 0 and len(events(own)) > 0, err[-300:])
check("mixed link types: the same records as replaying the two captures in one run",
      events(own) == events(parts), f"{len(events(own))} vs {len(events(parts))}")
prom = open(os.path.join(WORK, "mixed-own.jsonl.prom")).read()
want = len(eth_records) + len(raw_records)
check(f"mixed link types: all {want} packets counted",
      f'printwatch_capture_packets_total{{interface="{os.path.basename(mixed)}"}} {want}' in prom)

# Standard input goes through the reader's stream window: the same records as the file.
for label, path in (("pcap", os.path.join(eth_case, "input.pcap")), ("mixed-link pcapng", mixed)):
    with open(path, "rb") as f:
        r = subprocess.run([BIN, "-r", "-", "--eve", "-"], stdin=f, capture_output=True, text=True)
    _, from_file, _ = replay([path], None, [], "own", "stdin-" + label.replace(" ", "-"))
    check(f"-r - (stdin, {label}): the same records as reading the file",
          r.returncode == 0 and events(r.stdout) == events(from_file) and events(from_file),
          r.stderr[-200:])

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
