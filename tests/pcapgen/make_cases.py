#!/usr/bin/python3
"""Writes the crafted golden cases under pcaps/<case>/ (input.pcap, config.yaml, README.md).

Every packet is built from the wire formats in reference/protocols.md with fixed timestamps,
so running this again produces byte-identical captures. Run with Debian's python3 (scapy):

    /usr/bin/python3 tests/pcapgen/make_cases.py [case ...]

Then regenerate the expected output with UPDATE_GOLDEN=1 and review the diff.
Addresses: 10.1.0.0/16 is the inside (home_net default), documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are the outside.
"""
import os
import struct
import sys

from scapy.all import (ICMP, IP, TCP, UDP, Dot1Q, Ether, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrHopByHop, Raw, wrpcap)
from scapy.layers.l2 import CookedLinux

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pcaps")
T0 = 1700000000.0  # 2023-11-14T22:13:20Z

GW = "02:00:00:00:00:01"       # router MAC: everything from outside arrives through it
PRN50 = "02:00:00:00:00:50"
PRN51 = "02:00:00:00:00:51"
CLI = "02:00:00:00:00:20"


def bjnp(dev, cmd, seq, session=0, payload=b"", magic=b"BJNP"):
    return struct.pack(">4sBBHHHI", magic, dev, cmd, 0, seq, session, len(payload)) + payload


def discover_reply(mac, ip4):
    return b"\x00\x01\x08\x00" + bytes([6, 4]) + bytes.fromhex(mac.replace(":", "")) + bytes(
        int(x) for x in ip4.split("."))


def identity_reply(device_id):
    s = device_id.encode()
    return struct.pack(">H", len(s) + 2) + s


def ucs2(text, units):
    b = text.encode("utf-16-be")[: units * 2]
    return b + b"\x00" * (units * 2 - len(b))


def job_details(host, user, title):
    return b"\x00" * 8 + ucs2(host, 64) + ucs2(user, 64) + ucs2(title, 256)


class Case:
    def __init__(self, name, readme, config=""):
        self.name, self.readme, self.config = name, readme, config
        self.packets = []
        self.linktype = None

    def add(self, t, pkt):
        pkt.time = T0 + t
        self.packets.append(pkt)

    def tcp_open(self, t, cmac, smac, c, s, sport, dport, answer="synack", seq=1000, v6=False,
                 eth=True):
        """SYN, then the answer: synack (+ACK), rst, or None."""
        ipl = IPv6 if v6 else IP
        mk = (lambda src, dst: Ether(src=src, dst=dst)) if eth else (lambda src, dst: None)

        def frame(src_mac, dst_mac, l3):
            e = mk(src_mac, dst_mac)
            return e / l3 if e is not None else l3

        self.add(t, frame(cmac, smac, ipl(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="S", seq=seq)))
        if answer == "synack":
            self.add(t + 0.001, frame(smac, cmac, ipl(src=s, dst=c) / TCP(sport=dport, dport=sport, flags="SA", seq=5000, ack=seq + 1)))
            self.add(t + 0.002, frame(cmac, smac, ipl(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="A", seq=seq + 1, ack=5001)))
        elif answer == "rst":
            self.add(t + 0.001, frame(smac, cmac, ipl(src=s, dst=c) / TCP(sport=dport, dport=sport, flags="RA", seq=0, ack=seq + 1)))

    def write(self):
        d = os.path.join(ROOT, self.name)
        os.makedirs(d, exist_ok=True)
        kw = {"linktype": self.linktype} if self.linktype is not None else {}
        wrpcap(os.path.join(d, "input.pcap"), self.packets, **kw)
        with open(os.path.join(d, "config.yaml"), "w") as f:
            f.write(self.config)
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write(f"# {self.name}\n\n{self.readme.strip()}\n\n"
                    "Provenance: crafted by `tests/pcapgen/make_cases.py` (scapy) from the wire "
                    "formats in reference/protocols.md; documentation address ranges only.\n")


