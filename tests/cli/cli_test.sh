#!/usr/bin/env bash
# Command-line contract tests (docs/spec.md §2): exit codes, error messages that name the file, line,
# flag or interface at fault, partial processing of truncated captures, stdin, --state.
#   cli_test.sh BINARY REPO_ROOT WORK_DIR
set -u
bin=$1; root=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
pass=0; fail=0
ok()   { pass=$((pass + 1)); echo "ok   $1"; }
bad()  { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$work/err" ] && sed 's/^/     | /' "$work/err"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# A config with three errors: all three reported with file and line, exit 2.
cat > "$work/bad.yaml" <<'YAML'
home_net: [10.0.0.0/33]
alerts:
  suppress: -5s
  attempt_timout: 5s
YAML
"$bin" -c "$work/bad.yaml" --check-config 2> "$work/err"; rc=$?
check "three config errors exit 2" '[ $rc -eq 2 ]'
check "three config errors all reported with lines" \
  '[ "$(grep -c "bad.yaml:[0-9]*:" "$work/err")" -eq 3 ] && grep -q "bad.yaml:4: unknown key" "$work/err"'

"$bin" -c "$root/pcaps/inbound-outcomes/config.yaml" --check-config 2> "$work/err"; rc=$?
check "--check-config accepts a good config" '[ $rc -eq 0 ]'
"$bin" --check-config -f "tcp port nine" 2> "$work/err"; rc=$?
check "a bad -f filter is a usage error naming the flag" '[ $rc -eq 2 ] && grep -q -- "-f \"tcp port nine\"" "$work/err"'
"$bin" 2> "$work/err"; rc=$?
check "no input is a usage error" '[ $rc -eq 2 ] && grep -q "give -r FILE or -i IFACE" "$work/err"'
"$bin" -r x.pcap --bogus 2> "$work/err"; rc=$?
check "an unknown flag is a usage error" '[ $rc -eq 2 ]'

# Nonexistent file and interface: exit 1, the error names them.
"$bin" -r "$work/missing.pcap" 2> "$work/err"; rc=$?
check "missing file exits 1 naming it" '[ $rc -eq 1 ] && grep -q "missing.pcap" "$work/err"'
"$bin" -i pwnope0 --metrics 127.0.0.1:0 2> "$work/err"; rc=$?
check "missing interface exits 1 naming it" '[ $rc -eq 1 ] && grep -q "pwnope0" "$work/err"'
echo "not a capture" > "$work/garbage.pcap"
"$bin" -r "$work/garbage.pcap" 2> "$work/err"; rc=$?
check "a file that is not a capture exits 1 naming it" '[ $rc -eq 1 ] && grep -q "garbage.pcap" "$work/err"'

# A truncated capture: a clear error, exit 0, and the readable packets processed.
src="$root/pcaps/alert-flood/input.pcap"
size=$(stat -c %s "$src")
head -c $((size - 30)) "$src" > "$work/cut.pcap"
"$bin" -r "$work/cut.pcap" -c "$root/pcaps/alert-flood/config.yaml" --eve "$work/cut.jsonl" \
  --metrics-file "$work/cut.prom" 2> "$work/err"; rc=$?
check "truncated capture exits 0" '[ $rc -eq 0 ]'
check "truncated capture error names the file" 'grep -q "cut.pcap: truncated" "$work/err"'
check "truncated capture: readable packets processed" \
  'grep -q "printwatch_capture_packets_total{interface=\"cut.pcap\"} 29" "$work/cut.prom" && grep -q "printwatch_decode_errors_total{layer=\"capture\",reason=\"truncated\"} 1" "$work/cut.prom"'

# stdin replay gives the same events as the file.
"$bin" -r - -c "$root/pcaps/scan/config.yaml" --eve "$work/stdin.jsonl" < "$root/pcaps/scan/input.pcap" 2> "$work/err"
"$bin" -r "$root/pcaps/scan/input.pcap" -c "$root/pcaps/scan/config.yaml" --eve "$work/file.jsonl" 2> "$work/err"
check "-r - reads stdin" 'diff <(sed "s/\"stdin\"/\"IN\"/g" "$work/stdin.jsonl") <(sed "s|\"$root/pcaps/scan/input.pcap\"|\"IN\"|g; s/\"input.pcap\"/\"IN\"/g" "$work/file.jsonl") > /dev/null'

# EVE from a replay is byte-identical whatever the sinks (issue 12): with syslog to a port
# where nothing listens, every delivery fails, and the EVE must not show it.
"$bin" -r "$root/pcaps/scan/input.pcap" -c "$root/pcaps/scan/config.yaml" --eve "$work/nosink.jsonl" 2> "$work/err"
"$bin" -r "$root/pcaps/scan/input.pcap" -c "$root/pcaps/scan/config.yaml" --eve "$work/sink.jsonl" \
  --syslog "udp://127.0.0.1:9" --metrics-file "$work/sink.prom" 2> "$work/err"
check "EVE is the same with and without a failing syslog sink" \
  'cmp -s "$work/nosink.jsonl" "$work/sink.jsonl" && grep -q "sink=\"syslog\"" "$work/sink.prom"'

# Fleet outputs (issue 11): a bad redis:// or relp:// URL, or stdout twice, is a usage error
# naming the flag; two --eve files get the same records; an unreachable Redis is counted, not
# waited for, and the EVE file does not show it.
"$bin" -r "$root/pcaps/scan/input.pcap" --eve redis://h:1 2> "$work/err"; rc=$?
check "--eve redis:// without a key is a usage error naming the flag" '[ $rc -eq 2 ] && grep -q -- "--eve redis://h:1: expected redis://HOST:PORT/KEY" "$work/err"'
"$bin" -r "$root/pcaps/scan/input.pcap" --syslog relp://collector 2> "$work/err"; rc=$?
check "--syslog relp:// without a port is a usage error" '[ $rc -eq 2 ] && grep -q -- "--syslog relp://collector: expected" "$work/err"'
"$bin" -r "$root/pcaps/scan/input.pcap" --eve - --eve - 2> "$work/err"; rc=$?
check "--eve - twice is a usage error" '[ $rc -eq 2 ] && grep -q "stdout can be given once" "$work/err"'
printf 'sensor: {name: "two words"}\n' > "$work/name.yaml"
"$bin" -c "$work/name.yaml" --check-config 2> "$work/err"; rc=$?
check "sensor.name with a space is a config error with its line" '[ $rc -eq 2 ] && grep -q "name.yaml:1: sensor.name must be" "$work/err"'
"$bin" -r "$root/pcaps/scan/input.pcap" -c "$root/pcaps/scan/config.yaml" --eve "$work/a.jsonl" --eve "$work/b.jsonl" \
  --eve redis://127.0.0.1:9/printwatch:eve --metrics-file "$work/redis.prom" 2> "$work/err"; rc=$?
check "two --eve files get the same records, and match a run without Redis" \
  '[ $rc -eq 0 ] && cmp -s "$work/a.jsonl" "$work/b.jsonl" && cmp -s "$work/a.jsonl" "$work/nosink.jsonl"'
check "an unreachable Redis is counted per record in output_errors{sink=redis}" \
  'n=$(wc -l < "$work/a.jsonl"); grep -q "^printwatch_output_errors_total{sink=\"redis\"} $n\$" "$work/redis.prom"'
check "the shutdown names what Redis did not get" 'grep -q "records not delivered at shutdown" "$work/err"'

# Several -r files form one run.
"$bin" -r "$root/pcaps/scan/input.pcap" -r "$root/pcaps/decoys/input.pcap" --metrics-file "$work/two.prom" 2> "$work/err"; rc=$?
both=$(
  for f in scan decoys; do tshark -r "$root/pcaps/$f/input.pcap" -T fields -e frame.number; done | wc -l)
check "several -r files are replayed in one run" \
  '[ $rc -eq 0 ] && grep -q "interface=\"input.pcap\"} $both" "$work/two.prom"'

# --state: clients learned in the first run are trusted in the second (learning is over).
printf 'learning: {period: 1s}\n' > "$work/learn.yaml"
"$bin" -r "$root/pcaps/untrusted-client/input.pcap" -c "$work/learn.yaml" --state "$work/state.json" --eve "$work/run1.jsonl" 2> "$work/err"
check "--state file written with the learned client" 'grep -q "\"10.1.2.15\"" "$work/state.json"'
check "first run: clients after the learning period alert" 'grep -q "\"src_ip\":\"10.1.7.7\".*printer.unknown_client" "$work/run1.jsonl"'
"$bin" -r "$root/pcaps/untrusted-client/input.pcap" -c "$work/learn.yaml" --state "$work/state.json" --eve "$work/run2.jsonl" 2> "$work/err"
check "second run: the learned client stays trusted" \
  '! grep -q "\"src_ip\":\"10.1.2.15\".*printer.unknown_client" "$work/run2.jsonl" && grep -q "\"src_ip\":\"10.1.9.9\".*printer.unknown_client" "$work/run2.jsonl"'
# A corrupt state file must not stop the sensor for good (Restart=on-failure would loop): it
# is moved aside with a warning naming both files, the run starts fresh and writes a new one.
echo '{"version": 1, "clients": [' > "$work/torn.json"
"$bin" -c "$root/pcaps/scan/config.yaml" --state "$work/torn.json" --check-config 2> "$work/err"; rc=$?
check "--check-config validates the state file and names it" \
  '[ $rc -eq 2 ] && grep -q "torn.json" "$work/err" && grep -q "move it aside" "$work/err"'
"$bin" -r "$root/pcaps/scan/input.pcap" --state "$work/torn.json" 2> "$work/err"; rc=$?
check "a corrupt state file is moved aside, named, and the run starts fresh" \
  '[ $rc -eq 0 ] && grep -q "torn.json.corrupt-" "$work/err" && ls "$work"/torn.json.corrupt-* > /dev/null &&
   grep -q "\"clients\"" "$work/torn.json" && "$bin" --state "$work/torn.json" --check-config 2> /dev/null'

# Packet counts agree with tshark for every bundled capture, with no decode errors.
if command -v tshark > /dev/null; then
  for f in "$root"/pcaps/*/input.pcap*; do
    case_name=$(basename "$(dirname "$f")")
    want=$(tshark -r "$f" -T fields -e frame.number 2>/dev/null | wc -l)
    "$bin" -r "$f" --metrics-file "$work/count.prom" 2> "$work/err"
    got=$(sed -n 's/^printwatch_capture_packets_total{[^}]*} //p' "$work/count.prom")
    errors=$(grep '^printwatch_decode_errors_total' "$work/count.prom" | awk '{s+=$2} END {print s+0}')
    check "packet count of $case_name matches tshark ($want)" '[ "$got" = "$want" ] && [ "$errors" = 0 ]'
  done
else
  bad "tshark not installed"
fi

# tcpdump habits (issue 12.17): an expression after the options, -F FILE, -V FILE.
case=$root/pcaps/pjl-sids/input.pcap
"$bin" -r "$case" -f 'tcp port 9100' --eve "$work/f.jsonl" 2> "$work/err"
"$bin" -r "$case" 'tcp port 9100' --eve "$work/expr.jsonl" 2> "$work/err"; rc=$?
check "a BPF expression after the options works as -f" '[ $rc -eq 0 ] && [ -s "$work/f.jsonl" ] && cmp -s "$work/f.jsonl" "$work/expr.jsonl"'
"$bin" -r "$case" tcp port 9100 --eve "$work/words.jsonl" 2> "$work/err"
check "the expression may be several words, as tcpdump takes it" 'cmp -s "$work/f.jsonl" "$work/words.jsonl"'
printf '# the raw port only\ntcp port 9100\n' > "$work/filter.bpf"
"$bin" -r "$case" -F "$work/filter.bpf" --eve "$work/ff.jsonl" 2> "$work/err"; rc=$?
check "-F FILE reads the filter (comment lines skipped)" '[ $rc -eq 0 ] && cmp -s "$work/f.jsonl" "$work/ff.jsonl"'
"$bin" -r "$case" -f tcp udp 2> "$work/err"; rc=$?
check "two filters (-f and an expression) are a usage error" '[ $rc -eq 2 ] && grep -q "give the filter once" "$work/err"'
"$bin" -r "$case" -F "$work/nonexistent.bpf" 2> "$work/err"; rc=$?
check "-F with a missing file names it" '[ $rc -eq 2 ] && grep -q -- "-F $work/nonexistent.bpf: No such file" "$work/err"'
"$bin" -r "$case" 'tcp port nine' 2> "$work/err"; rc=$?
check "a bad trailing expression is named as such" '[ $rc -eq 2 ] && grep -q "the filter expression \"tcp port nine\"" "$work/err"'
printf '%s\n\n  %s  \n' "$case" "$root/pcaps/scan/input.pcap" > "$work/files.txt"
"$bin" -V "$work/files.txt" --eve "$work/v.jsonl" 2> "$work/err"; rc=$?
"$bin" -r "$case" -r "$root/pcaps/scan/input.pcap" --eve "$work/rr.jsonl" 2> "$work/err"
check "-V FILE replays the files it lists, as two -r" '[ $rc -eq 0 ] && [ -s "$work/v.jsonl" ] && cmp -s "$work/v.jsonl" "$work/rr.jsonl"'
"$bin" -V "$work/no-list.txt" 2> "$work/err"; rc=$?
check "-V with a missing file names it" '[ $rc -eq 2 ] && grep -q -- "-V $work/no-list.txt: No such file" "$work/err"'
"$bin" --help > "$work/help" 2>&1
check "--help shows placeholders (FILE, BPF, ADDR:PORT, URL), never TEXT" \
  'grep -q -- "-r,--read FILE" "$work/help" && grep -q -- "-f,--filter BPF" "$work/help" && grep -q -- "--metrics ADDR:PORT" "$work/help" && grep -q -- "--syslog URL" "$work/help" && ! grep -q TEXT "$work/help"'

# A person at a terminal (issue 12.16): a replay with no output prints the summary.
"$bin" -r "$root/pcaps/inbound-outcomes/input.pcap" -c "$root/pcaps/inbound-outcomes/config.yaml" > "$work/summary.txt" 2> "$work/err"; rc=$?
check "a replay with no output chosen prints a summary with verdicts" \
  '[ $rc -eq 0 ] && grep -q "Printers reached from outside home_net" "$work/summary.txt" && grep -Eq "10.1.0.50 +raw +1 +1 +0 .*fixed since 2023-11-14 22:20:00 UTC" "$work/summary.txt" && grep -Eq "10.1.0.51 \(canon-lab\) +bjnp-printer .* exposed$" "$work/summary.txt" && grep -Eq "10.1.0.54 +raw .* never reached$" "$work/summary.txt"'
check "the summary lists top sources and alerts by kind" \
  'grep -q "Top sources" "$work/summary.txt" && grep -Eq "^  printer.inbound_attempt +[0-9]+ +[0-9]+$" "$work/summary.txt"'
"$bin" -r "$root/pcaps/inbound-outcomes/input.pcap" --eve "$work/out.jsonl" > "$work/quiet.txt" 2> "$work/err"
check "with an output chosen, no summary unless asked" '[ ! -s "$work/quiet.txt" ]'
"$bin" -r "$root/pcaps/inbound-outcomes/input.pcap" --eve - --summary > "$work/eve-stdout.jsonl" 2> "$work/err"
check "--summary with EVE on stdout goes to stderr and keeps stdout JSON" \
  'grep -q "Printers reached from outside" "$work/err" && python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$work/eve-stdout.jsonl"'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
