#!/usr/bin/env bash
# The Meraki watcher against a simulated Dashboard API (real HTTPS on
# loopback, a test CA made here) and a local webhook receiver: every capture
# alerted exactly once, across restarts too; Retry-After honoured; 503s,
# timeouts, truncated and malformed JSON retried; a foreign Link never gets
# the key; a wrong key is an authentication failure; monitoring-degraded and
# -recovered once each; a webhook that is down, then back, gets every alert
# in order, none twice; the key appears in no output, log, spool or state.
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
# py NAME CODE: runs python assertions with $tmp as argv[1]; PASS when it exits 0.
py() { local name=$1; shift; python3 - "$tmp" "$@" >"$tmp/py.out" 2>&1; local rc=$?
	ok "$name" $rc; [ $rc = 0 ] || sed 's/^/    /' "$tmp/py.out"; }
# run NAME WANT_RC ARGS...: ucfence with output kept as $tmp/NAME.out/.err
run() { local name=$1 want=$2; shift 2
	timeout -k 5 90 "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; local rc=$? # a hang fails
	if [ "$rc" = "$want" ]; then echo "PASS: $name exits $want"; else
		echo "FAIL: $name exits $rc, wanted $want"; sed 's/^/    /' "$tmp/$name.err" | head -20; fi; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---- a test CA and a server certificate for 127.0.0.1 and localhost ---------
cd "$tmp"
. "$sim/testca.sh"
test_ca "$tmp"
ok "test CA and server certificate" $?

key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$key" >key; chmod 0644 key
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >wrong.key; chmod 0600 wrong.key

# ---- servers: the API, a foreign host (another name and port), the webhook --
"$sim/scenario.py" first sc.json --key-file "$tmp/key"
python3 "$sim/sim.py" --cert srv.pem --key srv.key --scenario sc.json --log api.log \
	--port-file api.port 2>sim.err & pids+=($!)
echo '{}' >foreign.json
python3 "$sim/sim.py" --foreign --name foreign --cert srv.pem --key srv.key \
	--scenario foreign.json --log foreign.log --port-file foreign.port 2>foreign.err & pids+=($!)
wait_file api.port && wait_file foreign.port
ok "simulators listening" $?
api=$(cat api.port) foreign=$(cat foreign.port) hook=$(free_port)

cat >cfg.yaml <<YAML
site: {name: branch-017, mode: concentrator}
interfaces: {uc: [eth1], data: [eth2], appliance: eth3, wan: eth0}
uc:
  endpoints: [10.20.0.0/24]
  servers: [10.50.0.0/24]
  services: [sip, rtp]
  media: {learn: true, static_range: 16384-32767, timeout: 120s}
appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}
meraki:
  enabled: true
  base_url: https://127.0.0.1:$api/api/v1
  api_key_file: $tmp/key
  organization_id: "549236"
  network_ids: [N_1]
  poll_interval: 10s
  lookback: 24h
  ca_file: $tmp/ca.pem
  call_budget: 5/second
  connect_timeout: 2s
  request_timeout: 2s
  per_page: 3
alerts:
  spool: $tmp/state/alerts.jsonl
  syslog: false
  webhook: {url: "http://127.0.0.1:$hook/hook", format: generic}
state_dir: $tmp/state
YAML

# ---- the key file must not be group/world readable beyond 0640 --------------
run key-0644 1 watch --once -c cfg.yaml
grep -q "mode 0644 is too open" key-0644.err; ok "a 0644 key file is refused with the reason" $?
[ ! -s api.log ]; ok "nothing was sent with a refused key file" $?
chmod 0640 key

