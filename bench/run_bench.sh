#!/usr/bin/env bash
# Throughput benchmark: printwatch against pcap_floor (a bare libpcap read loop) on the same
# generated capture, in the same run, so the ratio is meaningful on a noisy machine. Also checks
# the capture's ground truth (TCP attempts). Not part of the pass/fail tests.
#   bench/run_bench.sh [PACKETS] [SEED]      (reads ../shared/bench, writes build/bench/)
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${1:-1500000}
seed=${2:-1}
shared=../shared/bench
out=build/bench
mkdir -p "$out"
pcap="$out/bench-$packets-$seed.pcap"
if [ ! -f "$pcap" ]; then
  /usr/bin/python3 "$shared/make_bench_pcap.py" --packets "$packets" --seed "$seed" --out "$pcap" > /dev/null
fi
gcc -O2 -o "$out/pcap_floor" "$shared/pcap_floor.c" -lpcap
cmake --preset release > /dev/null
cmake --build --preset release > /dev/null
printf 'home_net: [10.0.0.0/8]\n' > "$out/bench.yaml"

best() {  # best wall time of 3 runs, in seconds
  local best=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N)
    best=$(echo "$s $e $best" | awk '{t=$2-$1; if ($3=="" || t<$3) print t; else print $3}')
  done
  echo "$best"
}
cat "$pcap" > /dev/null  # warm the page cache for both
floor=$(best "$out/pcap_floor" "$pcap" touch)
pw_default=$(best build/release/printwatch -r "$pcap" -c "$out/bench.yaml" --metrics-file "$out/m.prom")
pw_all=$(best build/release/printwatch -r "$pcap" -c "$out/bench.yaml" --all-traffic --metrics-file "$out/m-all.prom")
tcp=$(grep -E '^printwatch_inbound_attempts_total\{service="raw"' "$out/m.prom" | awk '{s+=$2} END {print s}')
truth=$(python3 -c "import json;print(json.load(open('$pcap.truth.json'))['alert_tcp_syn_9100_from_outside'])")
echo "packets: $packets  seed: $seed"
echo "pcap_floor (touch every byte): ${floor}s"
echo "printwatch (default filter):   ${pw_default}s  ratio $(echo "$pw_default $floor" | awk '{printf "%.2f", $1/$2}')x floor"
echo "printwatch (--all-traffic):    ${pw_all}s  ratio $(echo "$pw_all $floor" | awk '{printf "%.2f", $1/$2}')x floor"
echo "TCP inbound attempts: $tcp (ground truth $truth)"
