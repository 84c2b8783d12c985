#!/usr/bin/env bash
# The agent's Prometheus text file (metrics: { textfile: ... }): it appears
# within ~20 s of start, every non-comment line is `name{labels} value`,
# and after some blocked traffic, the next rewrite (every 15 s) carries
# ucfence_dropped_packets_total{reason="non-target-uc"} equal to the kernel's
# non-target-uc counter; ucfence_media_pinholes and ucfence_uptime_seconds
# are present. A fragmented SIP datagram and a SIP message split across two
# TCP segments show in the classifier's reassembly figures, alike in
# `status --json`, `status` and the text file.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: agent_metrics: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_metrics: lab setup"; exit 1; }
PROM=$LAB_DIR/ucfence.prom
lab_agent_config "sip, rtp" "metrics: { textfile: $PROM }"
status() { lab_agent_status; }
t0=$SECONDS
lab_agent_start --no-table-owner
check "agent with a metrics textfile starts" test $? = 0 || exit 1
AGENT=$LAB_AGENT
for _ in $(seq 200); do
	[ -s "$PROM" ] && break
	sleep 0.1
done
check "the metrics file exists within 20 s (after $((SECONDS - t0)) s)" test -s "$PROM"

# Prometheus text format 0.0.4: comments (# HELP / # TYPE), blank lines,
# or samples `name{label="value",...} number`.
parses() {
	python3 - "$PROM" <<-'EOF'
		import re, sys
		name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
		label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
		num = r'[-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN)'
		sample = re.compile(r'^%s(?:\{(?:%s(?:,%s)*,?)?\})? %s(?: -?[0-9]+)?$' % (name, label, label, num))
		comment = re.compile(r'^# (?:HELP %s .*|TYPE %s (?:counter|gauge|histogram|summary|untyped))$' % (name, name))
		bad, n = [], 0
		for line in open(sys.argv[1]):
		    line = line.rstrip('\n')
		    if not line:
		        continue
		    if line.startswith('#'):
		        if line.startswith('# HELP') or line.startswith('# TYPE'):
		            if not comment.match(line):
		                bad.append(line)
		        continue
		    n += 1
		    if not sample.match(line):
		        bad.append(line)
		for b in bad:
		    print("bad line:", b)
		print("%d samples" % n)
		sys.exit(1 if bad or n == 0 else 0)
	EOF
}
out=$(parses); rc=$?
check "the file parses as Prometheus text ($(echo "$out" | tail -n 1))" test "$rc" -eq 0 || echo "$out"
has() { grep -q "^$1 [0-9]" "$PROM"; }
check "ucfence_media_pinholes is present" has ucfence_media_pinholes
check "ucfence_uptime_seconds is present" has ucfence_uptime_seconds
check "ucfence_pinhole_latency_seconds (a summary) is present" \
	has 'ucfence_pinhole_latency_seconds{quantile="0.99"}'
check "ucfence_dropped_packets_total{reason=\"non-target-uc\"} is present" \
	has 'ucfence_dropped_packets_total{reason="non-target-uc"}'

# ---- reassembly: a fragmented UDP datagram, a TCP message in two segments ------
lab_call_server "$LAB_DIR/uas.out" # a SIP server that reads whole messages over TCP
# shellcheck disable=SC2016 # python, not shell
lab_exec phone python3 -c '
import socket, time
inv = (b"INVITE sip:bob@10.50.0.10 SIP/2.0\r\nVia: SIP/2.0/%s 10.20.0.10:5070;branch=z9hG4bK%d\r\n"
       b"From: <sip:a@10.20.0.10>;tag=1\r\nTo: <sip:bob@10.50.0.10>\r\nCall-ID: %d@lab\r\n"
       b"CSeq: 1 INVITE\r\nX-Pad: %s\r\nContent-Length: 0\r\n\r\n")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(inv % (b"UDP", 1, 1, b"x" * 3000), ("10.50.0.10", 5060))  # 3 fragments at MTU 1500
