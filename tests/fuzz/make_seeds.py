#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets from real protocol messages (no scapy needed):
dissector seeds in the fuzz_dissectors layout, pipeline seeds from pcaps/*/input.pcap records.
    python3 tests/fuzz/make_seeds.py"""
import glob
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")


def bjnp(dev, cmd, seq, payload=b""):
    return struct.pack(">4sBBHHHI", b"BJNP", dev, cmd, 0, seq, 0, len(payload)) + payload


def write(sub, name, data):
    with open(os.path.join(HERE, "corpus", sub, name), "wb") as f:
        f.write(data)


UEL = b"\x1b%-12345X"
# Byte 0 picks the dissector by its place in dissectors/registry.cpp.
RAW, BJNP, LPD, IPP = 0, 1, 2, 3
ident = b"MFG:Canon;MDL:MG5200 series;CMD:BJL;"
write("dissectors", "bjnp-udp-identity", bytes([BJNP, 1 | (10 << 1), 255]) +
      bjnp(0x81, 0x30, 1, struct.pack(">H", len(ident) + 2) + ident))
write("dissectors", "bjnp-tcp-data", bytes([BJNP, 0 | (5 << 1), 3]) +
      bjnp(1, 0x21, 1, b"\x1b[K\x02\x00\x00" + bytes(40)) + bjnp(0x81, 0x21, 1, b"\x00\x00\x00\x2e"))
write("dissectors", "bjnp-discover-reply", bytes([BJNP, 1, 255]) +
      bjnp(0x81, 1, 1, b"\x00\x01\x08\x00\x06\x04\x00\x1e\x8f\x12\x34\x56\x0a\x01\x00\x33"))
write("dissectors", "raw-pret", bytes([RAW, 0 | (7 << 1), 255]) + UEL +
      b'@PJL INFO ID\r\n@PJL FSUPLOAD NAME="../../etc/passwd" SIZE=4\r\n@PJL ECHO DELIMITER1\r\n' + UEL +
      b"@PJL ENTER LANGUAGE=POSTSCRIPT\n%!\n(a) (r) file (b) deletefile 0 exitserver\n" + UEL +
      b"@PJL ENTER LANGUAGE=PCL\n\x1bE\x1b*s1T\x1b&f1y10X\x1b*b2WAB" + UEL)
write("dissectors", "raw-backchannel", bytes([RAW, 0 | (2 << 1), 255]) +
      b'@PJL INFO ID\r\n"HP"\r\n\x0c@PJL FSUPLOAD FORMAT:BINARY SIZE=3\r\nabc\x0c')
control = b"Hvm\nPalice\nJreport\nldfA001vm\nUdfA001vm\nNreport.ps\n"
write("dissectors", "lpd-job", bytes([LPD, 0 | (6 << 1), 255]) + b"\x02lp\n" +
      b"\x02%d cfA001vm\n" % len(control) + control + b"\0" + b"\x0360 dfA001vm\n" + UEL +
      b"@PJL ENTER LANGUAGE=POSTSCRIPT\n%!\n(a) deletefile\n" + UEL + b"\0")
write("dissectors", "lpd-queue", bytes([LPD, 0 | (20 << 1), 255]) + b"\x04lp alice 12\n")
ipp_body = (b"\x02\x00\x00\x02\x00\x00\x00\x07\x01\x47\x00\x12attributes-charset\x00\x05utf-8"
            b"\x42\x00\x14requesting-user-name\x00\x05alice\x04\x45\x00\x0adevice-uri\x00\x04file"
            b"\x03" + UEL + b"@PJL INFO ID\r\n")
write("dissectors", "ipp-print-job", bytes([IPP, 0 | (9 << 1), 255]) +
      b"POST /printers/lp HTTP/1.1\r\nContent-Type: application/ipp\r\nTransfer-Encoding: chunked\r\n"
      b"Expect: 100-continue\r\n\r\n" + b"%x\r\n" % len(ipp_body) + ipp_body + b"\r\n0\r\n\r\n" +
      b"HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\nUpgrade: TLS/1.2\r\n\r\n")

link_of = {1: 0, 0: 1, 108: 2, 101: 3, 12: 3, 228: 4, 229: 5, 113: 6, 276: 7}
for path in sorted(glob.glob(os.path.join(ROOT, "pcaps", "*", "input.pcap"))):
    raw = open(path, "rb").read()
    magic, = struct.unpack("<I", raw[:4])
    if magic != 0xa1b2c3d4:
        continue
    link = link_of.get(struct.unpack("<I", raw[20:24])[0])
    if link is None:
        continue
    out, off = bytes([link]), 24
    while off + 16 <= len(raw) and len(out) < 64 * 1024:
        incl, = struct.unpack("<I", raw[off + 8:off + 12])
        out += struct.pack(">H", min(incl, 65535)) + raw[off + 16:off + 16 + incl]
        off += 16 + incl
    write("pipeline", os.path.basename(os.path.dirname(path)), out)
print("seeds written")
