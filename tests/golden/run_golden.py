#!/usr/bin/env python3
"""Golden test runner: replays pcaps/<case>/input.pcap[ng] with its config.yaml through the real
printwatch binary and diffs the EVE output against expected.jsonl, byte for byte.

    run_golden.py BINARY CASE_DIR WORK_DIR

- The case is replayed twice; the two outputs must be identical (docs/spec.md §2 determinism).
- expected_metrics.txt (optional): every line in it must appear in the --metrics-file output.
- UPDATE_GOLDEN=1 rewrites expected.jsonl from the actual output, for review in the diff.
Uses only the standard library, so any python3 runs it.
"""
import difflib
import glob
import os
import subprocess
import sys


def replay(binary, case_dir, work, tag):
    inputs = sorted(glob.glob(os.path.join(case_dir, "input.pcap*")))
    if len(inputs) != 1:
        sys.exit(f"{case_dir}: expected exactly one input.pcap or input.pcapng, found {inputs}")
    eve = os.path.join(work, f"actual{tag}.jsonl")
    metrics = os.path.join(work, f"metrics{tag}.txt")
    for path in (eve, metrics):
        if os.path.exists(path):
            os.remove(path)
    # Run in the case directory with the input's own name, so that pcap_filename (the path as
    # given to -r, as Suricata writes it) is the same on every machine.
    cmd = [binary, "-r", os.path.basename(inputs[0]), "--eve", os.path.abspath(eve), "--metrics-file", os.path.abspath(metrics)]
    config = os.path.join(case_dir, "config.yaml")
    if os.path.exists(config):
        cmd += ["-c", os.path.abspath(config)]
    extra = os.path.join(case_dir, "args")
    if os.path.exists(extra):
        cmd += open(extra).read().split()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=case_dir,
                          env={**os.environ, "TZ": "UTC", "LC_ALL": "C"})
    if proc.returncode != 0:
        sys.exit(f"FAIL {case_dir}: exit {proc.returncode}\n{' '.join(cmd)}\n{proc.stderr}")
    with open(eve) as f:
        eve_text = f.read()
    with open(metrics) as f:
        metrics_text = f.read()
    return eve_text, metrics_text


def main():
    binary, case_dir, work = sys.argv[1:4]
    name = os.path.basename(os.path.normpath(case_dir))
    work = os.path.join(work, name)
    os.makedirs(work, exist_ok=True)
    actual, metrics = replay(binary, case_dir, work, "")
    again, _ = replay(binary, case_dir, work, "-2")
    if actual != again:
        sys.exit(f"FAIL {name}: two replays of the same input differ (output is not deterministic)")
    expected_path = os.path.join(case_dir, "expected.jsonl")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        with open(expected_path, "w") as f:
            f.write(actual)
        print(f"updated {expected_path}")
    if not os.path.exists(expected_path):
        sys.exit(f"FAIL {name}: no expected.jsonl (run with UPDATE_GOLDEN=1 and review it)")
    with open(expected_path) as f:
        expected = f.read()
    failed = False
    if actual != expected:
        diff = difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                    "expected.jsonl", "actual.jsonl")
        sys.stdout.writelines(diff)
        print(f"\nFAIL {name}: EVE output differs from expected.jsonl")
        failed = True
    metrics_path = os.path.join(case_dir, "expected_metrics.txt")
    if os.path.exists(metrics_path):
        have = set(metrics.splitlines())
        for line in open(metrics_path):
            line = line.rstrip("\n")
            if line and not line.startswith("#") and line not in have:
                print(f"FAIL {name}: metric line missing: {line}")
                failed = True
    if failed:
        sys.exit(1)
    print(f"ok {name}: {len(actual.splitlines())} events")


if __name__ == "__main__":
    main()
