#!/usr/bin/env bash
# `ucfence classify` as a command: usage errors, unreadable and truncated
# captures (a clear error naming the file), the JSON shape, the config.
set -u
UCFENCE=${UCFENCE:-$(cd "$(dirname "$0")/../.." && pwd)/ucfence}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { echo "PASS: classify-cli: $1"; }
ko() { echo "FAIL: classify-cli: $1"; }
check() { if eval "$2"; then ok "$1"; else ko "$1"; fi; }

"$UCFENCE" classify >"$tmp/out" 2>"$tmp/err"; rc=$?
check "no capture is a usage error (2)" '[ $rc -eq 2 ] && grep -q "no capture" "$tmp/err"'
"$UCFENCE" classify --bogus x >"$tmp/out" 2>"$tmp/err"; rc=$?
check "an unknown option is a usage error (2)" '[ $rc -eq 2 ]'
"$UCFENCE" classify --help >"$tmp/out" 2>&1; rc=$?
check "--help" '[ $rc -eq 0 ] && grep -q "usage: ucfence classify" "$tmp/out"'

"$UCFENCE" classify "$tmp/missing.pcap" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a missing capture fails naming the file" '[ $rc -eq 1 ] && grep -q "$tmp/missing.pcap" "$tmp/err" && [ ! -s "$tmp/out" ]'
printf 'not a capture\n' >"$tmp/text.pcap"
"$UCFENCE" classify "$tmp/text.pcap" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a file that is not a capture fails naming it" '[ $rc -eq 1 ] && grep -q "text.pcap" "$tmp/err"'

# a small capture: a SIP datagram with SDP and RTP, written by python
python3 - "$tmp/call.pcap" <<'PY'
import struct, sys
def ip4(s): return bytes(int(x) for x in s.split("."))
def udp(src, sp, dst, dp, payload):
    u = struct.pack(">HHHH", sp, dp, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0, ip4(src), ip4(dst))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + u
sdp = b"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\n"
sip = (b"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\nCall-ID: c1\r\n"
       b"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n" % len(sdp) + sdp)
frames = [udp("10.0.0.1", 5060, "10.0.0.2", 5060, sip)]
for i in range(5):
    rtp = struct.pack(">BBHII", 0x80, 0, 100 + i, 160 * i, 42) + b"\xd5" * 160
    frames.append(udp("10.0.0.2", 52000, "10.0.0.1", 41000, rtp))
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000, i * 20000, len(fr), len(fr)) + fr)
PY
"$UCFENCE" classify --json "$tmp/call.pcap" >"$tmp/out.json" 2>"$tmp/err"; rc=$?
check "classify --json runs" '[ $rc -eq 0 ] && [ ! -s "$tmp/err" ]'
python3 - "$tmp/out.json" <<'PY' && ok "JSON has exactly flows/summary/risks and the learned RTP flow" || ko "JSON shape or verdicts"
import json, sys
o = json.load(open(sys.argv[1]))
assert set(o) == {"flows", "summary", "risks"}, o.keys()
keys = {"proto", "src", "dst", "packets", "bytes", "verdict", "class", "reason"}
assert all(set(f) == keys for f in o["flows"])
by = {(f["src"], f["dst"]): f for f in o["flows"]}
assert by[("10.0.0.1:5060", "10.0.0.2:5060")]["class"] == "sip"
rtp = by[("10.0.0.2:52000", "10.0.0.1:41000")]
assert (rtp["verdict"], rtp["class"], rtp["packets"]) == ("target", "rtp-learned", 5), rtp
assert o["summary"]["verdicts"]["target"]["flows"] == 2
assert {r["kind"] for r in o["risks"]} >= {"cleartext-sip", "unencrypted-rtp"}
assert all(set(r) == {"kind", "endpoint", "transport", "detail"} for r in o["risks"])
assert all(r["transport"] == "udp" for r in o["risks"]), o["risks"]
assert "bob" not in json.dumps(o)
PY
head -c $(( $(stat -c %s "$tmp/call.pcap") - 50 )) "$tmp/call.pcap" >"$tmp/cut.pcap"
"$UCFENCE" classify "$tmp/cut.pcap" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "a truncated capture fails naming the file" '[ $rc -eq 1 ] && grep -q "cut.pcap" "$tmp/err" && grep -qi "truncated" "$tmp/err"'
"$UCFENCE" classify "$tmp/call.pcap" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "the table output lists flows and risks" '[ $rc -eq 0 ] && grep -q "rtp-learned" "$tmp/out" && grep -q "^risks:" "$tmp/out"'
# with the example config: risks only for uc.endpoints (10.20.0.0/24 there)
if [ -f "$REPO/config/example.yaml" ]; then
	"$UCFENCE" classify -c "$REPO/config/example.yaml" --json "$tmp/call.pcap" >"$tmp/out.json" 2>"$tmp/err"; rc=$?
	check "-c config/example.yaml is accepted" '[ $rc -eq 0 ]'
	check "with a config, risks are limited to uc.endpoints" 'python3 -c "import json,sys; sys.exit(len(json.load(open(\"$tmp/out.json\"))[\"risks\"]) != 0)"'
	"$UCFENCE" classify -c "$tmp/missing.yaml" "$tmp/call.pcap" >"$tmp/out" 2>"$tmp/err"; rc=$?
	check "a missing config fails" '[ $rc -eq 1 ] && grep -q "missing.yaml" "$tmp/err"'
