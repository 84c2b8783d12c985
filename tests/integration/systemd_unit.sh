#!/usr/bin/env bash
# The Debian package's unit under a real systemd: a bookworm container booted
# with systemd-nspawn (the host's PID 1 need not be systemd), the .deb
# installed in it, a site on veth interfaces enabled with `systemctl enable
# --now`. Checks Type=notify start-up, the table and route, the hardening as
# the kernel sees it (capabilities, SCHED_FIFO, read-only root), the watchdog,
# reload without self-tampering (the agent's PID is a container's), stop
# leaving the table in force, start adopting it, and purge removing it all.
# The container, its cgroups and everything unpacked are removed on any exit.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here" || exit 1

cache=$here/build/nspawn
tar=$cache/bookworm-systemd.tar
work=$cache/run.$$
root=$work/root
log=$work/log
machine=ucf-unit-$$
cgname=ucf-nspawn-$$
cgroups=()
nspawn_pid=
init_pid=
root_lock=

ok() { echo "PASS: $1"; }
no() { echo "FAIL: $1"; [ -s "$log" ] && tail -n 20 "$log"; }
# no: a command that wrote $log failed; check: a condition, nothing to show.
check() { local name=$1; shift; if "$@"; then ok "$name"; else echo "FAIL: $name"; fi; }
oneline() { local s=${1//$'\n'/; }; echo "${s//$'\t'/ }"; }
# A process that has exited but is not yet reaped is not alive.
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]; }

cleanup() {
	local i cg
	if [ -n "$nspawn_pid" ] && alive "$nspawn_pid"; then
		# An orderly poweroff first (the journal and units stop cleanly),
		# then nspawn's own shutdown on SIGTERM.
		[ -n "$init_pid" ] && timeout 10 nsenter -t "$init_pid" -a systemctl poweroff >/dev/null 2>&1
		for i in $(seq 100); do alive "$nspawn_pid" || break; sleep 0.2; done
		alive "$nspawn_pid" && kill -TERM "$nspawn_pid" 2>/dev/null
		for i in $(seq 25); do alive "$nspawn_pid" || break; sleep 0.2; done
	fi
	# Whatever is still in the container's cgroups was started by this test.
	for cg in "${cgroups[@]}"; do
		[ -d "$cg" ] || continue
		for _ in $(seq 25); do
			pids=$(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
			[ -z "$pids" ] && break
			# shellcheck disable=SC2086 # a list of pids
			kill -KILL $pids 2>/dev/null
			sleep 0.2
		done
	done
	[ -n "$nspawn_pid" ] && wait "$nspawn_pid" 2>/dev/null
	# What nspawn removes itself on a clean exit, but not when killed: its
	# propagation directory and its lock on the root directory's inode.
	rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
	[ -n "$root_lock" ] && rm -f "$root_lock"
	for cg in "${cgroups[@]}"; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$cg" ] && echo "FAIL: cgroup $cg could not be removed"
	done
	# nspawn's mounts live in its own mount namespace; never delete a tree
	# that still has anything mounted under it.
	if [ -d "$work" ]; then
		if findmnt -rn -o TARGET | grep -q "^$work\(/\|$\)"; then
			echo "FAIL: something is still mounted under $work: left in place"
		else
			rm -rf "$work"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$work" && : >"$log" || { echo "FAIL: create $work"; exit 1; }

# ---- the package: build/deb from `make deb` when no tracked file is newer ----
deb=$(ls build/deb/ucfence_*_*.deb 2>/dev/null | grep -v dbgsym | head -n1)
newest=$(git ls-files -z | xargs -0 stat -c %Y 2>/dev/null | sort -n | tail -n1)
if [ -z "$deb" ] || [ "$(stat -c %Y "$deb")" -lt "${newest:-0}" ]; then
	if make -s deb >"$log" 2>&1; then ok "make deb"; else no "make deb"; exit 1; fi
	deb=$(ls build/deb/ucfence_*_*.deb | grep -v dbgsym | head -n1)
fi

# ---- the root: minbase bookworm with systemd and the package's Depends -------
# Cached as a tarball keyed by its package list; each run unpacks a fresh
# copy, so runs are independent.
libs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^\$')
include=$(printf '%s\n' systemd systemd-sysv dbus iproute2 nftables procps $libs | sort -u | paste -sd,)
if [ ! -s "$tar" ] || [ "$(cat "$tar.include" 2>/dev/null)" != "$include" ]; then
	start=$(date +%s)
	if mmdebstrap --variant=minbase --include="$include" bookworm "$cache/new.tar" >"$log" 2>&1 \
		&& mv "$cache/new.tar" "$tar" && echo "$include" >"$tar.include"; then
		ok "mmdebstrap: a minbase bookworm root with systemd and the package's Depends ($(( $(date +%s) - start )) s)"
	else
		rm -f "$cache/new.tar"; no "mmdebstrap bookworm ($include)"; exit 1
	fi
fi
mkdir -p "$root" && tar -C "$root" -xf "$tar" && cp "$deb" "$root/root/ucfence.deb" \
	|| { no "unpack the root and copy the package into it"; exit 1; }

# ---- boot --------------------------------------------------------------------
# --keep-unit makes nspawn put payload/ and supervisor/ under the caller's
# cgroup: give it one of its own in each hierarchy systemd uses, so two
# containers never collide and everything left can be found and removed.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	cgroups=("/sys/fs/cgroup/$cgname")
else
	for h in unified systemd; do [ -d "/sys/fs/cgroup/$h" ] && cgroups+=("/sys/fs/cgroup/$h/$cgname"); done
fi
mkdir "${cgroups[@]}" || { echo "FAIL: create cgroups ${cgroups[*]}"; exit 1; }
root_lock=/run/systemd/nspawn/locks/inode-$(stat -c %d:%i "$root")
(
	for cg in "${cgroups[@]}"; do echo "$BASHPID" >"$cg/cgroup.procs" || exit 1; done
	exec systemd-nspawn -D "$root" -b --private-network --register=no --keep-unit -M "$machine" \
		--console=read-only
) </dev/null >"$work/console.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 100); do
	init_pid=$(pgrep -P "$nspawn_pid" -x systemd | head -n1)
	[ -n "$init_pid" ] && break
	alive "$nspawn_pid" || break
	sleep 0.1
done
if [ -z "$init_pid" ]; then
	cp "$work/console.log" "$log"; no "systemd-nspawn -b boots the container's systemd"; exit 1
fi
ct() { timeout 30 nsenter -t "$init_pid" -a "$@"; }
# Until the manager listens, systemctl cannot ask it (and --wait gives up).
for _ in $(seq 120); do
	state=$(ct systemctl is-system-running 2>/dev/null)
	case $state in running|degraded|maintenance|stopping|offline) break ;; esac
	sleep 0.5
done
case $state in
running|degraded) ok "the container's systemd is up ($state)" ;;
*) cp "$work/console.log" "$log"; no "the container's systemd is not up ($state)"; exit 1 ;;
esac

