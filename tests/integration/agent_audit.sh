#!/usr/bin/env bash
# The audit trail and alert-first violations, with the agent as a real
# process in the namespace lab: a source's first dropped packet is alerted
# within 2 s, a flood inside one violation window gives exactly two alerts
# (the first, then the count at the window's close); every weakening of
# enforcement (services and servers removed by a reload, a switch to
# monitor, SIGTERM, `ucfence flush`, `run --flush-on-exit`) raises one
# enforcement-weakened alert and every return (action back to drop, the
# agent's start after a stop, `apply` after a flush) one
# enforcement-restored, each in the spool and at the webhook.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
WINDOW=10 # enforcement.violation_window of lab_agent_config

lab_init || { echo "FAIL: agent_audit: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_audit: lab setup"; exit 1; }
CFG=$LAB_DIR/site.yaml
HOOKLOG=$LAB_DIR/hook.log
: >"$HOOKLOG"
ip netns exec "$(lab_ns gw)" python3 "$LAB_REPO/tests/meraki-sim/webhook.py" --log "$HOOKLOG" \
	--port-file "$LAB_DIR/hook.port" &
LAB_PIDS+=($!)
for _ in $(seq 50); do [ -s "$LAB_DIR/hook.port" ] && break; sleep 0.1; done
HOOK=$(cat "$LAB_DIR/hook.port" 2>/dev/null)
check "a webhook receiver listens in gw (port ${HOOK:-none})" test -n "$HOOK"

# site SERVICES SERVERS ACTION
site() {
	lab_agent_config "$1"
	sed -i -e "s|^alerts: .*|alerts: { syslog: false, webhook: { url: \"http://127.0.0.1:$HOOK/hook\", format: generic } }|" \
		-e "s|^  servers: .*|  servers: [$2]|" \
		-e "s|^enforcement: { action: drop,|enforcement: { action: $3,|" "$CFG"
}
alerts() { "$UCFENCE" alerts -c "$CFG" --json 2>/dev/null; }
# count KIND TEXT [FILE]: alerts of KIND whose summary holds TEXT, in the
# spool (or, with FILE, the webhook receiver's log)
count() {
	if [ $# -gt 2 ]; then
		python3 -c '
import json,sys
n=0
for l in open(sys.argv[3]):
    try: a=json.loads(json.loads(l)["body"])
    except (ValueError,KeyError): continue
    n+= a.get("kind")==sys.argv[1] and sys.argv[2] in a.get("summary","")
print(n)' "$@"
	else
		alerts | python3 -c '
import json,sys
n=0
for l in sys.stdin:
    a=json.loads(l)
    n+= a.get("kind")==sys.argv[1] and sys.argv[2] in a.get("summary","")
print(n)' "$@"
	fi
}
# once KIND TEXT: exactly one such alert in the spool and one at the webhook
# (waits up to 5 s for them)
once() {
	local s w
	for _ in $(seq 50); do
		s=$(count "$1" "$2"); w=$(count "$1" "$2" "$HOOKLOG")
		[ "$s" -ge 1 ] && [ "$w" -ge 1 ] && break
		sleep 0.1
	done
	sleep 0.3
	s=$(count "$1" "$2"); w=$(count "$1" "$2" "$HOOKLOG")
	if [ "$s" -ne 1 ] || [ "$w" -ne 1 ]; then echo "  spool $s, webhook $w"; return 1; fi
}
severity() { # KIND TEXT: the severity of that alert
	alerts | python3 -c '
import json,sys
for l in sys.stdin:
    a=json.loads(l)
    if a.get("kind")==sys.argv[1] and sys.argv[2] in a.get("summary",""): print(a["severity"])' "$@" | head -n1
}
# the alerts of the data PC (10.30.0.10) to a phone: "WINDOW_START FOLLOWUP PACKETS" lines
from_data() {
	alerts | python3 -c '
import json,sys
for l in sys.stdin:
    a=json.loads(l); d=a["details"]
    if a["kind"]=="non-target-on-uc-port" and d["source"]=="10.30.0.10" and d["reason"]=="non-target-uc":
        print(d["window_start"], int(d.get("followup", False)), d["packets"])'
}

site "sip, rtp, cucm-http" '10.50.0.0/24, "fd00:50::/64"' drop
check "agent starts" lab_agent_start --no-table-owner
check "a first start raises no enforcement-restored (nothing was weakened)" \
	test "$(count enforcement-restored "")" -eq 0

# ---- alert first, then aggregate --------------------------------------------------
t0=$(date +%s.%N)
lab_probe data tcp 10.20.0.10 80 50 >/dev/null
first=
for _ in $(seq 40); do
	[ -n "$(from_data)" ] && { first=$(date +%s.%N); break; }
	sleep 0.05
done
lat=$(python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])) if sys.argv[2] else 99)" "$t0" "$first")
check "the first dropped packet of a source is alerted at once ($lat s)" \
	python3 -c "import sys; sys.exit(float(sys.argv[1]) > 2.0)" "$lat"
