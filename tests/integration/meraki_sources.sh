#!/usr/bin/env bash
# The Meraki watcher's sources read as the Dashboard API serves them (the
# simulator in tests/meraki-sim, real HTTPS on loopback): a capture schedule
# of the site's device listed second is the site's; every capture operation
# in apiRequests (operationIds[] filter) is alerted with its name and what
# it did; configurationChanges are paged backwards (rel=prev, newest first)
# until the cursor, so changes older than the first page are read and
# nothing below the cursor is fetched again; a 403 on one source fails that
# source only (one watcher-access-denied alert, the other sources polled,
# exit 0), while a 401 stays a refused key (meraki.sh); the X-Request-Id of
# a 5xx is logged; the User-Agent is Meraki's "ApplicationName/Version
# VendorName".
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
# py NAME: python assertions from stdin, argv[1] = $tmp, argv[2] = the log line
# where the last run started, argv[3] = ucfence; PASS when it exits 0.
py() { local name=$1; shift; python3 - "$tmp" "$mark" "$bin" >"$tmp/py.out" 2>&1; local rc=$?
	ok "$name" $rc; [ $rc = 0 ] || sed 's/^/    /' "$tmp/py.out"; }
run() { local name=$1 want=$2; shift 2
	mark=$(wc -l <"$tmp/api.log" 2>/dev/null || echo 0)
	timeout -k 5 90 "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; local rc=$?
	if [ "$rc" = "$want" ]; then echo "PASS: $name exits $want"; else
		echo "FAIL: $name exits $rc, wanted $want"; sed 's/^/    /' "$tmp/$name.err" | head -20; fi; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
scenario() { "$sim/scenario.py" "$1" sc.json --key-file "$tmp/key" --anchor "$anchor"; }

cd "$tmp"
. "$sim/testca.sh"
test_ca "$tmp"
ok "test CA and server certificate" $?
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >key; chmod 0600 key

anchor=$(date +%s) mark=0
scenario src1
python3 "$sim/sim.py" --cert srv.pem --key srv.key --scenario sc.json --log api.log \
	--port-file api.port 2>sim.err & pids+=($!)
wait_file api.port; ok "simulator listening" $?

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
  base_url: https://127.0.0.1:$(cat api.port)/api/v1
  api_key_file: $tmp/key
  organization_id: "549236"
  network_ids: [N_1]
  serials: [Q2MX-AAAA-0001]
  poll_interval: 10s
  lookback: 24h
  correlation_window: 10s
  ca_file: $tmp/ca.pem
  call_budget: 5/second
  connect_timeout: 2s
  request_timeout: 3s
  per_page: 3
alerts:
  spool: $tmp/state/alerts.jsonl
  syslog: false
state_dir: $tmp/state
YAML

# ---- the first cycle ---------------------------------------------------------
run src1 0 watch --once -c cfg.yaml
py "a schedule whose first device is not the site's is the site's when another device is" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1] + "/state/alerts.jsonl")]
sch = sorted(a["details"]["schedule_id"] for a in alerts if a["kind"] == "capture-schedule")
assert sch == ["s-multi"], sch  # s-switch has only the switch: another device's
PY
py "apiRequests asks for every capture operation, beta ones too" <<'PY'
import json, sys, urllib.parse
log = [json.loads(l) for l in open(sys.argv[1] + "/api.log")]
q = [urllib.parse.parse_qs(e["query"]) for e in log if e["path"].endswith("/apiRequests")]
assert q, "apiRequests not asked"
want = {"createOrganizationDevicesPacketCaptureCapture",
        "bulkOrganizationDevicesPacketCaptureCapturesCreate",
        "createOrganizationDevicesPacketCaptureSchedule",
        "stopOrganizationDevicesPacketCaptureCapture",
        "deleteOrganizationDevicesPacketCaptureCapture",
        "bulkOrganizationDevicesPacketCaptureCapturesDelete",
        "generateOrganizationDevicesPacketCaptureCaptureDownloadUrl",
        "updateOrganizationDevicesPacketCaptureSchedule",
        "deleteOrganizationDevicesPacketCaptureSchedule",
        "reorderOrganizationDevicesPacketCaptureSchedules",
        "bulkOrganizationDevicesPacketCaptureSchedulesDelete",
        "tasksOrganizationDevicesPacketCapture"}
for x in q:
    got = set(x.get("operationIds[]", []))
    assert got == want, sorted(want ^ got)
PY
py "each capture operation is alerted with its operationId and what it did" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1] + "/state/alerts.jsonl")]
verbs = {
    "stopOrganizationDevicesPacketCaptureCapture": "stopped a packet capture",
    "deleteOrganizationDevicesPacketCaptureCapture": "deleted a packet capture",
    "bulkOrganizationDevicesPacketCaptureCapturesDelete": "deleted packet captures",
    "generateOrganizationDevicesPacketCaptureCaptureDownloadUrl": "generated a download URL for a packet capture",
    "updateOrganizationDevicesPacketCaptureSchedule": "updated a packet capture schedule",
    "deleteOrganizationDevicesPacketCaptureSchedule": "deleted a packet capture schedule",
    "reorderOrganizationDevicesPacketCaptureSchedules": "reordered the packet capture schedules",
    "bulkOrganizationDevicesPacketCaptureSchedulesDelete": "deleted packet capture schedules",
    "tasksOrganizationDevicesPacketCapture": "queued an analysis of a packet capture",
}
api = [a for a in alerts if a["kind"] == "capture-api-request"]
ops = sorted(a["details"]["operation_id"] for a in api)
assert ops == sorted(verbs), ops
for a in api:
    op = a["details"]["operation_id"]
    assert a["details"]["action"] == verbs[op], (op, a["details"].get("action"))
    assert op in a["summary"] and verbs[op] in a["summary"], a["summary"]
