#!/usr/bin/env bash
# The agent as a real process in the namespace lab (concentrator mode):
# media learned from live SIP/SDP (no static range) carries 50 sipp calls
# both ways with zero media drops; an unannounced UDP port stays closed;
# a flood of non-target traffic gives an alert at once and one follow-up
# with the count; SIGHUP with a
# broken config keeps the old rules, with a changed one applies it; `nft
# delete table` and a deleted route are restored within a second and
# alerted; kill -9 and restart leave no moment without the table; status
# matches the kernel's counters; SIGTERM leaves the ruleset in force.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
CALLS=${AGENT_CALLS:-50}

lab_init || { echo "FAIL: agent: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent: lab setup"; exit 1; }
CFG=$LAB_DIR/site.yaml
lab_agent_config "sip, rtp"
AGENT=
start_agent() { lab_agent_start "$@" && AGENT=$LAB_AGENT; }
status() { lab_agent_status; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
alerts() { "$UCFENCE" alerts -c "$CFG" --json 2>/dev/null; }
count_alerts() { alerts | grep -c "\"kind\": *\"$1\"" ; }

check "agent starts and answers status" start_agent --no-table-owner
check "status reports concentrator mode" test "$(status | jq_ 'd["mode"]')" = concentrator

# ---- media pinholes from live signalling -------------------------------------
lab_uac_scenario "$LAB_DIR/uac_pcap.xml"
lab_call_server "$LAB_DIR/uas.out" # each call's media on ports of its own
before=$(lab_drops)
start=$SECONDS
(cd "$LAB_DIR" && ip netns exec "$(lab_ns phone)" sipp -sf "$LAB_DIR/uac_pcap.xml" -i 10.20.0.10 \
	-p 5070 -mp 40000 -m "$CALLS" -r 5 -l 20 -nostdin -timeout 120s 10.50.0.10:5060 \
	>"$LAB_DIR/uac.log" 2>&1)
rc=$?
after=$(lab_drops)
check "$CALLS sipp calls through the gateway complete (exit $rc, $((SECONDS - start)) s)" test "$rc" -eq 0 ||
	grep -E "Successful call|Failed call|Unexpected|Dead call|error" "$LAB_DIR/uac.log" | tail -n 8
check "media of every call passed: zero packets refused during the calls ($before -> $after)" \
	test "$before" -eq "$after"
kill -TERM "$LAB_UAS"; wait "$LAB_UAS" 2>/dev/null
read -r _ answered _ echoed <"$LAB_DIR/uas.out"
# a call plays g711a.pcap and a DTMF pcap: ~246 packets reach the server
check "the server answered every call on ports of its own and echoed their media ($answered calls, $echoed packets)" \
	test "${answered:-0}" -eq "$CALLS" -a "${echoed:-0}" -ge $((CALLS * 200))
learned=$(status | jq_ 'd["media"]["learned_total"]')
check "the agent learned both ends of every call (learned $learned)" test "$learned" -ge $((2 * CALLS))
read -r lat_n lat_med lat_p99 <<<"$(status | jq_ '" ".join(str(d["media"]["latency_us"][k]) for k in ("total", "median", "p99"))')"
check "status reports each pinhole's latency ($lat_n, median $lat_med us, p99 $lat_p99 us)" \
	test "$lat_n" -ge "$CALLS" -a "$lat_med" -gt 0 -a "$lat_p99" -ge "$lat_med"
lab_serve remote services udp:5060 tcp:5060 udp:45001 tcp:6970
sleep 0.3
b=$(lab_counter non-target-appliance)
lab_probe phone udp 10.50.0.10 45001 500 >/dev/null; rc=$?
check "UDP between the same hosts on a port no SDP announced is dropped (probe exit $rc)" test "$rc" -eq 1
check "... and counted as non-target-appliance" test "$(lab_counter non-target-appliance)" -gt "$b"

# ---- violations: the first alerted at once, the rest in one follow-up ---------------
for _ in $(seq 30); do lab_probe data tcp 10.20.0.10 80 50 >/dev/null; done
# "ALERTS FIRST-PACKETS FOLLOWUPS FOLLOWUP-PACKETS" of the PC's window
from_data() {
	alerts | python3 -c '
import json,sys
n=f=fp=0; first=0
for l in sys.stdin:
    a=json.loads(l)
    d=a["details"]
    if a["kind"]=="non-target-on-uc-port" and d["source"]=="10.30.0.10" and d["interface"]=="data0" and d["reason"]=="non-target-uc":
        n+=1
        if d.get("followup"): f+=1; fp=d["packets"]
        else: first=d["packets"]
print(n, first, f, fp)'
}
# the follow-up comes when the window (violation_window 10 s) closes
for _ in $(seq 30); do
	[ "$(from_data | cut -d" " -f3)" != 0 ] && break
	sleep 1
done
sleep 2 # a third alert for the same window would show up now
read -r n first f fp <<<"$(from_data)"
check "30 blocked connections from one PC give two alerts: the first and one follow-up ($n $first $f $fp)" \
	test "$n" = 2 -a "$f" = 1
check "... the first counting one packet, the follow-up the rest" test "$first" = 1 -a "$fp" -ge 1

# ---- SIGHUP -----------------------------------------------------------------------
echo "uc: { endpoints: [10.20.0.0/33] }" >>"$CFG"
kill -HUP "$AGENT"; sleep 1
check "SIGHUP with a broken config: the agent keeps running" kill -0 "$AGENT"
check "... reports the refusal" test "$(status | jq_ 'd["config"]["reload_failures"]')" = 1
lab_probe phone udp 10.50.0.10 5060 500 >/dev/null; rc=$?
check "... and the old rules stay in force (SIP passes: probe exit $rc)" test "$rc" -ne 1
lab_probe data tcp 10.20.0.10 80 300 >/dev/null; rc=$?
check "... (web to a phone is still blocked: probe exit $rc)" test "$rc" -eq 1
lab_probe phone tcp 10.50.0.10 6970 300 >/dev/null; rc=$?
check "cucm-http is blocked before it is configured (probe exit $rc)" test "$rc" -eq 1
lab_agent_config "sip, rtp, cucm-http"
kill -HUP "$AGENT"; sleep 1
lab_probe phone tcp 10.50.0.10 6970 500 >/dev/null; rc=$?
check "SIGHUP with a changed config applies it (cucm-http passes: probe exit $rc)" test "$rc" -eq 0
check "... and counts the reload" test "$(status | jq_ 'd["config"]["reloads"]')" = 2

# ---- status matches the kernel ---------------------------------------------------------
for n in non-target-uc non-target-appliance; do
	k=$(lab_counter "$n")
	s=$(status | jq_ "d['drops']['$n']['packets']")
	check "status $n = kernel counter ($s = $k)" test "$s" = "$k"
done

# ---- tamper defence ------------------------------------------------------------------
back=$(lab_tamper_table)
check "nft delete table by hand: restored within 1 s (after ~$((back * 50)) ms)" test "$back" -gt 0
sleep 0.5
check "... and alerted as ruleset-tampered" test "$(count_alerts ruleset-tampered)" -ge 1
lab_exec gw ip route del 10.50.0.0/16
sleep 0.5
route_back() { lab_exec gw ip route show 10.50.0.0/16 proto 117 | grep -q via; }
check "a deleted ucfence route is restored" route_back

# ---- kill -9 and restart: never a moment without the table -------------------------------
kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
table_there() { lab_exec gw nft list table inet ucfence >/dev/null 2>&1; }
check "SIGTERM leaves the ruleset in force" table_there
check "agent restarts owning the table" start_agent
check "... ownership owner,persist on this kernel (or none before 6.9)" \
	bash -c "$UCFENCE status --json --control $LAB_DIR/control.sock | grep -Eq '\"table_ownership\": \"(owner,persist|none)'"
(for _ in $(seq 60); do
	ip netns exec "$(lab_ns gw)" nft list table inet ucfence >/dev/null 2>&1 || echo gap
	sleep 0.05
done) >"$LAB_DIR/gaps" &
watcher=$!
leaks=0
kill -KILL "$AGENT"; wait "$AGENT" 2>/dev/null
for _ in $(seq 5); do lab_probe data tcp 10.20.0.10 80 100 >/dev/null && leaks=$((leaks + 1)); done
start_agent >/dev/null
for _ in $(seq 5); do lab_probe data tcp 10.20.0.10 80 100 >/dev/null && leaks=$((leaks + 1)); done
wait "$watcher"
check "kill -9 and restart: the table never disappeared" test ! -s "$LAB_DIR/gaps"
check "... and no non-target connection got through ($leaks)" test "$leaks" -eq 0
lab_probe phone udp 10.50.0.10 5060 500 >/dev/null; rc=$?
check "... and target traffic passes after the restart (probe exit $rc)" test "$rc" -ne 1
kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
"$UCFENCE" flush >/dev/null 2>&1 || true
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent
