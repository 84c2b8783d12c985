#!/usr/bin/env bash
# One host flooding forged signalling must not cost another host its calls.
# A forger on the phone VLAN (10.20.0.66) sends FLOOD_RATE (default 5,000)
# SIP INVITEs per second for FLOOD_SECONDS (10) to a UC server address
# (10.50.0.11, where a sink counts them), each with a fresh Call-ID and a
# random SDP port on the forger's own address: every one a well-formed offer
# the agent may learn from, so only its per-host caps (learn events per
# second, pinholes, calls) stand between the flood and everyone else's
# media (the media table is capped at MEDIA_CAP = 4096 endpoints here, so a
# flood that is learned evicts others' pinholes). Meanwhile the real phone
# (10.20.0.10) makes 20 calls to the call server (call.py <-> uas_echo.py,
# staggered 0.25 s, 4.5 s of RTP each, plus an RTCP flow that starts 3.5 s
# into each call, later than an evicted pinhole's 2 s grace, and so needs
# its pinhole then).
#
# Asserts: the flood reached its rate and crossed the gateway; every call is
# answered and every RTP and RTCP packet of it is echoed (no first-packet
# loss, no pinhole evicted mid-call); the kernel dropped nothing meanwhile;
# the agent learned no more than the legitimate calls plus the per-host rate
# allows (about 20 events/s; bound: 4 endpoints per call + 2 x 25/s over
# the flood and 2 s); its RSS stays under RSS_BOUND_KB; it answers `status`
# throughout (a sample every 0.5 s, none missing for 2 s); it is alive and
# its log has no sanitizer report.
#
# The RSS bound, measured on this 2-core lab machine with the ASan build, run
# here with ASAN_OPTIONS quarantine_size_mb=1 so that RSS tracks live memory
# (ASan's default quarantine keeps 256 MB of freed blocks, and even 16 MB of
# it grows RSS by 10 MB under this flood's churn of batches, whatever is
# live): the agent idles at ~38 MB; the current agent (no per-host caps; its
# global cap, limits.media MEDIA_CAP = 4096, holds the media table) peaks at
# ~42 MB while it learns ~85,000 endpoints. RSS_BOUND_KB defaults to 48 MB
# for ASan (idle + 10 MB: room for buffers, the calls and the allocator's
# slack, yet per-Call-ID or per-refusal state kept for 50,000 forged calls
# would exceed it) and 40 MB for the release build (idles at ~30 MB).
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
FORGE="python3 $LAB_SRC/forge.py"
F=10.20.0.66
FLOOD_RATE=${FLOOD_RATE:-5000}
FLOOD_SECONDS=${FLOOD_SECONDS:-10}
CALLS=20
MEDIA_CAP=${MEDIA_CAP:-4096}
if nm -an "$UCFENCE" 2>/dev/null | grep -q __asan_init || strings "$UCFENCE" | grep -q AddressSanitizer; then
	RSS_BOUND_KB=${RSS_BOUND_KB:-49152}
else
	RSS_BOUND_KB=${RSS_BOUND_KB:-40960}
fi

lab_init || { echo "FAIL: agent_forged_flood: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_forged_flood: lab setup"; exit 1; }
lab_exec phone ip addr add $F/24 dev eth0
lab_exec remote ip addr add 10.50.0.11/24 dev eth0
lab_agent_config "sip, rtp" "limits: { media: $MEDIA_CAP }"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1" lab_agent_start --no-table-owner
check "agent starts" test $? = 0 || exit 1
AGENT=$LAB_AGENT
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$AGENT/status" 2>/dev/null || echo 0; }
lab_call_server "$LAB_DIR/uas.out"
ip netns exec "$(lab_ns remote)" $FORGE udpsink --bind 10.50.0.11:5060 >"$LAB_DIR/sink.out" &
sink=$!
LAB_PIDS+=($sink)
sleep 1
idle_rss=$(rss_kb)
learned0=$(lab_agent_status | jq_ 'd["media"]["learned_total"]')
drops0=$(lab_drops)

# Samplers: RSS every 0.25 s; status every 0.5 s ("TIME ok|fail").
(while :; do rss_kb; sleep 0.25; done) >"$LAB_DIR/rss" &
rss_sampler=$!
(while :; do
	if timeout 2 "$UCFENCE" status --json --control "$LAB_DIR/control.sock" >/dev/null 2>&1; then
		echo "$(date +%s.%N) ok"
	else
		echo "$(date +%s.%N) fail"
	fi
	sleep 0.5
done) >"$LAB_DIR/status" &
status_sampler=$!
LAB_PIDS+=($rss_sampler $status_sampler)

flood_t0=$(date +%s.%N)
lab_exec phone $FORGE flood --src $F --dst 10.50.0.11 --rate "$FLOOD_RATE" --seconds "$FLOOD_SECONDS" \
	>"$LAB_DIR/flood.out" 2>&1 &