PY
py "configurationChanges paged backwards: the capture change on the oldest page is alerted" <<'PY'
import json, sys
t, mark = sys.argv[1], int(sys.argv[2])
alerts = [json.loads(l) for l in open(t + "/state/alerts.jsonl")]
cc = [a["details"]["label"] for a in alerts if a["kind"] == "capture-config-change"]
assert cc == ["Packet capture started"], cc
log = [json.loads(l) for l in open(t + "/api.log")][mark:]
c = [e for e in log if e["path"].endswith("/configurationChanges")]
assert len(c) == 4 and all("startingAfter" not in e["query"] for e in c), [e["query"] for e in c]
assert sum("endingBefore" in e["query"] for e in c) == 3
PY
py "every request carries the User-Agent ucfence/VERSION ucfence (Meraki's format)" <<'PY'
import json, re, subprocess, sys
log = [json.loads(l) for l in open(sys.argv[1] + "/api.log")]
version = subprocess.run([sys.argv[3], "--version"], capture_output=True,
                         text=True).stdout.split()[1]
assert log and {e["ua"] for e in log} == {"ucfence/%s ucfence" % version}, {e["ua"] for e in log}
# the pattern the official Python SDK checks a caller's user agent against
sdk = r"^[A-Za-z0-9]+(?:/[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*(-[a-z]+)?)? [A-Za-z-0-9]+$"
assert re.match(sdk, log[0]["ua"])
PY

# ---- later: entries listed late, a cursor in the middle of the pages ---------
scenario src2
run src2 0 watch --once -c cfg.yaml
py "configurationChanges: paging stops at the cursor though the server offers older pages" <<'PY'
import json, sys
t, mark = sys.argv[1], int(sys.argv[2])
log = [json.loads(l) for l in open(t + "/api.log")][mark:]
c = [e for e in log if e["path"].endswith("/configurationChanges")]
# 18 entries, 3 a page: the two pages of late entries, then the page that
# reaches the horizon (cursor - overlap); not the three older pages.
assert len(c) == 3, [e["query"] for e in c]
alerts = [json.loads(l) for l in open(t + "/state/alerts.jsonl")]
cc = [a["details"]["label"] for a in alerts if a["kind"] == "capture-config-change"]
assert cc == ["Packet capture started", "Packet capture stopped"], cc
PY
grep -q " 1 new alert," src2.out; ok "nothing of the first cycle alerted again" $?

# ---- a 403 on one source -----------------------------------------------------
scenario denied
run denied 0 watch --once -c cfg.yaml
py "403 on schedules: that source fails, the others are still polled" <<'PY'
import json, sys
t, mark = sys.argv[1], int(sys.argv[2])
log = [json.loads(l) for l in open(t + "/api.log")][mark:]
paths = [e["path"].rsplit("/", 1)[1] for e in log]
assert [e["status"] for e in log if e["path"].endswith("/schedules")] == [403], paths
for p in ("captures", "apiRequests", "configurationChanges", "events"):
    assert p in paths, (p, paths)
PY
py "one watcher-access-denied alert names the source and the call refused" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1] + "/state/alerts.jsonl")]
d = [a for a in alerts if a["kind"] == "watcher-access-denied"]
assert len(d) == 1, d
a = d[0]
assert a["details"]["source"] == "schedules", a
assert a["details"]["operation_id"] == "getOrganizationDevicesPacketCaptureSchedules", a
assert a["details"]["status"] == 403 and "schedules" in a["summary"], a
assert "getOrganizationDevicesPacketCaptureSchedules" in a["summary"], a["summary"]
assert not [x for x in alerts if x["kind"] == "monitoring-degraded"]
PY
grep -q "1 source failed" denied.out; ok "the cycle reports the denied source as failed" $?
run denied2 0 watch --once -c cfg.yaml
py "the denied source is alerted once, not every cycle" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1] + "/state/alerts.jsonl")]
assert len([a for a in alerts if a["kind"] == "watcher-access-denied"]) == 1
PY

# ---- a 5xx: its X-Request-Id is logged ---------------------------------------
scenario xreq
run xreq 0 watch --once -c cfg.yaml
py "the X-Request-Id of a 5xx answer is logged" <<'PY'
import json, sys
t, mark = sys.argv[1], int(sys.argv[2])
log = [json.loads(l) for l in open(t + "/api.log")][mark:]
bad = [e for e in log if e["status"] == 503]
assert len(bad) == 1, bad
out = open(t + "/xreq.out").read() + open(t + "/xreq.err").read()
assert "X-Request-Id " + bad[0]["request_id"] in out, out
ok = [e for e in log if e["status"] == 200]
assert not any(e["request_id"] in out for e in ok)  # only where Meraki asks for it
PY
grep -q "schedules: access restored" xreq.out; ok "a source allowed again is noted" $?
exit 0
