#!/usr/bin/env bash
# What SIGHUP changes in the running agent: new limits.flows, limits.media
# and enforcement.violation_window take effect (status reports the values
# the classifier, the pinholes and the violation windows now use); a change
# of state_dir is refused with a message naming it and the old directory
# stays in use; a reload that leaves the alerts section alone leaves the
# webhook queue, its backoff and the feed as they were: alerts queued for a
# receiver that is down are delivered once it appears, each exactly once;
# a reload naming a new webhook URL sends the queue there at once.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: agent_reload: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_reload: lab setup"; exit 1; }
CFG=$LAB_DIR/site.yaml
STATE=$LAB_DIR/state
HOOK=$((39000 + RANDOM % 1000)) # nothing listens there in gw yet
HOOK2=$((HOOK + 1000))

# site FLOWS MEDIA WINDOW STATE_DIR HOOK-PORT
site() {
	cat >"$CFG" <<-EOF
		site: { name: lab, mode: concentrator }
		interfaces: { uc: [uc0], data: [data0], appliance: appl0, wan: wan0 }
		uc:
		  endpoints: [10.20.0.0/24, "fd00:20::/64"]
		  servers: [10.50.0.0/24, "fd00:50::/64"]
		  services: [sip, rtp]
		  media: { learn: true, static_range: none, timeout: 60s }
		appliance: { address: 10.40.0.2, remote_subnets: [10.50.0.0/16] }
		enforcement: { action: drop, log_rate: 100/second, violation_window: $3 }
		alerts:
		  syslog: false
		  webhook: { url: "http://127.0.0.1:$5/hook", format: generic }
		limits: { flows: $1, media: $2 }
		state_dir: $4
	EOF
}
status() { lab_agent_status; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>/dev/null; }
queued() { local n; n=$(grep -c . "$STATE/webhook-queue.jsonl" 2>/dev/null); echo "${n:-0}"; }
hup() { kill -HUP "$LAB_AGENT"; sleep 1; }
receiver() { # PORT LOG: the webhook receiver, in gw (the agent's loopback)
	rm -f "$LAB_DIR/hook.port"
	ip netns exec "$(lab_ns gw)" python3 "$LAB_REPO/tests/meraki-sim/webhook.py" --port "$1" \
		--log "$2" --port-file "$LAB_DIR/hook.port" &
	LAB_PIDS+=($!)
	RECEIVER=$!
	for _ in $(seq 50); do [ -s "$LAB_DIR/hook.port" ] && return 0; sleep 0.1; done
	return 1
}
tamper() { # an alert now: ruleset-tampered
	local back
	back=$(lab_tamper_table)
	[ "$back" -gt 0 ]
}

site 5000 3000 10s "$STATE" "$HOOK"
check "agent starts" lab_agent_start --no-table-owner
lim() { status | jq_ "d['limits']['flows'], d['limits']['media'], d['enforcement']['violation_window_s']"; }
check "status reports limits.flows, limits.media and the violation window ($(lim))" \
	test "$(lim)" = "5000 3000 10"

# ---- alerts queued for a webhook that is down -------------------------------------
check "a tampered ruleset is restored (alert 1)" tamper
sleep 0.5
check "a tampered ruleset is restored (alert 2)" tamper
for _ in $(seq 30); do [ "$(queued)" -ge 2 ] && break; sleep 0.1; done
q0=$(queued)
check "the alerts wait in the webhook queue ($q0)" test "$q0" -ge 2
fails() { status | jq_ 'd["webhook"]["failures"]'; }
for _ in $(seq 60); do [ "$(fails)" -ge 2 ] 2>/dev/null && break; sleep 0.2; done
f0=$(fails)
check "status counts the failed deliveries (${f0:-none})" test "${f0:-0}" -ge 2

# ---- applied: limits and the violation window -----------------------------------------
site 8000 4000 20s "$STATE" "$HOOK"
hup
check "SIGHUP: the agent keeps running" kill -0 "$LAB_AGENT"
check "status reports the new limits.flows, limits.media and window ($(lim))" \
	test "$(lim)" = "8000 4000 20"
