#!/usr/bin/env bash
# Checks every file under deploy/ with the real tool that consumes it (docs/spec.md §8):
# promtool (rules, rule unit tests, config), systemd-analyze verify, rsyslogd -N1, the
# dashboard's schema, and printwatch --check-config on the example config.
#   deploy_test.sh PRINTWATCH REPO_ROOT WORK_DIR
set -u
bin=$1; root=$2; work=$3
rm -rf "$work"; mkdir -p "$work"
pass=0; fail=0
check() {
  if eval "$2" > "$work/out" 2>&1; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; sed 's/^/     | /' "$work/out" | head -20; fi
}
d=$root/deploy

check "promtool check rules" "promtool check rules $d/prometheus/rules.yml"
check "promtool test rules" "cd $d/prometheus && promtool test rules rules_test.yml"
check "promtool check config (multi-sensor example)" "promtool check config --syntax-only $d/prometheus/prometheus.yml"
check "promtool check config (fleet: file_sd, remote_write, alerting)" "promtool check config --syntax-only $d/fleet/prometheus.yml"
check "amtool check-config (fleet routing)" "amtool check-config $d/fleet/alertmanager.yml"
check "file_sd example: every target has a sensor label" "/usr/bin/python3 - <<'PY'
import yaml
groups = yaml.safe_load(open('$d/fleet/sensors.example.yml'))
assert groups and all(g['targets'] and g['labels']['sensor'] for g in groups), groups
PY"
check "example config passes --check-config" "$bin -c $d/printwatch.yaml --check-config"

# systemd-analyze verify needs the ExecStart binaries to exist: point them at this build.
sed "s|/usr/local/bin/printwatch|$bin|g" "$d/printwatch.service" > "$work/printwatch.service"
check "systemd-analyze verify printwatch.service" \
  "systemd-analyze verify $work/printwatch.service 2>&1 | tee /dev/stderr | { ! grep -v -E '^$|Failed to connect|kernel command line|Cannot add dependency job|Unit .*not found' ; }"
check "unit keeps only CAP_NET_RAW and CAP_NET_ADMIN" \
  "grep -qx 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' $d/printwatch.service && grep -qx 'ProtectSystem=strict' $d/printwatch.service && grep -qx 'NoNewPrivileges=yes' $d/printwatch.service"

for conf in "$d"/rsyslog/*.conf "$d"/fleet/*.conf; do
  # -N1: full config validation without starting; a private work directory keeps it harmless.
  printf 'global(workDirectory="%s")\n$IncludeConfig %s\n' "$work" "$conf" > "$work/wrap.conf"
  check "rsyslogd -N1 $(basename "$conf")" "rsyslogd -N1 -f $work/wrap.conf"
done

check "dashboard: schemaVersion >= 39, datasource variable, panels query printwatch metrics" "/usr/bin/python3 - <<'PY'
import json
d = json.load(open('$d/grafana/printwatch.json'))
assert d['schemaVersion'] >= 39, d['schemaVersion']
variables = {v['name']: v for v in d['templating']['list']}
assert variables['datasource']['type'] == 'datasource' and variables['datasource']['query'] == 'prometheus'
titles = [p['title'] for p in d['panels']]
for want in ('Inbound attempts by outcome', 'Exposed printers', 'Alerts by kind', 'Capture drops', 'Throughput'):
    assert want in titles, want
for p in d['panels']:
    assert p['datasource']['uid'] == '\${datasource}', p['title']
    assert all('printwatch_' in t['expr'] for t in p['targets']), p['title']
PY"
check "fleet dashboard: a fleet row and a per-sensor row, every panel on printwatch or up" "/usr/bin/python3 - <<'PY'
import json
d = json.load(open('$d/grafana/printwatch-fleet.json'))
assert d['schemaVersion'] >= 39 and d['uid'] != 'printwatch'
variables = {v['name']: v for v in d['templating']['list']}
assert variables['datasource']['type'] == 'datasource'
assert 'sensor' in variables['sensor']['definition']
rows = [p['title'] for p in d['panels'] if p['type'] == 'row']
assert rows == ['Fleet', 'Sensor: \$sensor'], rows
for p in d['panels']:
    if p['type'] == 'row':
        continue
    assert p['datasource']['uid'] == '\${datasource}', p['title']
    assert all('printwatch_' in t['expr'] or 'up{' in t['expr'] for t in p['targets']), p['title']
ids = [p['id'] for p in d['panels']]
assert len(ids) == len(set(ids))
PY"
check "grafana provisioning YAML parses" "/usr/bin/python3 -c \"import yaml,sys; [yaml.safe_load(open(f)) for f in sys.argv[1:]]\" $d/grafana/provisioning/*.yaml"
# logrotate -d parses and plans without touching anything; it must name the EVE file and no
# error. (The rotation itself runs for real in tests/integration/live_capture_test.py.)
check "logrotate -d accepts deploy/logrotate/printwatch" \
  "out=\$(logrotate -d -s $work/logrotate.state $d/logrotate/printwatch 2>&1); echo \"\$out\" | grep -q 'eve.json' && ! echo \"\$out\" | grep -qi 'error'"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
