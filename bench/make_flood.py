#!/usr/bin/env python3
"""A SYN flood capture for bench/run_bench.py: N SYNs from N distinct random outside sources to
one printer on 9100, nothing answered, and inside it, every STEP packets, one real attempt that
the printer accepts (SYN, SYN-ACK). Writes FILE and FILE.truth.json. Standard library only
(scapy would take minutes for 5 M packets).

    make_flood.py --packets 5000000 --out build/bench/flood-5000000.pcap [--seed 1]
"""
import argparse
import json
import random
import struct

PRINTER = bytes([10, 1, 0, 50])
ETH = bytes.fromhex("020000000050") + bytes.fromhex("02000000ee01") + b"\x08\x00"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, flags, seq, ack):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ETH + ip + tcp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=5_000_000)
    ap.add_argument("--step", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    # Distinct sources outside 10/8: a random permutation walk over 198.0.0.0/8's 16 M hosts.
    sources = rng.sample(range(1, 1 << 24), a.packets)
    t = 1_700_000_000.0
    real = 0
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))

        def write(pkt, ts):
            sec, usec = int(ts), int(round((ts % 1) * 1e6)) % 1_000_000
            f.write(struct.pack("<IIII", sec, usec, len(pkt), len(pkt)) + pkt)
        for i, s in enumerate(sources):
            t += 0.000002  # 500 k packets/s of capture time
            src = bytes([198, s >> 16 & 0xFF, s >> 8 & 0xFF, s & 0xFF])
            write(frame(src, PRINTER, 1024 + (s & 0xEFFF), 9100, 0x02, s, 0), t)
            if (i + 1) % a.step == 0:
                # A real client inside the flood: its attempt is accepted.
                real += 1
                client = bytes([203, 0, 113, real % 250 + 1])
                write(frame(client, PRINTER, 40000 + real, 9100, 0x02, 1000, 0), t + 0.0000005)
                write(frame(PRINTER, client, 9100, 40000 + real, 0x12, 5000, 1001), t + 0.000001)
    truth = {"packets": a.packets + 2 * real, "flood_syns": a.packets, "real_attempts": real,
             "attempts_total": a.packets + real, "accepted": real}
    with open(a.out + ".truth.json", "w") as f:
        json.dump(truth, f)


if __name__ == "__main__":
    main()