# Each role on a veth pair (the kernel has no dummy driver); the appliance
# 10.40.0.2 is on app0's link, so the route to the remote subnet can go via it.
ct sh -ec '
	for i in uc0 app0 wan0; do ip link add $i type veth peer name ${i}p; ip link set $i up; ip link set ${i}p up; done
	ip addr add 10.20.0.1/24 dev uc0
	ip addr add 10.40.0.1/24 dev app0
	ip addr add 198.51.100.1/24 dev wan0' >"$log" 2>&1 \
	&& ok "veth interfaces uc0, app0, wan0 in the container" || { no "veth interfaces"; exit 1; }

# ---- install, configure, enable ----------------------------------------------
if ct dpkg -i /root/ucfence.deb >"$log" 2>&1; then ok "dpkg -i in the container"; else no "dpkg -i"; exit 1; fi
[ "$(ct systemctl is-enabled ucfence 2>/dev/null)" = disabled ] && ok "the unit is installed, not enabled" \
	|| echo "FAIL: the unit is not installed disabled ($(ct systemctl is-enabled ucfence 2>&1))"
# (systemd reports a service's WatchdogUSec only once it has started.)
wd=$(ct systemctl cat ucfence 2>/dev/null | sed -n 's/^WatchdogSec=//p')
check "the installed unit sets WatchdogSec=${wd:-nothing}" test -n "$wd"

cfg=$root/etc/ucfence/ucfence.yaml
cat >"$cfg" <<-EOF
	site: { name: nspawn, mode: concentrator }
	interfaces: { uc: [uc0], appliance: app0, wan: wan0 }
	uc:
	  endpoints: [10.20.0.0/24]
	  servers: [10.50.0.0/24]
	  services: [sip, rtp]
	  media: { learn: true, static_range: none, timeout: 60s }
	appliance: { address: 10.40.0.2, remote_subnets: [10.50.0.0/16] }
	enforcement: { action: drop, log_rate: 10/second }
	meraki: { enabled: false }
