#!/usr/bin/env bash
# Appliance mode with the agent and a simulated Dashboard: the appliance's
# own traffic goes only where it may (the Meraki cloud, its configured and
# learned AutoVPN peers, its connectivity checks); a host behind the MX
# browsing over 443 is dropped and alerted with its destination; an AutoVPN
# peer learned from the uplink statuses opens, and closes vpn_peer_timeout
# after a fetch that no longer lists it; the simulator killed leaves the
# learned peers in force; a restart reloads them from STATE_DIR. `ucfence
# status --json` follows them in figures (learned 0 -> 1 -> 0, the last
# fetch, a failed fetch), never with an address.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
SIM=$LAB_REPO/tests/meraki-sim

lab_init || { echo "FAIL: appliance_peers: lab tools"; exit 1; }
lab_up appliance || { echo "FAIL: appliance_peers: lab setup"; exit 1; }
M=$LAB_DIR/meraki
STATE=$LAB_DIR
mkdir -p "$M"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
in_gw() { ip netns exec "$(lab_ns gw)" "$@"; }
must() { if "${@:2}"; then echo "PASS: $1"; else echo "FAIL: $1"; exit 1; fi; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
# in_set SET ADDR: ADDR is an element of ucfence's SET now
in_set() { lab_exec gw nft list set inet ucfence "$1" 2>/dev/null | grep -qw "$2"; }
# wait_for SECONDS CMD...: CMD succeeds within SECONDS
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do "$@" && return 0; sleep 0.5; done
	"$@"
}
not() { ! "$@"; }
# peers_status EXPR: EXPR (Python, over the fields of the status's
# appliance.vpn_peers) holds now
peers_status() {
	lab_agent_status 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)["appliance"]["vpn_peers"]
sys.exit(0 if eval(sys.argv[1], {}, v) else 1)' "$1"
}

# ---- the simulated Dashboard on gw's loopback -----------------------------------
(cd "$M" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out ca.pem -days 2 -subj "/CN=ucfence test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key \
		-out srv.csr -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >ext.cnf &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
		-days 2 -extfile ext.cnf) >/dev/null 2>&1
must "test CA and server certificate" test -s "$M/srv.pem"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$M/key"
chmod 0600 "$M/key"
# scenario PEERS...: the uplink statuses list these public addresses (plus
# the site's own appliance and a private address, both to be refused); the
# third-party peers a hostname-only peer and a loopback address.
scenario() {
	python3 - "$M/sc.json" "$M/key" "$@" <<-'EOF'
		import json, sys
		path, key, peers = sys.argv[1], sys.argv[2], sys.argv[3:]
		ups = [{"serial": "Q2SELF", "networkId": "N_1",
		        "uplinks": [{"interface": "wan1", "status": "active", "publicIp": "10.40.0.2"}]},
		       {"serial": "Q2PRIV", "networkId": "N_2",
		        "uplinks": [{"interface": "wan1", "status": "active", "publicIp": "10.9.9.9"}]}]
		for i, p in enumerate(peers):
		    ups.append({"serial": "Q2P%d" % i, "networkId": "N_9",
		                "uplinks": [{"interface": "wan1", "status": "active", "publicIp": p},
		                            {"interface": "wan2", "status": "not connected"}]})
		doc = {"api_key_file": key, "uplinkStatuses": ups,
		       "thirdPartyVPNPeers": [{"name": "byname", "publicHostname": "vpn.example"},
		                              {"name": "lo", "publicIp": "127.0.0.1"}]}
		tmp = path + ".tmp"
		json.dump(doc, open(tmp, "w"))
		import os
		os.replace(tmp, path)
	EOF
}
start_sim() {
	rm -f "$M/api.port"
	# not through in_gw: $! must be the simulator itself (ip netns exec
	# execs it), or killing it below would leave the Dashboard answering
	ip netns exec "$(lab_ns gw)" python3 "$SIM/sim.py" --cert "$M/srv.pem" --key "$M/srv.key" --scenario "$M/sc.json" \
		--log "$M/api.log" --port-file "$M/api.port" --port "${1:-0}" 2>>"$M/sim.err" &
	SIM_PID=$!
	LAB_PIDS+=($SIM_PID)
	wait_file "$M/api.port"
}
scenario
start_sim
must "simulated Dashboard listening" test -s "$M/api.port"
PORT=$(cat "$M/api.port")

cp "$(lab_config appliance drop)" "$LAB_DIR/site.yaml"
sed -i -e "s/^\(  time_servers: .*\)$/\1\n  vpn_peer_timeout: 20s/" -e '/^meraki:/d' "$LAB_DIR/site.yaml"
cat >>"$LAB_DIR/site.yaml" <<EOF
alerts: { syslog: false }
meraki:
  enabled: true
  base_url: https://127.0.0.1:$PORT/api/v1
  api_key_file: $M/key
  organization_id: "549236"
  network_ids: [N_1]
  poll_interval: 10s
  vpn_peers_interval: 10s
  lookback: 1h
  ca_file: $M/ca.pem
EOF
must "the agent starts with the watcher" lab_agent_start --no-table-owner -v

