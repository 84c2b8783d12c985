#!/usr/bin/env bash
# The capture upload signal in the lab (appliance mode): the agent reads the
# kernel's appliance-upload counter (A -> the Meraki cloud ranges out of wan;
# the lab's cloud address is appliance.cloud) every second. Steady telemetry from the MX to the cloud address and a large
# download to the MX (its acknowledgements go the other way) raise no
# capture-suspected; a capture stream of several Mbit/s from the MX to the
# cloud on udp/7351 raises exactly one, within 60 s, and one only for the
# whole episode. The timings are short (sustain 4s, settle 4s) so it runs in
# about a minute.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
CLOUD=198.51.100.73

lab_init || { echo "FAIL: upload signal: lab tools"; exit 1; }
lab_up appliance || { echo "FAIL: upload signal: lab setup"; exit 1; }
command -v iperf3 >/dev/null || { echo "FAIL: upload signal: iperf3 is not installed"; exit 1; }

# The cloud address answers the tunnel (udp/7351) and serves a download on
# tcp/443 (iperf3 in reverse: the server sends).
ip netns pids "$(lab_ns inet)" | xargs -r kill
sleep 0.2
lab_serve inet cloud udp:7351
lab_exec inet iperf3 -s -p 443 -B "$CLOUD" >"$LAB_DIR/iperf-server.log" 2>&1 &
LAB_PIDS+=($!)

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
  upload_signal: { interval: 1s, floor: 256kbit/s, multiple: 10, sustain: 4s, settle: 4s, learning: 1m }
enforcement: { action: drop, log_rate: 100/second, violation_window: 10s }
meraki: { enabled: false }
alerts: { syslog: false }
state_dir: $LAB_DIR/state
EOF
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} lab_agent_start ||
	{ echo "FAIL: upload signal: the agent did not start"; exit 1; }

SPOOL=$LAB_DIR/state/alerts.jsonl
suspected() {
	local n
	n=$(grep -c '"kind": *"capture-suspected"' "$SPOOL" 2>/dev/null)
	echo "${n:-0}"
}
status_field() { lab_agent_status | python3 -c "import json,sys; print(json.load(sys.stdin)['upload']['$1'])"; }

# 1. Steady telemetry: 10 datagrams/s of 172 bytes (about 16 kbit/s with
# their headers) for 10 s.
lab_exec mx python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(100):
    s.sendto(bytes(172), (sys.argv[1], 7351))
    time.sleep(0.1)' "$CLOUD" &
telemetry=$!
LAB_PIDS+=($telemetry)
sleep 6
rate=$(status_field rate_bps)
wait "$telemetry"
baseline=$(status_field baseline_bps)
check "telemetry is counted: rate $rate bit/s, between 5 and 40 kbit/s" \
	test "$rate" -gt 5000 -a "$rate" -lt 40000
check "the baseline learned it (baseline $baseline bit/s)" test "$baseline" -gt 1000
check "telemetry raises no capture-suspected" test "$(suspected)" = 0
check "the kernel counter is read" test "$(status_field counter_read)" = True

# Only the cloud counts: 2 s of a stream from A to S (UC, not the cloud).
before=$(lab_counter appliance-upload)
lab_exec mx "$LABNET" rtp 198.51.100.10 5060 1000 2 >/dev/null
after=$(lab_counter appliance-upload)
check "A's stream to another destination is not counted ($((after - before)) packets)" \
	test $((after - before)) -lt 10

# 2. A large download to the MX (40 MB at 40 Mbit/s, 8 s, longer than the
# sustain): its acknowledgements flow from A to the cloud, about 2% of the
# bytes (some 700 kbit/s, above the floor), but are no upload.
before=$(lab_counter appliance-upload)
out=$(lab_exec mx timeout 30 iperf3 -c "$CLOUD" -p 443 -R -n 40M -b 40M 2>&1)
rc=$?
check "the 40 MB download went through (iperf3 exit $rc)" test $rc -eq 0
sleep 5 # sustain and a reading past it
after=$(lab_counter appliance-upload)
check "the download's acknowledgements are not counted ($((after - before)) packets counted)" \
	test $((after - before)) -lt 100
check "the download raises no capture-suspected" test "$(suspected)" = 0
check "no upload episode during the download" test "$(status_field episodes)" = 0

# 3. A capture stream: 3000 datagrams/s of 172 bytes (about 4.8 Mbit/s) for
# 20 s on one flow, as a capture streamed over the tunnel would be.
t0=$(date +%s)
lab_exec mx "$LABNET" rtp "$CLOUD" 7351 3000 20 >"$LAB_DIR/stream.out" &
stream=$!
LAB_PIDS+=($stream)
first=
for _ in $(seq 600); do
	[ "$(suspected)" -ge 1 ] && { first=$(($(date +%s) - t0)); break; }
	sleep 0.1
done
check "the capture stream raises capture-suspected within 60 s (after ${first:-never} s)" \
	test -n "$first"
check "it is an episode now" test "$(status_field in_episode)" = True
wait "$stream"
sleep 6 # settle and a reading
check "the stream's whole episode raised one capture-suspected ($(suspected))" \
	test "$(suspected)" = 1
check "the episode ended" test "$(status_field in_episode)" = False
check "status counts one episode and one alert" \
	test "$(status_field episodes)/$(status_field alerts)" = 1/1
alert=$(grep '"kind": *"capture-suspected"' "$SPOOL" | head -1)
details=$(python3 -c "
import json, sys
a = json.loads(sys.argv[1])
u = a['details']['upload']
print(a['severity'], u['appliance'], u['interface'], u['peak_bps'] > 2000000,
      u['threshold_bps'] >= 256000, u['bytes'] > 1000000)" "$alert" 2>&1)
check "the alert: warning, A, wan, peak above 2 Mbit/s, threshold, bytes ($details)" \
	test "$details" = "warning 10.40.0.2 wan0 True True True"
lab_agent_log_clean "upload signal"
