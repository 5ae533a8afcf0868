#!/usr/bin/python3
"""The lab's printer: the only side of the lab that is not a real program. It answers like a
Canon PIXMA on BJNP (UDP and TCP 8611 printer, 8612 scanner, IPv4 and IPv6) and like a
PostScript-capable HP LaserJet on raw 9100 (PJL replies ending in form feed, PostScript
`print` output), just enough for the real clients (cups-bjnp, SANE pixma, the CUPS socket
backend, nmap's NSE scripts, PRET's sequences) to run their whole exchange.

usage: printer.py MAC IPV4 [IPV6]    (runs until SIGTERM; logs one line per request to stdout)
Wire formats: docs/protocols.md §1 and §2 (no code from any client).
"""
import re
import select
import signal
import socket
import struct
import sys
import threading

MAC, IPV4 = sys.argv[1], sys.argv[2]
IPV6 = sys.argv[3] if len(sys.argv) > 3 else None
MODEL = "MG5200 series"
IDS = {  # IEEE 1284 device IDs, as the MG5200 in nmap's bjnp-discover documentation answers
    1: f"MFG:Canon;CMD:BJL,BJRaster3,BSCCe,NCCe,IVEC,IVECPLI;SOJ:BJNP2,BJNPe;MDL:{MODEL};CLS:PRINTER;"
       f"DES:Canon {MODEL};VER:1.050;STA:10;FSI:03;HRI:ERR;MSI:E3;PDR:5;",
    2: f"MFG:Canon;CMD:MultiPass 2.1,IVEC;MDL:{MODEL};CLS:IMAGE;DES:Canon {MODEL};VER:1.050;",
}
PJL_MODEL = "HP LaserJet 4250"
STATUS_XML = (b'<?xml version="1.0" encoding="utf-8" ?><cmd xmlns:ivec="http://www.canon.com/ns/cmd/'
              b'2008/07/common/"><ivec:contents><ivec:operation>StatusResponse</ivec:operation>'
              b'<ivec:param_set servicetype="print"><ivec:response>OK</ivec:response>'
              b'<ivec:status>idle</ivec:status></ivec:param_set></ivec:contents></cmd>')
running = True
display = ["Ready"]  # the panel's ready message, which RDYMSG changes


def log(*a):
    print(*a, flush=True)


def header(dev, cmd, seq, session, payload=b"", magic=b"BJNP"):
    return struct.pack(">4sBBHHHI", magic, dev, cmd, 0, seq, session, len(payload)) + payload


class Bjnp:
    """Shared BJNP state: one job session id per client, as a printer hands them out."""

    def __init__(self):
        self.next_session = 1
        self.lock = threading.Lock()

    def answer(self, data, peer_is_v6):
        """The reply to one BJNP command, or None."""
        if len(data) < 16:
            return None
        magic, dev, cmd, _, seq, session, length = struct.unpack(">4sBBHHHI", data[:16])
        if magic not in (b"BJNP", b"MFNP") or dev & 0x80:
            return None
        payload = data[16:16 + length]
        rdev = dev | 0x80
        log(f"bjnp {'udp' if peer_is_v6 is not None else 'tcp'} dev={dev} cmd=0x{cmd:02x} seq={seq} "
            f"len={length}")
        if cmd == 0x01:  # discover: hardware type, protocol, MAC, the address the client used
            if peer_is_v6 and IPV6:
                addr = socket.inet_pton(socket.AF_INET6, IPV6)
                body = b"\x00\x01\x86\xdd" + bytes([6, 16]) + bytes.fromhex(MAC.replace(":", "")) + addr
            else:
                body = b"\x00\x01\x08\x00" + bytes([6, 4]) + bytes.fromhex(MAC.replace(":", "")) + \
                    socket.inet_aton(IPV4)
            return header(rdev, cmd, seq, 0, body, magic)
        if cmd == 0x30:  # identity: 2-byte length (counting itself), then the device ID
            s = IDS.get(dev, IDS[1]).encode()
            body = s if magic == b"MFNP" else struct.pack(">H", len(s) + 2) + s
            return header(rdev, cmd, seq, 0, body, magic)
        if cmd == 0x10:  # job details: the reply's session id starts the job
            with self.lock:
                sid = self.next_session
                self.next_session += 1
            return header(rdev, cmd, seq, sid, b"", magic)
        if cmd == 0x11:  # close
            return header(rdev, cmd, seq, session, b"", magic)
        if cmd == 0x20:  # status: the newer XML format (cups-bjnp wants at least 16 bytes)
            return header(rdev, cmd, seq, session, STATUS_XML, magic)
        if cmd == 0x21:  # print / send: the count of bytes accepted
            return header(rdev, cmd, seq, session, struct.pack(">I", len(payload)), magic)
        if cmd == 0x32:  # scanner button poll: dialog, no key pressed
            return header(rdev, cmd, seq, session, b"\x00" * 4 + b"\x00" * 4 + b"\x00" * 20, magic)
        return None


def bound(kind, family, port):
    """A socket on every address of `family` (IPv6 sockets do not take IPv4 too)."""
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
    return s


