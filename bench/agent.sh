#!/usr/bin/env bash
# `make bench` for the agent (reported, not pass/fail), in namespaces this
# script makes and removes. The release build `ucfence run` in the lab's
# gateway:
#   1. pinhole latency: BENCH_CALLS calls (an INVITE with a unique SDP media
#      port, sent from the phone to the remote UC server at BENCH_RATE/s);
#      dumpcap on uc0 gives each INVITE's capture timestamp, and a reader of
#      `nft monitor new elements` in the gateway stamps each media4 element
#      addition as it arrives. Latency = arrival stamp - capture stamp, per
#      announced endpoint. APPROXIMATE: the arrival stamp is taken when the
#      monitor process reads the notification (after the commit, plus the
#      notification's delivery and nft's formatting), so it is an upper
#      bound on the commit time; capture timestamps are the kernel's.
#      The calls are INVITE offers only (the agent learns from the offer);
#      no 200 OK/RTP, so this is offer-to-kernel latency.
#   2. agent RSS (VmRSS) and CPU (utime+stime from /proc/PID/stat) over 10 s
#      idle and over 10 s of INVITEs at 100 calls/s.
set -u
. "$(dirname "$0")/../tests/lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
CALLS=${BENCH_CALLS:-1000}
RATE=${BENCH_RATE:-25}

lab_init || exit 1
lab_up concentrator || exit 1
CTL=$LAB_DIR/control.sock
CFG=$LAB_DIR/site.yaml
cat >"$CFG" <<-CONF
	site: { name: lab, mode: concentrator }
	interfaces: { uc: [uc0], data: [data0], appliance: appl0, wan: wan0 }
	uc:
	  endpoints: [10.20.0.0/24, "fd00:20::/64"]
	  servers: [10.50.0.0/24, "fd00:50::/64"]
	  services: [sip, rtp]
	  media: { learn: true, static_range: none, timeout: 60s }
	appliance: { address: 10.40.0.2, remote_subnets: [10.50.0.0/16] }
	enforcement: { action: drop, log_rate: 100/second, violation_window: 10s }
	alerts: { syslog: false }
	state_dir: $LAB_DIR/state
CONF
ip netns exec "$(lab_ns gw)" "$UCFENCE" run -c "$CFG" --rules "$LAB_REPO/rules" \
	--control "$CTL" --no-table-owner 2>>"$LAB_DIR/agent.log" &
AGENT=$!
LAB_PIDS+=($AGENT)
for _ in $(seq 100); do
	"$UCFENCE" status --json --control "$CTL" >/dev/null 2>&1 && break
	sleep 0.1
done
kill -0 "$AGENT" 2>/dev/null || { echo "bench: agent did not start"; tail "$LAB_DIR/agent.log"; exit 1; }

cat >"$LAB_DIR/calls.py" <<-'PY'
	import socket, sys, time
	n, rate, base = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("10.20.0.10", 5070))
	t0 = time.monotonic()
	for i in range(n):
	    port = base + 2 * i
	    sdp = ("v=0\r\no=- %d 1 IN IP4 10.20.0.10\r\ns=-\r\nc=IN IP4 10.20.0.10\r\nt=0 0\r\n"
	           "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n" % (i, port))
	    msg = ("INVITE sip:%d@10.50.0.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.20.0.10:5070;branch=z9hG4bKb%d\r\n"
	           "Max-Forwards: 70\r\nFrom: <sip:bench@10.20.0.10>;tag=%d\r\nTo: <sip:%d@10.50.0.10>\r\n"
	           "Call-ID: bench-%d-%d\r\nCSeq: 1 INVITE\r\nContact: <sip:bench@10.20.0.10:5070>\r\n"
	           "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
	           % (i, i, i, i, base, i, len(sdp), sdp))
	    s.sendto(msg.encode(), ("10.50.0.10", 5060))
	    ahead = (i + 1) / rate - (time.monotonic() - t0)
	    if ahead > 0:
	        time.sleep(ahead)
PY
cat >"$LAB_DIR/stamp.py" <<-'PY'
	import sys, time
	for line in sys.stdin:
	    sys.stdout.write("%.6f %s" % (time.time(), line))
	    sys.stdout.flush()
PY

# ---- 1. pinhole latency -----------------------------------------------------------
# Two simple commands joined by a fifo, so each $! is the process itself and
# the lab's trap ends both (a pipeline in a subshell would outlive it).
mkfifo "$LAB_DIR/monitor.fifo"
python3 -u "$LAB_DIR/stamp.py" <"$LAB_DIR/monitor.fifo" >"$LAB_DIR/monitor.txt" &
LAB_PIDS+=($!)
ip netns exec "$(lab_ns gw)" stdbuf -oL nft monitor new elements >"$LAB_DIR/monitor.fifo" 2>/dev/null &
LAB_PIDS+=($!)
ip netns exec "$(lab_ns gw)" dumpcap -q -i uc0 -f "udp dst port 5060" -w "$LAB_DIR/sip.pcap" 2>/dev/null &
dcap=$!
LAB_PIDS+=($dcap)
sleep 1.5
t0=$SECONDS
lab_exec phone python3 "$LAB_DIR/calls.py" "$CALLS" "$RATE" 20000
sleep 1.5
kill "$dcap"; wait "$dcap" 2>/dev/null
tshark -r "$LAB_DIR/sip.pcap" -Y sdp -T fields -e frame.time_epoch -e sdp.media.port \
	2>/dev/null >"$LAB_DIR/sdp.txt"
python3 - "$LAB_DIR/sdp.txt" "$LAB_DIR/monitor.txt" <<-'PY' >"$LAB_DIR/latency.txt"
	import re, sys
	cap = {}
	for line in open(sys.argv[1]):
	    f = line.split()
	    if len(f) >= 2 and f[1].isdigit():
	        cap.setdefault(int(f[1]), float(f[0]))
	lat = []
	seen = set()
	for line in open(sys.argv[2]):
	    t = float(line.split()[0])
	    for port in re.findall(r'10\.20\.0\.10 \. (\d+)', line):
	        port = int(port)
	        if port in cap and port not in seen:
	            seen.add(port)
	            lat.append((t - cap[port]) * 1e3)
	lat.sort()
	if not lat:
	    print("0 - - -")
	else:
	    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
	    print("%d %.3f %.3f %.3f %d" % (len(lat), p(0.5), p(0.99), lat[-1], len(cap)))
PY
read -r n med p99 max ncap <"$LAB_DIR/latency.txt"
echo "pinhole latency over $n of $ncap calls (${RATE}/s, $((SECONDS - t0)) s): median $med ms, p99 $p99 ms, max $max ms (goal: p99 < 1 ms)"

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
	printf "  %-26s %8s %10s\n" "$label" \
		"$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f%%", 100 * c / hz / (b - a)}')" \
		"${peak} kB"
}
sleep 2
echo "agent resources (release build, 10 s each; CPU % of one core):"
printf "  %-26s %8s %10s\n" "" "CPU" "peak RSS"
measure "idle" sleep 10
measure "100 calls/s (INVITE+SDP)" lab_exec phone python3 "$LAB_DIR/calls.py" 1000 100 30000
kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
exit 0
