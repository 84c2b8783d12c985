#!/usr/bin/env bash
# An organization collector's directory when the organization has more
# devices than the collector reads in one go (50 pages of 1,000): the part
# read names the sites, and the directory is read again after its 6 hours,
# not every cycle (each read costs 70 calls of the organization's budget).
# Loopback only: the Dashboard simulator and `ucfence watch --once`.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${UCFENCE:-$here/ucfence}
sim=$here/tests/meraki-sim
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
ok() { if [ "$2" = 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; fi; }
run() { local name=$1 want=$2; shift 2
	timeout -k 5 120 "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; local rc=$?
	if [ "$rc" = "$want" ]; then echo "PASS: $name exits $want"; else
		echo "FAIL: $name exits $rc, wanted $want"; sed 's/^/    /' "$tmp/$name.err" | head -20; fi; }

cd "$tmp"
. "$sim/testca.sh"
test_ca "$tmp"
ok "test CA and server certificate" $?
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >key; chmod 0600 key

# 100 networks of 520 devices: 52,000 devices, 52 pages; captures a minute ago
start=$(( $(date +%s) - 90 ))
cat >sc.json <<JSON
{"api_key_file": "$tmp/key",
 "organization": {"networks": 100, "devices_per_network": 520, "seed": 5, "start": $start,
                  "duration": 30, "captures": 3, "schedules": 0, "capture_keep": 10}}
JSON
python3 "$sim/sim.py" --cert srv.pem --key srv.key --scenario sc.json --log api.log \
	--port-file api.port 2>sim.err & pids+=($!)
for _ in $(seq 300); do [ -s api.port ] && break; sleep 0.1; done
[ -s api.port ]; ok "simulator listening" $?
cat >cfg.yaml <<YAML
site: {name: org-collector}
meraki:
  enabled: true
  scope: organization
  base_url: https://127.0.0.1:$(cat api.port)/api/v1
  api_key_file: $tmp/key
  organization_id: "549236"
  ca_file: $tmp/ca.pem
  lookback: 1h
alerts: {spool: $tmp/state/alerts.jsonl, syslog: false}
state_dir: $tmp/state
YAML

run first 0 watch --once -c cfg.yaml
devices() { python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("path","").endswith("/organizations/549236/devices")))' api.log; }
n1=$(devices)
[ "$n1" = 50 ]; ok "the devices read stops at 50 pages ($n1)" $?
python3 - <<'PY' >py.out 2>&1
import json
alerts = [json.loads(l) for l in open("state/alerts.jsonl")]
caps = [a for a in alerts if a["kind"] == "packet-capture"]
assert caps, alerts
for a in caps:
    assert a["site"].startswith("Branch "), a["site"]
PY
rc=$?; ok "the captures are alerted under their networks' Dashboard names" $rc
[ $rc = 0 ] || sed 's/^/    /' py.out
run second 0 watch --once -c cfg.yaml
n2=$(devices)
[ "$n2" = "$n1" ]; ok "a second cycle within 6 hours reads no devices page ($((n2 - n1)))" $?