def udp_server(bjnp, port, family):
    s = bound(socket.SOCK_DGRAM, family, port)
    s.settimeout(0.5)
    while running:
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            continue
        reply = bjnp.answer(data, family == socket.AF_INET6)
        if reply:
            s.sendto(reply, peer)


def bjnp_tcp(bjnp, conn):
    buf = b""
    while running:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buf += chunk
        while len(buf) >= 16:
            length = struct.unpack(">I", buf[12:16])[0]
            if len(buf) < 16 + length:
                break
            msg, buf = buf[:16 + length], buf[16 + length:]
            reply = bjnp.answer(msg, None)
            if reply:
                conn.sendall(reply)


UEL = b"\x1b%-12345X"


def raw9100(conn):
    """PJL: answers INFO, ECHO, FSQUERY, FSDIRLIST, FSUPLOAD, DINQUIRE, INQUIRE; PostScript:
    echoes what PRET's `(DELIMITER..\\n) print` and `==` would print. Reads until the client
    closes its side (the CUPS socket backend waits for that close)."""
    buf = b""
    ps = False
    download = 0
    while running:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buf += chunk
        out = b""
        while True:
            if download:
                n = min(download, len(buf))
                download -= n
                buf = buf[n:]
                if download:
                    break
            nl = buf.find(b"\n")
            if nl < 0:
                break
            line, buf = buf[:nl].rstrip(b"\r"), buf[nl + 1:]
            while line.startswith(UEL):
                line = line[len(UEL):]
                ps = False
            if ps:
                for token in re.findall(rb"\((DELIMITER\d+)\\n\) print", line):
                    out += token + b"\n"
                if b"product print" in line:
                    out += b"HP LaserJet 4250"
                continue
            if not line.upper().startswith(b"@PJL"):
                if line.startswith(b"%!"):
                    ps = True
                continue
            up = line.upper()
            words = up.split()
            cmd = words[1] if len(words) > 1 else b""
            log("pjl", line[:120].decode("latin-1"))
            if cmd == b"ENTER" and b"POSTSCRIPT" in up:
                ps = True
            elif cmd == b"INFO" and len(words) > 2 and words[2] == b"ID":
                out += line + b'\r\n"' + PJL_MODEL.encode() + b'"\r\n\x0c'
            elif cmd == b"INFO" and len(words) > 2 and words[2] == b"STATUS":
                out += line + b'\r\nCODE=10001\r\nDISPLAY="' + display[0].encode() + b'"\r\nONLINE=TRUE\r\n\x0c'
            elif cmd == b"INFO" and len(words) > 2 and words[2] == b"FILESYS":
                out += line + b"\r\n\tTOTAL\tFREE\tLOCATION\tLABEL\tSTATUS\r\n0:\t1755136\t1718272\tRAM\tHP\tREAD-WRITE\r\n\x0c"
            elif cmd == b"INFO":
                out += line + b"\r\n\x0c"
            elif cmd == b"ECHO":
                out += line + b"\r\n\x0c"
            elif cmd == b"FSQUERY":
                out += line + b" TYPE=FILE SIZE=11\r\n\x0c"
            elif cmd == b"FSDIRLIST":
                out += line + b"\r\n. TYPE=DIR\r\n.. TYPE=DIR\r\nPostScript TYPE=DIR\r\nprofile TYPE=FILE SIZE=11\r\n\x0c"
            elif cmd == b"FSUPLOAD":
                size = int((re.search(rb"SIZE\s*=\s*(\d+)", up) or [0, b"0"])[1])
                out += line + b"\r\n" + (b"root:x:0:0\n" * 100)[:size] + b"\x0c"
            elif cmd in (b"FSDOWNLOAD", b"FSAPPEND"):
                download = int((re.search(rb"SIZE\s*=\s*(\d+)", up) or [0, b"0"])[1])
            elif cmd == b"RDYMSG":
                m = re.search(rb'DISPLAY\s*=\s*"([^"]{0,64})', line, re.I)
                display[0] = m.group(1).decode("latin-1") if m else display[0]
            elif cmd in (b"DINQUIRE", b"INQUIRE"):
                out += line + b"\r\nDISABLED\r\n\x0c"
        if out:
            conn.sendall(out)


def tcp_server(port, handler, family):
    s = bound(socket.SOCK_STREAM, family, port)
    s.listen(64)
    while running:
        r, _, _ = select.select([s], [], [], 0.5)
        if not r:
            continue
        conn, _ = s.accept()

        def serve(c=conn):
            try:
                handler(c)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=serve, daemon=True).start()


def main():
    global running
    bjnp = Bjnp()
    threads = []
    for fam in (socket.AF_INET, socket.AF_INET6):
        for port in (8611, 8612):
            threads.append(threading.Thread(target=udp_server, args=(bjnp, port, fam), daemon=True))
            threads.append(threading.Thread(target=tcp_server, args=(port, lambda c: bjnp_tcp(bjnp, c), fam), daemon=True))
        threads.append(threading.Thread(target=tcp_server, args=(9100, raw9100, fam), daemon=True))
    for t in threads:
        t.start()

    def stop(*_):
        global running
        running = False
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log("printer ready")
    while running:
        threading.Event().wait(0.2)


if __name__ == "__main__":
    main()
