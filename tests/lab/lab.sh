# lab.sh — a network-namespace lab for ucfence's tests. Source it, then:
#
#   lab_init                 unique ids, temp dir, cleanup traps (EXIT/INT/TERM)
#   lab_up concentrator|appliance
#                            builds the lab below (IPv4 and IPv6)
#   lab_config MODE [ACTION] writes a site config for the lab, prints its path
#   lab_exec NODE CMD...     runs CMD in NODE's namespace (gw, phone, data, mx,
#                            remote, stray, inet, lan; scratch is an empty one)
#   lab_probe NODE tcp|udp HOST PORT [MS [SRCADDR [SRCPORT]]]
#                            labnet probe from NODE (exit codes: 0 answered,
#                            1 silence, 3 refused, 4 ICMP error)
#   lab_counter NAME         packets of ucfence's named counter in gw (0 if none)
#   lab_agent_config, lab_agent_start, lab_agent_status, lab_agent_log_clean
#                            the agent as a process in gw (see below)
#   lab_drops, lab_call_server   drops of all reasons; a call server echoing media
#   lab_down                 removes everything lab_init/lab_up made (the traps
#                            call it; safe to call twice)
#
# Every namespace is named ucfNNNN-NODE (NNNN: the shell's pid plus a random
# part), so parallel runs never collide, and traffic only ever flows between
# namespaces this lab made.
#
#  concentrator: phone(10.20.0.10) ─uc0─┐            ┌─ remote UC servers 10.50.0.10
#                data (10.30.0.10) ─data0─ GW ─appl0─ MX(A=10.40.0.2) ─ stray laptop 10.41.0.10
#                                        └─wan0─ inet (web .80, UC server .10, cloud .73
#                                                      in 198.51.100.0/24; 2001:db8:80::/64)
#  appliance:    phones 10.20.0.0/24 sit behind the MX (masqueraded to A); a
#                local UC device (10.21.0.10) stays on uc0; the UC server S is
#                198.51.100.10 on the internet side.

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_SRC/../.." && pwd)
LAB_NODES=(gw phone data mx remote stray inet lan scratch)

lab_init() {
	LAB_ID="ucf$$$((RANDOM % 100))"
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$LAB_ID.XXXXXX")
	LAB_PIDS=()
	LAB_UP=0
	trap 'lab_down' EXIT
	trap 'echo "interrupted"; exit 130' INT TERM
	make -s -C "$LAB_REPO" build/lab/labnet >/dev/null || return 1
	LABNET="$LAB_REPO/build/lab/labnet"
}

lab_ns() { echo "$LAB_ID-$1"; }

# lab_tamper_table: deletes ucfence's table in gw as an outsider would and
# prints how many 50 ms steps passed before it was back (0: not within 1 s).
lab_tamper_table() {
	local i
	lab_exec gw nft delete table inet ucfence
	for i in $(seq 20); do
		lab_exec gw nft list table inet ucfence >/dev/null 2>&1 && { echo "$i"; return; }
		sleep 0.05
	done
	echo 0
}

# lab_uac_scenario FILE: sipp's uac_pcap scenario with its RTP files found,
# and media starting 20 ms after the ACK. A pinhole names both ends, so the
# phone's media to the far end may pass only once the answer (captured on its
# way to the phone) is in the kernel, a fraction of a millisecond later; a
# phone opens its audio path a few milliseconds after the answer, sipp at
# once.
lab_uac_scenario() {
	sipp -sd uac_pcap >"$1" 2>/dev/null # exits 1 after printing
	sed -i "s|pcap/g711a.pcap|/usr/share/sip-tester/g711a.pcap|; s|pcap/dtmf_2833_1.pcap|/usr/share/sip-tester/dtmf_2833_1.pcap|" "$1"
	# the first <nop> (play_pcap_audio) follows the ACK
	sed -i '0,/^  <nop>/s//  <pause milliseconds="20"\/>\n\n  <nop>/' "$1"
	grep -q '<pause milliseconds="20"/>' "$1"
}

lab_exec() {
	local node=$1
	shift
	ip netns exec "$(lab_ns "$node")" "$@"
}

