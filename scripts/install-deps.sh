#!/usr/bin/env bash
# Install every Debian 12 package that printwatch needs to build, test and run.
# Idempotent; run as root. Nothing is fetched from outside Debian's archive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  build-essential cmake ninja-build pkg-config git
  g++ clang-14 libclang-rt-14-dev clang-format clang-tidy
  libpcap-dev libspdlog-dev libfmt-dev prometheus-cpp-dev
  catch2 libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libexpected-dev
  libssl-dev libsystemd-dev
  tshark tcpreplay nmap python3-scapy python3-yaml procps
  prometheus rsyslog iproute2 systemd curl logrotate
  # the real-client lab (tests/lab): CUPS's socket backend, cups-bjnp, SANE's pixma backend,
  # the firewall fix, the SPAN capture and nc
  cups cups-backend-bjnp sane-utils libsane1 iptables tcpdump netcat-openbsd
  # LPD (tests/lab/lpd_lab.py): rlpr, rlpq, rlprm; IPP: ipptool and its test files
  rlpr cups-ipp-utils
  # the --report page in a real headless browser, and its screenshot checked
  chromium python3-pil
  # the fleet (issue 11): Redis streams via hiredis, RELP via librelp, and the central engines
  # the fleet test starts: redis-server, rsyslog's imrelp, VictoriaMetrics, Alertmanager
  libhiredis-dev librelp-dev redis-server redis-tools rsyslog-relp victoria-metrics
  prometheus-alertmanager
)
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root (it uses apt-get)" >&2
  exit 2
fi
# tshark asks whether non-root users may capture; answer it up front so no prompt blocks CI.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
