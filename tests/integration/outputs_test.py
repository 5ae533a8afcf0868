#!/usr/bin/python3
"""Integration test: file outputs under an operator's day (issue 12).

1. Disk full: EVE on a small tmpfs that fills up mid-run and then gets its space back. Every
   line in the file is whole JSON, every record is either in the file or counted in
   printwatch_output_errors_total{sink="eve"} (exactly: file + lost = the same replay into a
   roomy file), and one status line says the output failed and one that it recovered.
2. Progress: on a terminal (a pty) a replay longer than two seconds shows the share of the
   file and packets/s on stderr; with stderr not a terminal it shows nothing.
usage: outputs_test.py PRINTWATCH REPO_ROOT
"""
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
WORK = h.workdir("outputs")
procs = h.Processes()
CFG = os.path.join(WORK, "busy.yaml")
with open(CFG, "w") as f:
    f.write("alerts: {suppress: 0s, max_per_minute: 100000}\n")


def read_lines(stream, into):
    for line in stream:
        into.append(line.decode(errors="replace").rstrip())


def whole_json_lines(path):
    bad, n = 0, 0
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        bad += 1
    for line in data.splitlines():
        n += 1
        try:
            json.loads(line)
        except ValueError:
            bad += 1
    return n, bad


def check_disk_full():
    batch1, batch2 = h.attempts(1, 4000), h.attempts(2, 100)  # batch 1: about 6 MB of EVE
    reference = os.path.join(WORK, "reference.json")
    r = subprocess.run([BIN, "-r", "-", "-c", CFG, "--eve", reference], input=h.pcap_header() + batch1 + batch2,
                       capture_output=True)
    want, _ = whole_json_lines(reference)
    disk = os.path.join(WORK, "disk")
    os.makedirs(disk)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "printwatch-test", disk], check=True)
    try:
        filler = os.path.join(disk, "filler")
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k", "count=255"], check=False,
                       capture_output=True)  # leaves about 64 KiB
        eve, prom = os.path.join(disk, "eve.json"), os.path.join(WORK, "disk.prom")
        sensor = procs.start([BIN, "-r", "-", "-c", CFG, "--eve", eve, "--metrics-file", prom],
                             stdin=subprocess.PIPE)
        err = []
        reader = threading.Thread(target=read_lines, args=(sensor.stderr, err))
        reader.start()
        sensor.stdin.write(h.pcap_header() + batch1)
        sensor.stdin.flush()
        failing = h.wait_for(lambda: any("failing" in line for line in err), timeout=60)
        h.check("disk full: a status line says the EVE output is failing", failing, "\n".join(err))
        time.sleep(3)  # let the sensor get through batch 1 with the disk full
        os.unlink(filler)
        sensor.stdin.write(batch2)
        sensor.stdin.close()
        rc = sensor.wait(60)
        reader.join()
        h.check("disk full: the sensor exits 0", rc == 0, "\n".join(err))
        n, bad = whole_json_lines(eve)
        h.check(f"disk full: all {n} lines in the file are whole JSON records", n > 0 and bad == 0, f"{bad} bad")
        metrics = open(prom).read() if os.path.exists(prom) else ""
        m = re.search(r'^printwatch_output_errors_total\{sink="eve"\} (\d+)', metrics, re.M)
        lost = int(m.group(1)) if m else -1
        h.check(f"disk full: {n} written + {lost} counted lost = {want} records of the same replay",
                lost > 0 and n + lost == want)
        recovered = [line for line in err if "recovered" in line]
        h.check("disk full: one status line when it fails and one when it recovers",
                sum("failing" in line for line in err) == 1 and len(recovered) == 1, "\n".join(err))
    finally:
        subprocess.run(["umount", disk], check=False)


def check_progress():
    import pty  # noqa: PLC0415
    import select  # noqa: PLC0415
    path = os.path.join(WORK, "slow.pcap")
    with open(path, "wb") as f:  # a regular file, read through a FIFO-paced copy
        f.write(h.pcap_header() + h.attempts(3, 5000))
    fifo = os.path.join(WORK, "slow.fifo")
    os.mkfifo(fifo)
    master, slave = pty.openpty()
    sensor = subprocess.Popen([BIN, "-r", fifo, "--eve", os.devnull], stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    data = open(path, "rb").read()
    out = b""
    with open(fifo, "wb") as w:  # 10,000 packets over about 3 s: longer than the 2 s threshold
        step = len(data) // 30
        for i in range(0, len(data), step):
            w.write(data[i:i + step])
            w.flush()
            time.sleep(0.1)
            while select.select([master], [], [], 0)[0]:
                try:
                    out += os.read(master, 4096)
                except OSError:
                    break
    sensor.wait(30)
    while True:
        try:
            r, _, _ = select.select([master], [], [], 0.2)
            if not r:
                break
            chunk = os.read(master, 4096)
            if not chunk:
                break
            out += chunk
        except OSError:
            break
    text = out.decode(errors="replace")
    h.check("progress: a replay over 2 s on a terminal shows packets and packets/s",
            re.search(r"slow\.fifo: \d+ packets, \d+ k packets/s", text), text[-300:])
    r = subprocess.run([BIN, "-r", path, "--eve", os.devnull], capture_output=True, text=True)
    h.check("progress: nothing when stderr is not a terminal", "packets/s" not in r.stderr, r.stderr[-200:])


try:
    check_progress()
    check_disk_full()
finally:
    procs.stop_all()
h.finish()
