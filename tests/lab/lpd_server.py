#!/usr/bin/python3
"""The lab's LPD server (RFC 1179 on TCP 515): the side of the LPD lab that may be faked. It
answers like a BSD lpd, just enough for rlpr, rlpq, rlprm and CUPS's lpd backend to run their
whole exchange: an octet 0 for every receive-job step, a queue listing for 03/04, the removed
files for 05.

usage: lpd_server.py IPV4     (runs until SIGTERM; logs one line per command to stdout)
"""
import signal
import socket
import sys
import threading

LISTING = b"lp is ready and printing\nRank   Owner   Job  Files            Total Size\n" \
          b"active alice   576  page.ps          312 bytes\n"
MAX_LINE = 65536


def log(*a):
    print(*a, flush=True)


def read_line(conn):
    line = bytearray()
    while not line.endswith(b"\n") and len(line) < MAX_LINE:
        b = conn.recv(1)
        if not b:
            break
        line += b
    return bytes(line)


def read_exactly(conn, n):
    data = bytearray()
    while len(data) < n:
        b = conn.recv(min(65536, n - len(data)))
        if not b:
            break
        data += b
    return bytes(data)


def serve(conn, peer):
    conn.settimeout(10)
    try:
        first = read_line(conn)
        if not first:
            return
        log(f"lpd {peer[0]} command {first[:1].hex()} {first[1:80]!r}")
        code = first[0]
        if code == 2:
            conn.sendall(b"\0")
            while True:
                line = read_line(conn)
                if not line:
                    return
                log(f"lpd {peer[0]} subcommand {line[:1].hex()} {line[1:80]!r}")
                if line[0] in (2, 3):
                    count = int(line[1:].split()[0])
                    conn.sendall(b"\0")
                    if count == 0:
                        while conn.recv(65536):
                            pass
                        return
                    body = read_exactly(conn, count + 1)
                    log(f"lpd {peer[0]} file {len(body) - 1} bytes")
                conn.sendall(b"\0")
        elif code in (3, 4):
            conn.sendall(LISTING)
        elif code == 5:
            conn.sendall(b"dfA576vm dequeued\ncfA576vm dequeued\n")
    except (OSError, ValueError, IndexError) as e:
        log(f"lpd {peer[0]} error {e}")
    finally:
        conn.close()


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((sys.argv[1], 515))
    srv.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        conn, peer = srv.accept()
        threading.Thread(target=serve, args=(conn, peer), daemon=True).start()


if __name__ == "__main__":
    main()