fi

# With a site, forged announcements from the phone VLAN teach nothing: a
# phone (10.20.0.66) names a server's SNMP port, another phone, an outside
# host and an RTCP host; a real phone's INVITE to the call server learns.
cat >"$tmp/site.yaml" <<'YAML'
site: {name: lab, mode: concentrator}
interfaces: {uc: [eth1], appliance: eth3, wan: eth0}
uc:
  endpoints: [10.20.0.0/24]
  servers: [10.50.0.0/24]
  services: [sip, sccp, tftp, rtp]
appliance: {address: 10.40.0.2, remote_subnets: [10.60.0.0/24]}
YAML
python3 - "$tmp/forged.pcap" <<'PY'
import struct, sys
def ip4(s): return bytes(int(x) for x in s.split("."))
def udp(src, sp, dst, dp, payload):
    u = struct.pack(">HHHH", sp, dp, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0, ip4(src), ip4(dst))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + u
def invite(frm, cid, addr, port, extra=b""):
    sdp = (b"v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\n"
           % (addr.encode(), addr.encode(), port)) + extra
    return (b"INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP %s\r\nCall-ID: %s\r\n"
            b"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"
            % (frm.encode(), cid, len(sdp)) + sdp)
frames = [
    udp("10.20.0.66", 5060, "10.50.0.10", 5060, invite("10.20.0.66", b"f1", "10.50.0.10", 161)),
    udp("10.20.0.66", 5060, "10.50.0.10", 5060, invite("10.20.0.66", b"f2", "10.20.0.11", 30000)),
    udp("10.20.0.66", 5060, "10.50.0.10", 5060, invite("10.20.0.66", b"f3", "10.30.0.10", 30000)),
    udp("10.20.0.66", 5060, "10.50.0.10", 5060,
        invite("10.20.0.66", b"f4", "10.20.0.66", 4444, b"a=rtcp:9999 IN IP4 10.50.0.10\r\n")),
    udp("10.20.0.66", 3000, "10.30.0.10", 69, b"\x00\x01cfg.xml\x00octet\x00"),
    udp("10.20.0.10", 5060, "10.50.0.10", 5060, invite("10.20.0.10", b"ok", "10.20.0.10", 30000)),
]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000, i * 20000, len(fr), len(fr)) + fr)
PY
"$UCFENCE" classify -c "$tmp/site.yaml" --json "$tmp/forged.pcap" >"$tmp/forged.json" 2>"$tmp/err"; rc=$?
check "classify -c SITE reads the forged capture" '[ $rc -eq 0 ]'
python3 - "$tmp/forged.json" <<'PY' && ok "with a site, forged announcements are refused and counted; the real INVITE learns" || ko "trust boundary offline"
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
ref = s["refused"]
assert ref.get("port-outside-learn-range") == 2, ref      # 161 and its RTCP 162
assert ref.get("address-not-sender") == 5, ref            # f2, f3 (RTP+RTCP), f4's RTCP host
assert ref.get("off-signalling-path") == 1, ref           # TFTP to a host that is no server
assert s["media_learned"] == 3, s                         # f4's 4444, the real 30000/30001
PY
"$UCFENCE" classify --json "$tmp/forged.pcap" >"$tmp/nosite.json" 2>"$tmp/err"
check "without a site nothing is refused (offline analysis learns everything)" \
	'python3 -c "import json,sys; s=json.load(open(\"$tmp/nosite.json\"))[\"summary\"]; sys.exit(s[\"refused\"] != {} or s[\"media_learned\"] < 10)"'
