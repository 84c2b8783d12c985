#!/usr/bin/env bash
# The agent's elements in the kernel, through the enforcer's own calls
# (build/lab/enforce_tool), in the concentrator lab with no static media
# range:
#   pinholes name both ends: peer P -> addr A : port p opens exactly that
#   (another source, another port, A:p as a source stay refused); deleting
#   one that is not there fails with ENOENT;
#   block elements cut an established TCP flow both ways and count as
#   non-uc-protocol; they survive re-apply in place (carried or not) and a
#   whole replacement when carried; in monitor mode they count, nothing
#   more.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
TOOL=$LAB_REPO/build/lab/enforce_tool

lab_init || { echo "FAIL: elements: lab tools"; exit 1; }
make -s -C "$LAB_REPO" enforce-test-tool >/dev/null 2>&1
[ -x "$TOOL" ] || { echo "FAIL: elements: build/lab/enforce_tool"; exit 1; }
lab_up concentrator || { echo "FAIL: elements: lab setup"; exit 1; }
# A second address on the remote UC server: a source the pinhole must not admit.
lab_addr remote eth0 10.50.0.11/24 fd00:50::11/64
lab_serve phone phone udp:40000 udp:40001
lab_serve remote remote2 udp:40002
sleep 0.3

config() { # config ACTION: the lab's site with no static media range
	local f=$LAB_DIR/site-nostatic-$1.yaml
	sed 's/static_range: 16384-32767/static_range: none/' "$(lab_config concentrator "$1")" >"$f"
	echo "$f"
}
DROP=$(config drop)
MONITOR=$(config monitor)
ucf() { local cfg=$1; shift; lab_exec gw "$UCFENCE" "$@" -c "$cfg" --rules "$LAB_REPO/rules"; }
tool() { lab_exec gw "$TOOL" "$@"; }

# ---- pinholes ----------------------------------------------------------------

# name | expectation | counter | from | proto | to | port | source
PINHOLE=(
	"P->A:p|pass|-|remote|udp|10.20.0.10|40000|10.50.0.10"
	"another source of the same host->A:p|block|non-target-appliance|remote|udp|10.20.0.10|40000|10.50.0.11"
	"P->A:p+1|block|non-target-appliance|remote|udp|10.20.0.10|40001|10.50.0.10"
	"IPv6 P->A:p|pass|-|remote|udp|fd00:20::10|40000|fd00:50::10"
	"IPv6 another source->A:p|block|non-target-appliance|remote|udp|fd00:20::10|40000|fd00:50::11"
)
# Just after lab_up the gateway's neighbour solicitations for the phone's
# IPv6 address can go unanswered for a while (seen without any ruleset, so
# the lab's, not ucfence's): wait until remote -> phone IPv6 answers.
for _ in $(seq 20); do
	lab_probe remote udp fd00:20::10 40001 300 fd00:50::10 >/dev/null 2>&1 && break
done
lab_matrix baseline "${PINHOLE[@]}"
# (to the other address: a fixed source port makes a fixed 5-tuple, whose
# conntrack entry would let the enforced probe below through)
lab_exec phone "$LABNET" probe udp 10.50.0.11 40002 700 40000 >/dev/null 2>&1
check "baseline: A:p as source->the remote server answers" test $? -eq 0

out=$(ucf "$DROP" apply 2>&1)
check "apply ($(oneline "$out"))" test $? -eq 0
lab_case "no pinhole yet: P->A:p refused" block non-target-appliance remote udp 10.20.0.10 40000 \
	10.50.0.10
out=$(tool media 10.50.0.10 10.20.0.10 40000 2>&1 && tool media fd00:50::10 fd00:20::10 40000 2>&1)
check "pinholes (P . A . p) added ($(oneline "$out"))" test $? -eq 0
check "media4 holds peer . addr . port" \
	grep -q "10.50.0.10 . 10.20.0.10 . 40000" <<<"$(lab_exec gw nft list set inet ucfence media4)"
lab_matrix enforced "${PINHOLE[@]}"
# A:p as a source: the element opens nothing from A. Counted as
# non-target-appliance (phone -> remote leaves by the appliance port).
b=$(lab_counter non-target-appliance)
lab_exec phone "$LABNET" probe udp 10.50.0.10 40002 700 40000 >/dev/null 2>&1
rc=$?
check "A:p as source->P is refused (probe exit $rc, 1 = silence)" test $rc -eq 1
check "... and counted as non-target-appliance" test "$(lab_counter non-target-appliance)" -gt "$b"

out=$(tool unmedia 10.50.0.10 10.20.0.10 40000 2>&1)
check "pinhole deleted ($(oneline "$out"))" test $? -eq 0
lab_case "after delete: P->A:p refused again" block non-target-appliance remote udp 10.20.0.10 40000 \
	10.50.0.10
out=$(tool unmedia 10.50.0.10 10.20.0.10 40000 2>&1)
rc=$?
check "deleting it again fails with ENOENT, naming it ($(oneline "$out"))" \
	test $rc -eq 1 -a -n "$(grep "set media4, element 10.50.0.10 . 10.20.0.10 . 40000: .*(ENOENT)" <<<"$out")"

