#!/usr/bin/env bash
# The signalling trust boundary, against the real agent in the namespace lab
# (concentrator mode; E = 10.20.0.0/24, S = 10.50.0.0/24, R = 10.50.0.0/16).
# A forger on the phone VLAN (10.20.0.66, an extra address of the phone's
# namespace, as is a second phone 10.20.0.11) announces media it has no
# right to, over SIP (INVITE with SDP), SCCP (OpenReceiveChannelAck,
# StartMediaTransmission on tcp/2000), MGCP (CRCX and a 200 response with
# SDP on udp/2427) and TFTP (requests to udp/69), each naming
#   - a server's low port (10.50.0.10:161, :171, :181),
#   - its own high port (10.20.0.66:4444, :4454, :4464),
#   - another phone's port (10.20.0.11:30000, :30010, :30020),
#   - an address outside E∪S∪R (the data host 10.30.0.10, 198.51.100.80
#     through a=rtcp),
#   - its own address with a port below uc.media.learn_range (10.20.0.66:1000),
# and TFTP: a read request to a host outside S, a write request to S, and a
# read request to S. Then, with a UDP listener answering on every target,
# none of the pinholes such an announcement could open may pass traffic:
# the server's low port from the forger; a server port nobody announced from
# the forger's own announced port (only the other party of a call may use a
# pinhole); the other phone's port from the server; the outside address from
# the server and the forger; TFTP ports from the client side. A read request
# to S still opens the server -> client direction (TFTP keeps working).
# `ucfence status` counts the refusals (learning.refused, by reason) and
# each reason gives a forged-signalling alert for the forger; the same
# forgery 20 times more gives no more than one alert per source, reason and
# window (enforcement.violation_window, 10 s here): the first at once, the
# rest in one follow-up when the window closes.
# Last, a forged BYE: a real call (call.py <-> uas_echo.py, which answers a
# BYE from a host that is not the call's party with 481) carries RTP both
# ways; the forger sends a BYE with the call's Call-ID; the call's pinholes
# stay in the kernel, its RTP keeps being echoed, and its RTCP, a flow that
# starts 4 s after the forged BYE (so it needs the pinhole then), passes:
# zero drops.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
FORGE="python3 $LAB_SRC/forge.py"
F=10.20.0.66  # the forger
P2=10.20.0.11 # a second phone
SRV=10.50.0.10
DATA=10.30.0.10
WEB=198.51.100.80
WINDOW=10 # enforcement.violation_window of lab_agent_config

lab_init || { echo "FAIL: agent_forged: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_forged: lab setup"; exit 1; }
lab_exec phone ip addr add $F/24 dev eth0
lab_exec phone ip addr add $P2/24 dev eth0
CFG=$LAB_DIR/site.yaml
lab_agent_config "sip, rtp, sccp, tftp"
lab_agent_start --no-table-owner
check "agent starts (services sip, rtp, sccp, tftp)" test $? = 0 || exit 1
# status field by dotted path ("none" when absent)
field() {
	lab_agent_status | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("none" if d is None else json.dumps(d, sort_keys=True) if isinstance(d, (dict, list)) else d)' "$1"
}
num() { local v; v=$(field "$1"); [[ $v =~ ^[0-9]+$ ]] && echo "$v" || echo 0; }
# forged-signalling alerts of the forger: "REASON COUNT" lines
forged_alerts() {
	"$UCFENCE" alerts -c "$CFG" --json 2>/dev/null | python3 -c '
import collections, json, sys
n = collections.Counter()
for l in sys.stdin:
    try:
        a = json.loads(l)
    except ValueError:
        continue
    d = a.get("details") or {}
    src = d.get("source", a.get("source"))
    if a.get("kind") == "forged-signalling" and src == sys.argv[1]:
        n[d.get("reason", a.get("reason"))] += 1
for r, c in sorted(n.items(), key=lambda x: str(x[0])):
    print(r, c)' "$1"
}
in_set() { # ADDR:PORT...: each endpoint is the announced end of an element of media4
	local set e
	set=$(lab_exec gw nft list set inet ucfence media4)
	for e in "$@"; do
		grep -Eq "(^|[{, ]|\. )${e%:*} \. ${e#*:}([ ,}]|$)" <<<"$set" || return 1
	done
}

# The call server on 10.50.0.10 (SIP, media echo) and a listener on every
# target. lab_call_server replaces the remote's own listeners.
lab_call_server "$LAB_DIR/uas.out"
lab_serve remote targets udp:161 udp:162 udp:171 udp:172 udp:181 udp:182 \
	udp:40000 udp:40010 udp:40020 udp:40030 udp:40032 udp:40034 udp:69
