#!/usr/bin/env bash
# demo.sh — what `make demo` runs once dependencies are installed and
# ./ucfence is built: the real agent (`ucfence run`) on the gateway of a branch
# site made of network namespaces (tests/lab/lab.sh, concentrator mode, plus a
# call server behind the MX, a second phone and a PC on a phone port: section 1
# prints the picture) and a Meraki Dashboard simulator (tests/meraki-sim/sim.py, HTTPS with a CA
# made here) on the gateway namespace's loopback. It places SIP calls (sipp)
# whose media passes only because the agent learned it from SDP (no static
# media range), sends non-target traffic that must be blocked, starts a packet
# capture on the MX between two Dashboard polls, and prints what happened.
# Exit 0 only when each of those was checked to have happened. Traffic stays
# inside the lab's namespaces and loopback; everything made here goes on exit,
# failure or Ctrl-C.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
SIM=$LAB_REPO/tests/meraki-sim
CALLS_PER_PHONE=2
# Media packets a call may lose while its pinhole opens: none. (The agent
# opens a pinhole in well under a millisecond; sipp sends the first RTP
# packet one SIP round trip after the INVITE.) A slower machine can allow some.
SETUP_LOSS=${SETUP_LOSS:-0}
PHONES=(10.20.0.10 10.20.0.11)
PC=10.20.0.50 PBX=10.50.1.10
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY NOTIFY_SOCKET
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export PYTHONDONTWRITEBYTECODE=1 # importing the simulator's scenario.py leaves no __pycache__

# ---- output, checks, cleanup -------------------------------------------------
T0=$(date +%s%N)
now_s() { local t=$(($(date +%s%N) - T0)); printf '%d.%d' $((t / 1000000000)) $((t / 100000000 % 10)); }
if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'; else B='' G='' R='' D='' N=''; fi
section() {
	[ -n "${AGENT:-}" ] && ! alive "$AGENT" && die "ucfence run exited"
	printf '\n%s%s%s %s[%ss]%s\n' "$B" "$1" "$N" "$D" "$(now_s)" "$N"
}
say() { printf '  %s\n' "$*"; }
CHECKS=() FAILED=0
# result NAME STATUS: records a check (STATUS 0: it happened).
result() {
	if [ "$2" = 0 ]; then CHECKS+=("${G}ok${N}    $1"); else CHECKS+=("${R}FAIL${N}  $1"); FAILED=1; fi
}
die() {
	printf '\n%sdemo failed:%s %s\n' "$R" "$N" "$*"
	[ -s "${W:-/nonexistent}/agent.log" ] && { say "agent log (last lines):"; tail -n 15 "$W/agent.log" | sed 's/^/    /'; }
	exit 1
}
# Debian's python3 (a version manager's shim can cost half a second a call).
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
# py ARGS... <<'PY' CODE PY: python3 with json and sys imported.
py() { "$PYTHON" -c 'import json, sys; exec(sys.stdin.read())' "$@"; }
# jget JSON EXPR: prints EXPR of the parsed JSON d.
jget() { local j=$1 e=$2; shift 2; "$PYTHON" -c "import json, sys; d = json.loads(sys.argv[1]); print($e)" "$j" "$@"; }