t = socket.create_connection(("10.50.0.10", 5060), timeout=3)
t.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
m = inv % (b"TCP", 2, 2, b"y" * 200)
t.sendall(m[:60]); time.sleep(0.3); t.sendall(m[60:])
assert t.recv(4096).startswith(b"SIP/2.0 "); t.close()'
check "the fragmented datagram and the split TCP message were sent (and answered)" test $? = 0
# "fragments: received reassembled dropped budget, streams: bytes_peak budget
# bytes" from status --json
figures() {
	status | python3 -c 'import json, sys; d = json.load(sys.stdin); f, s = d["fragments"], d["streams"]
print(f["received"], f["reassembled"], f["dropped"], f["budget"], s["bytes_peak"], s["budget"], s["bytes"])'
}
for _ in $(seq 30); do
	read -r frag reas fdrop fbudget speak sbudget sbytes <<<"$(figures)"
	[ "${reas:-0}" -ge 1 ] && [ "${speak:-0}" -gt 0 ] && break
	sleep 0.1
done
check "status: fragments seen and the datagram reassembled ($frag fragments, $reas reassembled, $fdrop dropped)" \
	test "${frag:-0}" -ge 3 -a "${reas:-0}" -ge 1
check "status: the reassembly budget is 4 MiB ($fbudget)" test "${fbudget:-0}" = $((4 << 20))
check "status: the split message was buffered ($speak bytes at most) within the 16 MiB budget ($sbudget)" \
	test "${speak:-0}" -gt 0 -a "${sbudget:-0}" = $((16 << 20))
check "status: ... and its buffer freed once the message was whole ($sbytes bytes now)" test "${sbytes:-x}" = 0
human=$("$UCFENCE" status --control "$LAB_DIR/control.sock")
check "status (text) shows the stream buffers" grep -q "^streams      $sbytes of $sbudget bytes buffered (peak $speak)" <<<"$human" ||
	echo "$human"
check "status (text) shows the fragments" grep -q "^fragments    $frag seen, $reas reassembled, $fdrop dropped" <<<"$human"

# Blocked traffic, then wait for the next rewrite and compare with the kernel.
for _ in $(seq 10); do lab_probe data tcp 10.20.0.10 80 50 >/dev/null; done
kernel=$(lab_counter non-target-uc)
uptime0=$(sed -n 's/^ucfence_uptime_seconds \([0-9]*\)$/\1/p' "$PROM")
value() { sed -n 's/^ucfence_dropped_packets_total{reason="non-target-uc"} \([0-9]*\)$/\1/p' "$PROM"; }
rewritten=0
for _ in $(seq 200); do # 15 s between rewrites, plus a margin
	u=$(sed -n 's/^ucfence_uptime_seconds \([0-9]*\)$/\1/p' "$PROM")
	[ -n "$u" ] && [ "$u" != "$uptime0" ] && { rewritten=1; break; }
	sleep 0.1
done
check "the file is rewritten (uptime $uptime0 -> ${u:-?} s)" test "$rewritten" = 1
kernel_now=$(lab_counter non-target-uc)
v=$(value)
check "blocked traffic was counted by the kernel ($kernel packets)" test "$kernel" -gt 0
check "ucfence_dropped_packets_total{reason=\"non-target-uc\"} = kernel counter (${v:-none} = $kernel_now)" \
	test "${v:-x}" = "$kernel_now"
metric() { sed -n "s/^$1 \\([0-9]*\\)\$/\\1/p" "$PROM"; }
check "ucfence_fragments_reassembled_total = status ($(metric ucfence_fragments_reassembled_total) = $reas)" \
	test "$(metric ucfence_fragments_reassembled_total)" = "$reas"
check "ucfence_fragment_buffer_budget_bytes = status ($(metric ucfence_fragment_buffer_budget_bytes))" \
	test "$(metric ucfence_fragment_buffer_budget_bytes)" = "$fbudget"
check "ucfence_stream_buffer_peak_bytes = status ($(metric ucfence_stream_buffer_peak_bytes) = $speak)" \
	test "$(metric ucfence_stream_buffer_peak_bytes)" = "$speak"
check "ucfence_stream_buffer_budget_bytes = status ($(metric ucfence_stream_buffer_budget_bytes))" \
	test "$(metric ucfence_stream_buffer_budget_bytes)" = "$sbudget"
grep -E '^ucfence_(dropped_packets_total\{reason="non-target-uc"\}|media_pinholes|uptime_seconds|flows|fragments_total|stream_buffer_bytes) ' "$PROM"

kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_metrics