ip netns exec "$(lab_ns remote)" $FORGE tcpsink --bind $SRV:2000 &
LAB_PIDS+=($!)
lab_serve phone targets udp:30000 udp:30010 udp:30020 udp:1000 udp:30694
lab_serve data targets udp:30000 udp:30010 udp:30020
lab_serve inet targets udp:30031
sleep 0.5
refused0=$(num learning.refused)
learned0=$(num media.learned_total)
t_first=$SECONDS

# ---- the forgeries ----------------------------------------------------------------
# One announcement per message, 0.3 s apart: well under the per-host learning
# rate (about 20/s), so each refusal is for what it names.
forge() { lab_exec phone $FORGE "$@" >>"$LAB_DIR/forge.log" 2>&1 || echo "FAIL: forge.py $1 failed: $(tail -n 2 "$LAB_DIR/forge.log")"; sleep 0.3; }
forge invite --src $F --dst $SRV --media $SRV:161
forge invite --src $F --dst $SRV --media $F:4444 --rtcp $WEB:30031
forge invite --src $F --dst $SRV --media $P2:30000
forge invite --src $F --dst $SRV --media $DATA:30000
forge invite --src $F --dst $SRV --media $F:1000
forge sccp --src $F --dst $SRV --msg smt --media $SRV:171
forge sccp --src $F --dst $SRV --msg orca --media $F:4454
forge sccp --src $F --dst $SRV --msg orca --media $P2:30010
forge sccp --src $F --dst $SRV --msg smt --media $DATA:30010
forge mgcp --src $F --dst $SRV --kind response --media $SRV:181
forge mgcp --src $F --dst $SRV --kind response --media $F:4464
forge mgcp --src $F --dst $SRV --kind response --media $P2:30020
forge mgcp --src $F --dst $SRV --kind command --media $DATA:30020
forge tftp --src $F --sport 30690 --dst $DATA --op rrq
forge tftp --src $F --sport 30692 --dst $SRV --op wrq
forge tftp --src $F --sport 30694 --dst $SRV --op rrq
sleep 1
echo "forgeries: $(grep -c . "$LAB_DIR/forge.log") messages sent; media.learned_total $learned0 -> $(num media.learned_total)"

# ---- nothing they name may pass ---------------------------------------------------------
# blocked NAME NODE HOST PORT [SRCADDR [SRCPORT]]: the probe gets no answer.
blocked() {
	local name=$1 node=$2 host=$3 port=$4 src=${5:-} sport=${6:-} rc
	lab_probe "$node" udp "$host" "$port" 500 "$src" "$sport" >/dev/null 2>&1
	rc=$?
	check "$name (probe exit $rc)" test "$rc" -eq 1
}
blocked "SIP: a server's low port an E host announced (forger -> $SRV:161) is closed" phone $SRV 161 $F
blocked "SIP: its RTCP port (forger -> $SRV:162) is closed" phone $SRV 162 $F
blocked "SIP: the forger's own announced port opens nothing towards a server port nobody announced ($F:4444 -> $SRV:40000)" phone $SRV 40000 $F 4444
blocked "SIP: another phone's port (server -> $P2:30000) is closed" remote $P2 30000
blocked "SIP: an outside address (server -> $DATA:30000) is closed" remote $DATA 30000
blocked "SIP: an outside address (forger -> $DATA:30000) is closed" phone $DATA 30000 $F
blocked "SIP: an outside host in a=rtcp (forger -> $WEB:30031) is closed" phone $WEB 30031 $F
blocked "SIP: the forger's own port below learn_range (server -> $F:1000) is closed" remote $F 1000
blocked "SCCP: StartMediaTransmission from E naming a server's low port (forger -> $SRV:171) is closed" phone $SRV 171 $F
blocked "SCCP: the forger's own OpenReceiveChannelAck port opens nothing towards a server port nobody announced ($F:4454 -> $SRV:40010)" phone $SRV 40010 $F 4454
blocked "SCCP: another phone's port (server -> $P2:30010) is closed" remote $P2 30010
blocked "SCCP: an outside address (server -> $DATA:30010) is closed" remote $DATA 30010
blocked "MGCP: a server's low port (forger -> $SRV:181) is closed" phone $SRV 181 $F
blocked "MGCP: the forger's own port opens nothing towards a server port nobody announced ($F:4464 -> $SRV:40020)" phone $SRV 40020 $F 4464
blocked "MGCP: another phone's port (server -> $P2:30020) is closed" remote $P2 30020
blocked "MGCP: an outside address (server -> $DATA:30020) is closed" remote $DATA 30020
blocked "TFTP: a read request to a host outside S opens nothing ($F:30690 -> $SRV:40030)" phone $SRV 40030 $F 30690
blocked "TFTP: a write request opens nothing ($F:30692 -> $SRV:40032)" phone $SRV 40032 $F 30692
blocked "TFTP: a read request to S opens only server -> client, not the client's port towards S ($F:30694 -> $SRV:40034)" phone $SRV 40034 $F 30694
lab_probe remote udp $F 30694 500 "" 40099 >/dev/null 2>&1
rc=$?
check "TFTP: a read request to S opens server -> client ($SRV:40099 -> $F:30694 answered: probe exit $rc)" test "$rc" -eq 0

