#!/usr/bin/env bash
# An organization collector (meraki.scope organization) against a simulated
# organization of 1,000 networks and 3,000 devices, captures and schedules
# arriving at random (seeded) on random networks, configuration-change noise,
# the organization's 10 requests/s enforced (429 + Retry-After): every capture
# and schedule alerted exactly once with its site (meraki.sites' entry, else
# the network's Dashboard name), within 1.5 poll intervals at p95 (the 90 s
# goal at 60 s polls, scaled to the test's 10 s); the collector's own rate
# well under the organization's budget; a site agent of the organization
# (`ucfence run`, scope served) makes no Dashboard call while the collector
# watches it, where the same key with scope site does (the simulator names
# the key of every request). Everything runs in the lab's gw namespace.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
sim=$LAB_REPO/tests/meraki-sim
POLL=10

lab_init || { echo "FAIL: meraki_collector: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: meraki_collector: lab setup"; exit 1; }
cd "$LAB_DIR" || exit 1
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY
py_check() { local name=$1; shift; python3 - "$@" >py.out 2>&1; local rc=$?
	if [ $rc = 0 ]; then echo "PASS: $name"; else echo "FAIL: $name"; sed 's/^/    /' py.out; fi; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
	-subj "/CN=ucfence test CA" 2>/dev/null &&
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf &&
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
	-extfile ext.cnf 2>/dev/null
check "test CA and server certificate" test -s srv.pem
for k in collector site; do head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >$k.key; chmod 0600 $k.key; done

# ---- the organization: findings from 20 s from now, for 60 s ----------------
start=$(( $(date +%s) + 20 ))
cat >sc.json <<JSON
{"api_keys": {"collector": "$LAB_DIR/collector.key", "site": "$LAB_DIR/site.key"},
 "rate_limit": 10,
 "organization": {"networks": 1000, "devices_per_network": 3, "seed": 17, "start": $start,
                  "duration": 60, "captures": 30, "schedules": 6, "noise_changes_per_min": 20,
                  "history_changes": 400, "capture_keep": 10}}
JSON
ip netns exec "$(lab_ns gw)" python3 "$sim/sim.py" --cert srv.pem --key srv.key --scenario sc.json \
	--log api.log --port-file api.port --created created.jsonl 2>sim.err & LAB_PIDS+=($!)
for _ in $(seq 100); do [ -s api.port ] && break; sleep 0.1; done
check "the simulator listens (in gw)" test -s api.port
port=$(cat api.port)
api="base_url: https://127.0.0.1:$port/api/v1, ca_file: $LAB_DIR/ca.pem, organization_id: \"549236\""

# half the networks mapped to sites; the others keep their Dashboard name
python3 - <<'PY'
import json
m = {"N_%04d" % i: "branch-%04d" % i for i in range(1, 501)}
json.dump(m, open("sites.json", "w"))
with open("sites.yaml", "w") as f:
    f.writelines("    %s: %s\n" % kv for kv in m.items())
PY
{ cat <<YAML
site: {name: org-collector}
meraki:
  enabled: true
  scope: organization
  base_url: https://127.0.0.1:$port/api/v1
  api_key_file: $LAB_DIR/collector.key
  organization_id: "549236"
  ca_file: $LAB_DIR/ca.pem
  poll_interval: ${POLL}s
  call_budget: 5/second
  sites:
YAML
cat sites.yaml
printf 'alerts: {syslog: false}\nstate_dir: %s/collector\n' "$LAB_DIR"; } >collector.yaml

"$UCFENCE" check -c collector.yaml >check.out 2>&1
check "check: a collector's config without interfaces/uc is valid" grep -q "organization collector for 549236" check.out
"$UCFENCE" run -c collector.yaml --rules "$LAB_REPO/rules" >run.out 2>&1
check "run refuses a collector's config, naming watch" grep -q "ucfence watch -c" run.out

# ---- the site agent of a served site, then the collector --------------------
lab_agent_config "sip, rtp" "meraki: {enabled: false, scope: served, api_key_file: $LAB_DIR/site.key, $api}"
"$UCFENCE" check -c site.yaml --rules "$LAB_REPO/rules" >site-check.out 2>&1
check "check on a served site: Dashboard watch off, the collector watches it" \
	grep -q "Dashboard watch: off here (scope served: the organization's collector watches this site" site-check.out
lab_agent_start
check "the site agent runs (scope served)" kill -0 "$LAB_AGENT"
agent_from=$(date +%s.%N)

ip netns exec "$(lab_ns gw)" "$UCFENCE" watch -c collector.yaml >collector.out 2>collector.err & COLL=$!
LAB_PIDS+=($COLL)
# until every finding had three poll intervals to show
while [ "$(date +%s)" -lt $((start + 60 + 3 * POLL)) ]; do sleep 1; done
kill -0 "$LAB_AGENT" 2>/dev/null; agent_alive=$?
agent_to=$(date +%s.%N)
kill "$COLL"; wait "$COLL"; coll_rc=$?
check "the collector exits 0 on SIGTERM" test "$coll_rc" = 0
check "the site agent ran throughout" test "$agent_alive" = 0

python3 "$sim/figures.py" --created created.jsonl --spool collector/alerts.jsonl --log api.log \
	--sites sites.json --key collector --since "$agent_from" --until "$agent_to" >fig.json
sed 's/^/    /' fig.json | tr -d '\n' | sed 's/  */ /g'; echo
py_check "every capture alerted exactly once, with its site" fig.json <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["captures"]
assert f["created"] == 30 and f["once"] == 30, f
assert not f["missing"] and not f["repeated"] and not f["wrong_site"], f
PY
py_check "every schedule alerted exactly once, with its site" fig.json <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["schedules"]
assert f["created"] == 6 and f["once"] == 6 and not f["wrong_site"], f
PY
py_check "sites: mapped networks by meraki.sites, the others by their Dashboard name" \
	collector/alerts.jsonl <<'PY'
import json, sys
sites = {json.loads(l)["site"] for l in open(sys.argv[1])
         if json.loads(l)["kind"] == "packet-capture"}
assert any(s.startswith("branch-") for s in sites), sites
assert any(s.startswith("Branch ") for s in sites), sites
PY
py_check "detection latency p95 <= 1.5 poll intervals ($((POLL * 3 / 2)) s; 90 s at 60 s)" fig.json "$POLL" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))["latency_s"]
assert l["n"] == 36 and l["p95"] <= 1.5 * int(sys.argv[2]), l
PY
py_check "collector: requests/s within the scaled goal (0.5/s at 60 s -> 3/s at 10 s), no 429" fig.json "$POLL" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["requests"]
assert r["count"] > 0 and r["per_s"] <= 0.5 * 60 / int(sys.argv[2]) and r["throttled"] == 0, r
# organization-wide reads carry no network filter
PY
py_check "org-wide reads carry no network filter; events only for networks findings named" api.log <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l).get("key") == "collector"]
org = [r for r in reqs if r["path"].startswith("/api/v1/organizations/")]
assert org and not any("networkIds" in r["query"] or "serials" in r["query"] for r in org), org[:3]
nets = {r["path"].split("/")[4] for r in reqs if r["path"].endswith("/events")}
assert 0 < len(nets) <= 36, len(nets)
PY
py_check "the site agent (scope served) made no Dashboard call while it ran" fig.json <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["other_keys"]
assert o.get("site", 0) == 0, o
PY

# ---- control: the same key with scope site does call (the count can fail) --
kill "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
sed -e "s|meraki: {enabled: false, scope: served,|meraki: {enabled: true, scope: site, network_ids: [N_0001],|" \
	-e "s|^state_dir: .*|state_dir: $LAB_DIR/probe|" site.yaml >probe.yaml
ip netns exec "$(lab_ns gw)" "$UCFENCE" watch --once -c probe.yaml --rules "$LAB_REPO/rules" \
	>probe.out 2>&1
py_check "control: a scope-site watcher with the site's key is counted" api.log <<'PY'
import json, sys
assert sum(1 for l in open(sys.argv[1]) if json.loads(l).get("key") == "site") >= 4
PY
