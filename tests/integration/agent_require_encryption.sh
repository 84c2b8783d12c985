#!/usr/bin/env bash
# enforcement.require_encryption against the real agent in the namespace lab
# (concentrator mode; E = 10.20.0.0/24, S = 10.50.0.0/24; services sip,
# sip-tls, rtp). The call server 10.50.0.10 answers on udp/5060 and tcp/5060
# (labnet) and speaks TLS on tcp/5061 (tls_echo.py, a certificate made here);
# the phone answers on udp/5060 (the lab's labnet).
#   off (the default): a cleartext SIP INVITE from the phone reaches the
#     server and is answered, TCP 5060 connects, the cleartext-signalling
#     counter stays 0;
#   on (SIGHUP: an in-place change): the same INVITE, with SDES keys in its
#     SDP, is dropped, and only cleartext-signalling counts it (status and
#     the Prometheus file too); TCP 5060 to the server and the server's own
#     INVITE to the phone are dropped as well; TLS on tcp/5061 between the
#     phone and the server still passes (handshake and a line echoed); one
#     cleartext-signalling-refused alert names the phone, whatever the
#     number of INVITEs in the window, and exposed-srtp-keys is alerted for
#     it (the agent reads the INVITE as it arrives);
#   off again (SIGHUP, in place: the counters keep their values): cleartext
#     SIP passes as before.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
FORGE="python3 $LAB_SRC/forge.py"
TLS="python3 $LAB_SRC/tls_echo.py"
PHONE=10.20.0.10
SRV=10.50.0.10
WINDOW=10 # enforcement.violation_window of lab_agent_config
REASON=cleartext-signalling

lab_init || { echo "FAIL: agent_require_encryption: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_require_encryption: lab setup"; exit 1; }
CFG=$LAB_DIR/site.yaml
PROM=$LAB_DIR/state/ucfence.prom
# The server: the lab's listeners replaced by ours (tcp/5061 speaks TLS).
ip netns pids "$(lab_ns remote)" | xargs -r kill
sleep 0.2
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=lab \
	-addext subjectAltName=DNS:lab -days 1 -keyout "$LAB_DIR/tls.key" -out "$LAB_DIR/tls.crt" \
	>/dev/null 2>&1 || { echo "FAIL: agent_require_encryption: openssl req"; exit 1; }
lab_serve remote remote udp:5060 tcp:5060
ip netns exec "$(lab_ns remote)" $TLS serve $SRV 5061 "$LAB_DIR/tls.crt" "$LAB_DIR/tls.key" \
	2>>"$LAB_DIR/tls.log" &
LAB_PIDS+=($!)
sleep 0.5

lab_agent_config "sip, sip-tls, rtp" "metrics: { textfile: $PROM }"
lab_agent_start --no-table-owner
check "agent starts (require_encryption not set)" test $? = 0 || exit 1
AGENT=$LAB_AGENT

