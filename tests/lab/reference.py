#!/usr/bin/python3
"""An independent reference for a lab capture, computed with scapy from the packets and the
README's sid table: nothing here shares code or logic tables with printwatch. It answers what
printwatch must report:

  attempts   inbound attempts by (service, outcome), docs/spec.md §4: an outside SYN (the same
             5-tuple and ISN is one attempt) or the first datagram of a UDP 5-tuple (60 s idle)
             to a printer port of an inside host; accepted on SYN-ACK or any datagram back,
             refused on RST or an ICMP unreachable quoting it, else unanswered (5 s);
  exposed    (printer, service) pairs that accepted an outside client;
  sids       (sid, source) pairs every promise of the sid table implies;
  bjnp       BJNP messages on printer ports by (transport, direction, code), and the job
             details' texts (MFNP's 8610 is opt-in, as in printwatch's default config);
  pjl        PJL request lines by command word; postscript dangerous operators by source.

Mirrored duplicates (the same IP packet within 1 ms, whatever its VLAN tag) count once.
usage: reference.py CAPTURE TRUSTED_IP[,TRUSTED_MAC...]   prints JSON
"""
import collections
import ipaddress
import json
import re
import struct
import sys

from scapy.all import ICMP, IP, TCP, UDP, Ether, IPv6, PcapReader
from scapy.layers.inet import IPerror, TCPerror, UDPerror
from scapy.layers.inet6 import ICMPv6DestUnreach, IPerror6

HOME = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                          "fc00::/7", "fe80::/10")]
SERVICES = {("tcp", 9100): "raw", ("tcp", 631): "ipp", ("tcp", 8611): "bjnp-printer", ("udp", 8611): "bjnp-printer",
            ("tcp", 8612): "bjnp-scanner", ("udp", 8612): "bjnp-scanner",
            ("tcp", 8613): "bjnp-8613", ("udp", 8613): "bjnp-8613",
            ("tcp", 8614): "bjnp-8614", ("udp", 8614): "bjnp-8614", ("tcp", 515): "lpd"}
TIMEOUT = 5.0
UEL = b"\x1b%-12345X"


def inside(a):
    ip = ipaddress.ip_address(a)
    return any(ip in n for n in HOME)


def packets(path):
    """IP packets with duplicates removed: (time, ip layer, src MAC)."""
    recent = collections.deque()
    for p in PcapReader(path):
        ip = p[IP] if IP in p else p[IPv6] if IPv6 in p else None
        if ip is None:
            continue
        t = float(p.time)
        raw = bytes(ip)
        if IP in p:  # TTL and checksum change on a routed hop; everything else identifies it
            raw = raw[:8] + raw[12:]
        while recent and t - recent[0][0] > 0.001:
            recent.popleft()
        if any(r == raw for _, r in recent):
            continue
        recent.append((t, raw))
        yield t, ip, p[Ether].src if Ether in p else None


def l4(ip):
    if TCP in ip:
        return "tcp", ip[TCP].sport, ip[TCP].dport
    if UDP in ip and ICMP not in ip and ICMPv6DestUnreach not in ip:
        return "udp", ip[UDP].sport, ip[UDP].dport
    return None, 0, 0