EOF
# Waiting two periods of the shipped 30 s would take a minute: a runtime
# drop-in shortens it (the agent pings every second, and warns below 2 s).
WD=3
# /run is the container's own tmpfs: written from inside.
ct sh -ec 'mkdir -p /run/systemd/system/ucfence.service.d
	printf "[Service]\nWatchdogSec=%ss\n" "$1" >/run/systemd/system/ucfence.service.d/watchdog.conf
	systemctl daemon-reload' sh "$WD" >"$log" 2>&1 || no "a runtime drop-in WatchdogSec=${WD}s"

t0=$(date +%s%N)
ct systemctl enable --now ucfence >"$log" 2>&1; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
active=$(ct systemctl is-active ucfence)
if [ "$rc" = 0 ] && [ "$active" = active ] && [ "$ms" -lt 5000 ]; then
	ok "systemctl enable --now: active (Type=notify) after $ms ms"
else
	no "systemctl enable --now: $active after $ms ms"
	ct journalctl -u ucfence --no-pager -q -n 20
fi
status=$(ct systemctl show -p StatusText --value ucfence)
wd=$(ct systemctl show -p WatchdogUSec --value ucfence)
check "the service runs with the drop-in's watchdog period ($wd)" test "$wd" = "${WD}s"
check "the agent told systemd its status ($status)" grep -q '^enforcing nspawn' <<<"$status"
main=$(ct systemctl show -p MainPID --value ucfence)
check "... its main PID is $main" test "${main:-0}" -gt 0
started=$(date +%s%N)
table_there() { ct nft list table inet ucfence >/dev/null 2>&1; }
check "table inet ucfence is in the container's kernel" table_there
route_there() { ct ip route show "$1" proto 117 | grep -q "via 10.40.0.2 dev app0"; }
check "the route for remote subnet 10.50.0.0/16 via the appliance, protocol 117" route_there 10.50.0.0/16

# ---- hardening, as the kernel applies it ---------------------------------------
capeff=$(ct awk '/^CapEff:/ {print $2}' "/proc/$main/status")
capbnd=$(ct awk '/^CapBnd:/ {print $2}' "/proc/$main/status")
# CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13.
check "effective capabilities are CAP_NET_ADMIN and CAP_NET_RAW only ($capeff)" test "$capeff" = 0000000000003000
check "... and so is the bounding set ($capbnd)" test "$capbnd" = 0000000000003000
sched=$(ct chrt -p "$main" 2>&1)
fifo1=no
[[ $sched == *"policy: SCHED_FIFO"*"priority: 1" ]] && fifo1=yes
check "scheduling policy SCHED_FIFO priority 1 ($(oneline "$sched"))" test "$fifo1" = yes
ps_=$(ct systemctl show -p ProtectSystem --value ucfence)
check "ProtectSystem=$ps_" test "$ps_" = strict
mountopts() { ct awk -v m="$1" '$5 == m {print $6}' "/proc/$main/mountinfo" | tail -n1; }
o=$(mountopts /)
check "the service's / is mounted read-only ($o)" grep -qE '(^|,)ro(,|$)' <<<"$o"
o=$(mountopts /var/lib/ucfence)
check "... /var/lib/ucfence read-write ($o)" grep -qE '(^|,)rw(,|$)' <<<"$o"
# Root in the service's mount namespace, with every capability: only the
# mount stops the write.
out=$(ct nsenter -t "$main" -m sh -c ': >/etc/ucfence/written-by-test' 2>&1)
check "... a write to /etc in the service's mount namespace fails ($(oneline "$out"))" \
	grep -q "Read-only file system" <<<"$out"

# ---- reload: the change reaches the kernel, and is not tampering ----------------
sed -i 's/services: \[sip, rtp\]/services: [sip, rtp, tftp]/; s|remote_subnets: \[10.50.0.0/16\]|remote_subnets: [10.50.0.0/16, 10.60.0.0/24]|' "$cfg"
check "systemctl reload succeeds" ct systemctl reload ucfence
applied=0
for _ in $(seq 50); do
	ct nft list set inet ucfence uc_svc 2>/dev/null | grep -q "17 \. 69" && route_there 10.60.0.0/24 && { applied=1; break; }
	sleep 0.1
done
check "... the added service (tftp, udp 69) is in set uc_svc and the route for added subnet 10.60.0.0/24 is installed" \
	test "$applied" = 1