flooder=$!
LAB_PIDS+=($flooder)
sleep 1
calls=()
for i in $(seq 0 $((CALLS - 1))); do
	lab_exec phone python3 "$LAB_SRC/call.py" 10.20.0.10 10.50.0.10 $((42000 + 2 * i)) 4.5 --rtcp-from 3.5 \
		>"$LAB_DIR/call$i.out" 2>&1 &
	calls+=($!)
	LAB_PIDS+=($!)
	sleep 0.25
done
wait "$flooder"
frc=$?
flood_t1=$(date +%s.%N)
for c in "${calls[@]}"; do wait "$c"; done
sleep 0.5
kill "$rss_sampler" "$status_sampler" 2>/dev/null
wait "$rss_sampler" "$status_sampler" 2>/dev/null
kill -TERM "$sink"; wait "$sink" 2>/dev/null
drops1=$(lab_drops)

# ---- the flood itself -----------------------------------------------------------------
echo "$(cat "$LAB_DIR/flood.out")"
sent=$(sed -n 's/^flood: sent \([0-9]*\) .*/\1/p' "$LAB_DIR/flood.out")
received=$(cat "$LAB_DIR/sink.out" 2>/dev/null)
check "the forger sent >= $FLOOD_RATE INVITEs/s for $FLOOD_SECONDS s (forge.py exit $frc)" test "$frc" -eq 0
check "the flood crossed the gateway (${received:-0} of ${sent:-0} INVITEs reached 10.50.0.11:5060)" \
	test "${sent:-0}" -gt 0 -a "${received:-0}" -ge $((${sent:-1} * 9 / 10))

# ---- the legitimate calls ----------------------------------------------------------------
bad_rtp= bad_rtcp= answered=0 rtp_sent=0 rtp_echoed=0 rtcp_total=0 rtcp_back=0
for i in $(seq 0 $((CALLS - 1))); do
	f=$LAB_DIR/call$i.out
	grep -q '^answered ' "$f" && answered=$((answered + 1))
	s= e= m= rs= re=
	read -r _ s _ e _ m < <(tail -n 1 "$f")
	read -r _ _ rs _ re < <(grep '^rtcp ' "$f")
	rtp_sent=$((rtp_sent + ${s:-0})) rtp_echoed=$((rtp_echoed + ${e:-0}))
	rtcp_total=$((rtcp_total + ${rs:-0})) rtcp_back=$((rtcp_back + ${re:-0}))
	[ "${s:-0}" -ge 150 ] && [ "${e:-0}" = "${s:-x}" ] || bad_rtp+="call$i(${e:-0}/${s:-0} missing ${m:-?}) "
	[ "${rs:-0}" -ge 5 ] && [ "${re:-0}" = "${rs:-x}" ] || bad_rtcp+="call$i(${re:-0}/${rs:-0}) "
done
check "all $CALLS calls during the flood were answered ($answered)" test "$answered" -eq "$CALLS"
check "every RTP packet of every call was echoed, the first ones too ($rtp_echoed of $rtp_sent)${bad_rtp:+: $bad_rtp}" \
	test -z "$bad_rtp"
check "every call's RTCP, a flow starting 3.5 s into the call, was echoed: no pinhole lost mid-call ($rtcp_back of $rtcp_total)${bad_rtcp:+: $bad_rtcp}" \
	test -z "$bad_rtcp"
check "the kernel dropped nothing during the flood and the calls ($drops0 -> $drops1)" test "$drops0" -eq "$drops1"

# ---- the agent ----------------------------------------------------------------------------
check "the agent is alive after the flood" kill -0 "$AGENT"
learned1=$(lab_agent_status | jq_ 'd["media"]["learned_total"]')
learn_bound=$((4 * CALLS + 2 * 25 * (FLOOD_SECONDS + 2)))
check "the forger's learning is capped per host (learned $((learned1 - learned0)) endpoints during the flood; bound $learn_bound)" \
	test $((learned1 - learned0)) -le "$learn_bound"
peak=$(awk '$1 > m {m = $1} END {print m + 0}' "$LAB_DIR/rss")
echo "RSS: idle ${idle_rss} kB, peak ${peak} kB, after $(rss_kb) kB; bound ${RSS_BOUND_KB} kB"
check "RSS stays under the bound (peak $peak kB < $RSS_BOUND_KB kB)" test "$peak" -lt "$RSS_BOUND_KB"
read -r nok nfail maxgap < <(awk -v a="$flood_t0" -v b="$flood_t1" '
	$1 >= a && $1 <= b { if ($2 == "ok") { n++; if (last && $1 - last > g) g = $1 - last; last = $1 } else f++ }
	END { if (last && b - last > g) g = b - last; printf "%d %d %.1f\n", n, f, g }' "$LAB_DIR/status")
check "status answered throughout the flood ($nok answers, $nfail failures, longest gap ${maxgap} s)" \
	awk -v n="$nok" -v f="$nfail" -v g="$maxgap" -v t="$FLOOD_SECONDS" 'BEGIN { exit !(n >= t && f == 0 && g < 2) }'

kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_forged_flood
