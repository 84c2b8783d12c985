#!/usr/bin/env bash
# The agent's Prometheus text file (metrics: { textfile: ... }): it appears
# within ~20 s of start, every non-comment line is `name{labels} value`,
# and after some blocked traffic, the next rewrite (every 15 s) carries
# ucfence_dropped_packets_total{reason="non-target-uc"} equal to the kernel's
# non-target-uc counter; ucfence_media_pinholes and ucfence_uptime_seconds
# are present.
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
grep -E '^ucfence_(dropped_packets_total\{reason="non-target-uc"\}|media_pinholes|uptime_seconds|flows) ' "$PROM"

kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_metrics
