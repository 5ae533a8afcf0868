#!/usr/bin/python3
"""Writes the crafted golden cases under pcaps/<case>/ (input.pcap, config.yaml, README.md).

Every packet is built from the wire formats in docs/protocols.md with fixed timestamps,
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
    # 392 bytes: host[64], user[64], title[256] are byte sizes of UCS-2BE fields (cups-bjnp)
    return b"\x00" * 8 + ucs2(host, 32) + ucs2(user, 32) + ucs2(title, 128)


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
                    "formats in docs/protocols.md; documentation address ranges only.\n")


def inbound_outcomes():
    c = Case("inbound-outcomes", """
Every outcome of an inbound attempt (docs/spec.md §4, sid 1001001), and the firewall-fix loop.

- 203.0.113.7 -> 10.1.0.50:9100 SYN, SYN-ACK: `accepted`, then `printer.exposed` (1001004).
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
count as one attempt (docs/spec.md §5); printwatch_duplicate_packets_total counts the copies. A QinQ
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
Destination Options extension header and is accepted (1001001 accepted + 1001004). An inside client
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
trusted_clients by CIDR and by MAC (docs/spec.md §3, sid 1001002). 10.1.2.15 is trusted by 10.1.2.0/24,
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
printer.scan (1001003): 192.0.2.66 reaches 9100, 8611, 8612 and 8613 on one printer within two
seconds (scan.ports 3), unanswered; the untrusted inside host 10.1.6.6 sweeps six addresses on
8612 (scan.hosts 5), like the real sweep in bjnp.pcap. One scan alert per source, the rest
suppressed. The trusted CUPS/SANE host 10.1.4.4 uses 9100, 8611 and 8612 of one printer and
broadcasts scanner discovers to six addresses within a minute: that is its job, so it raises no
scan alert (issue 8: trusted clients never raise printer.scan).
""", """trusted_clients: [10.1.4.4]
""")
    out = "192.0.2.66"
    for i, port in enumerate((9100, 8611, 8612, 8613)):
        if port == 9100:
            c.add(i * 0.5, Ether(src=GW, dst=PRN51) / IP(src=out, dst="10.1.0.51") / TCP(sport=45000, dport=port, flags="S", seq=3))
        else:
            c.add(i * 0.5, Ether(src=GW, dst=PRN51) / IP(src=out, dst="10.1.0.51") / UDP(sport=45000 + i, dport=port) / Raw(bjnp(1, 1, i)))
    cups = "02:00:00:00:04:04"
    c.tcp_open(5, cups, PRN51, "10.1.4.4", "10.1.0.51", 45050, 9100)
    c.add(5.1, Ether(src=cups, dst=PRN51) / IP(src="10.1.4.4", dst="10.1.0.51") / UDP(sport=45051, dport=8611) / Raw(bjnp(1, 0x30, 1)))
    c.add(5.2, Ether(src=cups, dst=PRN51) / IP(src="10.1.4.4", dst="10.1.0.51") / UDP(sport=45052, dport=8612) / Raw(bjnp(2, 0x30, 2)))
    for i in range(6):
        c.add(6 + i * 0.2, Ether(src=cups, dst="ff:ff:ff:ff:ff:ff") / IP(src="10.1.4.4", dst=f"10.1.5.{i + 1}") /
              UDP(sport=45100, dport=8612) / Raw(bjnp(2, 1, 100 + i)))
    for i in range(6):
        c.add(10 + i * 0.2, Ether(src="02:00:00:00:06:06", dst="ff:ff:ff:ff:ff:ff") / IP(src="10.1.6.6", dst=f"10.1.5.{i + 1}") /
              UDP(sport=45100, dport=8612) / Raw(bjnp(2, 1, 100 + i)))
    return c


def trunk_span():
    c = Case("trunk-span", """
