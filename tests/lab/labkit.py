"""What the protocol labs (lpd_lab.py, ipp_lab.py) share: checks and their summary, running a
client in a namespace, replaying a capture through printwatch with its attempts by outcome."""
import json
import os
import subprocess
import sys
import time

PASSED, FAILED = [], []


def check(name, ok, detail=""):
    (PASSED if ok else FAILED).append(name)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else f"\n     | {detail}"))
    sys.stdout.flush()


def finish():
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    sys.exit(1 if FAILED else 0)


def step(lab, ns, *cmd, timeout=60, env=None):
    """Runs a real client in a namespace; None when it had to be killed."""
    t = time.time()
    full = ["ip", "netns", "exec", lab.ns(ns), *(["env", *env] if env else []), *cmd]
    try:
        r = subprocess.run(full, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        print(f"     {ns}$ {' '.join(cmd)[:110]}  (timed out after {timeout}s)")
        return None
    print(f"     {ns}$ {' '.join(cmd)[:110]}  ({time.time() - t:.1f}s, exit {r.returncode})")
    return r


def replay(binary, path, work, config, tag):
    """printwatch on `path`: its EVE events and its inbound attempts by service and outcome."""
    eve, prom, cfg = (os.path.join(work, f"{tag}.{ext}") for ext in ("jsonl", "prom", "yaml"))
    with open(cfg, "w") as f:
        f.write(config)
    r = subprocess.run([binary, "-r", path, "-c", cfg, "--eve", eve, "--metrics-file", prom],
                       capture_output=True, text=True)
    check("printwatch replays the capture", r.returncode == 0, r.stderr[-300:])
    events = [json.loads(line) for line in open(eve)] if os.path.exists(eve) else []
    attempts = {}
    for line in open(prom) if os.path.exists(prom) else []:
        if line.startswith("printwatch_inbound_attempts_total{") and not line.endswith(" 0\n"):
            name, value = line.rsplit(" ", 1)
            labels = dict(kv.split("=") for kv in name[name.index("{") + 1:-1].split(","))
            attempts[f"service={labels['service'].strip(chr(34))},"
                     f"outcome={labels['outcome'].strip(chr(34))}"] = int(float(value))
    return events, dict(sorted(attempts.items()))


def pkg(name):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
    return f"{name} {r.stdout or '?'}"
