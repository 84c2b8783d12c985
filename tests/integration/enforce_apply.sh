#!/usr/bin/env bash
# The transaction: while `ucfence apply` runs 100 times, a target stream
# (a new flow per packet, so every packet meets the rules) loses nothing to
# ucfence and a non-target stream gets nothing through; a control shows the
# test would see a non-atomic replacement. A batch the kernel rejects
# (test build with one bad rule) names the object and leaves the old table
# exactly as it was.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
APPLIES=100
PPS=400

lab_init || { echo "FAIL: apply: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: apply: lab setup"; exit 1; }
CFG=$(lab_config concentrator drop)
ucf() { lab_exec gw "$UCFENCE" "$@" -c "$CFG" --rules "$LAB_REPO/rules"; }
bg() { # bg OUTFILE NODE CMD...: a background job the traps clean up
	local out=$1 node=$2
	shift 2
	ip netns exec "$(lab_ns "$node")" "$@" >"$out" &
	LAB_PIDS+=($!)
	BG=$!
}

# streams PHASE LOOP-COMMAND: runs both streams around LOOP-COMMAND and sets
# T_SENT T_RECV N_SENT N_RECV.
streams() {
	local d=$LAB_DIR/$1 ts tr ns nr
	mkdir -p "$d"
	bg "$d/t.recv" remote "$LABNET" sink 16500 600; tr=$BG
	bg "$d/n.recv" phone "$LABNET" sink 16501 600; nr=$BG
	sleep 0.3
	# Target: phone -> remote UC server, UDP in the static media range.
	bg "$d/t.sent" phone "$LABNET" stream 10.50.0.10 16500 $PPS 600; ts=$BG
	# Non-target: data LAN -> phone.
	bg "$d/n.sent" data "$LABNET" stream 10.20.0.10 16501 $PPS 600; ns=$BG
	sleep 0.3
	"${@:2}"
	sleep 0.3
	kill -TERM $ts $ns; wait $ts $ns
	sleep 0.5 # in flight
	kill -TERM $tr $nr; wait $tr $nr
	T_SENT=$(cat "$d/t.sent") T_RECV=$(cat "$d/t.recv")
	N_SENT=$(cat "$d/n.sent") N_RECV=$(cat "$d/n.recv")
}

apply_loop() {
	APPLY_FAILS=0
	for _ in $(seq $APPLIES); do
		ucf apply >/dev/null 2>>"$LAB_DIR/apply.err" || APPLY_FAILS=$((APPLY_FAILS + 1))
	done
}

out=$(ucf apply 2>&1)
check "first apply ($(oneline "$out"))" grep -q created <<<"$out"

start=$SECONDS
streams atomic apply_loop
check "$APPLIES applies in a row all succeed ($((SECONDS - start)) s)" test "$APPLY_FAILS" -eq 0
check "target stream loses nothing during $APPLIES applies (sent $T_SENT, received $T_RECV)" \
	test "$T_SENT" -gt $((PPS / 2)) -a "$T_SENT" = "$T_RECV"
check "non-target stream gets nothing through during $APPLIES applies (sent $N_SENT, received $N_RECV)" \
	test "$N_SENT" -gt $((PPS / 2)) -a "$N_RECV" = 0

# Control: the same streams around a replacement in two transactions (nft
# delete, then nft -f) must show a leak, or the test above proves nothing.
PLAN=$(ucf plan 2>/dev/null)
nonatomic_loop() {
	for _ in $(seq 30); do
		lab_exec gw nft delete table inet ucfence
		lab_exec gw nft -f - <<<"$PLAN"
	done
}
streams control nonatomic_loop
check "control: a non-atomic replacement lets non-target packets through (received $N_RECV of $N_SENT)" \
	test "$N_RECV" -gt 0

# A rejected batch changes nothing.
out=$(ucf apply 2>&1)
check "apply over nft's table (no ownership flags: replaced whole) ($(oneline "$out"))" \
	grep -q "replaced" <<<"$out"
make -s -C "$LAB_REPO" enforce-fault-binary >/dev/null 2>&1
FAULT=$LAB_REPO/build/san/ucfence-fault
check "fault-injection build exists" test -x "$FAULT"
state() { lab_exec gw nft -a list ruleset | perl -pe 's/packets \d+ bytes \d+//'; lab_exec gw ip route; }
before=$(state)
err=$(lab_exec gw "$FAULT" apply -c "$CFG" --rules "$LAB_REPO/rules" 2>&1 >/dev/null)
rc=$?
check "a rejected apply exits 1" test $rc -eq 1
check "the error names the rule, the expression and why ($(oneline "$err"))" \
	grep -q "kernel rejected rule .* of chain [a-z_]* (ip saddr @fault_injected_missing accept), expression [0-9]* (lookup): No such file or directory; nothing was changed" <<<"$err"
check "a rejected apply leaves the old table exactly (same handles) and the routes" \
	test "$before" = "$(state)"
lab_case "after the rejected apply: data->phone web still blocked" block non-target-uc data tcp 10.20.0.10 80
lab_case "after the rejected apply: phone->remote SIP still passes" pass - phone udp 10.50.0.10 5060