# ---- counted and alerted ------------------------------------------------------------------
refused1=$(num learning.refused)
by_reason=$(field learning.refused_by_reason)
check "learning.refused rose ($refused0 -> $refused1; by reason: $by_reason)" test "$refused1" -gt "$refused0"
reasons=$(python3 -c '
import json, sys
try:
    d = json.loads(sys.argv[1])
except ValueError:
    d = {}
print(" ".join(sorted(r for r, n in (d.items() if isinstance(d, dict) else []) if n > 0)))' "$by_reason")
nreasons=$(wc -w <<<"$reasons")
# At least two distinct refusals were provoked: a foreign address from the E
# side (another phone, a server, an outside host) and the sender's own
# address with a port below learn_range.
check "refusals are told apart by reason (at least 2: $nreasons: ${reasons:-none})" test "$nreasons" -ge 2
# A window's first refusal is alerted at once (the wait is for a slow lab).
missing=$reasons
for _ in $(seq $((2 * WINDOW + 10))); do
	got=$(forged_alerts $F)
	missing=
	for r in $reasons; do grep -q "^$r " <<<"$got" || missing+="$r "; done
	[ -n "$reasons" ] && [ -z "$missing" ] && break
	sleep 0.5
done
check "a forged-signalling alert from $F for every reason refused (alerts: $(oneline "${got:-none}"))" \
	test -n "$reasons" -a -z "$missing"

# ---- the same forgery 20 more times: bounded alerts ------------------------------------------
before=$(num learning.refused)
lab_exec phone $FORGE invite --src $F --dst $SRV --media $P2:30000 --repeat 20 --gap 0.05 >>"$LAB_DIR/forge.log" 2>&1
sleep $((WINDOW + 2)) # any alert the repeats cause is out by now
after=$(num learning.refused)
check "each of the 20 repeats is refused (learning.refused $before -> $after)" test "$after" -ge $((before + 20))
elapsed=$((SECONDS - t_first))
bound=$((2 * (elapsed / WINDOW + 2))) # the first at once, a follow-up at the close
over=$(forged_alerts $F | awk -v b=$bound '$2 > b')
check "at most two alerts per source, reason and window ($elapsed s since the first forgery: <= $bound per reason; $(oneline "$(forged_alerts $F)"))" \
	test -n "$(forged_alerts $F)" -a -z "$over"

# ---- a forged BYE ends nothing ---------------------------------------------------------------
CID="labsec-$RANDOM$RANDOM@lab"
drops0=$(lab_drops)
lab_exec phone python3 "$LAB_SRC/call.py" 10.20.0.10 $SRV 41000 9 --call-id "$CID" --rtcp-from 6 \
	>"$LAB_DIR/call.out" 2>&1 &
call=$!
LAB_PIDS+=($call)
sleep 1.5
read -r _ far <"$LAB_DIR/call.out"
check "the real call is answered (server media port ${far:-?}) and its pinholes are in the kernel" \
	in_set 10.20.0.10:41000 "$SRV:${far:-0}"
lab_exec phone $FORGE bye --src $F --dst $SRV --call-id "$CID" >>"$LAB_DIR/forge.log" 2>&1
sleep 3.5 # past the 2 s grace a BYE's pinholes get
check "3.5 s after a forged BYE from $F the call's pinholes are still in the kernel" \
	in_set 10.20.0.10:41000 "$SRV:${far:-0}"
wait "$call"
read -r _ _ rtcp_sent _ rtcp_echoed < <(grep '^rtcp ' "$LAB_DIR/call.out")
read -r _ sent _ echoed _ missing < <(tail -n 1 "$LAB_DIR/call.out")
drops1=$(lab_drops)
check "after the forged BYE the call's RTP kept flowing both ways ($echoed of $sent echoed; missing ${missing:-?})" \
	test "${sent:-0}" -ge 400 -a "${echoed:-0}" -eq "${sent:-1}"
check "... and its RTCP, a flow starting 4 s after the forged BYE, passed both ways (${rtcp_echoed:-0} of ${rtcp_sent:-0} echoed)" \
	test "${rtcp_sent:-0}" -ge 10 -a "${rtcp_echoed:-0}" -eq "${rtcp_sent:-1}"
check "... zero packets dropped during the call ($drops0 -> $drops1)" test "$drops0" -eq "$drops1"

kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_forged