# ---- first start: pagination, duplicates, every fault once -------------------
run first 0 watch --once -c cfg.yaml
py "first start alerts captures within the lookback, each once" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1] + "/state/alerts.jsonl")]
caps = sorted(a["details"]["capture_id"] for a in alerts if a["kind"] == "packet-capture")
assert caps == ["c1", "c2", "c3", "c4", "c5", "c6", "c7"], caps
sch = [a["details"]["schedule_id"] for a in alerts if a["kind"] == "capture-schedule"]
assert sch == ["s-new"], sch
api = [a for a in alerts if a["kind"] == "capture-api-request"]
assert len(api) == 1 and api[0]["details"]["source_ip"] == "203.0.113.66", api
assert len(alerts) == 9, len(alerts)
assert len({a["id"] for a in alerts}) == 9
PY
py "one activity seen by four sources is one alert" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1] + "/state/alerts.jsonl")]
c7 = [a for a in alerts if a["details"].get("capture_id") == "c7"][0]
d = c7["details"]
assert d["sources"] == ["captures", "apiRequests", "configurationChanges", "events"], d["sources"]
assert d["api_requests"][0]["source_ip"] == "198.51.100.7"
assert d["api_requests"][0]["user_agent"].startswith("python-requests")
assert "198.51.100.7" in c7["summary"]
assert not any("198.51.100.7" in json.dumps(a) for a in alerts if a is not c7)
assert c7["severity"] == "critical" and c7["site"] == "branch-017"
assert len(c7["id"]) == 32 and c7["time"].endswith("Z")
PY
py "alerts carry no phone number or SIP URI" <<'PY'
import sys
s = open(sys.argv[1] + "/state/alerts.jsonl").read()
assert "123-4567" not in s and "sip:" not in s and "[redacted]" in s
PY
py "pagination followed across 3 pages (perPage=3, varied Link styles)" <<'PY'
import json, sys
log = sorted((json.loads(l) for l in open(sys.argv[1] + "/api.log")), key=lambda e: e["t"])
caps = [e for e in log if e["path"].endswith("/captures") and e["status"] == 200]
tokens = sorted(e["query"].split("startingAfter=")[1] if "startingAfter" in e["query"] else "0" for e in caps)
assert tokens == ["0", "3", "6"], tokens
assert all("perPage=3" in e["query"] for e in caps)
PY
py "429: the next call waited Retry-After (2 s)" <<'PY'
import json, sys
log = sorted((json.loads(l) for l in open(sys.argv[1] + "/api.log")), key=lambda e: e["t"])
i = next(i for i, e in enumerate(log) if e["status"] == 429)
later = log[i + 1:]
assert later, "nothing after the 429"
gap = later[0]["t"] - log[i]["t"]
assert gap >= 2.0, gap
assert later[0]["query"] == log[i]["query"], "the throttled page is asked again"
PY
py "503s retried with exponential backoff" <<'PY'
import json, sys
log = sorted((json.loads(l) for l in open(sys.argv[1] + "/api.log")), key=lambda e: e["t"])
r = [e for e in log if e["path"].endswith("/apiRequests")]
assert [e["status"] for e in r] == [503, 503, 200], [e["status"] for e in r]
assert r[1]["t"] - r[0]["t"] >= 0.5 and r[2]["t"] - r[1]["t"] >= 1.0
PY
py "a slow answer past request_timeout is abandoned and retried" <<'PY'
import json, sys
log = sorted((json.loads(l) for l in open(sys.argv[1] + "/api.log")), key=lambda e: e["t"])
s = [e for e in log if e["path"].endswith("/schedules")]
assert len(s) == 2 and "delay" in s[0].get("fault", {}), s
assert s[1]["t"] - s[0]["t"] >= 2.0
PY
py "truncated and malformed JSON retried, then read" <<'PY'
import json, sys
log = sorted((json.loads(l) for l in open(sys.argv[1] + "/api.log")), key=lambda e: e["t"])
c = [e for e in log if e["path"].endswith("/configurationChanges")]
assert len(c) == 3 and "truncate" in c[0]["fault"] and "malformed" in c[1]["fault"], c
PY
grep -q "0 sources failed" first.out; ok "first cycle complete despite the faults" $?
[ "$(grep -c '^ALERT ' first.out)" = 9 ]; ok "watch --once prints the 9 findings" $?
py "state and spool files are private" <<'PY'
import os, stat, sys
d = sys.argv[1] + "/state"
assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
assert stat.S_IMODE(os.stat(d + "/meraki-state.json").st_mode) == 0o600
assert stat.S_IMODE(os.stat(d + "/webhook-queue.jsonl").st_mode) == 0o600
assert stat.S_IMODE(os.stat(d + "/alerts.jsonl").st_mode) == 0o640
PY