st=$(ct ucfence status 2>&1)
check "... ucfence status: 1 reload, none refused" grep -q "1 reloads (0 refused)" <<<"$st"
# A tamper loop shows within a second or two: wait them out before counting.
sleep 2
tampered() { ct ucfence alerts --json 2>/dev/null | grep -c '"kind": *"ruleset-tampered"'; }
reverted() { ct journalctl -u ucfence --no-pager -q | grep -c "tampering reverted"; }
check "... no ruleset-tampered alert in the spool ($(tampered))" test "$(tampered)" = 0
check "... no \"tampering reverted\" in the journal ($(reverted))" test "$(reverted)" = 0
check "... the agent kept its PID" test "$(ct systemctl show -p MainPID --value ucfence)" = "$main"

# The counts above can be non-zero here: tampering from outside is seen. (The
# table itself is the agent's socket's own: the kernel refuses anyone else.)
out=$(ct nft delete table inet ucfence 2>&1)
check "nft delete table from outside the agent: refused by the kernel (table owner)" \
	eval 'grep -q "Operation not permitted" <<<"$out" && table_there'
ct ip route del 10.60.0.0/24 proto 117
back=0
for _ in $(seq 40); do route_there 10.60.0.0/24 && { back=1; break; }; sleep 0.05; done
check "ip route del of the agent's route from outside: restored" test "$back" = 1
for _ in $(seq 20); do [ "$(tampered)" -ge 1 ] && [ "$(reverted)" -ge 1 ] && break; sleep 0.1; done
check "... alerted as ruleset-tampered ($(tampered)) and journalled as tampering reverted ($(reverted))" \
	test "$(tampered)" -ge 1 -a "$(reverted)" -ge 1

# An invalid config is refused by the running agent: it says so, and the
# ruleset stays as it was.
good=$(cat "$cfg")
sed -i 's/services: \[sip, rtp, tftp\]/services: [sip, rtp, tftp, no-such-service]/' "$cfg"
grep -q no-such-service "$cfg" || echo "FAIL: the test could not make the config invalid"
listing() { ct nft list table inet ucfence | sed 's/packets [0-9]* bytes [0-9]*//'; }
l1=$(listing)
check "systemctl reload with an invalid config: the signal is delivered" ct systemctl reload ucfence
refused=0
for _ in $(seq 50); do
	[[ $(ct systemctl show -p StatusText --value ucfence) == "reload refused: "* ]] && { refused=1; break; }
	sleep 0.1
done
check "... systemd's status says the reload was refused ($(ct systemctl show -p StatusText --value ucfence))" test "$refused" = 1
check "... so does the journal" eval 'ct journalctl -u ucfence --no-pager -q | grep -q "reload refused, the running ruleset stays in force"'
check "... the table is unchanged, the agent still running with the same PID" \
	test "$(listing)" = "$l1" -a "$(ct systemctl show -p MainPID --value ucfence)" = "$main"
st=$(ct ucfence status 2>&1)
check "... ucfence status: 2 reloads, 1 refused" grep -q "2 reloads (1 refused)" <<<"$st"

# A reload that takes a remote subnet out: the agent deletes the route
# itself, which is not tampering either.
printf '%s\n' "$good" | sed 's|, 10.60.0.0/24\]|]|' >"$cfg"
grep -q 10.60 "$cfg" && echo "FAIL: the test could not take 10.60.0.0/24 out of the config"
n=$(tampered); r=$(reverted)
check "systemctl reload without remote subnet 10.60.0.0/24" ct systemctl reload ucfence
gone=0
for _ in $(seq 50); do route_there 10.60.0.0/24 || { gone=1; break; }; sleep 0.1; done
check "... its route is removed, the other kept" eval 'test "$gone" = 1 && route_there 10.50.0.0/16'
sleep 1
check "... and that is not tampering (alerts $n -> $(tampered), journal $r -> $(reverted))" \
	test "$(tampered)" = "$n" -a "$(reverted)" = "$r"
good=$(cat "$cfg")

