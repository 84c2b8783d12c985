#!/usr/bin/env bash
# The capture upload signal and the Meraki watcher seeing the same capture
# give one alert (appliance-mode lab, the Dashboard simulated in the
# gateway's namespace): an upload episode begins, its capture-suspected is
# held for meraki.correlation_window, the simulated API then lists a capture
# on the site's MX, and the watcher's packet-capture alert carries the
# episode (upload_observed, the figures); no capture-suspected is raised,
# also after the hold has run out.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
SIM=$LAB_REPO/tests/meraki-sim
CLOUD=198.51.100.73
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY

lab_init || { echo "FAIL: upload correlation: lab tools"; exit 1; }
lab_up appliance || { echo "FAIL: upload correlation: lab setup"; exit 1; }
ip netns pids "$(lab_ns inet)" | xargs -r kill
sleep 0.2
lab_serve inet cloud udp:7351

# A test CA and a certificate for 127.0.0.1 (the simulator in gw's namespace).
(cd "$LAB_DIR" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj "/CN=ucfence test CA" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" \
		2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
		-extfile ext.cnf 2>/dev/null) || { echo "FAIL: upload correlation: test CA"; exit 1; }
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$LAB_DIR/key"
chmod 0600 "$LAB_DIR/key"

# scenario CAPTURES: the simulated Dashboard, with a capture on the site's MX
# started now when CAPTURES is 1.
scenario() {
	python3 - "$LAB_DIR/key" "$1" >"$LAB_DIR/sc.json.new" <<-'PY'
		import datetime, json, sys
		now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")
		now = now.replace("+00:00", "Z")
		caps = []
		if sys.argv[2] == "1":
		    caps.append({"captureId": "c-mx", "network": {"id": "N_1", "name": "Branch 17"},
		                 "device": {"name": "branch-mx", "serial": "Q2MX-AAAA-0001"},
		                 "admin": {"id": "100", "name": "Alice Admin"}, "name": "capture c-mx",
		                 "startTs": now, "ports": "3", "status": "capturing",
		                 "destination": "upload_to_cloud", "process": "manual", "duration": 60,
		                 "interface": "wired"})
		print(json.dumps({"api_key_file": sys.argv[1], "captures": caps, "schedules": [],
		                  "apiRequests": [], "configurationChanges": [],
		                  "eventTypes": {"N_1": []}, "events": {"N_1": []}}))
	PY
	mv "$LAB_DIR/sc.json.new" "$LAB_DIR/sc.json"
}
scenario 0
ip netns exec "$(lab_ns gw)" python3 "$SIM/sim.py" --cert "$LAB_DIR/srv.pem" --key "$LAB_DIR/srv.key" \
	--scenario "$LAB_DIR/sc.json" --log "$LAB_DIR/api.log" --port-file "$LAB_DIR/api.port" \
	2>"$LAB_DIR/sim.err" &
LAB_PIDS+=($!)
for _ in $(seq 100); do [ -s "$LAB_DIR/api.port" ] && break; sleep 0.1; done
check "the simulated Dashboard listens" test -s "$LAB_DIR/api.port"

mkdir -p "$LAB_DIR/state"
cat >"$LAB_DIR/site.yaml" <<EOF
site: { name: lab, mode: appliance }
interfaces: { uc: [uc0], data: [data0], appliance: appl0, wan: wan0 }
uc:
  endpoints: [10.20.0.0/24, 10.21.0.0/24]
  servers: [198.51.100.10]
  services: [sip, rtp]
  media: { learn: true, static_range: none }
appliance:
  address: 10.40.0.2
  cloud: [$CLOUD]
  upload_signal: { interval: 1s, floor: 256kbit/s, multiple: 10, sustain: 3s, settle: 4s, learning: 1m }
enforcement: { action: drop, log_rate: 100/second, violation_window: 10s }
meraki:
  enabled: true
  base_url: https://127.0.0.1:$(cat "$LAB_DIR/api.port")/api/v1
  api_key_file: $LAB_DIR/key
  organization_id: "549236"
  network_ids: [N_1]
  serials: [Q2MX-AAAA-0001]
  poll_interval: 10s
  ca_file: $LAB_DIR/ca.pem
  call_budget: 5/second
  vpn_peers: false
  correlation_window: 30s
alerts: { syslog: false }
state_dir: $LAB_DIR/state
EOF
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} lab_agent_start ||
	{ echo "FAIL: upload correlation: the agent did not start"; exit 1; }
SPOOL=$LAB_DIR/state/alerts.jsonl
kinds() { python3 -c '
import json, sys
try:
    print(" ".join(json.loads(l)["kind"] for l in open(sys.argv[1])))
except FileNotFoundError:
    print("")' "$SPOOL"; }
status_field() { lab_agent_status | python3 -c "import json,sys; print(json.load(sys.stdin)['upload']['$1'])"; }
for _ in $(seq 100); do grep -q packetCapture/captures "$LAB_DIR/api.log" 2>/dev/null && break; sleep 0.1; done
check "the watcher polled the simulated Dashboard" grep -q packetCapture/captures "$LAB_DIR/api.log"

# A capture stream from the MX to the cloud: 40 s at about 4.8 Mbit/s.
lab_exec mx "$LABNET" rtp "$CLOUD" 7351 3000 40 >/dev/null &
stream=$!
LAB_PIDS+=($stream)
for _ in $(seq 150); do [ "$(status_field in_episode)" = True ] && break; sleep 0.1; done
check "an upload episode began" test "$(status_field in_episode)" = True
check "its capture-suspected is held, not raised ($(kinds))" test -z "$(kinds)"
t_episode=$(date +%s)

# The Dashboard now lists a capture on the site's MX: the next poll finds it.
scenario 1
for _ in $(seq 250); do grep -q packet-capture "$SPOOL" 2>/dev/null && break; sleep 0.1; done
out=$(python3 - "$SPOOL" <<-'PY'
	import json, sys
	alerts = [json.loads(l) for l in open(sys.argv[1])]
	caps = [a for a in alerts if a["kind"] == "packet-capture"]
	assert len(caps) == 1, [a["kind"] for a in alerts]
	d = caps[0]["details"]
	assert d.get("upload_observed") is True, d
	u = d["upload"]
	assert u["appliance"] == "10.40.0.2" and u["interface"] == "wan0", u
	assert u["peak_bps"] > 2000000, u
	assert "uploaded up to" in caps[0]["summary"], caps[0]["summary"]
	print("ok", caps[0]["summary"][-90:])
PY
)
check "the watcher's packet-capture alert carries the upload episode ($(oneline "$out"))" \
	test "${out%% *}" = ok
# Past the hold (30 s from the episode's start): still no capture-suspected.
while [ $(($(date +%s) - t_episode)) -lt 34 ]; do sleep 1; done
check "no capture-suspected for the episode the watcher's alert carries ($(kinds))" \
	test "$(kinds)" = packet-capture
check "status counts it correlated, none raised" \
	test "$(status_field correlated)/$(status_field alerts)" = 1/0
wait "$stream"
lab_agent_log_clean "upload correlation"