def inbound_outcomes():
    c = Case("inbound-outcomes", """
Every outcome of an inbound attempt (SPEC §4, sid 1001), and the firewall-fix loop.

- 203.0.113.7 -> 10.1.0.50:9100 SYN, SYN-ACK: `accepted`, then `printer.exposed` (1004).
- 203.0.113.7 -> 10.1.0.52:9100 SYN, RST: `refused` by RST.
- 203.0.113.7 -> 10.1.0.53:9100 SYN, ICMP admin-prohibited from the router: `refused` by ICMP.
- 203.0.113.7 -> 10.1.0.54:9100 SYN retransmitted with the same ISN: one attempt, `unanswered`.
- 198.51.100.9 -> 10.1.0.51:8611/udp BJNP discover, answered with MAC and IP: `accepted`,
  `printer.exposed`, and the printer is learned from BJNP.
- 198.51.100.9 -> 10.1.0.51:8612/udp: ICMP port unreachable: `refused`.
- 198.51.100.9 -> 10.1.0.55:8613/udp: `unanswered`.
- After the fix (t+400 s, past the suppression window): the same 9100 attempt is now refused.
""", """printers:
  - {address: 10.1.0.51, name: canon-lab}
""")
    out = "203.0.113.7"
    c.tcp_open(0, GW, PRN50, out, "10.1.0.50", 40001, 9100, "synack")
    c.tcp_open(1, GW, "02:00:00:00:00:52", out, "10.1.0.52", 40002, 9100, "rst")
    syn = IP(src=out, dst="10.1.0.53") / TCP(sport=40003, dport=9100, flags="S", seq=7)
    c.add(2, Ether(src=GW, dst="02:00:00:00:00:53") / syn)
    c.add(2.001, Ether(src=GW, dst=GW) / IP(src="10.1.0.1", dst=out) / ICMP(type=3, code=13) / bytes(syn)[:28])
    c.tcp_open(3, GW, "02:00:00:00:00:54", out, "10.1.0.54", 40004, 9100, None, seq=99)
    c.tcp_open(4, GW, "02:00:00:00:00:54", out, "10.1.0.54", 40004, 9100, None, seq=99)
    o2 = "198.51.100.9"
    c.add(10, Ether(src=GW, dst=PRN51) / IP(src=o2, dst="10.1.0.51") / UDP(sport=50001, dport=8611) / Raw(bjnp(1, 1, 1)))
    c.add(10.001, Ether(src=PRN51, dst=GW) / IP(src="10.1.0.51", dst=o2) / UDP(sport=8611, dport=50001) /
          Raw(bjnp(0x81, 1, 1, payload=discover_reply(PRN51, "10.1.0.51"))))
    probe = IP(src=o2, dst="10.1.0.51") / UDP(sport=50002, dport=8612) / Raw(bjnp(2, 1, 2))
    c.add(11, Ether(src=GW, dst=PRN51) / probe)
    c.add(11.001, Ether(src=PRN51, dst=GW) / IP(src="10.1.0.51", dst=o2) / ICMP(type=3, code=3) / bytes(probe)[:28])
    c.add(12, Ether(src=GW, dst="02:00:00:00:00:55") / IP(src=o2, dst="10.1.0.55") / UDP(sport=50003, dport=8613) / Raw(bjnp(1, 1, 3)))
    c.tcp_open(400, GW, PRN50, out, "10.1.0.50", 40009, 9100, "rst")
    return c


def vlan_mirror():
    c = Case("vlan-mirror", """
A SPAN port that mirrors both VLANs of a routed hop: every packet of an inbound 9100 attempt
appears twice, once on VLAN 10 and once on VLAN 20 with TTL-1 and the router's MACs. It must
count as one attempt (SPEC §5); printwatch_duplicate_packets_total counts the copies. A QinQ
(802.1ad 100 / 802.1Q 10) BJNP discover from outside is decoded through both tags.
""")
    out, prn = "203.0.113.20", "10.1.0.50"
    steps = [(0.0, out, prn, 41000, 9100, "S", 1, 0), (0.001, prn, out, 9100, 41000, "SA", 9, 2),
             (0.002, out, prn, 41000, 9100, "A", 2, 10)]
    for t, s, d, sp, dp, fl, seq, ack in steps:
        l3 = IP(src=s, dst=d, ttl=64, id=int(t * 1000) + 1) / TCP(sport=sp, dport=dp, flags=fl, seq=seq, ack=ack)
        c.add(t, Ether(src=GW, dst=PRN50) / Dot1Q(vlan=10) / l3)
        routed = l3.copy()
        routed[IP].ttl = 63
        c.add(t + 0.00005, Ether(src="02:00:00:00:00:02", dst=PRN50) / Dot1Q(vlan=20) / routed)
    c.add(1, Ether(src=GW, dst=PRN51, type=0x88a8) / Dot1Q(vlan=100) / Dot1Q(vlan=10) /
          IP(src=out, dst="10.1.0.51") / UDP(sport=51000, dport=8612) / Raw(bjnp(2, 1, 5)))
    return c