field() { # status field by dotted path
	lab_agent_status | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    d = d.get(k) if isinstance(d, dict) else None
print("none" if d is None else d)' "$1"
}
alerts_of() { # KIND: "SOURCE PORT PACKETS" (refusals) or "ENDPOINT" (risks), one line per alert
	"$UCFENCE" alerts -c "$CFG" --json 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    try:
        a = json.loads(l)
    except ValueError:
        continue
    if a.get("kind") != sys.argv[1]:
        continue
    d = a.get("details") or {}
    if "source" in d:
        print(d["source"], d.get("port"), d.get("packets"), d.get("reason"))
    else:
        print(d.get("endpoint"))' "$1"
}
invite() { # [--crypto]: one INVITE phone -> server; exit 0 when answered
	lab_exec phone $FORGE invite --src $PHONE --dst $SRV --media $PHONE:30000 \
		--reply-ms 700 "$@" >>"$LAB_DIR/forge.log" 2>&1
}
tls() { lab_exec phone $TLS connect $SRV 5061 "$LAB_DIR/tls.crt" 2000 2>&1; }
# moved BEFORE...: the reasons whose counters differ from the counts BEFORE
moved() {
	local after=($(lab_counters)) i out=
	for i in "${!LAB_REASONS[@]}"; do
		[ "${after[$i]}" != "$(echo "$1" | cut -d' ' -f$((i + 1)))" ] && out+="${LAB_REASONS[$i]} "
	done
	echo "${out% }"
}
reload() { # the config as it is now, applied by SIGHUP; waits for the reload
	local n
	n=$(field config.reloads)
	kill -HUP "$AGENT"
	for _ in $(seq 50); do
		[ "$(field config.reloads)" != "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
set_encryption() { # true|false
	sed -i "s/^enforcement: {.*/enforcement: { action: drop, log_rate: 100\/second, violation_window: ${WINDOW}s, require_encryption: $1 }/" "$CFG"
	grep -q "require_encryption: $1" "$CFG"
}

# ---- off: as before ---------------------------------------------------------------
before=$(lab_counters)
invite; rc=$?
check "off: a cleartext SIP INVITE phone -> server is answered (exit $rc)" test $rc = 0
lab_probe phone tcp $SRV 5060 700 >/dev/null; rc=$?
check "off: SIP over TCP to the server connects (probe exit $rc)" test $rc = 0
out=$(tls); rc=$?
check "off: TLS on tcp/5061 phone -> server ($(oneline "$out"))" test $rc = 0
m=$(moved "$before")
check "off: no counter moved (${m:-none})" test -z "$m"
check "off: the cleartext-signalling counter exists and is 0" test "$(lab_counter $REASON)" = 0
check "off: cleartext_svc is empty" \
	bash -c "! ip netns exec $(lab_ns gw) nft list set inet ucfence cleartext_svc | grep -q elements"

# ---- on ---------------------------------------------------------------------------
set_encryption true
reload
check "on: SIGHUP applies require_encryption (reload failures: $(field config.reload_failures))" \
	test "$(field config.reload_failures)" = 0
set_=$(lab_exec gw nft list set inet ucfence cleartext_svc)
check "on: cleartext_svc holds the catalog's cleartext ports ($(oneline "$(grep -A3 elements <<<"$set_")"))" \
	bash -c "grep -q 'udp . 5060' <<<'$set_' && grep -q 'tcp . 2000' <<<'$set_' && grep -q 'udp . 69' <<<'$set_' && ! grep -q 5061 <<<'$set_'"
t_on=$SECONDS
learned_on=$(field media.learned_total)
before=$(lab_counters)
invite --crypto; rc=$?
check "on: the cleartext INVITE (SDES keys in its SDP) gets no answer (exit $rc)" test $rc = 1
m=$(moved "$before")
check "on: ... counted as $REASON alone (moved: ${m:-none})" test "$m" = $REASON
for _ in 1 2 3 4; do invite --crypto; done
n_invites=$(lab_counter $REASON)
check "on: five INVITEs, five packets counted ($n_invites)" test "$n_invites" = 5
before=$(lab_counters)
lab_probe phone tcp $SRV 5060 700 >/dev/null; rc=$?
m=$(moved "$before")
check "on: SIP over TCP to the server is dropped (probe exit $rc; moved: ${m:-none})" \
	test $rc = 1 -a "$m" = $REASON
before=$(lab_counters)
lab_exec remote $FORGE invite --src $SRV --dst $PHONE --media $SRV:30000 --reply-ms 700 \
	>>"$LAB_DIR/forge.log" 2>&1; rc=$?
m=$(moved "$before")
check "on: the server's cleartext INVITE to the phone is dropped (exit $rc; moved: ${m:-none})" \
	test $rc = 1 -a "$m" = $REASON
before=$(lab_counters)
out=$(tls); rc=$?
m=$(moved "$before")
check "on: TLS on tcp/5061 phone -> server still passes ($(oneline "$out"); moved: ${m:-none})" \
	test $rc = 0 -a -z "$m"
k=$(lab_counter $REASON)
s=$(field "drops.$REASON.packets")
check "on: status counts $REASON as the kernel does ($s = $k)" test "$s" = "$k"

# Each source's first drop is alerted at once, the phone's further INVITEs
# in one follow-up when its window closes (WINDOW s after its first).
for _ in $(seq $((WINDOW * 10 + 100))); do
	[ "$(alerts_of cleartext-signalling-refused | grep -c "^$PHONE ")" -ge 2 ] &&
		alerts_of cleartext-signalling-refused | grep -q "^$SRV " && break
	sleep 0.1
done
got=$(alerts_of cleartext-signalling-refused)
check "on: cleartext-signalling-refused alerted within $((SECONDS - t_on)) s: $(oneline "$got")" \
	grep -q "^$PHONE 5060 1 $REASON$" <<<"$got"
check "on: ... twice for the phone's window, however many INVITEs (the first, then the rest)" \
	test "$(grep -c "^$PHONE " <<<"$got")" = 2
check "on: ... and for the server's INVITE to the phone" grep -q "^$SRV 5060 1 $REASON$" <<<"$got"
check "on: no non-target-on-uc-port alert for these refusals" \
	test -z "$(alerts_of non-target-on-uc-port)"
check "on: the dropped INVITEs opened no pinhole (learned $learned_on before, $(field media.learned_total) after)" \
	test "$(field media.learned_total)" = "$learned_on"
check "on: the classifier refused them as cleartext-refused ($(field learning.refused_by_reason.cleartext-refused))" \
	test "$(field learning.refused_by_reason.cleartext-refused)" -ge 5
check "on: ... and raised no forged-signalling alert" test -z "$(alerts_of forged-signalling)"
srtp=$(alerts_of exposed-srtp-keys)
check "on: exposed-srtp-keys alerted for the phone ($(oneline "$srtp"))" grep -qx "$PHONE" <<<"$srtp"
for _ in $(seq 200); do
	grep -q "^ucfence_dropped_packets_total{reason=\"$REASON\"} [1-9]" "$PROM" 2>/dev/null && break
	sleep 0.1
done
check "on: the Prometheus file counts $REASON ($(grep "reason=\"$REASON\"" "$PROM" 2>/dev/null | head -1))" \
	grep -q "^ucfence_dropped_packets_total{reason=\"$REASON\"} [1-9]" "$PROM"

# ---- off again ------------------------------------------------------------------------
set_encryption false
k=$(lab_counter $REASON)
reload
check "off again: an in-place change (the counter kept its $k packets: $(lab_counter $REASON))" \
	test "$(lab_counter $REASON)" = "$k" -a "$k" -gt 0
before=$(lab_counters)
invite --crypto; rc=$?
check "off again: the cleartext INVITE is answered (exit $rc)" test $rc = 0
m=$(moved "$before")
check "off again: no counter moved (${m:-none})" test -z "$m"
check "the agent is still running" kill -0 "$AGENT"
lab_agent_log_clean agent_require_encryption
