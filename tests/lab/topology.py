"""The lab's printer LAN, built from network namespaces that the lab creates and deletes.

    out (203.0.113.66, the attacker) -- rtr (203.0.113.1 | 10.77.1.1) --trunk-- sw (bridge)
    sw ports: prn (10.77.1.50, the printer), cups (10.77.1.20, trusted CUPS/SANE host),
              unt (10.77.1.30, an untrusted inside host), and SPAN ports to mon (tc u32 +
              mirred on the switch ports):
      span    every frame once, as it enters the switch (ingress of every port): the plain SPAN;
      trunkin frames entering from the router (the trunk port);
      hostsin frames entering from the inside hosts (the access ports);
      prnout  frames the switch sends to the printer (egress of its access port).
    capture.py assembles the trunk SPAN from the last three: the trunk port's copies get an
    802.1Q VLAN 100 tag as they are written (this kernel has neither 802.1Q nor act_vlan, so
    the tag cannot be pushed in tc), the access ports' copies stay untagged, and the printer
    port's egress adds an untagged duplicate of every frame sent to the printer. Inbound frames
    therefore appear twice, tagged and untagged, and the printer's replies once, untagged:
    a trunk SPAN with asymmetric tagging.

Nothing here has a route off the machine: the namespaces are joined only by the veth pairs
below, and spoofed flood sources (198.18.0.0/15) are routed back into `out`, which drops them.
"""
import os
import subprocess

NET = "10.77.1"
V6 = "fd77:1::"
HOSTS = {  # name: (MAC, IPv4, IPv6)
    "prn": ("02:77:00:00:00:50", f"{NET}.50", f"{V6}50"),
    "cups": ("02:77:00:00:00:20", f"{NET}.20", f"{V6}20"),
    "unt": ("02:77:00:00:00:30", f"{NET}.30", f"{V6}30"),
}
RTR_IN = ("02:77:00:00:00:01", f"{NET}.1")
OUT = "203.0.113.66"
RTR_OUT = "203.0.113.1"
FLOOD_NET = "198.18.0.0/15"
VLAN = 100
SPANS = ("span", "trunkin", "hostsin", "prnout")


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


class Lab:
    def __init__(self):
        self.tag = f"pwl{os.getpid() % 100000}"
        self.names = ["sw", "mon", "rtr", "out", *HOSTS]

    def ns(self, name):
        return f"{self.tag}-{name}"

    def run(self, name, *cmd, check=True):
        return sh("ip", "netns", "exec", self.ns(name), *cmd, check=check)

    def popen(self, name, cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.ns(name), *cmd], **kw)

    def veth(self, a_ns, a, b_ns, b):
        sh("ip", "link", "add", a, "netns", self.ns(a_ns), "type", "veth", "peer", "name", b,
           "netns", self.ns(b_ns))

    def up(self):
        for n in self.names:
            sh("ip", "netns", "add", self.ns(n))
            self.run(n, "ip", "link", "set", "lo", "up")
            # `ip netns exec` bind-mounts these: name lookups (SANE and cups-bjnp resolve
            # every printer address) go to the namespace's own loopback and fail at once,
            # instead of waiting for the host's resolver, which the namespaces cannot reach.
            etc = f"/etc/netns/{self.ns(n)}"
            os.makedirs(etc, exist_ok=True)
            with open(f"{etc}/resolv.conf", "w") as f:
                f.write("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
            with open(f"{etc}/hosts", "w") as f:
                f.write("127.0.0.1 localhost\n" + "".join(
                    f"{ip4} {name}\n" for name, (_, ip4, _) in HOSTS.items()))
        self.run("sw", "ip", "link", "add", "br0", "type", "bridge")
        # A quiet switch: no STP, no IPv6 of its own on the bridge or its ports.
        self.run("sw", "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                 "net.ipv6.conf.default.disable_ipv6=1")
        self.run("mon", "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                 "net.ipv6.conf.default.disable_ipv6=1")
        ports = {}
        for name, (mac, ip4, ip6) in HOSTS.items():
            self.veth(name, "eth0", "sw", f"p-{name}")
            ports[name] = f"p-{name}"
            self.run(name, "ip", "link", "set", "eth0", "address", mac)
            self.run(name, "ip", "addr", "add", f"{ip4}/24", "dev", "eth0")
            self.run(name, "ip", "-6", "addr", "add", f"{ip6}/64", "dev", "eth0", "nodad")
            self.run(name, "ip", "link", "set", "eth0", "up")
            self.run(name, "ip", "route", "add", "default", "via", RTR_IN[1])
        # Router: inside leg on the switch (the trunk port), outside leg to the attacker.
        self.veth("rtr", "in0", "sw", "p-rtr")
        ports["rtr"] = "p-rtr"
        self.run("rtr", "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                 "net.ipv6.conf.default.disable_ipv6=1")
        self.run("rtr", "ip", "link", "set", "in0", "address", RTR_IN[0])
        self.run("rtr", "ip", "addr", "add", f"{RTR_IN[1]}/24", "dev", "in0")
        self.run("rtr", "ip", "link", "set", "in0", "up")
        self.veth("rtr", "out0", "out", "eth0")
        self.run("rtr", "ip", "addr", "add", f"{RTR_OUT}/24", "dev", "out0")
        self.run("rtr", "ip", "link", "set", "out0", "up")
        for key in ("net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                    "net.ipv4.conf.default.rp_filter=0", "net.ipv4.conf.out0.rp_filter=0"):
            self.run("rtr", "sysctl", "-q", "-w", key)
        self.run("rtr", "ip", "route", "add", FLOOD_NET, "via", OUT)
        self.run("out", "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                 "net.ipv6.conf.default.disable_ipv6=1")
        self.run("out", "ip", "addr", "add", f"{OUT}/24", "dev", "eth0")
        self.run("out", "ip", "link", "set", "eth0", "up")
        self.run("out", "ip", "route", "add", "default", "via", RTR_OUT)
        # SPAN ports: the switch end mirrors into it, mon captures on the peer.
        for span in SPANS:
            self.veth("sw", span, "mon", span)
            self.run("sw", "ip", "link", "set", span, "up")
            self.run("mon", "ip", "link", "set", span, "up")
        for p in ports.values():
            self.run("sw", "ip", "link", "set", p, "master", "br0")
            self.run("sw", "ip", "link", "set", p, "up")
            self.run("sw", "tc", "qdisc", "add", "dev", p, "clsact")
        self.run("sw", "ip", "link", "set", "br0", "type", "bridge", "stp_state", "0")
        self.run("sw", "ip", "link", "set", "br0", "up")
        def mirror(port, hook, spans):
            actions = []
            for i, span in enumerate(spans):
                actions += ["action", "mirred", "egress", "mirror", "dev", span]
                if i + 1 < len(spans):
                    actions.append("pipe")
            self.run("sw", "tc", "filter", "add", "dev", port, hook, "protocol", "all", "u32",
                     "match", "u32", "0", "0", *actions)
        for name, p in ports.items():
            mirror(p, "ingress", ["span", "trunkin" if name == "rtr" else "hostsin"])
        mirror(ports["prn"], "egress", ["prnout"])

    def down(self):
        for n in self.names:
            sh("ip", "netns", "del", self.ns(n), check=False)
            etc = f"/etc/netns/{self.ns(n)}"
            for f in ("resolv.conf", "hosts"):
                if os.path.exists(f"{etc}/{f}"):
                    os.remove(f"{etc}/{f}")
            if os.path.isdir(etc):
                os.rmdir(etc)