def ipv6():
    c = Case("ipv6", """
IPv6 end to end. 2001:db8:bad::7 opens TCP 9100 on fd00::50 through a Hop-by-Hop and a
Destination Options extension header and is accepted (1001 accepted + 1004). An inside client
(fd00::20, trusted by /128) broadcasts a BJNP printer discover to ff02::1 the way cups-bjnp
does (from port 8611), and the printer fd00::51 answers from 8611: it is learned from BJNP.
""", """trusted_clients: [fd00::20/128]
""")
    c.add(0, Ether(src=GW, dst=PRN50) / IPv6(src="2001:db8:bad::7", dst="fd00::50") / IPv6ExtHdrHopByHop() /
          IPv6ExtHdrDestOpt() / TCP(sport=42000, dport=9100, flags="S", seq=1))
    c.add(0.001, Ether(src=PRN50, dst=GW) / IPv6(src="fd00::50", dst="2001:db8:bad::7") / TCP(sport=9100, dport=42000, flags="SA", seq=7, ack=2))
    c.add(1, Ether(src=CLI, dst="33:33:00:00:00:01") / IPv6(src="fd00::20", dst="ff02::1") / UDP(sport=8611, dport=8611) / Raw(bjnp(1, 1, 0)))
    reply = b"\x00\x01\x08\x00" + bytes([6, 16]) + bytes.fromhex(PRN51.replace(":", "")) + bytes.fromhex("fd00" + "00" * 13 + "51")
    c.add(1.002, Ether(src=PRN51, dst=CLI) / IPv6(src="fd00::51", dst="fd00::20") / UDP(sport=8611, dport=8611) / Raw(bjnp(0x81, 1, 0, payload=reply)))
    return c


def untrusted_client():
    c = Case("untrusted-client", """
trusted_clients by CIDR and by MAC (SPEC §3, sid 1002). 10.1.2.15 is trusted by 10.1.2.0/24,
10.1.7.7 by its MAC; 10.1.9.9 is not: its 9100 print raises printer.unknown_client with its
MAC, a second connection inside the suppression window is suppressed, and its BJNP job on 8611
(a different service) alerts again.
""", """trusted_clients: [10.1.2.0/24, "02:00:00:00:99:01"]
""")
    c.tcp_open(0, "02:00:00:00:02:15", PRN50, "10.1.2.15", "10.1.0.50", 43000, 9100)
    c.tcp_open(1, "02:00:00:00:99:01", PRN50, "10.1.7.7", "10.1.0.50", 43001, 9100)
    c.tcp_open(2, "02:00:00:00:09:09", PRN50, "10.1.9.9", "10.1.0.50", 43002, 9100)
    c.tcp_open(3, "02:00:00:00:09:09", PRN50, "10.1.9.9", "10.1.0.50", 43003, 9100)
    c.add(4, Ether(src="02:00:00:00:09:09", dst=PRN51) / IP(src="10.1.9.9", dst="10.1.0.51") / UDP(sport=43004, dport=8611) /
          Raw(bjnp(1, 0x10, 1, payload=job_details("mallory-pc", "mallory", "payroll.pdf"))))
    return c


def decoys():
    c = Case("decoys", """
Traffic that must not count as an inbound attempt (issue 3 acceptance, the benchmark decoys):
outside UDP to 8610 (MFNP is opt-in) and 8615 (not a printer port), outside ACK and FIN
segments to 9100 with no SYN, and an inside SYN to 9100. All inside clients are trusted, so
the run is silent apart from the printer learned from the inside SYN-ACK.
""", """trusted_clients: [10.0.0.0/8]
""")
    out = "192.0.2.50"
    for t, port in ((0, 8610), (1, 8615)):
        c.add(t, Ether(src=GW, dst=PRN51) / IP(src=out, dst="10.1.0.51") / UDP(sport=44000 + port % 10, dport=port) / Raw(bjnp(1, 1, 7)))
    c.add(2, Ether(src=GW, dst=PRN50) / IP(src=out, dst="10.1.0.50") / TCP(sport=44010, dport=9100, flags="A", seq=5, ack=5))
    c.add(3, Ether(src=GW, dst=PRN50) / IP(src=out, dst="10.1.0.50") / TCP(sport=44011, dport=9100, flags="F", seq=5))
    c.tcp_open(4, CLI, PRN50, "10.1.3.3", "10.1.0.50", 44012, 9100)
    return c