lab_down() {
	local pid node left
	# a backgrounded lab_exec is a subshell: its child (ip netns exec's
	# command) is what must end, or it outlives the test holding its fds
	for pid in "${LAB_PIDS[@]}"; do
		pkill -P "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
	done
	for pid in "${LAB_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	LAB_PIDS=()
	# anything still running inside the lab's namespaces is the lab's too
	for node in "${LAB_NODES[@]}"; do
		left=$(ip netns pids "$(lab_ns "$node")" 2>/dev/null)
		[ -n "$left" ] && kill $left 2>/dev/null
	done
	for node in "${LAB_NODES[@]}"; do
		left=$(ip netns pids "$(lab_ns "$node")" 2>/dev/null)
		[ -n "$left" ] && sleep 0.2 && kill -9 $left 2>/dev/null
		ip netns del "$(lab_ns "$node")" 2>/dev/null
	done
	[ -n "${LAB_DIR:-}" ] && rm -rf "$LAB_DIR"
	LAB_DIR=
	return 0
}

# lab_link NODE_A IF_A NODE_B IF_B: a veth pair, made inside NODE_A so no
# name ever appears in the caller's namespace.
lab_link() {
	ip -n "$(lab_ns "$1")" link add "$2" type veth peer name "$4" netns "$(lab_ns "$3")"
	ip -n "$(lab_ns "$1")" link set "$2" up
	ip -n "$(lab_ns "$3")" link set "$4" up
}

lab_addr() {
	local node=$1 dev=$2
	shift 2
	local a
	for a in "$@"; do
		case $a in
		*:*) ip -n "$(lab_ns "$node")" addr add "$a" dev "$dev" nodad ;;
		*) ip -n "$(lab_ns "$node")" addr add "$a" dev "$dev" ;;
		esac
	done
}

# lab_route NODE [-6] ROUTE...: ip [-6] route add ROUTE in NODE.
lab_route() {
	local node=$1 fam=
	shift
	[ "$1" = -6 ] && { fam=-6; shift; }
	ip -n "$(lab_ns "$node")" $fam route add "$@"
}

