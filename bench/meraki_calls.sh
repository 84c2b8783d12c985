#!/usr/bin/env bash
# API calls per poll cycle for one site (one network), measured against the
# simulator with the release build: the first cycle (event types discovered)
# and the steady state, at the default per_page (100) and at per_page 3.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${UCFENCE:-$here/ucfence}
sim=$here/tests/meraki-sim
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1 -extfile ext.cnf 2>/dev/null
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >key; chmod 600 key
"$sim/scenario.py" again sc.json --key-file "$tmp/key"
python3 "$sim/sim.py" --cert srv.pem --key srv.key --scenario sc.json --log api.log --port-file port & pid=$!
for _ in $(seq 100); do [ -s port ] && break; sleep 0.1; done
config() { cat <<YAML
site: {name: bench, mode: concentrator}
interfaces: {uc: [eth1], appliance: eth3, wan: eth0}
uc: {endpoints: [10.20.0.0/24], servers: [10.50.0.0/24], services: [sip, rtp]}
appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}
meraki: {enabled: true, base_url: "https://127.0.0.1:$(cat port)/api/v1", api_key_file: $tmp/key,
  organization_id: "549236", network_ids: [N_1], ca_file: $tmp/ca.pem, call_budget: 5/second,
  per_page: $1}
alerts: {syslog: false}
state_dir: $tmp/state-$1
YAML
}
printf '%-10s %-22s %s\n' per_page cycle "API calls"
for pp in 100 3; do
	config $pp >cfg$pp.yaml
	for cycle in first steady; do
		before=0; [ -f api.log ] && before=$(wc -l <api.log)
		"$bin" watch --once -c cfg$pp.yaml >/dev/null 2>&1 || { echo "watch failed"; exit 1; }
		printf '%-10s %-22s %s\n' $pp "$cycle" $(( $(wc -l <api.log) - before ))
	done
done
echo "(simulated site: 1 network, 8 captures in the last day, no faults)"