DEMO_PIDS=() # stopped in order (the agent first), before the namespaces go
alive() { local s; s=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) && [ "${s:0:1}" != Z ]; }
stop_pid() {
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for i in $(seq 50); do alive "$1" || break; sleep 0.1; done
	alive "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
demo_cleanup() {
	local rc=$? p
	trap '' INT TERM
	for p in "${DEMO_PIDS[@]}"; do stop_pid "$p"; done
	lab_down
	exit "$rc"
}

[ "$(id -u)" = 0 ] || { echo "the demo needs root (it builds network namespaces): sudo make demo"; exit 1; }
for tool in sipp dumpcap tshark python3 openssl nft; do
	command -v "$tool" >/dev/null || { echo "the demo needs $tool (make deps installs it)"; exit 1; }
done
[ -x "$UCFENCE" ] || { echo "no $UCFENCE: run make first"; exit 1; }

printf '%sucfence demo%s: a branch site in network namespaces; nothing leaves this machine\n' "$B" "$N"

# ---- 1. the lab: lab.sh's concentrator lab, plus a call server and two hosts -----
section "1. The lab (network namespaces) and a Meraki Dashboard simulator"
LAB_NODES+=(pbx) # the call server's namespace: lab_up makes it, lab_down removes it
lab_init || die "cannot build the lab's traffic tool"
trap demo_cleanup EXIT # replaces lab_init's trap (demo_cleanup calls lab_down)
trap 'printf "\ninterrupted: cleaning up\n"; exit 130' INT TERM
W=$LAB_DIR
sed 's/^/  /' <<'EOF'
phones 10.20.0.10, .11, PC 10.20.0.50 --uc0---+
data PC 10.30.0.10 ---------------------data0-- gateway (ucfence) --appl0-- Meraki MX 10.40.0.2 --+-- call server 10.50.1.10 (remote site)
                                              |                                                   +-- laptop 10.41.0.10 on a spare port
                                              +--wan0-- internet (web 198.51.100.80)
EOF
say "${#LAB_NODES[@]} namespaces named $LAB_ID-*, temp dir $W"
lab_up concentrator || die "cannot build the lab"
lab_link mx pbx0 pbx eth0
lab_addr mx pbx0 10.50.1.1/24
lab_addr pbx eth0 $PBX/24
lab_route pbx default via 10.50.1.1
lab_addr phone eth0 "${PHONES[1]}/24" "$PC/24" # a second phone, and a PC plugged into a phone

# ---- 1 (cont.): the Meraki Dashboard simulator, on the gateway's loopback --------
(
	cd "$W" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj "/CN=ucfence demo CA" &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1 -extfile ext.cnf
) >"$W/openssl.log" 2>&1 || die "openssl: $(tail -n 3 "$W/openssl.log")"
(umask 077 && head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$W/meraki.key")
# scenario quiet|capture: what the Dashboard reports (quiet: no capture at all).
scenario() {
	py "$SIM" "$W/meraki.key" "$W/scenario.json" "$1" <<'PY'
sys.path.insert(0, sys.argv[1])
import os, scenario as s
sc = {"api_key_file": sys.argv[2], "captures": [], "schedules": [], "apiRequests": [],
      "configurationChanges": [], "eventTypes": {s.NET: []}, "events": {s.NET: []}}
if sys.argv[4] == "capture":
    sc["captures"].append(s.capture("demo-1", 1, s.ALICE, name="voice trouble", filterExpression="udp"))
with open(sys.argv[3] + ".tmp", "w") as f:
    json.dump(sc, f)
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
PY
}
scenario quiet || die "cannot write the simulator's scenario"
ip netns exec "$(lab_ns gw)" "$PYTHON" "$SIM/sim.py" --cert "$W/srv.pem" --key "$W/srv.key" \
	--scenario "$W/scenario.json" --log "$W/api.log" --port-file "$W/api.port" 2>"$W/sim.err" &
DEMO_PIDS+=($!)
for _ in $(seq 100); do [ -s "$W/api.port" ] && break; sleep 0.1; done
[ -s "$W/api.port" ] || die "the Meraki simulator did not start: $(tail -n 3 "$W/sim.err")"
API=https://127.0.0.1:$(cat "$W/api.port")/api/v1
say "Meraki Dashboard simulator: $API on the gateway's loopback (HTTPS, its own test CA)"

# ---- 2. the site config; non-target traffic before ucfence ----------------------
CFG=$W/site.yaml CTL=$W/control.sock
mkdir -p "$W/rules.d"
cat >"$CFG" <<EOF
site: { name: demo-branch, mode: concentrator }
interfaces: { uc: [uc0], data: [data0], appliance: appl0, wan: wan0 }
uc:
  endpoints: [10.20.0.0/24]
  servers: [10.50.0.0/24, 10.50.1.0/24, 198.51.100.10]
  services: [sip, sip-tls, sccp, rtp, tftp, stun]
  media: { learn: true, static_range: none, timeout: 120s }
appliance: { address: 10.40.0.2, remote_subnets: [10.50.0.0/16] }
enforcement: { action: drop, log_rate: 10/second, violation_window: 10s }
meraki:
  enabled: true
  base_url: $API
  api_key_file: $W/meraki.key
  organization_id: "549236"
  network_ids: [N_1]
  poll_interval: 10s
  lookback: 1h
  ca_file: $W/ca.pem
  call_budget: 5/second
alerts: { spool: $W/state/alerts.jsonl, syslog: false }
state_dir: $W/state
EOF
RULES=(--rules "$LAB_REPO/rules" --rules-d "$W/rules.d")
ucf() { lab_exec gw "$UCFENCE" "$@"; }
ucf check -c "$CFG" "${RULES[@]}" >"$W/check.out" 2>&1 || die "ucfence check: $(cat "$W/check.out")"

# name | from | proto | to | port | source address | the drop reason expected
NON_TARGET=(
	"PC on a phone port -> web server on the internet|phone|tcp|198.51.100.80|80|$PC|non-target-uc"
	"data LAN -> remote UC subnet (SIP port)|data|tcp|10.50.0.10|5060||non-target-appliance"
	"laptop on the MX's spare port -> a phone|stray|tcp|10.20.0.10|80||non-target-appliance"
)
section "2. Before ucfence: non-target traffic gets through"
answered=0
for c in "${NON_TARGET[@]}"; do
	IFS='|' read -r name node proto host port src reason <<<"$c"
	if lab_probe "$node" "$proto" "$host" "$port" 700 ${src:+"$src"} >/dev/null 2>&1; then
		answered=$((answered + 1))
		say "answered  $name"
	else
		say "no answer $name"
	fi
done
result "without ucfence, the non-target traffic gets through ($answered of ${#NON_TARGET[@]})" \
	"$([ $answered = ${#NON_TARGET[@]} ]; echo $?)"

# ---- 3. the agent ---------------------------------------------------------------
section "3. ucfence run on the gateway"
# SCHED_FIFO 1, as the package's unit runs it (CPUSchedulingPolicy=fifo)
ip netns exec "$(lab_ns gw)" chrt -f 1 "$UCFENCE" run -c "$CFG" "${RULES[@]}" --control "$CTL" \
	--flush-on-exit 2>"$W/agent.log" &
AGENT=$!
DEMO_PIDS=("$AGENT" "${DEMO_PIDS[@]}") # stopped first, so it flushes while the lab is up
status() { ucf status --json --control "$CTL" 2>/dev/null; }
for _ in $(seq 100); do
	alive "$AGENT" || die "ucfence run exited"
	st=$(status) && lab_exec gw nft list table inet ucfence >/dev/null 2>&1 && break
	st=
	sleep 0.1
done
[ -n "$st" ] || die "ucfence run did not come up within 10 s"
say "agent pid $AGENT, $(jget "$st" 'd.get("mode")') mode;" \
	"table inet ucfence: $(lab_exec gw nft list table inet ucfence | grep -c '^\s*chain ') chains," \
	"$(lab_exec gw nft list table inet ucfence | grep -c '^\s*counter name') drop counters"
say "route $(lab_exec gw ip route show proto 117 | head -n 1 | sed 's/ *$//') (ucfence's, protocol 117)"
say "learning media from SIP/SDP on uc0 and appl0; no static media range: media is closed until a call opens it"
say "polling the Meraki simulator every 10 s"

# ---- 4. calls, captured on uc0 --------------------------------------------------
calls=$((CALLS_PER_PHONE * ${#PHONES[@]}))
section "4. Calls: $calls SIP calls, ${#PHONES[@]} phones -> call server $PBX behind the MX (sipp; RTP played and echoed)"
lab_uac_scenario "$W/uac_pcap.xml" || die "sipp -sd uac_pcap printed no scenario"
CAP=$W/uc0.pcapng
ip netns exec "$(lab_ns gw)" dumpcap -q -i uc0 -w "$CAP" >"$W/dumpcap.log" 2>&1 &
DUMPCAP=$!
DEMO_PIDS+=("$DUMPCAP")
for _ in $(seq 50); do [ -s "$CAP" ] && break; sleep 0.1; done
[ -s "$CAP" ] || die "dumpcap did not start: $(cat "$W/dumpcap.log")"
(cd "$W" && exec ip netns exec "$(lab_ns pbx)" sipp -sn uas -rtp_echo -i $PBX -p 5060 -mp 52000 \
	-nostdin -timeout 60s >/dev/null 2>&1) &
DEMO_PIDS+=($!)
sleep 0.3
dropped_total() { jget "$(status)" 'sum(c.get("packets", 0) for c in d["drops"].values())'; }
drops0=$(dropped_total)
uacs=()
for i in "${!PHONES[@]}"; do
	(cd "$W" && exec ip netns exec "$(lab_ns phone)" sipp -sf "$W/uac_pcap.xml" -i "${PHONES[$i]}" \
		-p $((5070 + 2 * i)) -mp $((40000 + 2000 * i)) -m $CALLS_PER_PHONE -r $CALLS_PER_PHONE \
		-l $CALLS_PER_PHONE -nostdin -timeout 45s $PBX:5060 >"$W/uac$i.log" 2>&1) &
	uacs+=($!)
	DEMO_PIDS+=($!)
done
sleep 3
st=$(status)
# the learned media set's elements, as ADDR:PORT
pinholes() { lab_exec gw nft list set inet ucfence media4 2>/dev/null |
	grep -oE '[0-9.]+ \. [0-9]+ ' | sed 's/ \. /:/; s/ $//'; }
mid=$(pinholes | sort -V | paste -sd ' ')
say "mid-call: $(jget "$st" 'd["media"]["active"]') media pinholes open, $(jget "$st" 'd["media"]["learned_total"]') learned so far"
[ -n "$mid" ] && say "  nft set media4: $mid" | fold -s -w 112 | sed '2,$s/^/                    /'
ok_calls=0
for i in "${!uacs[@]}"; do
	wait "${uacs[$i]}" && ok_calls=$((ok_calls + CALLS_PER_PHONE))
done
call_drops=$(($(dropped_total) - drops0))
say "calls completed: $ok_calls of $calls (sipp: INVITE, 200 OK, ACK, media, BYE); packets dropped meanwhile: $call_drops"
say "pinholes opened $(jget "$(status)" '"in %d us median, %d us p99 (%d pinholes; from the SDP packet capture to the kernel)" % tuple(d["media"]["latency_us"][k] for k in ("median", "p99", "total"))')"
result "SIP calls completed through the gateway ($ok_calls of $calls)" "$([ $ok_calls = $calls ]; echo $?)"

# ---- 5. non-target traffic with ucfence (still captured on uc0) -----------------
section "5. Non-target traffic, with ucfence"
drops() { jget "$1" '" ".join(str(d["drops"].get(r, {}).get("packets", 0)) for r in sys.argv[2:])' "${LAB_REASONS[@]}"; }
blocked=0
for c in "${NON_TARGET[@]}"; do
	IFS='|' read -r name node proto host port src reason <<<"$c"
	read -ra before <<<"$(drops "$(status)")"
	lab_probe "$node" "$proto" "$host" "$port" 700 ${src:+"$src"} >/dev/null 2>&1
	rc=$?
	read -ra after <<<"$(drops "$(status)")"
	moved=
	for i in "${!LAB_REASONS[@]}"; do
		d=$((after[i] - before[i]))
		[ $d -gt 0 ] && moved+="${LAB_REASONS[$i]} +$d "
	done
	if [ $rc = 1 ] && [[ " $moved" == *" $reason +"* ]]; then
		blocked=$((blocked + 1))
		say "blocked   $name ($proto/$port): ${moved% }"
	else
		say "${R}NOT BLOCKED${N} $name: probe exit $rc, counters moved: ${moved:-none}"
	fi
done
result "non-target traffic blocked, its drop counter moved ($blocked of ${#NON_TARGET[@]})" \
	"$([ $blocked = ${#NON_TARGET[@]} ]; echo $?)"
sleep 0.5
stop_pid "$DUMPCAP"

# ---- 6. classification of the uc0 capture; did media pass? ----------------------
section "6. What crossed the phone port uc0 during the calls: ucfence classify"
ucf classify --json -c "$CFG" "${RULES[@]}" "$CAP" >"$W/classify.json" 2>"$W/classify.err" ||
	die "ucfence classify: $(cat "$W/classify.err")"
py "$W/classify.json" "$PC" "$calls" <<'PY'
out = json.load(open(sys.argv[1])); s = out["summary"]; pc = sys.argv[2]; flows = out["flows"]
print(f"  {s['frames']} frames, {s['flows']} flows, {s['media_learned']} media endpoints learned from SDP")
for v in ("target", "non-target"):
    t = s["verdicts"][v]
    n = {}
    for f in flows:
        if f["verdict"] == v:
            n[f["class"]] = n.get(f["class"], 0) + 1
    by = ", ".join(f"{c} {k}" for c, k in sorted(n.items()))
    print(f"  {v:<10} {t['flows']:>3} flow{'s' if t['flows'] != 1 else ' '} {t['packets']:>6} packets  {by}")
for f in flows:
    if f["verdict"] == "non-target":
        print(f"    non-target: {f['proto']} {f['src']} -> {f['dst']} ({f['reason']})")
kinds = {}
for r in out["risks"]:
    kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
print("  privacy risks: " + (", ".join(f"{k} ({n} endpoints)" for k, n in sorted(kinds.items())) or "none"))
rtp = [f for f in flows if f["class"] == "rtp-learned" and f["verdict"] == "target"]
sip = [f for f in flows if f["class"] == "sip" and f["verdict"] == "target"]
web = [f for f in flows if f["src"].startswith(pc + ":") or f["dst"].startswith(pc + ":")]
ok = len(rtp) >= int(sys.argv[3]) and sip and web and all(f["verdict"] == "non-target" for f in web)
sys.exit(0 if ok else 1)
PY
result "classify: calls are target (sip, rtp-learned), the PC's web flow non-target" $?

# Media passed: RTP leaving uc0 toward the phones was forwarded by the gateway
# (the server only echoes what reached it, so both directions passed).
read -r sent echoed < <(tshark -r "$CAP" -o rtp.heuristic_rtp:TRUE -Y "rtp && !icmp && ip.addr == $PBX" \
	-T fields -e ip.src 2>/dev/null | awk -v pbx=$PBX '{ if ($1 == pbx) e++; else s++ } END { print s + 0, e + 0 }')
say "media: $sent RTP packets phone -> server, $echoed echoed back to the phones through the gateway"
result "media passed both ways without a static range ($echoed of $sent echoed; $call_drops dropped)" \
	"$([ "$sent" -ge $((calls * 200)) ] && [ "$call_drops" -le $((calls * SETUP_LOSS)) ] &&
		[ "$echoed" -ge $((sent - calls * SETUP_LOSS)) ]; echo $?)"

# ---- 7. a packet capture on the MX; the alerts as they arrive -------------------
section "7. An admin starts a packet capture on the MX (Dashboard); alerts as they arrive"
scenario capture || die "cannot write the simulator's scenario"
say "capture demo-1 started on branch-mx (simulator); the agent polls every 10 s"
say "alerts in the spool (ucfence alerts), with when the agent raised them:"
shown=0 deadline=$(($(date +%s) + 30))
# alert_state: prints the alerts after the first $shown, then a line
# "#STATE COUNT CAPTURE-ALERTED SOURCES-ALERTED..."
alert_state() {
	ucf alerts -c "$CFG" --json >"$W/alerts.now" 2>/dev/null
	py "$W/alerts.now" "$shown" "$T0" "$PC" 10.30.0.10 10.41.0.10 <<'PY'
import datetime
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for a in alerts[int(sys.argv[2]):]:
    t = datetime.datetime.fromisoformat(a["time"].replace("Z", "+00:00")).timestamp()
    print(f"{'+%.0fs' % max(0, t - int(sys.argv[3]) / 1e9):>5} {a['severity']:<8} {a['kind']:<22} {a['summary']}")
cap = any(a["kind"] == "packet-capture" and a["details"].get("capture_id") == "demo-1" for a in alerts)
srcs = {a["details"].get("source") for a in alerts if a["kind"] == "non-target-on-uc-port"}
print(f"#STATE {len(alerts)} {int(cap)} " + " ".join(s for s in sys.argv[4:] if s in srcs))
PY
}
cap_alert=0 nt_sources=
while :; do
	out=$(alert_state)
	while IFS= read -r line; do
		case $line in
		"#STATE "*) read -r _ shown cap_alert nt_sources <<<"$line" ;;
		*" critical "*) say "$B$line$N" ;;
		*) say "$line" ;;
		esac
	done <<<"$out"
	[ "$cap_alert" = 1 ] && [ "$(wc -w <<<"$nt_sources")" = 3 ] && break
	[ "$(date +%s)" -ge $deadline ] && break
	sleep 0.5
done
result "packet-capture alert from the Meraki Dashboard arrived" "$([ "$cap_alert" = 1 ]; echo $?)"
result "non-target alerts for each blocked source ($(wc -w <<<"$nt_sources") of 3)" \
	"$([ "$(wc -w <<<"$nt_sources")" = 3 ]; echo $?)"

# ---- 8. the agent's own account -------------------------------------------------
section "8. ucfence status"
st=$(status) || die "ucfence status failed"
py "$st" <<'PY'
d = json.loads(sys.argv[1])
f, a = d.get("flows"), d.get("alerts")
f = f"{f.get('active')} flows tracked, {f.get('frames')} frames classified" if isinstance(f, dict) else f"{f} flows"
a = a.get("raised") if isinstance(a, dict) else a
print(f"  {d.get('mode')} mode, up {d.get('uptime_s')} s; {f}; {a} alerts raised")
print("  drops by reason:")
for r, c in sorted(d.get("drops", {}).items()):
    print(f"    {r:<24} {c.get('packets', 0):>6} packets {c.get('bytes', 0):>8} bytes")
m = d.get("media", {})
print(f"  media pinholes: {m.get('active')} open now, {m.get('learned_total')} learned in all")
PY
learned=$(jget "$st" 'd["media"]["learned_total"]')
result "the agent learned the calls' media ($learned pinholes)" "$([ "$learned" -ge $((2 * calls)) ] 2>/dev/null; echo $?)"

# ---- verdict --------------------------------------------------------------------
section "Verdict"
for c in "${CHECKS[@]}"; do say "$c"; done
if [ $FAILED = 0 ]; then
	printf '\n%sdemo passed%s in %s s; cleaning up (namespaces, processes, %s)\n' "$G" "$N" "$(now_s)" "$W"
else
	printf '\n%sdemo FAILED%s after %s s; agent log: last lines\n' "$R" "$N" "$(now_s)"
	tail -n 15 "$W/agent.log" | sed 's/^/    /'
fi
exit $FAILED
