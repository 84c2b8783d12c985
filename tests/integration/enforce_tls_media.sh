#!/usr/bin/env bash
# Media of TLS-signalled calls and the media shape, in the concentrator lab,
# with `ucfence apply` only (no agent: the kernel decides):
#   TLS-only site (sip-tls, sccp-tls, rtp; static_range none): 20 calls over
#   one TLS connection to 10.50.0.20:2443 (sccp-tls; the lab serves 5061 already), RTP echoed both ways, every other
#   call started by the server: nothing lost (echo counts), the first packet
#   of each call included, no drop counter moves; non-media UDP on a call's
#   own media flow and a DNS-shaped flow between the same hosts are dropped
#   (non-media-shape); after the TLS connection ends and tls_timeout (5 s)
#   passes, RTP-shaped UDP between them is refused.
#   Static range with the shape check (cleartext site, no TLS): RTP, RTCP,
#   STUN, DTLS pass; DNS-shaped and random UDP in the range are dropped.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
TLS="python3 $LAB_REPO/tests/lab/tls_call.py"
S=10.50.0.20 # the TLS call server, a second address of the remote site

lab_init || { echo "FAIL: tls media: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: tls media: lab setup"; exit 1; }
lab_addr remote eth0 $S/24
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=lab-uas \
	-keyout "$LAB_DIR/uas.key" -out "$LAB_DIR/uas.crt" >/dev/null 2>&1 ||
	{ echo "FAIL: tls media: openssl"; exit 1; }
# ip netns exec execs the server, so $! is the server itself (a backgrounded
# lab_exec would be a subshell, and killing it would leave the server running).
ip netns exec "$(lab_ns remote)" $TLS uas $S 2443 "$LAB_DIR/uas.crt" "$LAB_DIR/uas.key" 30000 \
	>"$LAB_DIR/uas.out" 2>&1 &
UAS=$!
LAB_PIDS+=("$UAS")
sleep 0.5

config() { # config NAME SERVICES MEDIA
	local f=$LAB_DIR/site-$1.yaml
	sed -e "s/services: \[.*\]/services: [$2]/" -e "s/media: {.*}/media: { $3 }/" \
		"$(lab_config concentrator drop)" >"$f"
	echo "$f"
}
TLSONLY=$(config tls "sip-tls, sccp-tls, rtp" "learn: true, static_range: none, tls_timeout: 5s")
STATIC=$(config static "sip, rtp" "learn: true, static_range: 16384-32767")
ucf() { local cfg=$1; shift; lab_exec gw "$UCFENCE" "$@" -c "$cfg" --rules "$LAB_REPO/rules"; }
counter_moved() { # counter_moved NAME BEFORE: the counter grew
	[ "$(lab_counter "$1")" -gt "$2" ]
}

# ---- baseline: without ucfence everything flows ---------------------------------
out=$(lab_exec phone $TLS uac 10.20.0.10 $S 2443 2 10 2>&1)
check "baseline: 2 TLS calls, all media echoed ($(oneline "$out"))" test $? -eq 0
lab_exec phone $TLS probe 10.20.0.10 $S 30000 dns
check "baseline: DNS-shaped UDP to the server answers" test $? -eq 0

# ---- TLS-only site -----------------------------------------------------------------
out=$(ucf "$TLSONLY" check 2>&1)
case $out in
*"warning: uc.media: signalling is TLS-only (sip-tls, sccp-tls): its SDP cannot be read; media is carried by uc.media.tls_calls"*)
	echo "PASS: check names the pair sets as what carries the media" ;;
*) echo "FAIL: check's TLS-only warning: $(oneline "$out")" ;;
esac
out=$(ucf "$TLSONLY" apply 2>&1)
check "apply the TLS-only site ($(oneline "$out"))" test $? -eq 0

# No TLS signalling yet: RTP-shaped UDP between the hosts is refused.
before=$(lab_counter non-target-appliance)
lab_exec phone $TLS probe 10.20.0.10 $S 30000 rtp
rc=$?
check "no TLS signalling: RTP to the server is refused" test $rc -eq 1
check "... counted as non-target-appliance" counter_moved non-target-appliance "$before"

drops_before=$(lab_counters)
shape_before=$(lab_counter non-media-shape)
out=$(lab_exec phone $TLS uac 10.20.0.10 $S 2443 20 50 2>&1)
rc=$?
check "20 TLS calls, every RTP packet echoed, server-started media received ($(oneline "$out"))" \
	test $rc -eq 0
