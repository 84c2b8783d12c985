#!/usr/bin/env bash
# The agent's systemd notifications, received on a NOTIFY_SOCKET this test
# listens on (the development machine's PID 1 is not systemd, so the unit
# itself cannot run here): READY=1 with a STATUS= naming the site once it
# enforces; with WATCHDOG_USEC set (what WatchdogSec= gives a service),
# WATCHDOG=1 every second; without it, none; SIGHUP gives RELOADING=1 (with
# MONOTONIC_USEC=) then READY=1; SIGTERM gives STOPPING=1.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: agent_notify: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_notify: lab setup"; exit 1; }
lab_agent_config "sip, rtp"
SOCK=$LAB_DIR/notify.sock

listen() { # LOG: records each datagram as one line ("\n" -> " | ")
	rm -f "$SOCK"
	python3 -u - "$SOCK" "$1" <<-'PY' &
		import os, socket, sys
		path, log = sys.argv[1], sys.argv[2]
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(path)
		with open(log, "a") as f:
		    while True:
		        f.write(s.recv(4096).decode().strip().replace("\n", " | ") + "\n")
		        f.flush()
	PY
	LISTENER=$!
	LAB_PIDS+=($LISTENER)
	for _ in $(seq 50); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	return 1
}
count() { grep -c "$1" "$2" 2>/dev/null; }

# ---- with a watchdog ---------------------------------------------------------------
LOG=$LAB_DIR/notify-watchdog.log
check "a NOTIFY_SOCKET listener is up" listen "$LOG"
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=4000000 lab_agent_start --no-table-owner
check "the agent starts with NOTIFY_SOCKET and WATCHDOG_USEC set" test $? = 0
sleep 3.5
check "READY=1 with STATUS= naming the site ($(grep -m1 READY "$LOG"))" \
	grep -q "^READY=1 | STATUS=enforcing lab (concentrator mode)" "$LOG"
n=$(count "^WATCHDOG=1$" "$LOG")
check "WATCHDOG=1 about every second (${n:-0} in 3.5 s)" test "${n:-0}" -ge 2 -a "${n:-0}" -le 5
kill -HUP "$LAB_AGENT"
sleep 1
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC=, then READY=1" \
	python3 -c '
import sys
lines = open(sys.argv[1]).read().splitlines()
i = next(i for i, l in enumerate(lines) if l.startswith("RELOADING=1 | MONOTONIC_USEC="))
assert any(l.startswith("READY=1") for l in lines[i + 1:])' "$LOG"
kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
check "SIGTERM: STOPPING=1" grep -q "^STOPPING=1$" "$LOG"
kill "$LISTENER"; wait "$LISTENER" 2>/dev/null

# ---- without -------------------------------------------------------------------------
LOG=$LAB_DIR/notify-plain.log
listen "$LOG"
NOTIFY_SOCKET=$SOCK lab_agent_start
check "the agent starts with NOTIFY_SOCKET only" test $? = 0
sleep 2.5
check "READY=1 again" grep -q "^READY=1" "$LOG"
n=$(count "^WATCHDOG=1$" "$LOG")
check "no WATCHDOG=1 without WatchdogSec= (${n:-0})" test "${n:-0}" -eq 0
kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_notify