# ---- the watchdog ------------------------------------------------------------------
w1=$(ct systemctl show -p WatchdogTimestampMonotonic --value ucfence)
sleep 1.5
w2=$(ct systemctl show -p WatchdogTimestampMonotonic --value ucfence)
check "the agent pings the watchdog (last ping moved ${w1:-?} -> ${w2:-?})" test "${w2:-0}" -gt "${w1:-0}"
left=$(( 2 * WD * 1000 + 1000 - ($(date +%s%N) - started) / 1000000 ))
[ "$left" -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
check "after $((2 * WD + 1)) s with WatchdogSec=${WD}s: still active" test "$(ct systemctl is-active ucfence)" = active
check "... same main PID, NRestarts=0" \
	test "$(ct systemctl show -p MainPID --value ucfence)" = "$main" -a "$(ct systemctl show -p NRestarts --value ucfence)" = 0
check "... no watchdog timeout in the journal" eval '! ct journalctl -u ucfence --no-pager -q | grep -qi "watchdog timeout"'

# ---- stop leaves the table, start adopts it --------------------------------------
handle() { ct nft -a list table inet ucfence 2>/dev/null | sed -n '1s/.*# handle \([0-9]*\).*/\1/p'; }
h1=$(handle)
n=$(tampered)
ct systemctl stop ucfence >"$log" 2>&1
check "systemctl stop: inactive" test "$(ct systemctl is-active ucfence)" = inactive
check "... no ucfence process left" eval '! ct pgrep -x ucfence >/dev/null'
check "... table inet ucfence still in force (handle $h1)" test -n "$h1" -a "$(handle)" = "$h1"
check "... so are its routes" route_there 10.50.0.0/16
ct systemctl start ucfence >"$log" 2>&1; rc=$?
st=$(ct systemctl status ucfence --no-pager 2>&1)
check "systemctl start: active (running)" test "$rc" = 0 -a "$(ct systemctl is-active ucfence)" = active
check "... status shows it running and enforcing" \
	grep -qz 'Active: active (running).*Status: "enforcing nspawn' <<<"$st"
check "... the table was adopted in place (handle $(handle), was $h1)" test "$(handle)" = "$h1"
check "... adoption is not tampering (alerts: $(tampered), $n before)" test "$(tampered)" = "$n"
check "... the unit never restarted on its own (NRestarts=0)" test "$(ct systemctl show -p NRestarts --value ucfence)" = 0

# A restart with an invalid config: ExecStartPre refuses it, the table
# stays (nobody flushes it), and once the config is fixed the next start
# adopts it.
h1=$(handle)
printf '%s\n' "$good" | sed 's/mode: concentrator/mode: no-such-mode/' >"$cfg"
ct systemctl restart ucfence >"$log" 2>&1; rc=$?
check "systemctl restart with an invalid config fails" test "$rc" != 0
check "... in ExecStartPre (ucfence check)" \
	eval 'ct journalctl -u ucfence --no-pager -q | grep -q "ucfence.service: Control process exited, code=exited"'
check "... which logged why" eval 'ct journalctl -u ucfence --no-pager -q | grep -q "no-such-mode"'
check "... no ucfence running, the table still in force (handle $(handle))" \
	eval '! ct pgrep -x ucfence >/dev/null && test "$(handle)" = "$h1" && route_there 10.50.0.0/16'
printf '%s\n' "$good" >"$cfg"
ct systemctl reset-failed ucfence 2>/dev/null
ct systemctl restart ucfence >"$log" 2>&1; rc=$?
check "config fixed, systemctl restart: active, the table adopted (handle $(handle), was $h1)" \
	test "$rc" = 0 -a "$(ct systemctl is-active ucfence)" = active -a "$(handle)" = "$h1"

# An upgrade (here: the same version reinstalled) restarts the running agent
# on the new binary (postinst's try-restart), which adopts the table.
h1=$(handle); n=$(tampered)
m1=$(ct systemctl show -p MainPID --value ucfence)
if ct dpkg -i /root/ucfence.deb >"$log" 2>&1; then ok "dpkg -i over the running agent (upgrade)"; else no "dpkg -i (upgrade)"; fi
m2=$(ct systemctl show -p MainPID --value ucfence)
check "... restarted it (main PID $m1 -> $m2), active" \
	test "$(ct systemctl is-active ucfence)" = active -a "${m2:-0}" -gt 0 -a "$m2" != "$m1"
check "... which adopted the table (handle $(handle), was $h1) and saw no tampering" \
	test "$(handle)" = "$h1" -a "$(tampered)" = "$n"
check "... and left it enabled" test "$(ct systemctl is-enabled ucfence)" = enabled

# ---- purge ---------------------------------------------------------------------
if ct dpkg --purge ucfence >"$log" 2>&1; then ok "dpkg --purge ucfence"; else no "dpkg --purge ucfence"; fi
check "... stopped the agent" eval '! ct pgrep -x ucfence >/dev/null'
check "... removed table inet ucfence" eval '! table_there'
check "... removed the protocol-117 routes ($(oneline "$(ct ip route show proto 117)"))" \
	test -z "$(ct ip route show proto 117)"
check "... removed /etc/ucfence and /var/lib/ucfence" test ! -e "$root/etc/ucfence" -a ! -e "$root/var/lib/ucfence"
check "... removed the unit and its enablement" \
	test ! -e "$root/lib/systemd/system/ucfence.service" -a ! -e "$root/etc/systemd/system/multi-user.target.wants/ucfence.service"
