#!/usr/bin/python3
"""Integration test: the --report page in a real headless Chromium (issue 12.16).

The report of the lab's attack capture (exposure, then the firewall fix, a flood and the
re-scan) must be one self-contained page: no script, no external URL, no stylesheet link. It
is rendered by Debian's chromium in a network namespace of its own with no interface but
loopback (so the browser cannot reach any network), and:
- the rendered DOM has the targets table with the verdicts and one SVG timeline per printer
  and service, with bars for every outcome and the line where the fix took effect;
- a screenshot shows the timeline: pixels in the accepted, refused and fix-line colours.
usage: report_test.py PRINTWATCH REPO_ROOT
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BIN, ROOT = sys.argv[1], sys.argv[2]
WORK = h.workdir("report")
CASE = os.path.join(ROOT, "pcaps", "lab-attack")
report = os.path.join(WORK, "report.html")

r = h.run([BIN, "-r", os.path.join(CASE, "input.pcap"), "-c", os.path.join(CASE, "config.yaml"),
           "--report", report])
h.check("--report writes the page", r.returncode == 0 and os.path.exists(report), r.stderr)
html = open(report).read() if os.path.exists(report) else ""
external = re.findall(r'(?i)(<script|<link|<img|<iframe|https?://|url\()', html)
h.check("the page is self-contained: no script, link, image or URL", html and not external, str(external))
h.check("the page has the verdicts", "fixed since 2026-12-01 08:14:01 UTC" in html and "10.77.1.50" in html)

# The printer services reached from outside, as the EVE of the same replay names them.
eve = os.path.join(WORK, "report.jsonl")
h.run([BIN, "-r", os.path.join(CASE, "input.pcap"), "-c", os.path.join(CASE, "config.yaml"), "--eve", eve])
services = {(e["dest_ip"], e["printwatch"]["service"]) for e in h.eve_events(eve)
            if e.get("alert", {}).get("signature_id") == 1001001}

chromium = shutil.which("chromium")
h.check("chromium is installed", chromium)


def browser(*args):
    """Chromium in a fresh network namespace (loopback only, and down): no traffic leaves."""
    home = os.path.join(WORK, "home")
    os.makedirs(home, exist_ok=True)
    return subprocess.run(["unshare", "-n", chromium, "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", f"--user-data-dir={home}/profile", *args, f"file://{report}"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": home})


if chromium and html:
    dom = browser("--dump-dom").stdout
    h.check(f"chromium renders the targets table ({len(services)} printer services)",
            len(services) >= 3 and dom.count("<tr><td>10.77.1.50</td>") == len(services), dom[:300])
    timelines = dom.count('<svg class="timeline"')
    h.check(f"one timeline per printer and service ({timelines})", timelines == len(services))
    h.check("timelines carry accepted, refused and unanswered bars and the fix line",
            all(f'class="{c}"' in dom for c in ("accepted", "refused", "unanswered", "fix")))
    shot = os.path.join(WORK, "report.png")
    r = browser("--window-size=1100,1000", f"--screenshot={shot}")
    h.check("chromium takes a screenshot", os.path.exists(shot), r.stderr[-500:])
    if os.path.exists(shot):
        from PIL import Image  # noqa: PLC0415 - Debian's python3-pil, only for this check
        img = Image.open(shot).convert("RGB")
        counts = {"accepted": 0, "refused": 0, "fix": 0}
        want = {"accepted": (214, 39, 40), "refused": (44, 160, 44), "fix": (31, 119, 180)}
        for px in img.getdata():
            for k, c in want.items():
                if all(abs(a - b) < 12 for a, b in zip(px, c)):
                    counts[k] += 1
        h.check(f"the screenshot shows the timeline: {counts} pixels of each colour",
                counts["accepted"] > 200 and counts["refused"] > 2000 and counts["fix"] > 50)
h.finish()
