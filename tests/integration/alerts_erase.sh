#!/usr/bin/env bash
# Erasure on request with a running agent: violations from two sources
# (the data PC 10.30.0.10 and the phone 10.20.0.10); `ucfence alerts
# --forget 10.30.0.10` leaves no trace of that address in any file under the
# state dir, in `status --json`, nor in a window the agent had open for it
# (it never reports it), while the phone's records stay; one data-erased
# alert says so without the address. With the agent stopped, --forget works
# on the files under the feed lock. `--purge` empties the alert files but for
# its own audit alert.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: alerts_erase: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: alerts_erase: lab setup"; exit 1; }
lab_agent_config "sip, rtp"
CFG=$LAB_DIR/site.yaml
# a webhook nobody answers: its queue keeps every alert
sed -i 's|alerts: { syslog: false }|alerts: { syslog: false, webhook: { url: "http://127.0.0.1:9/hook" } }|' "$CFG"
STATE=$LAB_DIR/state
SPOOL=$STATE/alerts.jsonl
QUEUE=$STATE/webhook-queue.jsonl
PC=10.30.0.10
PHONE=10.20.0.10

alerts() { "$UCFENCE" alerts -c "$CFG" --json 2>/dev/null; }
erase() { "$UCFENCE" alerts -c "$CFG" --rules "$LAB_REPO/rules" --control "$LAB_DIR/control.sock" "$@"; }
# Files under the state dir (and the status) naming ADDR as a word: 10.30.0.100 would not.
traces() { grep -rlFw -- "$1" "$STATE" 2>/dev/null; lab_agent_status 2>/dev/null | grep -lFw -- "$1" | sed 's/^/status:/'; }
# Alerts from source ADDR in the spool.
from() { alerts | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l)["details"].get("source") == sys.argv[1]))' "$1"; }
erased() { alerts | python3 -c '
import json, sys
a = [json.loads(l) for l in sys.stdin]
print(sum(1 for x in a if x["kind"] == "data-erased" and x["details"]["action"] == sys.argv[1]))' "$1"; }
violate() {
	for _ in $(seq 5); do lab_probe data tcp $PHONE 80 50 >/dev/null; done
	lab_probe phone udp 10.50.0.10 45001 100 >/dev/null
}
stop_agent() { kill -TERM "$LAB_AGENT" 2>/dev/null; wait "$LAB_AGENT" 2>/dev/null; }

lab_agent_start --no-table-owner
check "the agent starts" test $? = 0
lab_serve remote services udp:45001
sleep 0.3
violate
for _ in $(seq 30); do
	[ "$(from $PC)" -ge 1 ] && [ "$(from $PHONE)" -ge 1 ] && break
	sleep 1
done
pc=$(from $PC) phone=$(from $PHONE)
check "violations from both sources are alerted (pc $pc, phone $phone)" test "$pc" -ge 1 -a "$phone" -ge 1
check "... and queued for the webhook" grep -qFw $PC "$QUEUE"
# a window open for the PC when it is forgotten: never reported
open_windows() { lab_agent_status | python3 -c 'import json,sys; print(json.load(sys.stdin)["open_violation_windows"])'; }
# a fresh window: the first ones close, then a burst opens one whose first
# packet is alerted at once; that alert says the agent has seen the burst
# (NFLOG hands it over a moment later: a straggler after the erasure would
# open a new window)
for _ in $(seq 150); do [ "$(open_windows)" = 0 ] && break; sleep 0.1; done
pc_before=$(from $PC)
for _ in $(seq 5); do lab_probe data tcp $PHONE 80 50 >/dev/null; done
for _ in $(seq 50); do [ "$(from $PC)" -gt "$pc_before" ] && break; sleep 0.1; done
sleep 0.5
windows=$(open_windows)
pc=$(from $PC) # the alerts naming the PC that the erasure must find
check "a violation window is open for the PC ($windows)" test "$windows" -ge 1

erase --forget $PC >"$LAB_DIR/forget.out" 2>&1
rc=$?
check "alerts --forget $PC succeeds (exit $rc)" test $rc = 0 || cat "$LAB_DIR/forget.out"
check "... and prints what it removed per file" \
	grep -Eq "spool +$pc$" "$LAB_DIR/forget.out"
check "... webhook queue and violation windows included" \
	eval "grep -Eq 'webhook-queue.jsonl +[1-9]' '$LAB_DIR/forget.out' && grep -Eq 'violation-windows +[1-9]' '$LAB_DIR/forget.out'"
t=$(traces $PC)
check "no file under the state dir nor the status names $PC (${t:-none})" test -z "$t"
check "the phone's records are intact ($(from $PHONE))" test "$(from $PHONE)" = "$phone"
check "one data-erased audit alert for it" test "$(erased forget)" = 1
check "... without the address" eval "alerts | grep data-erased | grep -qvFw $PC"
sleep 12 # past the window the agent had open: it must not report it now
t=$(traces $PC)
check "the window it had open is not reported later (${t:-none})" test -z "$t"
erase --forget 10.30.0.1x >/dev/null 2>&1
check "an argument that is no address nor MAC is a usage error" test $? = 2

# ---- no agent: the files under the feed lock --------------------------------------
stop_agent
erase --forget "::ffff:$PHONE" >"$LAB_DIR/forget2.out" 2>&1
rc=$?
check "with the agent stopped, --forget (an IPv4-mapped form of the phone) succeeds (exit $rc)" test $rc = 0 ||
	cat "$LAB_DIR/forget2.out"
t=$(traces $PHONE)
check "... no file names the phone any more (${t:-none})" test -z "$t"
check "... audited" test "$(erased forget)" = 2

# ---- purge ------------------------------------------------------------------------
lab_agent_start --no-table-owner
violate
for _ in $(seq 30); do [ "$(from $PC)" -ge 1 ] && [ "$(from $PHONE)" -ge 1 ] && break; sleep 1; done
check "new violations are alerted again ($(from $PC), $(from $PHONE))" \
	test "$(from $PC)" -ge 1 -a "$(from $PHONE)" -ge 1
erase --purge >"$LAB_DIR/purge.out" 2>&1
rc=$?
check "alerts --purge succeeds (exit $rc)" test $rc = 0 || cat "$LAB_DIR/purge.out"
left=$(alerts | grep -vc '"data-erased"')
check "the spool holds nothing but the purge's audit alert ($left others)" \
	test "$left" = 0 -a "$(erased purge)" = 1
check "... the webhook queue likewise" \
	eval "test \"\$(grep -vc data-erased '$QUEUE')\" = 0 && test \"\$(grep -c data-erased '$QUEUE')\" = 1"
check "... the purge's audit alert counts what went" python3 -c '
import json, sys
a = [x for x in map(json.loads, open(sys.argv[1])) if x["kind"] == "data-erased"][-1]
assert a["details"]["records"] >= 2 and a["details"]["removed"]["spool"] >= 1, a' "$SPOOL"
ls -l "$STATE" >"$LAB_DIR/state.ls"
check "the control socket is owner-only" test "$(stat -c %a "$LAB_DIR/control.sock")" = 600
stop_agent
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean alerts_erase
