#!/usr/bin/env bash
# `make bench`: the forwarding cost of the per-packet media shape check
# (reported, not pass/fail), in the concentrator lab. One RTP-shaped flow
# (172-byte datagrams) phone -> remote UC server through the gateway, into the
# static range, with the range shape-checked (every packet: the conntrack mark
# test, media_shape) and as a plain port range, alternating in one run:
#   1. as fast as one sender goes: datagrams/s received, shaped / plain;
#   2. at 100,000 datagrams/s: the sender's CPU seconds (the gateway's
#      forwarding runs in its softirq on veth), plain / shaped.
# Each twice: the flow unanswered (conntrack: new, every packet), and answered
# (the sink sends the first datagram back: established).
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

run() { # run CONFIG PPS [answer]: prints "received cpu_s"
	lab_exec gw "$UCFENCE" apply -c "$1" --rules "$ROOT/rules" >/dev/null 2>&1 || return 1
	lab_exec gw conntrack -F >/dev/null 2>&1
	lab_exec remote "$LABNET" sink 21000 $((SECS + 1)) ${3:-} >"$LAB_DIR/sink" &
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
	for mode in unanswered answered; do
		ans=
		[ $mode = answered ] && ans=answer
		for cfg in shaped plain; do
			f=$SHAPED
			[ $cfg = plain ] && f=$PLAIN
			read -r got _ < <(run "$f" 0 $ans) || exit 1
			echo "$mode $cfg $got" >>"$LAB_DIR/max"
			read -r got cpu < <(run "$f" 100000 $ans) || exit 1
			echo "$mode $cfg $got $cpu" >>"$LAB_DIR/fixed"
		done
	done
done
for mode in unanswered answered; do
	pick() { awk -v m="$mode" -v c="$2" -v k="$3" '$1 == m && $2 == c { print $k }' "$LAB_DIR/$1" | median; }
	ms=$(pick max shaped 3)
	mp=$(pick max plain 3)
	cs=$(pick fixed shaped 4)
	cp=$(pick fixed plain 4)
	rs=$(pick fixed shaped 3)
	rp=$(pick fixed plain 3)
	echo "$mode flow:"
	echo "1. one RTP flow through the gateway, as fast as it goes (median of $RUNS x $SECS s):"
	echo "   shape-checked range $((ms / SECS)) datagrams/s, plain range $((mp / SECS)) datagrams/s," \
		"ratio $(awk -v a="$ms" -v b="$mp" 'BEGIN { printf "%.3f", a / b }')"
	echo "2. at 100,000 datagrams/s (median of $RUNS x $SECS s): sender CPU shape-checked ${cs}s," \
		"plain ${cp}s, ratio plain/shaped $(awk -v a="$cp" -v b="$cs" 'BEGIN { printf "%.3f", a / b }');" \
		"received $rs / $rp"
done