# ---- restart with the same data: nothing new ---------------------------------
"$sim/scenario.py" again sc.json --key-file "$tmp/key"
run again 0 watch --once -c cfg.yaml
grep -q " 0 new alerts" again.out; ok "restart: no alert repeated" $?
[ "$(wc -l <state/alerts.jsonl)" = 9 ]; ok "restart: spool unchanged" $?

# ---- new activity between polls ----------------------------------------------
"$sim/scenario.py" new sc.json --key-file "$tmp/key"
run new 0 watch --once -c cfg.yaml
grep -q "capture c2: status capturing -> completed (recorded" new.out
ok "a status change of an alerted capture is recorded, not alerted" $?
py "new capture and newly enabled schedule alerted once each" <<'PY'
import json, sys, collections
alerts = [json.loads(l) for l in open(sys.argv[1] + "/state/alerts.jsonl")]
new = alerts[9:]
kinds = sorted((a["kind"], a["details"].get("capture_id") or a["details"].get("schedule_id")) for a in new)
assert kinds == [("capture-schedule", "s-off"), ("packet-capture", "c8")], kinds
assert "enabled by" in [a for a in new if a["kind"] == "capture-schedule"][0]["summary"]
n = collections.Counter(a["details"]["capture_id"] for a in alerts if a["kind"] == "packet-capture")
assert all(v == 1 for v in n.values()), n
PY

# ---- a Link to a foreign host: followed, but never with the key -------------
"$sim/scenario.py" foreign sc.json --key-file "$tmp/key" \
	--foreign-url "https://localhost:$foreign/api/v1/organizations/549236/devices/packetCapture/captures"
run foreign 0 watch --once -c cfg.yaml
py "the foreign host was asked without the API key" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1] + "/foreign.log")]
assert log and all(e["auth"] == "none" for e in log), log
PY
grep -q "from a host the key is never sent to" foreign.err; ok "the foreign host's refusal is a source warning" $?

# ---- a Link from https down to plain http: not followed at all ---------------
python3 - "$tmp/plain.port" "$tmp/plain.log" <<'PY' & pids+=($!)
import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connection\n"); c.close()
PY
wait_file plain.port
"$sim/scenario.py" foreign sc.json --key-file "$tmp/key" \
	--foreign-url "http://127.0.0.1:$(cat plain.port)/api/v1/organizations/549236/devices/packetCapture/captures"
run downgrade 0 watch --once -c cfg.yaml
grep -q "captures: the Link header names an unusable URL" downgrade.err; ok "a Link to plain http from https is refused with the reason" $?
[ ! -e plain.log ]; ok "nothing connected to the plain-http host" $?

# ---- a wrong key: authentication failure, degraded once, recovered once ------
for i in 1 2 3; do
	"$sim/scenario.py" badkey sc.json --key-file "$tmp/wrong.key"
	run badkey$i 1 watch --once -c cfg.yaml
done
grep -q "authentication failed: .*HTTP 401" badkey1.err; ok "a 401 is reported as an authentication failure" $?
"$sim/scenario.py" new sc.json --key-file "$tmp/key"
run recover 0 watch --once --json -c cfg.yaml
py "watch --json prints only alert objects on stdout" <<'PY'
import json, sys
lines = open(sys.argv[1] + "/recover.out").read().splitlines()
kinds = [json.loads(l)["kind"] for l in lines]
assert kinds == ["monitoring-recovered"], kinds
PY
py "one monitoring-degraded and one monitoring-recovered alert" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1] + "/state/alerts.jsonl")]
deg = [a for a in alerts if a["kind"] == "monitoring-degraded"]
rec = [a for a in alerts if a["kind"] == "monitoring-recovered"]
assert len(deg) == 1 and len(rec) == 1, (len(deg), len(rec))
assert deg[0]["details"]["failed_cycles"] == 3 and "401" in deg[0]["details"]["reason"]
assert alerts.index(deg[0]) < alerts.index(rec[0])
PY