# ---- the appliance's own traffic, by destination -----------------------------------
lab_case "appliance->Meraki cloud (appliance.cloud)" pass - mx udp 198.51.100.73 7351
lab_case "appliance->configured VPN peer" pass - mx udp 203.0.113.20 40000
check "appliance ping to its connectivity check host passes" lab_ping mx 198.51.100.88 2
lab_case "phone behind the MX->non-Meraki HTTPS is dropped" block non-target-appliance \
	phone tcp 198.51.100.80 443
check "the drop is alerted with its destination" wait_for 10 python3 - "$STATE/alerts.jsonl" <<-'EOF'
	import json, os, sys
	if not os.path.exists(sys.argv[1]):
	    sys.exit(1)
	for line in open(sys.argv[1]):
	    a = json.loads(line)
	    d = a.get("details", {})
	    if d.get("reason") == "non-target-appliance" and "198.51.100.80:443" in d.get("destinations", []) \
	       and "to 198.51.100.80:443" in a.get("summary", ""):
	        sys.exit(0)
	sys.exit(1)
EOF

# ---- a peer learned from the Dashboard --------------------------------------------
check "status: a fetch listing no peer leaves learned at 0 (1 configured)" \
	wait_for 30 peers_status "learning and last_fetch > 0 and learned == 0 and configured == 1"
check "status: the refused addresses are counted" peers_status "refused >= 2"
scenario 203.0.113.21
check "status: learned goes to 1 when the Dashboard lists a peer" \
	wait_for 30 peers_status "learned == 1 and not last_fetch_failed"
check "status --json carries no peer address" bash -c \
	"! ${UCFENCE@Q} status --json --control $LAB_DIR/control.sock | grep -Eq '203\.0\.113\.2[01]|10\.9\.9\.9'"
check "status (text) shows the learned count" bash -c \
	"${UCFENCE@Q} status --control $LAB_DIR/control.sock | grep -q '^vpn peers *1 configured, 1 learned'"
check "a peer from the uplink statuses is learned (vpn_peers4)" \
	wait_for 30 in_set vpn_peers4 203.0.113.21
check "the site's own appliance is refused as a peer" not in_set vpn_peers4 10.40.0.2
check "a private address from the API is refused" not in_set vpn_peers4 10.9.9.9
check "a loopback third-party peer is refused" not in_set vpn_peers4 127.0.0.1
check "the element runs out on its own" bash -c \
	"ip netns exec $(lab_ns gw) nft list set inet ucfence vpn_peers4 | grep -q '203.0.113.21.* expires '"
lab_case "appliance->learned VPN peer passes" pass - mx udp 203.0.113.21 40000
lab_case "learned VPN peer->appliance passes" pass - inet udp 10.40.0.2 40000 203.0.113.21
check "the learned peers are persisted" grep -q '"203.0.113.21"' "$STATE/vpn-peers.json"
check "the peers were read with the uplink statuses call" \
	grep -q '/organizations/549236/appliance/uplink/statuses' "$M/api.log"

# ---- gone from the Dashboard: closes after the timeout ----------------------------
scenario
current() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if not any(p["current"] for p in d["peers"]) else 1)' "$STATE/vpn-peers.json"; }
check "the next fetch no longer lists it" wait_for 30 current
t_gone=$SECONDS
check "within the timeout it is still in force" in_set vpn_peers4 203.0.113.21
check "it times out after vpn_peer_timeout" wait_for 30 not in_set vpn_peers4 203.0.113.21
check "status: learned back to 0 once it timed out" wait_for 5 peers_status "learned == 0"
check "... not before (took $((SECONDS - t_gone)) s of at most 20)" test $((SECONDS - t_gone)) -le 22
lab_case "appliance->former VPN peer is dropped" block non-target-appliance mx udp 203.0.113.21 40000

# ---- the watcher's source gone: the last known good stays -------------------------
scenario 203.0.113.21
check "listed again, it is learned again" wait_for 30 in_set vpn_peers4 203.0.113.21
kill "$SIM_PID" 2>/dev/null
wait "$SIM_PID" 2>/dev/null
sleep 30 # longer than vpn_peer_timeout: only the agent's re-arming keeps it
check "the Dashboard unreachable for longer than the timeout: the peer stays" \
	in_set vpn_peers4 203.0.113.21
# a failing cycle retries each call with backoff before it gives up: allow
# for two cycles
check "status: the failed fetch shows, the peer still counted" \
	wait_for 30 peers_status "last_fetch_failed and fetch_failures >= 1 and learned == 1"
lab_case "... and passes" pass - mx udp 203.0.113.21 40000

# ---- restart: the persisted peers come back before any fetch ----------------------
kill "$LAB_AGENT" 2>/dev/null
wait "$LAB_AGENT" 2>/dev/null
lab_exec gw nft flush set inet ucfence vpn_peers4
check "the set emptied while the agent is down" not in_set vpn_peers4 203.0.113.21
must "the agent restarts (the Dashboard still unreachable)" lab_agent_start --no-table-owner -v
check "the restart reloads the persisted peer" in_set vpn_peers4 203.0.113.21
lab_case "... which passes" pass - mx udp 203.0.113.21 40000
check "the agent logged no sanitizer report" not grep -q "Sanitizer" "$LAB_DIR/agent.log"