A SPAN of a trunk with asymmetric tagging (issue 8): every frame that comes in over the trunk
from the router is mirrored twice, tagged 802.1Q VLAN 100 (trunk ingress) and untagged 20 us
later (egress of the printer's access port), while the printer's replies are mirrored once,
untagged (ingress of its access port). With the default flow.vlan_tracking: false, request
and reply are one flow: the 9100 attempt is `accepted`, the printer is `exposed`, TCP is
reassembled (the PJL INFO ID and its reply are records, the model is learned), and the BJNP
discover on 8611/udp is `accepted` with its reply parsed. The duplicates count once.
""")
    out, prn = "203.0.113.70", "10.1.0.50"
    def trunk(t, l3):
        c.add(t, Ether(src=GW, dst=PRN50) / Dot1Q(vlan=100) / l3)
        c.add(t + 0.00002, Ether(src=GW, dst=PRN50) / l3)
    def reply(t, l3):
        c.add(t, Ether(src=PRN50, dst=GW) / l3)
    trunk(0, IP(src=out, dst=prn) / TCP(sport=42000, dport=9100, flags="S", seq=100))
    reply(0.001, IP(src=prn, dst=out) / TCP(sport=9100, dport=42000, flags="SA", seq=900, ack=101))
    trunk(0.002, IP(src=out, dst=prn) / TCP(sport=42000, dport=9100, flags="A", seq=101, ack=901))
    req = UEL + b"@PJL INFO ID\r\n"
    trunk(0.003, IP(src=out, dst=prn) / TCP(sport=42000, dport=9100, flags="PA", seq=101, ack=901) / Raw(req))
    rep = b'@PJL INFO ID\r\n"HP LaserJet 4200"\r\n\x0c'
    reply(0.004, IP(src=prn, dst=out) / TCP(sport=9100, dport=42000, flags="PA", seq=901, ack=101 + len(req)) / Raw(rep))
    trunk(0.005, IP(src=out, dst=prn) / TCP(sport=42000, dport=9100, flags="FA", seq=101 + len(req), ack=901 + len(rep)))
    reply(0.006, IP(src=prn, dst=out) / TCP(sport=9100, dport=42000, flags="FA", seq=901 + len(rep), ack=102 + len(req)))
    trunk(1, IP(src=out, dst=prn) / UDP(sport=42001, dport=8611) / Raw(bjnp(1, 1, 1)))
    reply(1.001, IP(src=prn, dst=out) / UDP(sport=8611, dport=42001) / Raw(bjnp(0x81, 1, 1, payload=discover_reply(PRN50, prn))))
    return c


def fair_flood():
    c = Case("fair-flood", """
A spoofed SYN flood cannot hide the attacker's re-test (issue 8). alerts.max_per_minute is 20.
The attacker 203.0.113.99 finds 10.1.0.50:9100 open (accepted, exposed) at t=0. From t=1 to
t=7, 300 spoofed one-packet sources SYN the printer, unanswered; their attempt alerts use up
the minute's budget. The firewall is fixed, and at t=20 the attacker re-tests: refused by RST;
at t=25 it tries 8611/udp, unanswered. Both are its first alert of a new (printer, service,
outcome), so both are written although the budget is spent; a quarter of the budget was kept
for sources that had not alerted yet. The flood summary counts every dropped alert, and every
attempt is counted in printwatch_inbound_attempts_total.
""", """alerts:
  max_per_minute: 20
""")
    att = "203.0.113.99"
    c.tcp_open(0, GW, PRN50, att, "10.1.0.50", 43000, 9100, "synack")
    for i in range(300):
        src = f"198.18.{i // 250}.{i % 250 + 1}"
        c.add(1 + i * 0.02, Ether(src=GW, dst=PRN50) / IP(src=src, dst="10.1.0.50") /
              TCP(sport=1024 + i, dport=9100, flags="S", seq=i))
    c.tcp_open(20, GW, PRN50, att, "10.1.0.50", 43001, 9100, "rst")
    c.add(25, Ether(src=GW, dst=PRN50) / IP(src=att, dst="10.1.0.50") / UDP(sport=43002, dport=8611) / Raw(bjnp(1, 1, 1)))
    return c


def alert_flood():
    c = Case("alert-flood", """
printer.alert_flood (1001005): 30 spoofed outside sources SYN to 9100 within ten seconds with
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


def tcp_session(c, t, cmac, smac, client, server, cport, sport, messages, chunk=None, order=None):
    """Handshake, then (direction, bytes) messages with correct seq/ack, then FIN/ACK.
    chunk: split client data into segments of this size; order: permutation of the client
    segments of the *first* message (to send them out of order)."""
    cseq, sseq = 1000, 8000
    E = lambda a, b: Ether(src=a, dst=b)
    c.add(t, E(cmac, smac) / IP(src=client, dst=server) / TCP(sport=cport, dport=sport, flags="S", seq=cseq))
    c.add(t + 0.001, E(smac, cmac) / IP(src=server, dst=client) / TCP(sport=sport, dport=cport, flags="SA", seq=sseq, ack=cseq + 1))
    cseq += 1
    sseq += 1
    t += 0.002
    c.add(t, E(cmac, smac) / IP(src=client, dst=server) / TCP(sport=cport, dport=sport, flags="A", seq=cseq, ack=sseq))
    for n, (direction, data) in enumerate(messages):
        t += 0.01
        if direction == "c":
            size = chunk or len(data)
            segs = [(cseq + i, data[i:i + size]) for i in range(0, len(data), size)]
            if order is not None and n == 0:
                segs = [segs[i] for i in order]
            for k, (seq, part) in enumerate(segs):
                c.add(t + k * 0.001, E(cmac, smac) / IP(src=client, dst=server) /
                      TCP(sport=cport, dport=sport, flags="PA", seq=seq, ack=sseq) / Raw(part))
            t += len(segs) * 0.001
            cseq += len(data)
        else:
            for i in range(0, len(data), 1400):
                c.add(t, E(smac, cmac) / IP(src=server, dst=client) /
                      TCP(sport=sport, dport=cport, flags="PA", seq=sseq, ack=cseq) / Raw(data[i:i + 1400]))
                sseq += len(data[i:i + 1400])
                t += 0.0005
    t += 0.01
    c.add(t, E(cmac, smac) / IP(src=client, dst=server) / TCP(sport=cport, dport=sport, flags="FA", seq=cseq, ack=sseq))
    c.add(t + 0.001, E(smac, cmac) / IP(src=server, dst=client) / TCP(sport=sport, dport=cport, flags="FA", seq=sseq, ack=cseq + 1))
    return t + 0.002


UEL = b"\x1b%-12345X"


def pret_session():
    c = Case("pret-session", """
A PRET-style attack (docs/protocols.md §2.6) from an untrusted inside host against a 9100 printer:
`@PJL USTATUSOFF`, every command followed by `ECHO DELIMITER<n>` (PRET's fingerprint, tagged
`tool: PRET`), `INFO ID` answered with the model (learned into the inventory from PJL),
FSDIRLIST, an FSUPLOAD of `0:/../../etc/passwd` answered with the file's bytes (traversal:
true, and the back-channel shows the read worked), a burst of twelve `DEFAULT COPIES` writes
(NVRAM wear, pjl.destructive), then PostScript: `exitserver`, `deletefile` and
`setsystemparams` (ps.dangerous_operator) and the printer's PostScript output.
""", """trusted_clients: [10.1.2.0/24]
""")
    d = lambda n: b"@PJL ECHO DELIMITER%d\r\n" % n
    passwd = b"root:x:0:0::/root:/bin/sh\n"
    msgs = [
        ("c", UEL + b"@PJL USTATUSOFF\r\n@PJL INFO ID\r\n" + d(1) + UEL),
        ("s", b"@PJL INFO ID\r\n\"HP LaserJet 4200n\"\r\n\x0c@PJL ECHO DELIMITER1\r\n\x0c"),
        ("c", UEL + b'@PJL FSDIRLIST NAME="0:\\" ENTRY=1 COUNT=65535\r\n' + d(2) + UEL),
        ("s", b'@PJL FSDIRLIST NAME="0:\\" ENTRY=1\r\n. TYPE=DIR\r\n.. TYPE=DIR\r\nPJL TYPE=DIR\r\n\x0c'),
        ("c", UEL + b'@PJL FSUPLOAD NAME="0:/../../etc/passwd" OFFSET=0 SIZE=%d\r\n' % len(passwd) + d(3) + UEL),
        ("s", b'@PJL FSUPLOAD FORMAT:BINARY NAME="0:/../../etc/passwd" OFFSET=0 SIZE=%d\r\n' % len(passwd) + passwd + b"\x0c"),
        ("c", UEL + b"".join(b"@PJL DEFAULT COPIES=%d\r\n" % i for i in range(12)) + UEL),
        ("c", UEL + b"@PJL ENTER LANGUAGE = POSTSCRIPT\r\n%!\nserverdict begin 0 exitserver\n"
              b"(x1) = (x2) == << /DoPrintErrors false >> setsystemparams\n"
              b"(../../etc/passwd) deletefile\n(DELIMITER4\\n) print flush\n" + UEL),
        ("s", b"x1\nx2\nDELIMITER4\n"),
    ]
    tcp_session(c, 0, "02:00:00:00:09:09", PRN50, "10.1.9.9", "10.1.0.50", 49000, 9100, msgs)
    return c


def pjl_split():
    c = Case("pjl-split-segments", """
A PJL command split across TCP segments: `@PJL FSUPLOAD NAME="../../etc/shadow"` arrives in
7-byte segments from an outside client. The dissector must see one FSUPLOAD line with its full
path (pjl.fs_access, traversal true), not fragments.
""")
    line = UEL + b'@PJL FSUPLOAD NAME="0:/../../etc/shadow" OFFSET=0 SIZE=100\r\n' + UEL
    tcp_session(c, 0, GW, PRN50, "203.0.113.77", "10.1.0.50", 49100, 9100, [("c", line)], chunk=7)
    return c


def pjl_out_of_order():
    c = Case("pjl-out-of-order", """
A PJL command sent out of order: an outside client's `@PJL RDYMSG DISPLAY="PWNED"` (no UEL, as
nmap's pjl-ready-message sends it) arrives as four segments in the order 2, 0, 3, 1. The
reassembler holds the early segments until the hole is filled and the dissector sees one line
(pjl.config_change).
""")
    line = b'@PJL INFO STATUS\r\n@PJL RDYMSG DISPLAY = "PWNED BY NMAP"\r\n'
    tcp_session(c, 0, GW, PRN50, "203.0.113.78", "10.1.0.50", 49200, 9100, [("c", line)],
                chunk=(len(line) + 3) // 4, order=[2, 0, 3, 1])
    return c


def pjl_sids():
    c = Case("pjl-sids", """
One crafted connection per PJL/PostScript sid from an untrusted inside client (so queries and
configuration changes raise their stricter sids): 1001211 INFO CONFIG/INQUIRE, 1001212 OPMSG and SET SERVICEMODE, 1001203 FSDOWNLOAD (with its
binary data skipped by SIZE), 1001204 FSINIT and a DMCMD factory reset, 1001205 DEFAULT PASSWORD and
three JOB PASSWORD= attempts, 1001206 a 2000-byte PJL line, 1001301 PostScript `(/etc/passwd) (r)
file` (but not `(%stdout) (w) file`) and `startjob`, plus PCL status inquiry and macro records.
""", """trusted_clients: [10.1.2.0/24]
""")
    cl, t = "10.1.9.10", 0
    mac = "02:00:00:00:09:10"
    blobs = [
        UEL + b"@PJL INFO CONFIG\n@PJL DINQUIRE PASSWORD\n" + UEL,
        UEL + b'@PJL OPMSG DISPLAY="OFFLINE"\n@PJL SET SERVICEMODE=HPBOISEID\n' + UEL,
        UEL + b'@PJL FSDOWNLOAD FORMAT:BINARY SIZE=8 NAME="0:\\webServer\\x"\n\x1b%-1234X\n' + UEL,
        UEL + b'@PJL FSINIT VOLUME="0:"\n@PJL DMCMD ASCIIHEX="040006020501010301040106"\n' + UEL,
        UEL + b"@PJL DEFAULT PASSWORD=1234\n" + b"".join(b"@PJL JOB PASSWORD=%d\n" % i for i in range(3)) + UEL,
        UEL + b"@PJL SET JOBNAME=\"" + b"A" * 2000 + b"\"\n" + UEL,
        UEL + b"@PJL ENTER LANGUAGE=POSTSCRIPT\n%!PS\n(%stdout) (w) file pop\n(/etc/passwd) (r) file\ntrue 0 startjob\n" + UEL,
        UEL + b"@PJL ENTER LANGUAGE=PCL\n\x1bE\x1b*s1T\x1b&f31337Y\x1b&f0X\x1b*b4W\x1b*s9X\x1b&f10X" + UEL,
    ]
    for i, blob in enumerate(blobs):
        t = tcp_session(c, t + 1, mac, PRN50, cl, "10.1.0.50", 49300 + i, 9100, [("c", blob)])
    return c


def bjnp_sids():
    c = Case("bjnp-sids", """
BJNP sids from outside (1001101 discover, 1001102 identity query answered with an IEEE 1284 ID whose
model is learned into the inventory, 1001103 job details with UCS-2 host/user/title, 1001199 a header
whose length exceeds the datagram), and a BJNP-over-TCP print session on 8611 from a trusted
client (data blocks and their accepted-count replies, paired), which raises nothing.
""", """trusted_clients: [10.1.2.0/24]
""")
    out = "198.51.100.44"
    ident = "MFG:Canon;CMD:BJL,BJRaster3,BSCCe,NCCe,IVEC,IVECPLI;SOJ:BJNP2,BJNPe;MDL:MG5200 series;CLS:PRINTER;DES:Canon MG5200 series;VER:1.050;"
    U = lambda t, src, dst, sp, dp, data, smac=GW, dmac=PRN51: c.add(t, Ether(src=smac, dst=dmac) / IP(src=src, dst=dst) / UDP(sport=sp, dport=dp) / Raw(data))
    U(0, out, "10.1.0.51", 50100, 8611, bjnp(1, 1, 1))
    U(0.001, "10.1.0.51", out, 8611, 50100, bjnp(0x81, 1, 1, payload=discover_reply(PRN51, "10.1.0.51")), PRN51, GW)
    U(1, out, "10.1.0.51", 50101, 8611, bjnp(1, 0x30, 2))
    U(1.001, "10.1.0.51", out, 8611, 50101, bjnp(0x81, 0x30, 2, payload=identity_reply(ident)), PRN51, GW)
    U(2, out, "10.1.0.51", 50102, 8611, bjnp(1, 0x10, 3, payload=job_details("evil-host", "eve", "exfil.pdf")))
    bad = bytearray(bjnp(1, 0x20, 4))
    bad[15] = 200
    U(3, out, "10.1.0.51", 50103, 8611, bytes(bad))
    blocks = [("c", bjnp(1, 0x21, 10 + i, session=7, payload=b"\x1b[K\x02\x00\x00" + bytes(600))) for i in range(2)]
    msgs = []
    for i, blk in enumerate(blocks):
        msgs.append(blk)
        msgs.append(("s", bjnp(0x81, 0x21, 10 + i, session=7, payload=struct.pack(">I", 606))))
    tcp_session(c, 5, CLI, PRN51, "10.1.2.20", "10.1.0.51", 50200, 8611, msgs, chunk=500)
    return c


def trusted_driver():
    c = Case("trusted-driver-job", """
Driver traffic is not an alert (issue 4): a trusted client sends a PJL job with `INFO ID`,
`USTATUS DEVICE=ON`, job attributes and PCL, and the printer answers INFO ID. Only the
inventory record (model learned from PJL) and protocol records are written, no alert. The same
INFO ID from an untrusted client is pjl.info_query (see pjl-sids).
""", """trusted_clients: [10.1.2.0/24]
""")
    job = (UEL + b"@PJL JOB NAME=\"report\"\r\n@PJL INFO ID\r\n@PJL USTATUS DEVICE=ON\r\n"
           b"@PJL SET COPIES=2\r\n@PJL ENTER LANGUAGE=PCL\r\n\x1bE\x1b&l0O Hello\x0c\x1bE" + UEL +
           b"@PJL EOJ\r\n" + UEL)
    msgs = [("c", job), ("s", b'@PJL INFO ID\r\n"HP Color LaserJet CP2025"\r\n\x0c')]
    tcp_session(c, 0, "02:00:00:00:02:16", PRN50, "10.1.2.16", "10.1.0.50", 49500, 9100, msgs)
    return c


def postscript_bare():
    c = Case("postscript-bare", """
PostScript sent straight to 9100 (issue 8), the way attack tools, nc and many drivers send it:
`%!PS` at the start of the connection with no `@PJL ENTER LANGUAGE`. 203.0.113.80 sends it
bare in 7-byte segments; the untrusted inside host 10.1.7.7 sends a UEL and then `%!PS` in
9-byte segments. Both jobs use `exitserver`, `deletefile`, `startjob`, `setsystemparams` and
`filenameforall`: every one is a `postscript` record, and the dangerous ones raise sid 1001301
even though every operator is split across segments.
""")
    job = (b"%!PS\nserverdict begin 0 exitserver\n(0:/webServer/config/device.cfg) deletefile\n"
           b"true 0 startjob\n<< /SystemParamsPassword (0) /Password (0) >> setsystemparams\n"
           b"(*) {==} 256 string filenameforall\n")
    tcp_session(c, 0, GW, PRN50, "203.0.113.80", "10.1.0.50", 44100, 9100, [("c", job)], chunk=7)
    tcp_session(c, 2, "02:00:00:00:07:07", PRN50, "10.1.7.7", "10.1.0.50", 44101, 9100,
                [("c", UEL + job)], chunk=9)
    return c


def pret_download():
    c = Case("pret-download", """
PRET after a download (issue 8). PRET's `put` sends UEL, `@PJL FSDOWNLOAD FORMAT:BINARY
SIZE=n NAME="..."`, CRLF, the n bytes of the file, CRLF and UEL; a file may itself contain a
UEL or PJL-looking bytes. The dissector skips exactly n bytes and reads PJL again, so what
follows is seen: PRET's `set` (SET SERVICEMODE=HPBOISEID, DEFAULT, SET, SET SERVICEMODE=EXIT),
`format` (FSINIT), `destroy` (a burst of DEFAULT COPIES writes), `unlock` (JOB PASSWORD brute
force) and `flood` (an oversized RDYMSG), each framed as PRET frames it (UEL, command, the
ECHO DELIMITER footer, UEL). In the second connection the commands follow the file directly,
with no UEL at all.
""")
    def pret(cmd, wait=True):
        footer = b"@PJL ECHO DELIMITER31337\r\n\r\n" if wait else b""
        return UEL + cmd + b"\r\n" + footer + UEL
    data = b"PK\x03\x04" + UEL + b"@PJL FSINIT\n" + bytes(range(256)) * 4
    put = pret(b'@PJL FSDOWNLOAD FORMAT:BINARY SIZE=' + str(len(data)).encode() +
               b' NAME="0:/../../rw/var/etc/profile"\r\n' + data, False)
    setv = pret(b"@PJL SET SERVICEMODE=HPBOISEID\r\n@PJL DEFAULT COPIES=42\r\n@PJL SET COPIES=42\r\n"
                b"@PJL SET SERVICEMODE=EXIT", False)
    fmt = pret(b'@PJL FSINIT VOLUME="0"', False)
    destroy = pret(b"\r\n".join(b"@PJL DEFAULT COPIES=%d" % (n % 98) for n in range(2, 100)) + b"\r\n@PJL INFO ID")
    unlock = pret(b"".join(b"@PJL JOB PASSWORD=%d\r\n@PJL DEFAULT PASSWORD=0\r\n" % p for p in range(1, 6)) +
                  b"@PJL DINQUIRE PASSWORD")
    flood = pret(b'@PJL RDYMSG DISPLAY="' + b"0" * 10000 + b'"', False)
    stream = pret(b"@PJL USTATUSOFF", False) + put + setv + fmt + destroy + unlock + flood
    tcp_session(c, 0, GW, PRN50, "203.0.113.90", "10.1.0.50", 44200, 9100, [("c", stream)], chunk=1400)
    direct = (UEL + b'@PJL FSDOWNLOAD FORMAT:BINARY SIZE=4 NAME="0:/x"\r\nABCD'
              b"@PJL SET SERVICEMODE=HPBOISEID\r\n@PJL FSDELETE NAME=\"0:/../x\"\r\n")
    tcp_session(c, 5, GW, PRN50, "203.0.113.91", "10.1.0.50", 44201, 9100, [("c", direct)])
    return c


def all_traffic():
    c = Case("all-traffic-probes", """
Content probes under --all-traffic (issue 4): BJNP on UDP 18611 and PJL on TCP 9999 are
recognised by their content, not their port, and get `bjnp` and `pjl` records; an HTTP
request on 8080 fails every probe and is left alone. These ports are not printer services, so
no inbound-attempt or unknown-client rule applies, but the protocol rules do wherever the
protocol is found: INFO CONFIG raises pjl.info_query (low, the client is trusted).
""", """trusted_clients: [10.1.2.0/24]
""")
    c.add(0, Ether(src=CLI, dst=PRN51) / IP(src="10.1.2.30", dst="10.1.0.51") / UDP(sport=51000, dport=18611) / Raw(bjnp(1, 1, 9)))
    tcp_session(c, 1, CLI, PRN50, "10.1.2.30", "10.1.0.50", 51001, 9999,
                [("c", UEL + b"@PJL INFO CONFIG\r\n" + UEL)])
    tcp_session(c, 2, CLI, PRN50, "10.1.2.30", "10.1.0.60", 51002, 8080,
                [("c", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")])
    return c


def exposure_expiry():
    c = Case("exposure-expiry", """
Verifying a firewall fix with the exposure gauge (issue 5): an outside client is accepted on
9100 (printer.exposed, printwatch_printer_exposed 1); after the fix, 25 hours later, the same
client is refused. The accepted attempt is now older than the gauge's 24-hour window, so
printwatch_printer_exposed falls to 0 while the attempt counters keep both outcomes.
""")
    out = "203.0.113.60"
    c.tcp_open(0, GW, PRN50, out, "10.1.0.50", 40100, 9100, "synack")
    c.tcp_open(25 * 3600, GW, PRN50, out, "10.1.0.50", 40101, 9100, "rst")
    return c


CASES = [inbound_outcomes, vlan_mirror, ipv6, untrusted_client, decoys, scan, alert_flood,
         linux_sll, raw_ipv4, pret_session, pjl_split, pjl_out_of_order, pjl_sids, bjnp_sids,
         trusted_driver, all_traffic, exposure_expiry, trunk_span, fair_flood, postscript_bare,
         pret_download]

if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    for make in CASES:
        case = make()
        if not wanted or case.name in wanted:
            case.write()
            print("wrote", case.name, len(case.packets), "packets")