check "... with count 1 ($(oneline "$(from_data)"))" test "$(from_data | awk '{print $2, $3}')" = "0 1"
# a flood for the rest of this window: nothing more until it closes
end=$(python3 -c "import sys; print(float(sys.argv[1]) + $WINDOW - 1.5)" "$t0")
sent=0
while python3 -c "import sys,time; sys.exit(time.time() >= float(sys.argv[1]))" "$end"; do
	lab_probe data tcp 10.20.0.10 80 30 >/dev/null; sent=$((sent + 1))
done
check "a flood ($sent blocked connections) inside the window adds no alert before it closes" \
	test "$(from_data | wc -l)" -eq 1
for _ in $(seq 40); do [ "$(from_data | wc -l)" -ge 2 ] && break; sleep 0.25; done
sleep 1.5 # a third alert would show up now
got=$(from_data)
check "at the window's close one follow-up with the count: two alerts in all ($(oneline "$got"))" \
	test "$(echo "$got" | wc -l)" -eq 2 -a "$(echo "$got" | awk 'NR==2 {print $2}')" = 1
check "... counting the flood's packets after the first" \
	test "$(echo "$got" | awk 'NR==2 {print $3}')" -ge "$sent"
check "... both in the same window" test "$(echo "$got" | awk '{print $1}' | sort -u | wc -l)" -eq 1

# ---- a reload removing a service and a server prefix -------------------------------------------
site "sip, rtp" '10.50.0.0/24' drop
kill -HUP "$LAB_AGENT"
check "a reload removing cucm-http and fd00:50::/64: one enforcement-weakened alert" \
	once enforcement-weakened "reload (SIGHUP) removed services: cucm-http; uc.servers: fd00:50::/64"
check "... a warning" test "$(severity enforcement-weakened "removed services: cucm-http")" = warning
kill -HUP "$LAB_AGENT"; sleep 1
check "a reload changing nothing raises no audit alert" \
	test "$(count enforcement-weakened "reload (SIGHUP) removed")" -eq 1

# ---- monitor and back -----------------------------------------------------------------
site "sip, rtp" '10.50.0.0/24' monitor
kill -HUP "$LAB_AGENT"
check "a reload to enforcement.action monitor: one enforcement-weakened alert" \
	once enforcement-weakened "reload (SIGHUP) switched enforcement.action from drop to monitor"
check "... critical" test "$(severity enforcement-weakened "to monitor")" = critical
site "sip, rtp" '10.50.0.0/24' drop
kill -HUP "$LAB_AGENT"
check "a reload back to drop: one enforcement-restored alert" \
	once enforcement-restored "reload (SIGHUP): table inet ucfence enforced again (after: enforcement.action monitor)"
check "... info" test "$(severity enforcement-restored "reload (SIGHUP)")" = info

# ---- stop and start ------------------------------------------------------------------------
kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
check "SIGTERM: one enforcement-weakened alert, delivered before the agent exited" \
	once enforcement-weakened "agent stopped by SIGTERM"
check "... a warning (the table stays in force)" \
	test "$(severity enforcement-weakened "agent stopped by SIGTERM")" = warning
check "the agent starts again" lab_agent_start --no-table-owner
check "... one enforcement-restored alert" \
	once enforcement-restored "ucfence run started: table inet ucfence enforced again (after: the agent stopped)"
kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null

# ---- flush, then apply ---------------------------------------------------------------------
lab_exec gw "$UCFENCE" flush -c "$CFG" --rules "$LAB_REPO/rules" >"$LAB_DIR/flush.out" 2>&1
check "ucfence flush: one enforcement-weakened alert naming the uid" \
	once enforcement-weakened "ucfence flush by uid $(id -u) removed table inet ucfence"
check "... critical" test "$(severity enforcement-weakened "ucfence flush")" = critical
lab_exec gw "$UCFENCE" apply -c "$CFG" --rules "$LAB_REPO/rules" >"$LAB_DIR/apply.out" 2>&1
check "ucfence apply after the flush: one enforcement-restored alert" \
	once enforcement-restored "ucfence apply by uid $(id -u): table inet ucfence enforced again (after: ucfence flush)"
lab_exec gw "$UCFENCE" apply -c "$CFG" --rules "$LAB_REPO/rules" >/dev/null 2>&1
check "... and a second apply none" test "$(count enforcement-restored "ucfence apply")" -eq 1

# ---- run --flush-on-exit -------------------------------------------------------------------
check "the agent starts with --flush-on-exit" lab_agent_start --no-table-owner --flush-on-exit
kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
check "SIGTERM with --flush-on-exit: one enforcement-weakened alert" \
	once enforcement-weakened "ucfence run --flush-on-exit removed table inet ucfence"
check "... critical" test "$(severity enforcement-weakened "--flush-on-exit")" = critical
check "... and the table is gone" bash -c "! ip netns exec $(lab_ns gw) nft list table inet ucfence >/dev/null 2>&1"
check "each audit alert reached the webhook once (no duplicates)" python3 -c '
import json,sys,collections
c=collections.Counter()
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r["status"]==200: c[r["alert_id"]]+=1
sys.exit(any(n>1 for n in c.values()))' "$HOOKLOG"
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_audit
