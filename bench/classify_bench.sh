#!/usr/bin/env bash
# make bench: classifier throughput against a libpcap read-only floor and
# Debian's ndpiReader, on two captures of >= 1,000,000 packets built from
# sipp calls with RTP (recorded between two network namespaces) plus
# non-target traffic: "few" repeats the same calls (few flows), "many" gives
# every repetition new addresses (thousands of flows, so flow set-up and SIP
# parsing stay on the hot path). Then peak RSS with 100,000 concurrent flows.
# Each measurement is the best of RUNS; wall-clock and CPU (user+sys) rates
# are both printed because a shared machine makes wall time noisy.
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=$REPO/build/bench
RUNS=${RUNS:-5}
PACKETS=${PACKETS:-1000000}
mkdir -p "$OUT"
cd "$REPO"
[ -x ./ucfence ] || make -s ucfence
cflags=$(pkg-config --cflags libpcap 2>/dev/null || true)
libs=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
cc -O2 -std=gnu17 -Wall -Wextra -Werror $cflags -o "$OUT/pcapmix" bench/pcapmix.c $libs
cc -O2 -std=gnu17 -Wall -Wextra -Werror $cflags -o "$OUT/pcapfloor" bench/pcapfloor.c $libs

if [ ! -s "$OUT/calls.pcap" ]; then
	echo "recording 40 sipp calls with RTP between two namespaces..."
	KEEP_CAPTURE=$OUT/calls.pcap CALLS=40 UCFENCE=$REPO/ucfence \
		tests/integration/classify_sipp.sh >"$OUT/calls.log" || { cat "$OUT/calls.log"; exit 1; }
fi
extra=("$REPO"/tests/data/pcaps/ndpi-nonuc/*.pcap "$REPO"/tests/data/pcaps/ndpi-nonuc/*.pcapng)
[ -s "$OUT/few.pcap" ] || "$OUT/pcapmix" same "$OUT/few.pcap" "$PACKETS" "$OUT/calls.pcap" "${extra[@]}" >/dev/null
[ -s "$OUT/many.pcap" ] || "$OUT/pcapmix" new "$OUT/many.pcap" "$PACKETS" "$OUT/calls.pcap" "${extra[@]}" >/dev/null
[ -s "$OUT/flows.pcap" ] || "$OUT/pcapmix" flows "$OUT/flows.pcap" 100000

# best-of-RUNS wall and CPU seconds of a command: prints "WALL CPU"
measure() {
	local t=$OUT/time.txt
	: >"$t.all"
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -o "$t" -f "%e %U %S" "$@" >/dev/null 2>&1
		cat "$t" >>"$t.all"
	done
	awk 'NR == 1 || $1 < w { w = $1 } NR == 1 || $2 + $3 < c { c = $2 + $3 } END { print w, c }' "$t.all"
}
# best-of-RUNS rate printed by the program itself (its own loop, no startup)
loop_rate() {
	local best=0 r
	for _ in $(seq "$RUNS"); do
		r=$("$@" 2>&1 >/dev/null | sed -n 's/.* \([0-9]\+\) frames\/s.*/\1/p; s/.* \([0-9]\+\) packets\/s.*/\1/p' | tail -n1)
		[ -n "$r" ] && [ "$r" -gt "$best" ] && best=$r
	done
	echo "$best"
}
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / (t > 0 ? t : 0.005) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

loops=()
printf '\n%-6s %-10s %10s %12s %14s %14s %9s %9s\n' file tool packets flows "pps (wall)" "pps (cpu)" "x floor" "x floor"
printf '%-6s %-10s %10s %12s %14s %14s %9s %9s\n' "" "" "" "" "" "" "(wall)" "(cpu)"
for f in few many; do
	cap=$OUT/$f.pcap
	n=$(capinfos -M -c "$cap" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
	flows=$(./ucfence classify "$cap" | awk '/ flows / && /^target|^non-target/ {s += $2} END {print s}')
	read -r fw fc < <(measure "$OUT/pcapfloor" "$cap")
	read -r cw cc < <(measure ./ucfence classify "$cap")
	read -r nw nc < <(measure ndpiReader -q -i "$cap")
	lf=$(loop_rate sh -c '"$0" "$1" >&2' "$OUT/pcapfloor" "$cap")
	lc=$(loop_rate ./ucfence classify --stats "$cap")
	loops+=("$f: in-process loop, best of $RUNS: floor $lf pps, classify $lc pps = $(ratio "$lc" "$lf") x floor")
	fpw=$(rate "$n" "$fw"); fpc=$(rate "$n" "$fc")
	for t in floor classify ndpiReader; do
		case $t in
		floor) w=$fw c=$fc ;;
		classify) w=$cw c=$cc ;;
		ndpiReader) w=$nw c=$nc ;;
		esac
		pw=$(rate "$n" "$w"); pc=$(rate "$n" "$c")
		printf '%-6s %-10s %10s %12s %14s %14s %9s %9s\n' "$f" "$t" "$n" "$flows" "$pw" "$pc" \
			"$(ratio "$pw" "$fpw")" "$(ratio "$pc" "$fpc")"
	done
done
echo
printf '%s\n' "${loops[@]}"
echo "goals: classify >= 0.7 x floor (few), >= 0.5 x floor (many), faster than ndpiReader on both"
./ucfence classify --stats "$OUT/flows.pcap" 2>&1 >/dev/null | tail -n1 |
	sed 's/^classify:/100,000 concurrent flows:/'
rss=$( { /usr/bin/time -f "%M" ./ucfence classify "$OUT/flows.pcap" >/dev/null; } 2>&1 | tail -n1)
echo "peak RSS of the whole command with 100,000 concurrent flows: $rss kB (goal: < 65536 kB)"