case $out in *" first_lost 0"*) echo "PASS: the first media packet of every call arrived" ;;
*) echo "FAIL: a call lost its first media packet ($(oneline "$out"))" ;; esac
check "no drop counter moved during the calls" test "$(lab_counters)" = "$drops_before"
check "... and non-media-shape did not either" test "$(lab_counter non-media-shape)" = "$shape_before"
pairs=$(lab_exec gw nft list set inet ucfence tls_pairs4)
case $pairs in *"10.20.0.10 . $S"*) echo "PASS: the pair 10.20.0.10 . $S is in tls_pairs4" ;;
*) echo "FAIL: tls_pairs4 lacks the pair: $(oneline "$pairs")" ;; esac

# During a call (TLS up): non-media on the call's own flow, and other flows.
lab_exec phone $TLS hold 10.20.0.10 $S 2443 8 &
HOLD=$!
LAB_PIDS+=("$HOLD")
sleep 1
before=$(lab_counter non-media-shape)
out=$(lab_exec phone $TLS uac 10.20.0.10 $S 2443 2 10 junk 2>&1)
check "non-media datagrams on a live call's media flow are dropped, RTP still echoed ($(oneline "$out"))" \
	test $? -eq 0
check "... counted as non-media-shape" counter_moved non-media-shape "$before"
for kind in dns junk; do
	before=$(lab_counter non-media-shape)
	lab_exec phone $TLS probe 10.20.0.10 $S 30000 $kind
	check "TLS up: a $kind-shaped UDP flow between the same hosts is dropped" test $? -eq 1
	check "... counted as non-media-shape" counter_moved non-media-shape "$before"
done
for kind in rtp rtcp stun dtls; do
	lab_exec phone $TLS probe 10.20.0.10 $S 30000 $kind
	check "TLS up: $kind to the server answers" test $? -eq 0
done
before=$(lab_counter non-media-shape)
lab_exec remote $TLS probe $S 10.20.0.10 30001 dns
check "TLS up: DNS-shaped UDP from the server to the phone is dropped (non-media-shape)" \
	counter_moved non-media-shape "$before"
wait "$HOLD"

# The TLS connection is gone; after tls_timeout (5 s) the pair expires.
sleep 6
pairs=$(lab_exec gw nft list set inet ucfence tls_pairs4)
case $pairs in *"10.20.0.10 . $S"*) echo "FAIL: the pair outlived tls_timeout: $(oneline "$pairs")" ;;
*) echo "PASS: the pair expired after tls_timeout" ;; esac
before=$(lab_counter non-target-appliance)
lab_exec phone $TLS probe 10.20.0.10 $S 30000 rtp 31000
check "TLS over and timed out: RTP to the server is refused" test $? -eq 1
check "... counted as non-target-appliance" counter_moved non-target-appliance "$before"

# ---- the static range, shape-checked ---------------------------------------------
out=$(ucf "$STATIC" apply 2>&1)
check "apply the cleartext site with a static range ($(oneline "$out"))" test $? -eq 0
for kind in rtp rtcp stun dtls; do
	lab_exec phone $TLS probe 10.20.0.10 $S 30000 $kind
	check "static range: $kind answers" test $? -eq 0
done
for kind in dns junk; do
	before=$(lab_counter non-media-shape)
	lab_exec phone $TLS probe 10.20.0.10 $S 30000 $kind
	check "static range: $kind-shaped UDP is dropped" test $? -eq 1
	check "... counted as non-media-shape" counter_moved non-media-shape "$before"
done
# RTP first, then junk on the same flow (fixed source port): still dropped.
# A table of the site's own, before ours, marks the flow too: the media bit
# is added to its mark, not put in place of it (a chain after ours counts
# the flow's packets that carry both: 0x10000005).
lab_exec gw nft add table inet site_marks
lab_exec gw nft add chain inet site_marks marks "{ type filter hook forward priority -20; }"
lab_exec gw nft add rule inet site_marks marks udp dport 30000 ct mark set ct mark or 0x5
lab_exec gw nft add chain inet site_marks seen "{ type filter hook forward priority 0; }"
lab_exec gw nft add rule inet site_marks seen udp sport 32100 udp dport 30000 ct mark 0x10000005 counter
lab_exec phone $TLS probe 10.20.0.10 $S 30000 rtp 32100
check "static range: RTP from a fixed port answers" test $? -eq 0
marks=$(lab_exec gw nft list chain inet site_marks seen)
case $marks in *"counter packets "[1-9]*) echo "PASS: the flow's conntrack mark has the media bit and keeps the site's bits" ;;
*) echo "FAIL: no packet of the admitted flow carried mark 0x10000005: $(oneline "$marks")" ;; esac
lab_exec gw nft delete table inet site_marks
lab_exec phone $TLS probe 10.20.0.10 $S 30000 junk 32100
check "static range: junk on that established flow is dropped too" test $? -eq 1

out=$(ucf "$STATIC" flush 2>&1)
kill "$UAS" 2>/dev/null
wait "$UAS" 2>/dev/null
exit 0
