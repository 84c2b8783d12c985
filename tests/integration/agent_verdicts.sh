#!/usr/bin/env bash
# The classifier's verdicts in the kernel: a flow the agent finds to be
# non-target on a UC service port is blocked by its 5-tuple, both ways, by a
# rule before `ct state established,related accept` (so an established flow
# is cut too), counted under the named counter non-uc-protocol and alerted as
# non-target-on-uc-port with reason non-uc-protocol; target flows on the
# same ports are untouched; a service the classifier cannot see into is left
# to the port rules. Concentrator lab, real agent, services sip, rtp and
# cucm-http with uc.media.static_range 20000-20999.
#   (i)   a web server on the call server's tcp/5060 (10.50.0.10; uas_echo.py
#         answers an HTTP request there with 1 MiB): the phone fetches it
#         through the gateway and must get less than 64 KiB before the flow
#         is cut;
#   (ii)  SIP calls over TCP to the same server port (call.py --tcp) complete
#         with media both ways, nothing dropped;
#   (iii) in the static range between E and S: 100 RTP packets (one SSRC,
#         increasing sequence numbers) all arrive; 200 datagrams of random
#         bytes, and 200 DNS queries, each on a flow of its own, stop
#         arriving after classification (the classifier gives up on UDP after
#         24 packets): at most 24 + 16 (slack for the block's latency at 10 ms
#         spacing) reach the receiver, and the reverse direction of such a
#         flow is blocked too;
#   (iv)  HTTP on cucm-http's tcp/6970 (phone configuration download; the
#         catalog does not mark it inspected): the phone gets the whole 1 MiB
#         and no flow is blocked;
#   and the counter and the alert.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
FORGE="python3 $LAB_SRC/forge.py"
SRV=10.50.0.10
PHONE=10.20.0.10
WINDOW=10 # enforcement.violation_window of lab_agent_config
SLACK=16

lab_init || { echo "FAIL: agent_verdicts: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_verdicts: lab setup"; exit 1; }
CFG=$LAB_DIR/site.yaml
LAB_STATIC_RANGE=20000-20999 lab_agent_config "sip, rtp, cucm-http"
lab_agent_start --no-table-owner
check "agent starts (sip, rtp, cucm-http, static range 20000-20999)" test $? = 0 || exit 1
lab_call_server "$LAB_DIR/uas.out" $((1 << 20))
# the TFTP service's HTTP side: the same server answers HTTP on tcp/6970
ip netns exec "$(lab_ns remote)" python3 "$LAB_SRC/uas_echo.py" $SRV 6970 53000 $((1 << 20)) \
	>"$LAB_DIR/http6970.out" 2>>"$LAB_DIR/uas.log" &
LAB_PIDS+=($!)
sleep 0.5
c0=$(lab_counter non-uc-protocol)

# ---- (i) HTTP on the SIP port -----------------------------------------------------------
cat >"$LAB_DIR/fetch.py" <<-'EOF'
	import socket, sys, time
	s = socket.socket()
	s.bind((sys.argv[1], 0))
	s.settimeout(3)
	s.connect((sys.argv[2], int(sys.argv[3])))
	s.sendall(b"GET /big HTTP/1.0\r\nHost: %s\r\n\r\n" % sys.argv[2].encode())
	s.settimeout(2)  # idle: a cut flow goes silent
	got, end = 0, time.monotonic() + 8
	while time.monotonic() < end:
	    try:
	        b = s.recv(65536)
	    except OSError:
	        break
	    if not b:
	        break
	    got += len(b)
	print(got)
EOF
got=$(lab_exec phone python3 "$LAB_DIR/fetch.py" $PHONE $SRV 5060 2>&1)
c1=$(lab_counter non-uc-protocol)
check "(i) HTTP on tcp/5060 is cut: the client got less than 64 KiB of the 1 MiB (${got} bytes)" \
	test "${got:-x}" -ge 0 -a "${got:-x}" -lt 65536 2>/dev/null
check "(i) ... and counted as non-uc-protocol ($c0 -> $c1)" test "$c1" -gt "$c0"

# ---- (ii) SIP over TCP on the same port -------------------------------------------------------
# The cut HTTP flow's server keeps retransmitting into its block meanwhile:
# those drops are (i)'s. What (ii) must not see is a drop of another reason,
# or a new block (a SIP flow taken for non-target).
other_drops() { echo $(($(lab_drops) - $(lab_counter non-uc-protocol))); }
blocked() { lab_agent_status | python3 -c "import json,sys; print(json.load(sys.stdin)['verdicts']['blocked'])"; }
d0=$(other_drops) b0=$(blocked)
calls=()
for i in 0 1 2; do
	lab_exec phone python3 "$LAB_SRC/call.py" $PHONE $SRV $((44000 + 2 * i)) 3 --tcp --rtcp-from 1 \
		>"$LAB_DIR/tcpcall$i.out" 2>&1 &
	calls+=($!)
	LAB_PIDS+=($!)
	sleep 0.3
