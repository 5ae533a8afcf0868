#!/usr/bin/env python3
"""Feeds 1,000 mutated copies of the golden inputs to the printwatch binary (issue 12.10):
bit flips, truncation, bogus record lengths and wrong link types, in pcap and pcapng. Every
run must end by itself with exit 0 (processed) or 1 (a runtime error) and, for 1, a clear
message on stderr that names the file; never a signal (crash, sanitizer abort) or a hang.
Deterministic: the mutations come from a fixed seed, and a failure prints the seed and the
mutation so it can be reproduced.
    mutate_test.py PRINTWATCH REPO_ROOT WORK_DIR [COUNT]"""
import concurrent.futures
import glob
import os
import random
import struct
import subprocess
import sys

BIN, ROOT, WORK = sys.argv[1:4]
COUNT = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
os.makedirs(WORK, exist_ok=True)
INPUTS = sorted(glob.glob(os.path.join(ROOT, "pcaps", "*", "input.pcap*")))


def pcap_records(data):
    """Offsets of the record headers of a classic pcap (either byte order); [] for pcapng."""
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        return None, []
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    offsets, pos = [], 24
    while pos + 16 <= len(data):
        offsets.append(pos)
        pos += 16 + struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
    return endian, offsets


def pcapng_blocks(data):
    offsets, pos = [], 0
    while pos + 12 <= len(data):
        offsets.append(pos)
        length = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if length < 12:
            break
        pos += length
    return offsets


def mutate(data, rng):
    data = bytearray(data)
    kind = rng.choice(["bitflip", "truncate", "length", "linktype", "mix"])
    endian, records = pcap_records(data)
    if kind in ("bitflip", "mix"):
        for _ in range(rng.randint(1, 16)):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
    if kind in ("truncate", "mix"):
        del data[rng.randrange(1, len(data)):]
    if kind == "length":
        bogus = rng.choice([0, 1, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF, rng.randrange(1 << 32)])
        if endian and records:
            off = rng.choice(records) + rng.choice([8, 12])  # incl_len or orig_len
            data[off:off + 4] = struct.pack(endian + "I", bogus)
        else:
            blocks = pcapng_blocks(data)
            off = rng.choice(blocks) + rng.choice([4, 8 + 12])  # block length, or EPB captured len
            if off + 4 <= len(data):
                data[off:off + 4] = struct.pack("<I", bogus)
    if kind == "linktype":
        link = rng.choice([0, 1, 101, 113, 276, 105, 127, 228, 229, 65535, rng.randrange(1 << 16)])
        if endian:
            data[20:24] = struct.pack(endian + "I", link)
        else:  # the first Interface Description Block's link type
            for off in pcapng_blocks(data):
                if data[off:off + 4] == b"\x01\x00\x00\x00":
                    data[off + 8:off + 10] = struct.pack("<H", link)
                    break
    return kind, bytes(data)


def run_one(n):
    rng = random.Random(n)
    source = INPUTS[n % len(INPUTS)]
    kind, data = mutate(open(source, "rb").read(), rng)
    path = os.path.join(WORK, f"mutant-{n}.pcap")
    with open(path, "wb") as f:
        f.write(data)
    try:
        r = subprocess.run([BIN, "-r", path, "--eve", "/dev/null", "--all-traffic"],
                           capture_output=True, text=True, errors="replace", timeout=60)
    except subprocess.TimeoutExpired:
        return f"seed {n} ({kind} of {source}): hung for 60 s", None
    problem = None
    if r.returncode < 0 or r.returncode not in (0, 1):
        problem = f"exit {r.returncode}"
    elif r.returncode == 1 and not ("printwatch: error:" in r.stderr and path in r.stderr):
        problem = "exit 1 without a message naming the file"
    elif "ERROR: AddressSanitizer" in r.stderr or "runtime error:" in r.stderr:
        problem = "sanitizer report"
    if problem:
        return f"seed {n} ({kind} of {source}): {problem}\n{r.stderr[-1500:]}", r.returncode
    os.unlink(path)
    return None, r.returncode


failures = []
exits = {}
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    for result, rc in pool.map(run_one, range(COUNT)):
        exits[rc] = exits.get(rc, 0) + 1
        if result:
            failures.append(result)
for f in failures[:10]:
    print("FAIL " + f)
print(f"{COUNT - len(failures)} of {COUNT} mutated inputs ({len(INPUTS)} golden captures) "
      f"ran to a clean exit; {len(failures)} failed; exit codes: "
      + ", ".join(f"{k}: {v}" for k, v in sorted(exits.items(), key=str)))
sys.exit(1 if failures else 0)
