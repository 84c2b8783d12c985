#!/usr/bin/env bash
# Every file descriptor the running agent holds is close-on-exec, so nothing
# it runs or that inherits from it (a hook, a crash handler, a library's
# helper) gets its netlink sockets, captures or state files. Checked from
# /proc/PID/fdinfo after start, after a SIGHUP reload (route and enforcer
# work) and after a call's learned media; stdin, stdout and stderr are the
# caller's and stay as given.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: agent_cloexec: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_cloexec: lab setup"; exit 1; }

# what PID FD: the fd's target; for a socket, its kind (netlink bus, packet, unix)
what() {
	local t ino k
	t=$(readlink "/proc/$1/fd/$2" 2>/dev/null)
	case $t in socket:*) ino=${t#socket:[}; ino=${ino%]} ;; *) echo "$t"; return ;; esac
	k=$(awk -v i="$ino" '$NF == i {print "netlink bus " $2}' "/proc/$1/net/netlink")
	[ -n "$k" ] || k=$(awk -v i="$ino" '$9 == i {print "packet"}' "/proc/$1/net/packet")
	[ -n "$k" ] || k=$(awk -v i="$ino" '$7 == i {print "unix"}' "/proc/$1/net/unix")
	echo "$t${k:+ ($k)}"
}

# leaky PID: prints each fd above 2 without O_CLOEXEC (fdinfo's flags are
# octal; O_CLOEXEC is 02000000) with what it points at.
leaky() {
	local f fd flags
	for f in /proc/"$1"/fdinfo/*; do
		fd=${f##*/}
		[ "$fd" -le 2 ] && continue
		flags=$(awk '/^flags:/ {print $2}' "$f" 2>/dev/null) || continue
		[ -n "$flags" ] || continue # closed meanwhile
		if (((8#$flags & 8#2000000) == 0)); then
			echo "$fd=$(what "$1" "$fd")"
		fi
	done
}
none_leaky() { local l; l=$(leaky "$1"); [ -z "$l" ] || { echo "  without close-on-exec: $(oneline "$l")"; return 1; }; }

# the check finds a descriptor without close-on-exec when there is one
sleep 30 5</dev/null &
holder=$!
LAB_PIDS+=($holder)
sleep 0.1
check "the check catches an inherited descriptor ($(oneline "$(leaky "$holder")"))" \
	test -n "$(leaky "$holder")"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null

# The agent starts with only 0, 1 and 2 open, as systemd starts it: what this
# shell holds (flock's lock file, ...) is not the agent's.
cat >"$LAB_DIR/closefds" <<'EOF2'
#!/usr/bin/env bash
for f in /proc/$$/fd/*; do fd=${f##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
exec "$@"
EOF2
chmod +x "$LAB_DIR/closefds"
lab_agent_config "sip, rtp"
LAB_AGENT_SCHED="chrt -f 1 $LAB_DIR/closefds"
check "agent starts" lab_agent_start --no-table-owner
AGENT=$LAB_AGENT
n=$(find "/proc/$AGENT/fdinfo" -mindepth 1 | wc -l)
check "every descriptor of the running agent is close-on-exec ($n open)" none_leaky "$AGENT"

kill -HUP "$AGENT"; sleep 1
check "after a SIGHUP reload too" none_leaky "$AGENT"

lab_call_server "$LAB_DIR/uas.out"
lab_exec phone python3 "$LAB_SRC/call.py" 10.20.0.10 10.50.0.10 41000 1 >"$LAB_DIR/call.out" 2>&1
check "a call through the gateway is answered" grep -q answered "$LAB_DIR/call.out"
check "after a call's learned media too" none_leaky "$AGENT"
check "... and the agent kept running" kill -0 "$AGENT"

kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_exec gw ip route flush proto 117 >/dev/null 2>&1
lab_agent_log_clean agent_cloexec