def scan():
    c = Case("scan", """
printer.scan (1003): 192.0.2.66 reaches 9100, 8611, 8612 and 8613 on one printer within two
seconds (scan.ports 3), unanswered; an inside host sweeps six addresses on 8612 (scan.hosts 5),
like the real sweep in bjnp.pcap. One scan alert per source, the rest suppressed.
""", """trusted_clients: [10.1.4.4]
""")
    out = "192.0.2.66"
    for i, port in enumerate((9100, 8611, 8612, 8613)):
        if port == 9100:
            c.add(i * 0.5, Ether(src=GW, dst=PRN51) / IP(src=out, dst="10.1.0.51") / TCP(sport=45000, dport=port, flags="S", seq=3))
        else:
            c.add(i * 0.5, Ether(src=GW, dst=PRN51) / IP(src=out, dst="10.1.0.51") / UDP(sport=45000 + i, dport=port) / Raw(bjnp(1, 1, i)))
    for i in range(6):
        c.add(10 + i * 0.2, Ether(src="02:00:00:00:04:04", dst="ff:ff:ff:ff:ff:ff") / IP(src="10.1.4.4", dst=f"10.1.5.{i + 1}") /
              UDP(sport=45100, dport=8612) / Raw(bjnp(2, 1, 100 + i)))
    return c


def alert_flood():
    c = Case("alert-flood", """
printer.alert_flood (1005): 30 spoofed outside sources SYN to 9100 within ten seconds with
alerts.max_per_minute 5. Five attempt alerts are written, the other 25 are counted as
suppressed and summarised by one flood alert with the count per kind and the top 10 sources.
Every attempt is still counted in printwatch_inbound_attempts_total.
""", """alerts:
  max_per_minute: 5
""")
    for i in range(30):
        c.add(i * 0.3, Ether(src=GW, dst=PRN50) / IP(src=f"198.51.100.{i + 1}", dst="10.1.0.50") /
              TCP(sport=46000 + i, dport=9100, flags="S", seq=i))
    return c


def linux_sll():
    c = Case("linux-sll", """
Linux cooked capture (SLL, `tcpdump -i any`): an outside SYN to 9100 answered by SYN-ACK.
""")
    c.linktype = 113
    c.add(0, CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=bytes.fromhex("020000000001") + b"\x00\x00") /
          IP(src="203.0.113.30", dst="10.1.0.50") / TCP(sport=47000, dport=9100, flags="S", seq=1))
    c.add(0.001, CookedLinux(pkttype=4, lladdrtype=1, lladdrlen=6, src=bytes.fromhex("020000000050") + b"\x00\x00") /
          IP(src="10.1.0.50", dst="203.0.113.30") / TCP(sport=9100, dport=47000, flags="SA", seq=9, ack=2))
    return c


def raw_ipv4():
    c = Case("raw-ip", """
Raw IP link type (LINKTYPE_RAW, as in bjnp.pcap): an outside BJNP scanner discover to 8612
answered by the scanner, which is learned from the BJNP reply.
""")
    c.linktype = 101
    c.add(0, IP(src="203.0.113.40", dst="10.1.0.51") / UDP(sport=48000, dport=8612) / Raw(bjnp(2, 1, 1)))
    c.add(0.001, IP(src="10.1.0.51", dst="203.0.113.40") / UDP(sport=8612, dport=48000) /
          Raw(bjnp(0x82, 1, 1, payload=discover_reply(PRN51, "10.1.0.51"))))
    return c


CASES = [inbound_outcomes, vlan_mirror, ipv6, untrusted_client, decoys, scan, alert_flood,
         linux_sll, raw_ipv4]

if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    for make in CASES:
        case = make()
        if not wanted or case.name in wanted:
            case.write()
            print("wrote", case.name, len(case.packets), "packets")