err=$(status | jq_ 'd["config"]["last_reload_error"]')
check "... with no reload error ('$err')" test -z "$err"
check "... the webhook queue is still there ($(queued) of $q0)" test "$(queued)" -eq "$q0"
f1=$(fails)
check "... and its backoff too: the failure count did not start over (${f0:-?} -> ${f1:-?})" \
	test "${f1:-0}" -ge "${f0:-1}"
check "... the log names the changed settings" \
	grep -q "limits.flows.*limits.media.*enforcement.violation_window\|enforcement.violation_window.*limits.flows" "$LAB_DIR/agent.log"
check "... and says the alert feed stays as it is" grep -q "alert feed unchanged" "$LAB_DIR/agent.log"

# ---- refused: state_dir ------------------------------------------------------------------
site 8000 4000 20s "$LAB_DIR/state2" "$HOOK"
hup
check "SIGHUP with a new state_dir: the agent keeps running" kill -0 "$LAB_AGENT"
err=$(status | jq_ 'd["config"]["last_reload_error"]')
check "... status shows the refusal naming state_dir ('$err')" grep -q state_dir <<<"$err"
check "... the log names it" grep -q "state_dir.*restart" "$LAB_DIR/agent.log"
check "... the other settings stay applied ($(lim))" test "$(lim)" = "8000 4000 20"
q1=$(queued)
check "a tampered ruleset is restored (alert 3)" tamper
for _ in $(seq 30); do [ "$(queued)" -gt "$q1" ] && break; sleep 0.1; done
check "... its alert is queued in the old state_dir ($q1 -> $(queued))" test "$(queued)" -gt "$q1"
check "... and nothing went to the refused one" test ! -e "$LAB_DIR/state2/webhook-queue.jsonl" -a \
	! -e "$LAB_DIR/state2/alerts.jsonl"
site 8000 4000 20s "$STATE" "$HOOK"
hup
err=$(status | jq_ 'd["config"]["last_reload_error"]')
check "back to the old state_dir: no reload error ('$err')" test -z "$err"

# ---- the receiver appears: every queued alert delivered, once ------------------------------
check "a webhook receiver comes up on the configured port" receiver "$HOOK" "$LAB_DIR/hook1.log"
for _ in $(seq 90); do [ "$(queued)" -eq 0 ] && break; sleep 0.5; done
check "the queue drains into it ($(queued) left)" test "$(queued)" -eq 0
kill "$RECEIVER"; wait "$RECEIVER" 2>/dev/null

# ---- a new webhook URL: the queue follows it at once ---------------------------------------------
check "a tampered ruleset is restored (alert 4)" tamper
for _ in $(seq 30); do [ "$(queued)" -ge 1 ] && break; sleep 0.1; done
check "... queued while no receiver listens ($(queued))" test "$(queued)" -ge 1
check "a second receiver comes up on another port" receiver "$HOOK2" "$LAB_DIR/hook2.log"
site 8000 4000 20s "$STATE" "$HOOK2"
hup
for _ in $(seq 20); do [ "$(queued)" -eq 0 ] && break; sleep 0.2; done
check "SIGHUP naming its URL: the queue is sent there at once ($(queued) left)" test "$(queued)" -eq 0
check "... the feed is not reopened: the log says the webhook was retargeted" \
	grep -q "webhook.*127.0.0.1:$HOOK2" "$LAB_DIR/agent.log"
check "... and never logs the URL's path (a Slack hook's path is its secret)" \
	bash -c "! grep -q '/hook' '$LAB_DIR/agent.log'"
check "every spooled alert reached a receiver exactly once, in order" python3 - "$STATE" "$LAB_DIR" <<-'PY'
	import json, sys
	st, d = sys.argv[1], sys.argv[2]
	spool = [json.loads(l)["id"] for l in open(st + "/alerts.jsonl") if l.strip()]
	got = []
	for f in ("hook1.log", "hook2.log"):
	    got += [json.loads(l)["alert_id"] for l in open(d + "/" + f) if l.strip()]
	assert len(spool) >= 4, spool
	assert got == spool, (got, spool)
PY
kill "$RECEIVER"; wait "$RECEIVER" 2>/dev/null
kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_reload