# ---- the webhook comes back: everything queued, in order, once --------------
python3 "$sim/webhook.py" --port "$hook" --log hook.log --port-file hook.port & pids+=($!)
wait_file hook.port
run deliver 0 watch --once -c cfg.yaml
py "webhook got every alert in spool order, none twice" <<'PY'
import json, sys
t = sys.argv[1]
spool = [json.loads(l)["id"] for l in open(t + "/state/alerts.jsonl")]
hook = [json.loads(l) for l in open(t + "/hook.log")]
got = [h["alert_id"] for h in hook if h["status"] == 200]
assert got == spool, (len(got), len(spool))
assert all(h["idempotency_key"] == h["alert_id"] for h in hook)
assert all(h["content_type"] == "application/json" and not h["authorization"] for h in hook)
assert open(t + "/state/webhook-queue.jsonl").read() == ""
PY

# ---- the daemon: a new capture, a webhook failing twice, SIGTERM ------------
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null; unset 'pids[-1]'
rm -f hook.port
python3 "$sim/webhook.py" --port "$hook" --log hook.log --port-file hook.port --fail-first 2 & pids+=($!)
wait_file hook.port
"$sim/scenario.py" daemon sc.json --key-file "$tmp/key"
"$bin" watch -c cfg.yaml >daemon.out 2>daemon.err & daemon=$!; pids+=($daemon)
delivered() { python3 - "$tmp" <<'PY'
import json, sys
t = sys.argv[1]
spool = [json.loads(l) for l in open(t + "/state/alerts.jsonl")]
hook = [json.loads(l) for l in open(t + "/hook.log")]
ok = [h["alert_id"] for h in hook if h["status"] == 200]
sys.exit(0 if any(a["details"].get("capture_id") == "c9" for a in spool) and ok == [a["id"] for a in spool] else 1)
PY
}
for _ in $(seq 150); do delivered && break; sleep 0.2; done
delivered; ok "daemon: new capture alerted and delivered after two webhook failures" $?
kill -TERM "$daemon"; wait "$daemon"; ok "daemon: exits 0 on SIGTERM" $?
py "daemon: the webhook saw two 503s, then every alert once, in order" <<'PY'
import json, sys
t = sys.argv[1]
hook = [json.loads(l) for l in open(t + "/hook.log")]
assert [h["status"] for h in hook].count(503) == 2
ok = [h["alert_id"] for h in hook if h["status"] == 200]
assert len(ok) == len(set(ok))
PY

# ---- reading the spool -------------------------------------------------------
run alerts-json 0 alerts -c cfg.yaml --json
py "alerts --json: one alert object per line" <<'PY'
import json, sys
t = sys.argv[1]
lines = open(t + "/alerts-json.out").read().splitlines()
spool = open(t + "/state/alerts.jsonl").read().splitlines()
assert len(lines) == len(spool) >= 14
for l in lines:
    a = json.loads(l)
    assert set(a) == {"id", "time", "site", "severity", "kind", "summary", "details"}
    assert a["severity"] in ("info", "warning", "critical")
PY
run alerts-since 0 alerts -c cfg.yaml --since 1h
[ "$(wc -l <alerts-since.out)" = "$(wc -l <state/alerts.jsonl)" ]; ok "alerts --since 1h lists the recent alerts" $?
run alerts-bad-since 2 alerts -c cfg.yaml --since soon

# ---- TLS is verified: a server the CA did not sign gets no request ----------
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 2 \
	-subj "/CN=another CA" 2>/dev/null
sed "s#ca_file: $tmp/ca.pem#ca_file: $tmp/other-ca.pem#" cfg.yaml >cfg-other-ca.yaml
before=$(wc -l <api.log)
run other-ca 0 watch --once -c cfg-other-ca.yaml
grep -qi "certificate" other-ca.err; ok "an unverifiable server certificate is refused" $?
[ "$(wc -l <api.log)" = "$before" ]; ok "no HTTP request reached a server that failed verification" $?

# ---- the key went nowhere ----------------------------------------------------
leaks=$(grep -rlF "$key" "$tmp" | grep -v -e "^$tmp/key$")
[ -z "$leaks" ]; ok "the API key appears in no output, log, spool or state file" $?
[ -n "$leaks" ] && echo "    found in: $leaks"
py "the API server saw only valid keys, the foreign host none" <<'PY'
import json, sys
api = [json.loads(l) for l in open(sys.argv[1] + "/api.log")]
assert {e["auth"] for e in api} <= {"valid", "invalid"}
assert all(e["auth"] == "invalid" for e in api if e["status"] == 401)
PY
exit 0
