#!/usr/bin/env bash
# The agent's own nftables and route changes are never tampering, also when
# it runs in a PID namespace of its own (a container: the kernel then names
# a PID in nftables notifications that is not the agent's getpid()): SIGHUP
# reloads, a reload that drops a remote subnet (route.c deletes its route)
# and learned media updates raise no ruleset-tampered alert and log no
# "tampering reverted". Tampering from outside (nft delete table, ip route
# del) is still reverted and alerted.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: agent_tamper_own: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_tamper_own: lab setup"; exit 1; }
CFG=$LAB_DIR/site.yaml
LOG=$LAB_DIR/agent.log
TWO="remote_subnets: [10.50.0.0/16, 10.60.0.0/24]"
ONE="remote_subnets: [10.50.0.0/16]"
subst() { local c; c=$(cat "$CFG"); printf '%s\n' "${c//"$1"/"$2"}" >"$CFG"; }
lab_agent_config "sip, rtp"
subst "$ONE" "$TWO"
tampered() { "$UCFENCE" alerts -c "$CFG" --rules "$LAB_REPO/rules" --json 2>/dev/null | grep -c '"kind": *"ruleset-tampered"'; }
reverted() { grep -c "tampering reverted" "$LOG"; }
route_there() { lab_exec gw ip route show "$1" proto 117 | grep -q via; }

# ---- the agent in a PID namespace of its own ------------------------------------------
ip netns exec "$(lab_ns gw)" unshare --pid --fork --mount-proc --kill-child \
	"$UCFENCE" run -c "$CFG" --rules "$LAB_REPO/rules" --control "$LAB_DIR/control.sock" \
	--no-table-owner 2>>"$LOG" &
WRAP=$!
LAB_PIDS+=($WRAP)
up=0
for _ in $(seq 100); do lab_agent_status >/dev/null 2>&1 && { up=1; break; }; sleep 0.1; done
check "the agent runs in a PID namespace of its own" test "$up" = 1
AGENT=$(pgrep -P "$WRAP" | head -n1)
inner=$(awk '/^NSpid:/ {print $NF}' "/proc/$AGENT/status" 2>/dev/null)
check "... where its PID ($inner) is not the kernel's ($AGENT)" test -n "$inner" -a "$inner" != "$AGENT"
check "... its routes are installed" route_there 10.60.0.0/24
sleep 1

for i in 1 2 3; do kill -HUP "$AGENT"; sleep 1; done
check "three SIGHUP reloads: the agent keeps running" kill -0 "$AGENT"
check "... no \"tampering reverted\" in its log ($(reverted))" test "$(reverted)" = 0
check "... no ruleset-tampered alert ($(tampered))" test "$(tampered)" = 0

# a call's media: the agent's own set-element updates
lab_call_server "$LAB_DIR/uas.out"
lab_exec phone python3 "$LAB_SRC/call.py" 10.20.0.10 10.50.0.10 41000 2 >"$LAB_DIR/call.out" 2>&1
check "learned media updates: no \"tampering reverted\" ($(reverted))" test "$(reverted)" = 0

subst "$TWO" "$ONE"
kill -HUP "$AGENT"; sleep 1.5
check "a reload dropping remote subnet 10.60.0.0/24 removes its route" eval '! route_there 10.60.0.0/24'
check "... keeps the other" route_there 10.50.0.0/16
check "... and is not taken for tampering (log: $(reverted))" test "$(reverted)" = 0
check "... (alerts: $(tampered))" test "$(tampered)" = 0

# ---- tampering from outside is still tampering --------------------------------------------
back=$(lab_tamper_table)
check "nft delete table from outside: restored (after ~$((back * 50)) ms)" test "$back" -gt 0
sleep 0.5
check "... logged as tampering reverted" test "$(reverted)" -ge 1
check "... and alerted as ruleset-tampered" test "$(tampered)" -ge 1
n=$(tampered)
lab_exec gw ip route del 10.50.0.0/16
sleep 0.5
check "ip route del of the agent's route from outside: restored" route_there 10.50.0.0/16
check "... and alerted" test "$(tampered)" -gt "$n"
sleep 1
n=$(reverted)
sleep 2
check "no restore loop afterwards ($n, then $(reverted))" test "$(reverted)" = "$n"

kill -TERM "$AGENT" 2>/dev/null; wait "$WRAP" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_exec gw ip route flush proto 117 >/dev/null 2>&1
lab_agent_log_clean agent_tamper_own
