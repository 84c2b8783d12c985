#!/usr/bin/env bash
# `make bench` for the agent (reported, not pass/fail), in namespaces this
# script makes and removes. The release build `ucfence run` in the lab's
# gateway:
#   1. pinhole latency over BENCH_CALLS sipp calls at BENCH_RATE/s (phone ->
#      remote UC server; offer and answer each announce a port of their own,
#      so every call opens new pinholes; BYE after 1 s closes them). The agent
#      measures each pinhole itself, from the capture timestamp of the packet
#      whose SDP announced the endpoint to the kernel's acknowledgement of the
#      batch that added it, and reports median and p99 in `ucfence status`.
#      Reference, measured in the same run with the same calls before the
#      agent starts: bench_capture_delay, the agent's capture code alone
#      (capture timestamp -> a process waiting in poll() has the packet),
#      i.e. this machine's floor for any libpcap-based agent.
#   2. agent RSS (VmRSS) and CPU (utime+stime from /proc/PID/stat) over 10 s
#      idle and over 10 s of sipp calls at 100/s (SDP both ways).
set -u
. "$(dirname "$0")/../tests/lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
CALLS=${BENCH_CALLS:-1000}
RATE=${BENCH_RATE:-25}

make -s -C "$LAB_REPO" build/bench/bench_capture_delay >/dev/null || exit 1
lab_init || exit 1
lab_up concentrator || exit 1
lab_agent_config "sip, rtp"
# the lab's own answering service holds the SIP port on the remote server
ip netns pids "$(lab_ns remote)" | xargs -r kill
sleep 0.2

calls() { # N RATE: N calls at RATE/s; returns sipp's exit status
	(cd "$LAB_DIR" && exec ip netns exec "$(lab_ns remote)" sipp -sf "$LAB_REPO/bench/sipp/uas.xml" \
		-i 10.50.0.10 -p 5060 -mp 30000 -nostdin -timeout 300s >/dev/null 2>&1) &
	local uas=$!
	LAB_PIDS+=($uas)
	sleep 0.5
	(cd "$LAB_DIR" && ip netns exec "$(lab_ns phone)" sipp -sf "$LAB_REPO/bench/sipp/uac.xml" \
		-i 10.20.0.10 -p 5070 -mp 20000 -m "$1" -r "$2" -nostdin -timeout 300s \
		10.50.0.10:5060 >"$LAB_DIR/uac.log" 2>&1)
	local rc=$?
	kill "$uas" 2>/dev/null; wait "$uas" 2>/dev/null
	return $rc
}

# ---- 1. pinhole latency -----------------------------------------------------------
# For each scheduling policy (SCHED_FIFO 1, as the package's unit runs the
# agent, and the default), the reference first, on the interfaces the agent
# captures (phone side and appliance side), with the same calls and no agent
# running (the lab's gateway forwards everything until ucfence runs; the
# static route to the remote site, which ucfence takes over and `flush`
# removes, is put back for the reference), then the agent. Both wait under the same policy.
pinhole_latency() { # LABEL SCHED-PREFIX
	local label=$1 sched=$2 r1 r2 lat n med p99 max rn rmed rp99 rmax an amed ap99 amax t0
	lab_exec gw ip route replace 10.50.0.0/16 via 10.40.0.2 proto static
	# shellcheck disable=SC2086 # the prefix is words
	ip netns exec "$(lab_ns gw)" $sched "$LAB_REPO/build/bench/bench_capture_delay" uc0 \
		"udp port 5060" 600 >"$LAB_DIR/ref_uc0.txt" &
	r1=$!
	# shellcheck disable=SC2086
	ip netns exec "$(lab_ns gw)" $sched "$LAB_REPO/build/bench/bench_capture_delay" appl0 \
		"udp port 5060" 600 >"$LAB_DIR/ref_appl0.txt" &
	r2=$!
	LAB_PIDS+=($r1 $r2)
	sleep 0.5
	calls "$CALLS" "$RATE" || { echo "bench: reference calls failed"; tail -n 5 "$LAB_DIR/uac.log"; }
	kill -TERM "$r1" "$r2"; wait "$r1" "$r2"
	read -r rn rmed rp99 rmax <"$LAB_DIR/ref_uc0.txt"
	read -r an amed ap99 amax <"$LAB_DIR/ref_appl0.txt"

	LAB_AGENT_SCHED=$sched lab_agent_start --no-table-owner || exit 1
	sleep 1
	t0=$SECONDS
	calls "$CALLS" "$RATE" || { echo "bench: calls through the agent failed"; tail -n 5 "$LAB_DIR/uac.log"; }
	lat=$(lab_agent_status | python3 -c '
import json, sys
l = json.load(sys.stdin)["media"]["latency_us"]
print(l["total"], l["median"], l["p99"], l["max_window"])')
	read -r n med p99 max <<<"$lat"
	kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
	lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
	echo "pinhole latency, $label: $CALLS calls at ${RATE}/s ($((SECONDS - t0)) s), $n pinholes (offers and answers):"
	printf "  %-50s %8s %8s %8s\n" "" median p99 max
	printf "  %-50s %6s us %5s us %5s us\n" "ucfence: capture -> pinhole committed" "$med" "$p99" "$max"
	printf "  %-50s %6s us %5s us %5s us\n" "reference: capture -> process (uc0, $rn SIP)" "$rmed" "$rp99" "$rmax"
	printf "  %-50s %6s us %5s us %5s us\n" "reference: capture -> process (appl0, $an SIP)" "$amed" "$ap99" "$amax"
	awk -v m="$med" -v p="$p99" -v rm="$rmed" -v rp="$rp99" 'BEGIN {
		if (rm > 0 && rp > 0) printf "  ratio ucfence/reference (uc0): median %.1fx, p99 %.1fx\n", m / rm, p / rp }'
	echo "  goal p99 < 1000 us: $([ "${p99:-99999}" -lt 1000 ] && echo met || echo NOT met)"
}
pinhole_latency "SCHED_FIFO 1 (the unit's policy)" "chrt -f 1"
pinhole_latency "default policy (SCHED_OTHER)" ""

# ---- 2. RSS and CPU -----------------------------------------------------------------
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$AGENT/stat"; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$AGENT/status"; }
measure() { # LABEL CMD...: CPU % and RSS over 10 s while CMD runs
	local label=$1 c0 c1 t0 t1 peak=0 r
	shift
	c0=$(cpu_ticks); t0=$(date +%s.%N)
	"$@" &
	local job=$!
	for _ in $(seq 40); do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.25; done
	wait "$job"
	c1=$(cpu_ticks); t1=$(date +%s.%N)
	printf "  %-36s %8s %10s\n" "$label" \
		"$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f%%", 100 * c / hz / (b - a)}')" \
		"${peak} kB"
}
lab_agent_start --no-table-owner || exit 1
AGENT=$LAB_AGENT
sleep 2
echo "agent resources (release build, 10 s each; CPU % of one core):"
printf "  %-36s %8s %10s\n" "" "CPU" "peak RSS"
measure "idle" sleep 10
measure "100 calls/s (sipp, SDP both ways)" calls 1000 100
kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
exit 0
