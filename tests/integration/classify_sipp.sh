#!/usr/bin/env bash
# SIP calls with RTP between two network namespaces this script creates:
# sipp's uac_pcap scenario (RTP played from g711a.pcap) against a uas that
# echoes RTP. Media ports are outside any static media range (uac 40000+,
# uas 52000). The traffic is captured inside a namespace and classified:
# every RTP flow (as tshark's RTP heuristic sees them) must be rtp-learned,
# the SIP flow sip, and a UDP flow on a port no SDP announced non-target.
set -u
UCFENCE=${UCFENCE:-$(cd "$(dirname "$0")/../.." && pwd)/ucfence}
CALLS=${CALLS:-8}
name=classify-sipp
[ "$(id -u)" -eq 0 ] || { echo "FAIL: $name: needs root for network namespaces"; exit 1; }
for tool in sipp dumpcap tshark python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $name: $tool not installed"; exit 1; }
done

ns1=ucfc$$a ns2=ucfc$$b
if1=ucfv$$a if2=ucfv$$b
a1=10.201.100.100 a2=10.201.100.200
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$ns1" 2>/dev/null
	ip netns del "$ns2" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${KEEP_CAPTURE:-}" ] && trap 'cp "$cap" "$KEEP_CAPTURE"; cleanup' EXIT

fail() { echo "FAIL: $name: $*"; exit 1; }

ip netns add "$ns1" && ip netns add "$ns2" || fail "cannot create namespaces"
ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" || fail "cannot create veth"
ip -n "$ns1" addr add "$a1/24" dev "$if1"
ip -n "$ns2" addr add "$a2/24" dev "$if2"
for ns in "$ns1" "$ns2"; do ip -n "$ns" link set lo up; done
ip -n "$ns1" link set "$if1" up
ip -n "$ns2" link set "$if2" up

# (sipp -sd exits 99 after dumping)
sipp -sd uac_pcap >"$tmp/uac_pcap.xml" 2>/dev/null
grep -q "<scenario" "$tmp/uac_pcap.xml" || fail "sipp -sd uac_pcap printed no scenario"
sed -i "s|pcap/g711a.pcap|/usr/share/sip-tester/g711a.pcap|; s|pcap/dtmf_2833_1.pcap|/usr/share/sip-tester/dtmf_2833_1.pcap|" \
	"$tmp/uac_pcap.xml"

cap="$tmp/calls.pcap"
ip netns exec "$ns1" dumpcap -q -P -i "$if1" -w "$cap" >"$tmp/dumpcap.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -s "$cap" ] && break; sleep 0.1; done
[ -s "$cap" ] || fail "dumpcap did not start: $(cat "$tmp/dumpcap.log")"

(cd "$tmp" && exec ip netns exec "$ns2" sipp -sn uas -rtp_echo -i "$a2" -p 5060 -mp 52000 \
	-nostdin -timeout 120s >/dev/null 2>&1) &
pids+=($!)
sleep 0.5
(cd "$tmp" && ip netns exec "$ns1" sipp -sf "$tmp/uac_pcap.xml" -i "$a1" -p 5070 -mp 40000 \
	-m "$CALLS" -r 4 -l "$CALLS" -nostdin -timeout 90s "$a2:5060" >"$tmp/uac.log" 2>&1)
rc=$?
[ "$rc" -eq 0 ] || fail "sipp uac exited $rc: $(tail -n 5 "$tmp/uac.log")"
# a flow on a port no SDP announced, between the same hosts
for i in 1 2 3 4 5 6; do
	ip netns exec "$ns1" bash -c "printf 'not media %s' $i >/dev/udp/$a2/45001" 2>/dev/null
done
sleep 1
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null

"$UCFENCE" classify --json "$cap" >"$tmp/out.json" 2>"$tmp/err.txt" ||
	fail "classify exited non-zero: $(cat "$tmp/err.txt")"
[ -s "$tmp/err.txt" ] && fail "classify wrote to stderr: $(cat "$tmp/err.txt")"
# tshark's own RTP heuristic is the oracle for which flows carry RTP
tshark -r "$cap" -o rtp.heuristic_rtp:TRUE -Y 'rtp && !icmp' -T fields -e ip.src -e udp.srcport \
	-e ip.dst -e udp.dstport 2>/dev/null | sort -u >"$tmp/rtp.txt"

python3 - "$tmp/out.json" "$tmp/rtp.txt" "$CALLS" "$name" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
calls, name = int(sys.argv[3]), sys.argv[4]
flows = {}
for f in out["flows"]:
    flows[(f["proto"], frozenset((f["src"], f["dst"])))] = f
rtp = set()
for line in open(sys.argv[2]):
    s, sp, d, dp = line.split()
    rtp.add(("udp", frozenset((f"{s}:{sp}", f"{d}:{dp}"))))
ok = True
def check(cond, msg):
    global ok
    print(("PASS: " if cond else "FAIL: ") + f"{name}: {msg}")
    ok &= cond
check(len(rtp) >= calls, f"tshark sees {len(rtp)} RTP flows for {calls} calls")
bad = [k for k in rtp if flows.get(k, {}).get("class") != "rtp-learned"]
for k in bad:
    f = flows.get(k)
    print(f"    {sorted(k[1])}: {f and (f['verdict'], f['class'], f['reason'])}")
check(not bad, f"every RTP flow ({len(rtp)}) is target rtp-learned")
ports = [int(e.rsplit(':', 1)[1]) for k in rtp for e in k[1]]
check(all(not 16384 <= p <= 32767 for p in ports), "media ports are outside 16384-32767")
sip = [f for f in out["flows"] if f["dst"].endswith(":5060") or f["src"].endswith(":5060")]
check(bool(sip) and all(f["class"] == "sip" for f in sip), "the SIP flow is target sip")
stray = [f for f in out["flows"] if f["dst"].endswith(":45001") or f["src"].endswith(":45001")]
check(bool(stray) and all(f["verdict"] == "non-target" for f in stray),
      "UDP to a port no SDP announced is non-target")
check(out["summary"]["media_learned"] >= 2 * calls, "media endpoints learned from SDP")
kinds = {r["kind"] for r in out["risks"]}
check({"cleartext-sip", "unencrypted-rtp"} <= kinds, f"risks reported: {sorted(kinds)}")
text = json.dumps(out)
check("sipp@" not in text and "sip:" not in text, "no SIP URI or user name in the output")
sys.exit(0 if ok else 1)
PY
