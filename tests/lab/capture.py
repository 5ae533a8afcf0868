"""Captures on the lab's SPAN ports (tcpdump in the monitor namespace) and the trunk SPAN
assembled from them: see topology.py. Debian's python3 (scapy)."""
import os
import signal
import struct
import subprocess
import time

from topology import SPANS, VLAN


class Capture:
    def __init__(self, lab, workdir, name):
        self.lab, self.name = lab, name
        self.files = {span: os.path.join(workdir, f"{name}-{span}.pcap") for span in SPANS}
        self.procs = []

    def start(self):
        for span, path in self.files.items():
            self.procs.append(self.lab.popen("mon", ["tcpdump", "-q", "-n", "-U", "-s", "0",
                                                     "-i", span, "-w", path],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        # tcpdump says "listening on" once its socket is bound; wait for every one.
        for p in self.procs:
            line = p.stderr.readline().decode()
            if "listening" not in line:
                raise RuntimeError(f"tcpdump did not start: {line}")
        time.sleep(0.2)

    def stop(self):
        time.sleep(0.5)  # let the last mirrored frames arrive
        for p in self.procs:
            p.send_signal(signal.SIGINT)
        for p in self.procs:
            p.wait(10)

    @property
    def plain(self):
        return self.files["span"]


def read_pcap(path):
    """(timestamp in ns, caplen/origlen-preserving raw record) of a libpcap file."""
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        nano = magic == 0xA1B23C4D
        out = []
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            sec, frac, incl, orig = struct.unpack("<IIII", rec)
            data = f.read(incl)
            out.append((sec * 10**9 + (frac if nano else frac * 1000), orig, data))
    return out


def write_pcap(path, records):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for ts, orig, data in records:
            f.write(struct.pack("<IIII", ts // 10**9, (ts % 10**9) // 1000, len(data), orig))
            f.write(data)


def tag(frame):
    """Inserts an 802.1Q header with VLAN after the two MAC addresses."""
    return frame[:12] + struct.pack(">HH", 0x8100, VLAN) + frame[12:]


def assemble_trunk(capture, out_path):
    """The trunk SPAN: tagged trunk-port copies, untagged access-port copies, and the untagged
    duplicate of every frame sent to the printer, in time order."""
    records = [(ts, orig + 4, tag(d)) for ts, orig, d in read_pcap(capture.files["trunkin"])]
    records += read_pcap(capture.files["hostsin"])
    records += read_pcap(capture.files["prnout"])
    records.sort(key=lambda r: r[0])
    write_pcap(out_path, records)
    return out_path
