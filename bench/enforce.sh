#!/usr/bin/env bash
# `make bench` for enforcement (reported, not pass/fail), all inside
# namespaces this script makes and removes:
#   1. apply of a site with 10,000 endpoint prefixes and 1,000 servers:
#      `ucfence apply` (the whole process) against `nft -f` of plan's output;
#   2. the same site plus 100,000 learned media elements: the enforcer's one
#      transaction against `nft -f` of the same ruleset's text;
#   3. latency of adding one media element to the live table (1,000 adds);
#   4. iperf3 TCP through the gateway with the ruleset against without.
set -u
. "$(dirname "$0")/../tests/lab/lab.sh"
ROOT=$LAB_REPO
UCFENCE=$ROOT/ucfence
BENCH=$ROOT/build/bench/bench_enforce
RUNS=${BENCH_RUNS:-3}

make -s -C "$ROOT" ucfence enforce-bench-tool >/dev/null || exit 1
lab_init || exit 1
lab_up concentrator || exit 1

# Both contenders start from no table, after the kernel has freed the last
# one (it does so in the background).
drop_table() {
	lab_exec scratch nft delete table inet ucfence 2>/dev/null
	sleep 1
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
seconds() { # seconds CMD...: wall time of CMD
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; return 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

# The big site, in the scratch namespace (an appliance port for its route).
lab_exec scratch ip link add appl0 type veth peer name appl0-peer
lab_exec scratch ip link set appl0 up
lab_exec scratch ip link set appl0-peer up
lab_exec scratch ip addr add 10.40.0.1/24 dev appl0
SITE=$LAB_DIR/big.yaml
awk -v dir="$LAB_DIR" 'BEGIN {
	print "site: { name: bench, mode: concentrator }"
	print "interfaces: { uc: [uc0], data: [data0], appliance: appl0, wan: wan0 }"
	print "uc:"
	printf "  endpoints: ["
	for (i = 0; i < 10000; i++) printf "%s10.%d.%d.0/25", (i ? ", " : ""), 100 + int(i / 256), i % 256
	print "]"
	printf "  servers: ["
	for (i = 0; i < 1000; i++) printf "%s172.16.%d.%d", (i ? ", " : ""), int(i / 100), 1 + 2 * (i % 100)
	print "]"
	print "  services: [sip, sip-tls, sccp, rtp, tftp, stun]"
	print "  media: { learn: true, static_range: 16384-32767, timeout: 120s }"
	print "appliance: { address: 10.40.0.2, remote_subnets: [172.16.0.0/12] }"
	print "enforcement: { action: drop, log_rate: 10/second }"
	print "meraki: { enabled: false }"
	print "state_dir: " dir
}' >"$SITE"

"$UCFENCE" plan -c "$SITE" --rules "$ROOT/rules" >"$LAB_DIR/plan.nft" 2>/dev/null || exit 1
ucf_t=() nft_t=()
for _ in $(seq "$RUNS"); do
	drop_table
	ucf_t+=("$(seconds lab_exec scratch "$UCFENCE" apply -c "$SITE" --rules "$ROOT/rules")")
	drop_table
	nft_t+=("$(seconds lab_exec scratch nft -f "$LAB_DIR/plan.nft")")
done
u=$(printf '%s\n' "${ucf_t[@]}" | median) n=$(printf '%s\n' "${nft_t[@]}" | median)
echo "1. site with 10,000 endpoint prefixes and 1,000 servers (median of $RUNS):"
echo "   ucfence apply (whole process) $u s   nft -f of plan's output $n s   nft/ucfence $(ratio "$n" "$u")x"

ucf_t=() nft_t=() build_t=()
for _ in $(seq "$RUNS"); do
	drop_table
	out=$(lab_exec scratch "$BENCH" apply "$SITE" "$ROOT/rules" 100000 "$LAB_DIR/media.nft") || exit 1
	ucf_t+=("$(awk '{print $2}' <<<"$out")")
	build_t+=("$(awk '{print $4}' <<<"$out")")
	drop_table
	nft_t+=("$(seconds lab_exec scratch nft -f "$LAB_DIR/media.nft")")
done
u=$(printf '%s\n' "${ucf_t[@]}" | median) n=$(printf '%s\n' "${nft_t[@]}" | median)
b=$(printf '%s\n' "${build_t[@]}" | median)
echo "2. the same site plus 100,000 media elements (median of $RUNS; $(cut -d' ' -f5- <<<"$out")):"
echo "   ucfence one transaction $u s (of which building the batch $b s)   nft -f of the same ruleset $n s   nft/ucfence $(ratio "$n" "$u")x"

lab_exec scratch nft delete table inet ucfence 2>/dev/null
out=$(lab_exec scratch "$BENCH" media-latency "$SITE" "$ROOT/rules" 1000) || exit 1
echo "3. one media element added to the live table, 1,000 adds: $(awk '{print "median " $2 " us, p99 " $4 " us"}' <<<"$out")"

# The agent's refresh of its pinholes (each deleted and re-added once per
# uc.media.timeout/3, spread over that many one-second ticks) at 100,000
# pinholes and the default timeout of 120 s: 40 ticks of 2,500 pairs.
lab_exec scratch nft delete table inet ucfence 2>/dev/null
out=$(lab_exec scratch "$BENCH" refresh "$SITE" "$ROOT/rules" 100000 40) || exit 1
echo "3b. refreshing 100,000 pinholes (40 ticks of 2,500 delete+add pairs, one transaction a tick): $(awk '{printf "tick median %s ms, max %s ms; %.1f%% of one core", $2, $4, $6 * 100}' <<<"$out")"

# 4. iperf3 phone -> remote UC server on TCP 3478 (target: STUN over TCP; the
# lab's listeners hold the SIP ports).
CFG=$(lab_config concentrator drop)
ip netns exec "$(lab_ns remote)" iperf3 -s -p 3478 >/dev/null 2>&1 &
LAB_PIDS+=($!)
sleep 0.5
gbps() {
	lab_exec phone iperf3 -c 10.50.0.10 -p 3478 -t "${BENCH_IPERF_SECONDS:-5}" -J 2>/dev/null |
		perl -MJSON::PP -0e 'my $j = decode_json(<STDIN>); printf "%.2f\n", $j->{end}{sum_received}{bits_per_second} / 1e9'
}
off=() on=()
for _ in $(seq "$RUNS"); do
	lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
	lab_exec gw ip route replace 10.50.0.0/16 via 10.40.0.2
	off+=("$(gbps)")
	lab_exec gw "$UCFENCE" apply -c "$CFG" --rules "$ROOT/rules" >/dev/null 2>&1 || exit 1
	on+=("$(gbps)")
done
o=$(printf '%s\n' "${off[@]}" | median) w=$(printf '%s\n' "${on[@]}" | median)
echo "4. iperf3 TCP phone -> remote through the gateway (median of $RUNS x ${BENCH_IPERF_SECONDS:-5} s):"
echo "   without ruleset $o Gbit/s   with ruleset $w Gbit/s   with/without $(awk -v a="$w" -v b="$o" 'BEGIN { printf "%.3f", a / b }')"