def analyse(path, trusted):
    trusted_ips = {t for t in trusted if ":" not in t or t.count(":") != 5}
    trusted_macs = {t.lower() for t in trusted if t.count(":") == 5 and len(t) == 17}
    mac_of = {}
    attempts = []           # dicts: key, service, start, outcome
    open_tcp = {}           # (src, sport, dst, dport, isn) -> attempt
    udp_flows = {}          # 5-tuple (either direction) -> last time, attempt or None
    tcp_streams = collections.defaultdict(dict)   # client->9100 flow -> {seq: payload}
    bjnp = collections.Counter()
    jobs = []
    sids = set()
    scan = collections.defaultdict(list)  # source -> [(t, host, port)]

    def is_trusted(src):
        return src in trusted_ips or mac_of.get(src, "").lower() in trusted_macs

    def opening(t, src, dst, proto, dport):
        """A flow to a printer port opened by src: unknown client and scan rules."""
        if inside(src) and inside(dst):
            if not is_trusted(src):
                sids.add((1002, src))
        if inside(src) and is_trusted(src):
            return  # trusted clients never raise printer.scan
        hits = scan[src]
        hits.append((t, dst, dport))
        window = [h for h in hits if t - h[0] <= 60]
        scan[src] = window
        if len({h[2] for h in window}) >= 3 or len({h[1] for h in window}) >= 5:
            sids.add((1003, src))

    for t, ip, smac in packets(path):
        src, dst = ip.src, ip.dst
        if smac:
            mac_of.setdefault(src, smac)
        proto, sport, dport = l4(ip)
        # ICMP unreachable quoting a datagram or segment of an attempt
        quoted = None
        if ICMP in ip and ip[ICMP].type == 3 and IPerror in ip:
            quoted = ip[IPerror]
        elif ICMPv6DestUnreach in ip and IPerror6 in ip:
            quoted = ip[IPerror6]
        if quoted is not None:
            qp, qs, qd = ("tcp", quoted[TCPerror].sport, quoted[TCPerror].dport) if TCPerror in quoted \
                else ("udp", quoted[UDPerror].sport, quoted[UDPerror].dport) if UDPerror in quoted \
                else (None, 0, 0)
            for a in attempts:
                if a["outcome"] is None and a["proto"] == qp and a["client"] == (quoted.src, qs) \
                        and a["server"] == (quoted.dst, qd) and t - a["start"] <= TIMEOUT:
                    a["outcome"] = "refused"
            continue
        if proto is None:
            continue
        if proto == "tcp":
            flags = ip[TCP].flags
            payload = bytes(ip[TCP].payload)
            if flags & 0x02 and not flags & 0x10 and (proto, dport) in SERVICES:
                key = (src, sport, dst, dport, ip[TCP].seq)
                if key not in open_tcp:
                    open_tcp[key] = None
                    opening(t, src, dst, proto, dport)
                    if not inside(src) and inside(dst):
                        a = {"proto": "tcp", "client": (src, sport), "server": (dst, dport),
                             "service": SERVICES[(proto, dport)], "start": t, "outcome": None}
                        open_tcp[key] = a
                        attempts.append(a)
            for a in attempts:
                if a["proto"] == "tcp" and a["outcome"] is None and a["server"] == (src, sport) \
                        and a["client"] == (dst, dport) and t - a["start"] <= TIMEOUT:
                    if flags & 0x12 == 0x12:
                        a["outcome"] = "accepted"
                    elif flags & 0x04:
                        a["outcome"] = "refused"
            if payload and dport in (9100, 8611, 8612):
                tcp_streams[(src, sport, dst, dport)][ip[TCP].seq] = payload
            elif payload and sport in (9100, 8611, 8612):
                tcp_streams[(src, sport, dst, dport)][ip[TCP].seq] = payload
        else:
            payload = bytes(ip[UDP].payload)
            fwd, rev = (src, sport, dst, dport), (dst, dport, src, sport)
            if rev in udp_flows and t - udp_flows[rev][0] <= 60:
                a = udp_flows[rev][1]
                udp_flows[rev] = (t, a)
                if a and a["outcome"] is None and t - a["start"] <= TIMEOUT:
                    a["outcome"] = "accepted"
            elif fwd in udp_flows and t - udp_flows[fwd][0] <= 60:
                udp_flows[fwd] = (t, udp_flows[fwd][1])
            else:
                a = None
                # A BJNP response is a device answering (a broadcast or multicast discover
                # opens no flow the answer could join): the device is serving, not a client.
                answering = len(payload) >= 16 and payload[:4] == b"BJNP" and payload[4] & 0x80
                if (proto, dport) in SERVICES and not answering:
                    opening(t, src, dst, proto, dport)
                    if not inside(src) and inside(dst):
                        a = {"proto": "udp", "client": (src, sport), "server": (dst, dport),
                             "service": SERVICES[(proto, dport)], "start": t, "outcome": None}
                        attempts.append(a)
                udp_flows[fwd] = (t, a)
            on_service_port = (proto, dport) in SERVICES or (proto, sport) in SERVICES
            if on_service_port and len(payload) >= 16 and payload[:4] in (b"BJNP", b"BJNB"):
                dev, code, length = payload[4], payload[5], struct.unpack(">I", payload[12:16])[0]
                request = not dev & 0x80
                bjnp[f"udp {'command' if request else 'response'} {code}"] += 1
                client = src if request else dst
                untrusted = not inside(client) or not is_trusted(client)
                if request and code == 0x01 and untrusted:
                    sids.add((1101, client))
                if not request and code == 0x30 and untrusted:
                    sids.add((1102, client))
                if request and code == 0x10:
                    body = payload[16:16 + length]
                    text = lambda b: b.decode("utf-16-be", "replace").split("\x00")[0]
                    jobs.append({"src": src, "host": text(body[8:72]), "user": text(body[72:136]),
                                 "title": text(body[136:392])})
                    if untrusted:
                        sids.add((1103, client))
    for a in attempts:
        a["outcome"] = a["outcome"] or "unanswered"
        sids.add((1001, a["client"][0]))
        if a["outcome"] == "accepted":
            sids.add((1004, a["client"][0]))
    pjl, ps = collections.Counter(), set()
    for (src, sport, dst, dport), segs in tcp_streams.items():
        stream = b"".join(segs[s] for s in sorted(segs))
        if dport == 9100:
            raw9100_rules(stream, src, is_trusted(src) and inside(src), pjl, ps, sids)
        elif dport in (8611, 8612):
            pos = 0
            while pos + 16 <= len(stream) and stream[pos:pos + 4] == b"BJNP":
                bjnp[f"tcp command {stream[pos + 5]}"] += 1
                pos += 16 + struct.unpack(">I", stream[pos + 12:pos + 16])[0]
        elif sport in (8611, 8612):
            pos = 0
            while pos + 16 <= len(stream) and stream[pos:pos + 4] == b"BJNP":
                bjnp[f"tcp response {stream[pos + 5]}"] += 1
                pos += 16 + struct.unpack(">I", stream[pos + 12:pos + 16])[0]
    by = collections.Counter((a["service"], a["outcome"]) for a in attempts)
    return {
        "attempts": {f"service={s},outcome={o}": n for (s, o), n in sorted(by.items())},
        "attempt_list": [[a["client"][0], a["server"][0], a["service"], a["proto"], a["outcome"],
                          a["start"]] for a in attempts],
        "exposed": sorted({f"{a['server'][0]}:{a['service']}" for a in attempts
                           if a["outcome"] == "accepted"}),
        # The README's numbers, in the local range (1,000,000 + n) as EVE carries them.
        "sids": sorted([1_000_000 + s, src] for s, src in sids),
        "bjnp": dict(sorted(bjnp.items())),
        "jobs": jobs,
        "pjl": dict(sorted(pjl.items())),
        "postscript": sorted([src, op] for src, op in ps),
    }


