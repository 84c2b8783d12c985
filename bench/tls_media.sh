#!/usr/bin/env bash
# `make bench`: the forwarding cost of the per-packet media shape check
# (reported, not pass/fail), in the concentrator lab. One RTP-shaped flow
# (172-byte datagrams) phone -> remote UC server through the gateway, into the
# static range, with the range shape-checked (every packet: the conntrack mark
# test, media_shape) and as a plain port range, alternating in one run:
#   1. as fast as one sender goes: datagrams/s received, shaped / plain;
#   2. at 100,000 datagrams/s: the sender's CPU seconds (the gateway's
#      forwarding runs in its softirq on veth), plain / shaped.
# Run it under `flock /tmp/ucf-lab.lock` (the Makefile's bench does not).
set -u
. "$(dirname "$0")/../tests/lab/lab.sh"
ROOT=$LAB_REPO
UCFENCE=$ROOT/ucfence
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-3}
make -s -C "$ROOT" ucfence >/dev/null || exit 1
lab_init || exit 1
lab_up concentrator || exit 1

config() { # config NAME SHAPE_CHECK
	local f=$LAB_DIR/site-$1.yaml
	sed -e "s/services: \[.*\]/services: [sip, rtp]/" \
		-e "s/media: {.*}/media: { learn: true, static_range: 16384-32767, shape_check: $2 }/" \
		"$(lab_config concentrator drop)" >"$f"
	echo "$f"
}
SHAPED=$(config shaped true)
PLAIN=$(config plain false)

run() { # run CONFIG PPS: prints "received cpu_s"
	lab_exec gw "$UCFENCE" apply -c "$1" --rules "$ROOT/rules" >/dev/null 2>&1 || return 1
	lab_exec gw conntrack -F >/dev/null 2>&1
	lab_exec remote "$LABNET" sink 21000 $((SECS + 1)) >"$LAB_DIR/sink" &
	local sink=$!
	sleep 0.3
	local out
	out=$(lab_exec phone "$LABNET" rtp 10.50.0.10 21000 "$2" "$SECS")
	wait "$sink"
	echo "$(cat "$LAB_DIR/sink") ${out##* }"
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: >"$LAB_DIR/max"
: >"$LAB_DIR/fixed"
for _ in $(seq "$RUNS"); do
	for cfg in shaped plain; do
		f=$SHAPED
		[ $cfg = plain ] && f=$PLAIN
		read -r got _ < <(run "$f" 0) || exit 1
		echo "$cfg $got" >>"$LAB_DIR/max"
		read -r got cpu < <(run "$f" 100000) || exit 1
		echo "$cfg $got $cpu" >>"$LAB_DIR/fixed"
	done
done
ms=$(awk '$1 == "shaped" { print $2 }' "$LAB_DIR/max" | median)
mp=$(awk '$1 == "plain" { print $2 }' "$LAB_DIR/max" | median)
cs=$(awk '$1 == "shaped" { print $3 }' "$LAB_DIR/fixed" | median)
cp=$(awk '$1 == "plain" { print $3 }' "$LAB_DIR/fixed" | median)
rs=$(awk '$1 == "shaped" { print $2 }' "$LAB_DIR/fixed" | median)
rp=$(awk '$1 == "plain" { print $2 }' "$LAB_DIR/fixed" | median)
echo "1. one RTP flow through the gateway, as fast as it goes (median of $RUNS x $SECS s):"
echo "   shape-checked range $((ms / SECS)) datagrams/s, plain range $((mp / SECS)) datagrams/s," \
	"ratio $(awk -v a="$ms" -v b="$mp" 'BEGIN { printf "%.3f", a / b }')"
echo "2. at 100,000 datagrams/s (median of $RUNS x $SECS s): sender CPU shape-checked ${cs}s," \
	"plain ${cp}s, ratio plain/shaped $(awk -v a="$cp" -v b="$cs" 'BEGIN { printf "%.3f", a / b }');" \
	"received $rs / $rp"