lab_router() {
	lab_exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# lab_serve NODE NAME SPEC...: labnet answering on each tcp:PORT/udp:PORT.
lab_serve() {
	local node=$1
	shift
	# A simple command (not a function) so $! is labnet itself.
	ip netns exec "$(lab_ns "$node")" "$LABNET" serve "$@" &
	LAB_PIDS+=($!)
}

lab_probe() {
	local node=$1
	shift
	lab_exec "$node" "$LABNET" probe "$1" "$2" "$3" "${4:-700}" "${6:-0}" ${5:+"$5"}
}

# lab_ping NODE HOST [SECONDS]: one ICMP echo from NODE; 0 when answered
# (python's raw socket: the image has no ping).
lab_ping() {
	lab_exec "$1" python3 - "$2" "${3:-1}" <<-'EOF'
		import socket, struct, sys, time
		host, wait = sys.argv[1], float(sys.argv[2])
		s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
		def csum(b):
		    n = sum(struct.unpack("!%dH" % (len(b) // 2), b))
		    n = (n >> 16) + (n & 0xFFFF)
		    return ~(n + (n >> 16)) & 0xFFFF
		ident = 0x5543
		body = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"ucfence-lab"
		body = body[:2] + struct.pack("!H", csum(body + b"\0")) + body[4:]
		s.sendto(body, (host, 0))
		end = time.time() + wait
		while time.time() < end:
		    s.settimeout(max(0.01, end - time.time()))
		    try:
		        data, addr = s.recvfrom(2048)
		    except socket.timeout:
		        break
		    ihl = (data[0] & 15) * 4
		    if addr[0] == host and data[ihl] == 0 and struct.unpack("!H", data[ihl + 4:ihl + 6])[0] == ident:
		        sys.exit(0)
		sys.exit(1)
	EOF
}

lab_counter() {
	local n
	n=$(lab_exec gw nft list counter inet ucfence "$1" 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\).*/\1/p')
	echo "${n:-0}"
}

lab_up() {
	local mode=$1 node
	for node in "${LAB_NODES[@]}"; do
		ip netns add "$(lab_ns "$node")" || return 1
		lab_exec "$node" ip link set lo up
	done
	LAB_UP=1
	lab_router gw
	lab_router mx

	lab_link gw wan0 inet eth0
	lab_addr gw wan0 192.0.2.1/24 fd00:99::1/64
	lab_addr inet eth0 192.0.2.2/24 fd00:99::2/64
	# .73 stands for the Meraki cloud (appliance.cloud), .88 for a
	# connectivity check host, 203.0.113.20/.21 for AutoVPN peers.
	lab_addr inet lo 198.51.100.80/32 198.51.100.10/32 198.51.100.73/32 \
		198.51.100.88/32 203.0.113.20/32 203.0.113.21/32 \
		2001:db8:80::80/128 2001:db8:80::10/128
	lab_route gw default via 192.0.2.2
	lab_route gw -6 default via fd00:99::2
	lab_route inet 10.0.0.0/8 via 192.0.2.1
	lab_route inet -6 fd00::/8 via fd00:99::1

	lab_link gw data0 data eth0
	lab_addr gw data0 10.30.0.1/24 fd00:30::1/64
	lab_addr data eth0 10.30.0.10/24 fd00:30::10/64
	lab_route data default via 10.30.0.1
	lab_route data -6 default via fd00:30::1

	lab_link gw appl0 mx gw0
	lab_addr gw appl0 10.40.0.1/24 fd00:40::1/64
	lab_addr mx gw0 10.40.0.2/24 fd00:40::2/64
	lab_route mx default via 10.40.0.1
	lab_route mx -6 default via fd00:40::1

	# A stray laptop on the MX's spare port: routed by the MX, never NATed.
	lab_link mx stray0 stray eth0
	lab_addr mx stray0 10.41.0.1/24 fd00:41::1/64
	lab_addr stray eth0 10.41.0.10/24 fd00:41::10/64
	lab_route stray default via 10.41.0.1
	lab_route stray -6 default via fd00:41::1
	# The site's own static routes: ucfence must never touch them.
	lab_route gw 10.41.0.0/24 via 10.40.0.2 proto static
	lab_route gw -6 fd00:41::/64 via fd00:40::2 proto static

	if [ "$mode" = concentrator ]; then
		lab_link gw uc0 phone eth0
		lab_addr gw uc0 10.20.0.1/24 fd00:20::1/64
		lab_addr phone eth0 10.20.0.10/24 fd00:20::10/64
		lab_route phone default via 10.20.0.1
		lab_route phone -6 default via fd00:20::1
		# The remote UC site behind the VPN, reached through the MX.
		lab_link mx lan0 remote eth0
		lab_addr mx lan0 10.50.0.1/24 fd00:50::1/64
		lab_addr remote eth0 10.50.0.10/24 fd00:50::10/64
		lab_route remote default via 10.50.0.1
		lab_route remote -6 default via fd00:50::1
		# Routes ucfence does not own: v6 R (A is IPv4) and, until the first
		# apply replaces it with protocol 117, v4 R.
		lab_route gw -6 fd00:50::/48 via fd00:40::2 proto static
		lab_route gw 10.50.0.0/16 via 10.40.0.2 proto static
		lab_serve remote remote tcp:5060 udp:5060 tcp:5061 tcp:2000 udp:20000 udp:69 tcp:80
		lab_serve phone phone tcp:80 udp:5060 tcp:5060
	else
		# Phones behind the MX, masqueraded to A on the way to the gateway.
		lab_link mx lan0 phone eth0
		lab_addr mx lan0 10.20.0.1/24 fd00:20::1/64
		lab_addr phone eth0 10.20.0.10/24 fd00:20::10/64
		lab_route phone default via 10.20.0.1
		lab_route phone -6 default via fd00:20::1
		lab_exec mx nft -f - <<-EOF
			table ip labnat {
				chain post {
					type nat hook postrouting priority srcnat; policy accept;
					oifname "gw0" ip saddr 10.20.0.0/24 masquerade
				}
			}
		EOF
		lab_serve mx mx udp:5060 tcp:80 udp:9350 udp:40000
		lab_serve phone phone tcp:80
	fi
	# A UC device on the gateway's own uc port (both modes have one).
	if [ "$mode" = appliance ]; then
		lab_link gw uc0 lan eth0
		lab_addr gw uc0 10.21.0.1/24 fd00:21::1/64
		lab_addr lan eth0 10.21.0.10/24 fd00:21::10/64
		lab_route lan default via 10.21.0.1
		lab_route lan -6 default via fd00:21::1
		lab_serve lan lan tcp:80
	fi
	lab_serve data data tcp:80
	lab_serve inet inet tcp:80 tcp:443 udp:5060 tcp:5061 udp:7351 udp:9350 udp:20000 udp:40000
	lab_serve gw gw udp:53 tcp:22
	# The site firewall's own table: ucfence must never touch it.
	lab_exec gw nft -f - <<-EOF
		table inet site {
			chain site_forward {
				type filter hook forward priority filter; policy accept;
				counter
			}
		}
	EOF
	# Link-local addresses (neighbour discovery's source) stay tentative
	# until DAD ends, about 1-2 s after a link comes up: until then IPv6
	# neighbours do not answer, and the first IPv6 probes would fail.
	local waited
	for node in "${LAB_NODES[@]}"; do
		for waited in $(seq 100); do
			[ -z "$(ip -n "$(lab_ns "$node")" -6 addr show tentative)" ] && break
			sleep 0.05
		done
	done
	sleep 0.3 # let the listeners bind
}

# lab_config MODE [ACTION]: the site config matching the lab. Its static range
# is a plain port range and TLS calls are off (labnet's probes are not RTP);
# enforce_tls_media.sh tests both.
lab_config() {
	local mode=$1 action=${2:-drop} f="$LAB_DIR/site-$1-${2:-drop}.yaml"
	if [ "$mode" = concentrator ]; then
		cat >"$f" <<-EOF
			site: { name: lab, mode: concentrator }
			interfaces: { uc: [uc0], data: [data0], appliance: appl0, wan: wan0 }
			uc:
			  endpoints: [10.20.0.0/24, "fd00:20::/64"]
			  servers: [10.50.0.0/24, 198.51.100.10, "fd00:50::/64"]
			  services: [sip, sip-tls, sccp, rtp, tftp, stun]
			  media: { learn: true, static_range: 16384-32767, timeout: 120s, tls_calls: false, shape_check: false }
			appliance:
			  address: 10.40.0.2
			  remote_subnets: [10.50.0.0/16, "fd00:50::/48"]
			  cloud: [198.51.100.73]
			  connectivity_checks: [198.51.100.88]
			  vpn_peers: [203.0.113.20]
			  resolvers: [192.0.2.2]
			  time_servers: [192.0.2.2]
			enforcement: { action: $action, log_rate: 10/second }
			meraki: { enabled: false }
			state_dir: $LAB_DIR
		EOF
	else
		cat >"$f" <<-EOF
			site: { name: lab, mode: appliance }
			interfaces: { uc: [uc0], data: [data0], appliance: appl0, wan: wan0 }
			uc:
			  endpoints: [10.20.0.0/24, 10.21.0.0/24, "fd00:21::/64"]
			  servers: [198.51.100.10, "2001:db8:80::10"]
			  services: [sip, sip-tls, sccp, rtp, tftp, stun]
			  media: { learn: true, static_range: 16384-32767, timeout: 120s, tls_calls: false, shape_check: false }
			appliance:
			  address: 10.40.0.2
			  cloud: [198.51.100.73]
			  connectivity_checks: [198.51.100.88]
			  vpn_peers: [203.0.113.20]
			  resolvers: [192.0.2.2]
			  time_servers: [192.0.2.2]
			enforcement: { action: $action, log_rate: 10/second }
			meraki: { enabled: false }
			state_dir: $LAB_DIR
		EOF
	fi
	echo "$f"
}

# ---- assertions shared by the enforcement tests ------------------------------

# Command output on one line, for PASS/FAIL messages.
oneline() { local s=${1//$'\n'/; }; echo "${s//$'\t'/ }"; }

LAB_REASONS=(non-target-uc non-target-appliance uc-bypass-vpn non-target-to-gateway non-uc-protocol
	cleartext-signalling non-media-shape)

lab_counters() {
	local r out=
	for r in "${LAB_REASONS[@]}"; do out+="$(lab_counter "$r") "; done
	echo "$out"
}

# lab_case NAME EXPECT COUNTER NODE PROTO HOST PORT [SRCADDR]
#   EXPECT: pass (answered) | block (silence) | refused | icmp
#   COUNTER: the reason counter that must move, or - for none (no counter
#   may move). Prints PASS:/FAIL: lines.
lab_case() {
	local name=$1 expect=$2 counter=$3 node=$4 proto=$5 host=$6 port=$7 src=${8:-}
	local before after rc want got i moved=
	before=($(lab_counters))
	lab_probe "$node" "$proto" "$host" "$port" 700 $src >/dev/null 2>&1
	rc=$?
	after=($(lab_counters))
	case $expect in pass) want=0 ;; block) want=1 ;; refused) want=3 ;; icmp) want=4 ;; esac
	for i in "${!LAB_REASONS[@]}"; do
		[ "${after[$i]}" != "${before[$i]}" ] && moved+="${LAB_REASONS[$i]} "
	done
	got=${moved% }
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $name: expected $expect (exit $want), probe exited $rc; counters moved: ${got:-none}"
	elif [ "$counter" = - ] && [ -n "$got" ]; then
		echo "FAIL: $name: no counter should move, but $got did"
	elif [ "$counter" != - ] && [ "$got" != "$counter" ]; then
		echo "FAIL: $name: counter $counter should move alone; moved: ${got:-none}"
	else
		echo "PASS: $name ($expect${counter:+, }$([ "$counter" = - ] && echo "no counter" || echo "$counter"))"
	fi
}

# lab_matrix baseline|enforced|LABEL CASE...: runs lab_case for each
# "name|expect|counter|node|proto|host|port[|srcaddr]". In the baseline (no
# ucfence) every case must get through: "refused" cases stay refused.
lab_matrix() {
	local phase=$1 c name expect counter node proto host port src
	shift
	for c in "$@"; do
		IFS='|' read -r name expect counter node proto host port src <<<"$c"
		if [ "$phase" = baseline ]; then
			[ "$expect" = refused ] || expect=pass
			counter=-
		fi
		lab_case "$phase: $name" "$expect" "$counter" "$node" "$proto" "$host" "$port" $src
	done
}

# check NAME COMMAND...: PASS if COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then echo "PASS: $name"; else echo "FAIL: $name"; fi
}

# lab_same_as_plan PLAN-TEXT: the live table equals PLAN-TEXT loaded by nft -f
# into the scratch namespace.
lab_same_as_plan() {
	local live ref
	lab_exec scratch nft delete table inet ucfence 2>/dev/null
	lab_exec scratch nft -f - <<<"$1" || { echo "FAIL: nft -f of plan's output"; return; }
	live=$(lab_exec gw nft list table inet ucfence | lab_normalize)
	ref=$(lab_exec scratch nft list table inet ucfence | lab_normalize)
	if [ -n "$live" ] && [ "$live" = "$ref" ]; then
		echo "PASS: nft list table inet ucfence equals plan's output loaded by nft -f"
	else
		echo "FAIL: nft list table inet ucfence differs from plan's output loaded by nft -f:"
		diff <(echo "$ref") <(echo "$live") | head -40
	fi
}

# A listing with volatile parts removed: counter values, element expiry,
# table flags (nft -f cannot set ours), and sorted element lists (hash sets
# list in hash order).
lab_normalize() {
	perl -0pe '
		s/\n\t+packets \d+ bytes \d+//g;
		s/ expires [0-9hms]+//g;
		s/\n\tflags [a-z, ]*\n(\n)?/\n/g;
		s/ # progname \S+//g;
		s#elements = \{([^}]*)\}#"elements = { " . join(", ", sort map { my $e = $_; $e =~ s/^\s+//; $e =~ s/\s+\z//; $e } split(/,/, $1)) . " }"#ge;
	'
}

# ---- the agent in the lab -------------------------------------------------------
# lab_agent_config [SERVICES [EXTRA-YAML]]: the concentrator-mode site the
# agent tests share (media learned only: no static range) at
# $LAB_DIR/site.yaml; EXTRA-YAML lines are appended; LAB_MEDIA_TIMEOUT sets
# uc.media.timeout (default 60s), LAB_STATIC_RANGE uc.media.static_range
# (default none).
lab_agent_config() {
	cat >"$LAB_DIR/site.yaml" <<-EOF2
		site: { name: lab, mode: concentrator }
		interfaces: { uc: [uc0], data: [data0], appliance: appl0, wan: wan0 }
		uc:
		  endpoints: [10.20.0.0/24, "fd00:20::/64"]
		  servers: [10.50.0.0/24, "fd00:50::/64"]
		  services: [${1:-sip, rtp}]
		  media: { learn: true, static_range: ${LAB_STATIC_RANGE:-none}, timeout: ${LAB_MEDIA_TIMEOUT:-60s} }
		appliance: { address: 10.40.0.2, remote_subnets: [10.50.0.0/16] }
		enforcement: { action: drop, log_rate: 100/second, violation_window: 10s }
		alerts: { syslog: false }
		state_dir: $LAB_DIR/state
		${2:-}
	EOF2
}

# lab_agent_status: `ucfence status --json` of the lab's agent.
lab_agent_status() { "${UCFENCE:-$LAB_REPO/ucfence}" status --json --control "$LAB_DIR/control.sock"; }

# lab_agent_start [RUN-OPTIONS...]: `ucfence run` ($UCFENCE) in gw with
# $LAB_DIR/site.yaml, its stderr appended to $LAB_DIR/agent.log; sets
# LAB_AGENT to its pid and returns once status answers (1 with the log's
# tail if it does not within 10 s). Environment given to the call (e.g.
# ASAN_OPTIONS) reaches the agent. It runs with SCHED_FIFO priority 1, as
# the package's unit starts it (CPUSchedulingPolicy=fifo); LAB_AGENT_SCHED
# replaces that command prefix ("" for the default policy).
lab_agent_start() {
	# shellcheck disable=SC2086 # the prefix is words
	ip netns exec "$(lab_ns gw)" ${LAB_AGENT_SCHED-chrt -f 1} "${UCFENCE:-$LAB_REPO/ucfence}" run -c "$LAB_DIR/site.yaml" \
		--rules "$LAB_REPO/rules" --control "$LAB_DIR/control.sock" "$@" \
		2>>"$LAB_DIR/agent.log" &
	LAB_AGENT=$!
	LAB_PIDS+=($LAB_AGENT)
	for _ in $(seq 100); do
		lab_agent_status >/dev/null 2>&1 && return 0
		kill -0 "$LAB_AGENT" 2>/dev/null || break
		sleep 0.1
	done
	echo "the agent did not come up:"
	tail -n 20 "$LAB_DIR/agent.log"
	return 1
}

# lab_drops: packets ucfence's table refused so far, all reasons together.
lab_drops() {
	local t=0 r
	for r in "${LAB_REASONS[@]}"; do t=$((t + $(lab_counter "$r"))); done
	echo "$t"
}

# lab_call_server OUT [HTTP-BYTES]: replaces the lab's answering service on
# the remote UC server (10.50.0.10) with uas_echo.py: SIP on udp/5060 and
# tcp/5060, each call's media on ports of its own from 52000, echoed (and
# HTTP-BYTES of body for an HTTP request on tcp/5060). Its final line goes
# to OUT; sets LAB_UAS to its pid.
lab_call_server() {
	ip netns pids "$(lab_ns remote)" | xargs -r kill
	sleep 0.2
	ip netns exec "$(lab_ns remote)" python3 "$LAB_SRC/uas_echo.py" 10.50.0.10 5060 52000 ${2:+"$2"} \
		>"$1" 2>>"$LAB_DIR/uas.log" &
	LAB_UAS=$!
	LAB_PIDS+=($LAB_UAS)
	sleep 0.5
}

# lab_agent_log_clean NAME: a PASS/FAIL line on sanitizer reports in the log.
lab_agent_log_clean() {
	if grep -q "ERROR: AddressSanitizer\|runtime error" "$LAB_DIR/agent.log"; then
		echo "FAIL: $1: sanitizer error: $(grep -m1 -A3 'ERROR\|runtime error' "$LAB_DIR/agent.log")"
	else
		echo "PASS: $1: no sanitizer errors in the agent's log"
	fi
}