done
for c in "${calls[@]}"; do wait "$c"; done
d1=$(other_drops) b1=$(blocked)
ok=0 detail=
for i in 0 1 2; do
	s= e= m= rs= re=
	read -r _ s _ e _ m < <(tail -n 1 "$LAB_DIR/tcpcall$i.out")
	read -r _ _ rs _ re < <(grep '^rtcp ' "$LAB_DIR/tcpcall$i.out")
	detail+="rtp ${e:-0}/${s:-0} rtcp ${re:-0}/${rs:-0}; "
	[ "${s:-0}" -ge 100 ] && [ "${e:-0}" = "${s:-x}" ] && [ "${rs:-0}" -ge 5 ] && [ "${re:-0}" = "${rs:-x}" ] &&
		ok=$((ok + 1))
done
check "(ii) 3 SIP calls over TCP to $SRV:5060 were answered and carried media both ways (${detail% })" test "$ok" -eq 3
check "(ii) ... nothing of theirs dropped (drops of other reasons $d0 -> $d1) and no flow blocked ($b0 -> $b1)" \
	test "$d0" -eq "$d1" -a "$b0" -eq "$b1"

# ---- (iii) the static media range ---------------------------------------------------------------
sinks=()
sink() { # PORT OUT: counts datagrams on the server for 6 s
	ip netns exec "$(lab_ns remote)" "$LABNET" sink "$1" 6 >"$2" &
	sinks+=($!)
	LAB_PIDS+=($!)
}
sink 20200 "$LAB_DIR/rtp.count"
sink 20202 "$LAB_DIR/junk.count"
sink 20204 "$LAB_DIR/dns.count"
sleep 0.3
c2=$(lab_counter non-uc-protocol)
lab_exec phone $FORGE udp --src $PHONE --sport 20100 --dst $SRV --dport 20200 --kind rtp --count 100 --interval 0.005 >/dev/null &
s1=$!
lab_exec phone $FORGE udp --src $PHONE --sport 20102 --dst $SRV --dport 20202 --kind junk --count 200 --interval 0.01 >/dev/null &
s2=$!
lab_exec phone $FORGE udp --src $PHONE --sport 20104 --dst $SRV --dport 20204 --kind dns --count 200 --interval 0.01 >/dev/null &
s3=$!
wait $s1 $s2 $s3
lab_serve phone reverse udp:20102
sleep 0.3
lab_probe remote udp $PHONE 20102 500 "" 20202 >/dev/null 2>&1
rev=$?
wait "${sinks[@]}"
c3=$(lab_counter non-uc-protocol)
rtp=$(cat "$LAB_DIR/rtp.count") junk=$(cat "$LAB_DIR/junk.count") dns=$(cat "$LAB_DIR/dns.count")
check "(iii) 100 RTP packets between E and S in the static range all arrive (${rtp:-?})" test "${rtp:-0}" -eq 100
check "(iii) random bytes in the static range are cut after classification (${junk:-?} of 200 arrived, at most $((24 + SLACK)))" \
	test "${junk:-999}" -le $((24 + SLACK))
check "(iii) DNS queries in the static range are cut after classification (${dns:-?} of 200 arrived, at most $((24 + SLACK)))" \
	test "${dns:-999}" -le $((24 + SLACK))
check "(iii) the reverse direction of a blocked flow is blocked too ($SRV:20202 -> $PHONE:20102: probe exit $rev)" \
	test "$rev" -eq 1
check "(iii) ... counted as non-uc-protocol ($c2 -> $c3)" test "$c3" -gt "$c2"

# ---- (iv) HTTP on a service the classifier does not inspect ------------------------------------
b2=$(blocked)
got=$(lab_exec phone python3 "$LAB_DIR/fetch.py" $PHONE $SRV 6970 2>&1)
b3=$(blocked)
check "(iv) HTTP on cucm-http's tcp/6970 is not cut: the client got the whole 1 MiB (${got} bytes)" \
	test "${got:-x}" -gt $((1 << 20)) 2>/dev/null
check "(iv) ... and no flow was blocked ($b2 -> $b3)" test "$b2" -eq "$b3"

# ---- the alert -------------------------------------------------------------------------------------
alerted() {
	"$UCFENCE" alerts -c "$CFG" --json 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    try:
        a = json.loads(l)
    except ValueError:
        continue
    if a.get("kind") == "non-target-on-uc-port" and (a.get("details") or {}).get("reason") == "non-uc-protocol":
        sys.exit(0)
sys.exit(1)'
}
for _ in $(seq $((2 * WINDOW + 6))); do alerted && break; sleep 0.5; done
check "a non-target-on-uc-port alert with reason non-uc-protocol was raised" alerted

kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_verdicts