PS_DANGEROUS = ("deletefile", "renamefile", "exitserver", "startjob", "setsystemparams",
                "initializedisk", "setpassword")
STD_FILES = ("%stdin", "%stdout", "%stderr", "%lineedit", "%statementedit")


def raw9100_rules(stream, src, trusted, pjl, ps, sids):
    """The README's PJL and PostScript rows, applied to one client stream by regex."""
    defaults = job_passwords = 0
    text = stream.replace(UEL, b"\n")
    download = 0
    ps_parts = []
    for line in text.split(b"\n"):
        if download > 0:  # an FSDOWNLOAD's file: not commands
            download -= len(line) + 1
            continue
        stripped = line.strip(b"\r ")
        if not stripped.upper().startswith(b"@PJL"):
            ps_parts.append(line)
            continue
        words = stripped[4:].split()
        if not words:
            continue
        cmd = words[0].upper().decode("latin-1")
        sub = words[1].split(b"=")[0].upper().decode("latin-1") if len(words) > 1 else ""
        pjl[cmd] += 1
        up = stripped.upper()
        if len(line) > 1024:
            sids.add((1206, src))
        if cmd in ("INQUIRE", "DINQUIRE") or (cmd == "INFO" and sub not in ("ID", "STATUS", "FILESYS")) \
                or (cmd == "INFO" and sub in ("ID", "STATUS") and not trusted):
            sids.add((1201 if trusted else 1211, src))  # the stricter sid for untrusted
        if cmd in ("RDYMSG", "OPMSG", "STMSG", "RESET") or \
                (cmd == "DEFAULT" and sub not in ("PASSWORD", "CPLOCK", "DISKLOCK")) or \
                (cmd == "SET" and sub in ("SERVICEMODE", "JOBMEDIA", "HOLD")):
            sids.add((1202 if trusted else 1212, src))
        if cmd == "DMCMD":
            hexv = re.search(rb'ASCIIHEX\s*=\s*"?([0-9A-F]+)', up)
            reset = hexv and hexv.group(1)[-4:] in (b"0104", b"0105", b"0106")
            sids.add((1204 if reset else 1202 if trusted else 1212, src))
        if cmd in ("FSQUERY", "FSDIRLIST", "FSUPLOAD", "FSDOWNLOAD", "FSAPPEND", "FSMKDIR",
                   "FSDELETE") or (cmd == "INFO" and sub == "FILESYS"):
            sids.add((1203, src))
        if cmd in ("FSINIT", "INITIALIZE", "CLEARNVRAM", "NVRAMINIT", "RNVRAM", "WNVRAM", "SUPERUSER") \
                or (cmd == "EXECUTE" and b"SHUTDOWN" in up):
            sids.add((1204, src))
        if (cmd in ("SET", "DEFAULT") and sub in ("PASSWORD", "CPLOCK", "DISKLOCK")):
            sids.add((1205, src))
        if cmd == "DEFAULT":
            defaults += 1
            if defaults >= 10:
                sids.add((1204, src))
        if cmd == "JOB" and b"PASSWORD" in up:
            job_passwords += 1
            if job_passwords >= 3:
                sids.add((1205, src))
        if cmd in ("FSDOWNLOAD", "FSAPPEND"):
            size = re.search(rb"SIZE\s*=\s*(\d+)", up)
            download = int(size.group(1)) if size else 0
    code = b"\n".join(ps_parts).decode("latin-1")
    code = re.sub(r"\\.", "", code)  # escapes inside strings
    strings = []

    def keep(m):  # strings first: a '%' inside one is not a comment
        strings.append(m.group(1))
        return f"(S{len(strings) - 1})"
    code = re.sub(r"%[^\n]*", "", re.sub(r"\(([^()]*)\)", keep, code))
    # `file` on a real path: (path) (mode) file
    for p, mode in re.findall(r"\(S(\d+)\)\s*\(S(\d+)\)\s*file\b", code):
        if re.fullmatch(r"[rwa]\+?", strings[int(mode)]) and strings[int(p)] not in STD_FILES:
            ps.add((src, "file"))
            sids.add((1301, src))
    bare = re.sub(r"\(S\d+\)", " ", code)
    for op in PS_DANGEROUS:
        if re.search(r"(?<![/\w])" + op + r"(?!\w)", bare):
            ps.add((src, op))
            sids.add((1301, src))
    if re.search(r"/superexec(?!\w)", bare):
        ps.add((src, "superexec"))
        sids.add((1301, src))


if __name__ == "__main__":
    print(json.dumps(analyse(sys.argv[1], sys.argv[2].split(",") if len(sys.argv) > 2 else []),
                     indent=1))