# ---- blocks ------------------------------------------------------------------

# chat NAME SRCPORT: a TCP connection remote:SRCPORT -> phone:5061 (SIP-TLS, a
# UC service) that both ends keep talking on; the ends' outputs are
# $LAB_DIR/NAME.srv and NAME.cli, a line per chunk received.
chat() {
	ip netns exec "$(lab_ns phone)" "$LABNET" chatd 5061 60 >"$LAB_DIR/$1.srv" &
	LAB_PIDS+=($!)
	sleep 0.2
	ip netns exec "$(lab_ns remote)" "$LABNET" chat 10.20.0.10 5061 "$2" 60 >"$LAB_DIR/$1.cli" &
	LAB_PIDS+=($!)
	sleep 1
}
lines() { wc -l <"$LAB_DIR/$1"; }
# flowing NAME: both ends received more in the last second.
flowing() {
	local s=$(lines "$1.srv") c=$(lines "$1.cli")
	sleep 1
	[ "$(lines "$1.srv")" -gt "$s" ] && [ "$(lines "$1.cli")" -gt "$c" ]
}
# cut NAME: neither end receives anything for 1.5 s.
cut() {
	local s=$(lines "$1.srv") c=$(lines "$1.cli")
	sleep 1.5
	[ "$(lines "$1.srv")" = "$s" ] && [ "$(lines "$1.cli")" = "$c" ]
}
FLOW=tcp,10.50.0.10,45000,10.20.0.10,5061

chat c1 45000
check "an established TCP flow remote->phone:5061 flows both ways" flowing c1
b=$(lab_counter non-uc-protocol)
out=$(tool block "$FLOW" 2>&1)
check "block its 5-tuple ($(oneline "$out"))" test $? -eq 0
sleep 0.3 # what was in flight
check "after the block nothing reaches either end" cut c1
check "non-uc-protocol counts the flow's packets ($b -> $(lab_counter non-uc-protocol))" \
	test "$(lab_counter non-uc-protocol)" -gt "$b"
set4=$(lab_exec gw nft list set inet ucfence block4)
check "block4 holds both directions" \
	test -n "$(grep "tcp . 10.50.0.10 . 45000 . 10.20.0.10 . 5061" <<<"$set4")" \
	-a -n "$(grep "tcp . 10.20.0.10 . 5061 . 10.50.0.10 . 45000" <<<"$set4")"
# (the cut flow's retransmissions keep moving non-uc-protocol: no lab_case)
lab_probe remote udp 10.20.0.10 5060 >/dev/null 2>&1
check "other flows between the same hosts still pass" test $? -eq 0
lab_probe remote tcp fd00:20::10 5060 >/dev/null 2>&1
check "... IPv6 too" test $? -eq 0

# Re-apply in place: elements stay, carried or not, and still cut.
out=$(ucf "$DROP" apply 2>&1)
check "ucfence apply (nothing carried) is in place ($(oneline "$out"))" grep -q "updated in place" <<<"$out"
check "... the block element stays" \
	grep -q "tcp . 10.50.0.10 . 45000 . 10.20.0.10 . 5061" <<<"$(lab_exec gw nft list set inet ucfence block4)"
out=$(tool apply "$DROP" "$LAB_REPO/rules" "$FLOW" 2>&1)
check "apply carrying the block is in place ($(oneline "$out"))" test "$out" = "in place"
check "... the flow stays cut" cut c1
# A whole replacement (the table's shape changed) keeps only what is carried.
lab_exec gw nft add chain inet ucfence extra
out=$(tool apply "$DROP" "$LAB_REPO/rules" "$FLOW" 2>&1)
check "apply over another shape replaces the table ($(oneline "$out"))" test "$out" = "replaced"
set4=$(lab_exec gw nft list set inet ucfence block4)
check "... and the carried block is back, both directions" \
	test -n "$(grep "tcp . 10.50.0.10 . 45000 . 10.20.0.10 . 5061" <<<"$set4")" \
	-a -n "$(grep "tcp . 10.20.0.10 . 5061 . 10.50.0.10 . 45000" <<<"$set4")"
check "... the flow stays cut" cut c1

# Monitor: a blocked flow is counted and passes.
out=$(ucf "$MONITOR" apply 2>&1)
check "apply with action monitor ($(oneline "$out"))" grep -q "updated in place" <<<"$out"
chat c2 45001
check "monitor: a new TCP flow flows" flowing c2
b=$(lab_counter non-uc-protocol)
out=$(tool block tcp,10.50.0.10,45001,10.20.0.10,5061 2>&1)
check "monitor: block its 5-tuple ($(oneline "$out"))" test $? -eq 0
check "monitor: the blocked flow still flows both ways" flowing c2
check "monitor: ... and is counted as non-uc-protocol ($b -> $(lab_counter non-uc-protocol))" \
	test "$(lab_counter non-uc-protocol)" -gt "$b"
