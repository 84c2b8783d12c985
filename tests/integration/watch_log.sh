#!/usr/bin/env bash
# `ucfence watch` shows its diagnostics on its stderr: a webhook that cannot
# be reached (a closed loopback port) or answers HTTP 500 is reported there,
# with the reason, by --once and by the long-running watcher; --verbose adds
# the deliveries; neither the API key nor the webhook URL's path (a secret
# for Slack-style hooks) is ever printed. Loopback only: a simulated
# Dashboard API (tests/meraki-sim) and a local webhook receiver.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${UCFENCE:-$here/ucfence}
sim=$here/tests/meraki-sim
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY
unset JOURNAL_STREAM # stderr here is a file, never the journal
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

ok() { if [ "$2" = 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; fi; }
# run NAME WANT_RC ARGS...: ucfence with output kept as $tmp/NAME.out/.err
run() { local name=$1 want=$2; shift 2
	timeout -k 5 60 "$bin" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; local rc=$?
	if [ "$rc" = "$want" ]; then echo "PASS: $name exits $want"; else
		echo "FAIL: $name exits $rc, wanted $want"; sed 's/^/    /' "$tmp/$name.err" | head -20; fi; }
# has NAME FILE ERE: PASS when a line of FILE matches ERE, else shows FILE.
has() { grep -qE "$3" "$2"; local rc=$?; ok "$1" $rc
	[ $rc = 0 ] || { echo "    wanted /$3/ in $(basename "$2"):"; sed 's/^/    /' "$2" | head -20; }; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cd "$tmp"
. "$sim/testca.sh"
test_ca "$tmp"
ok "test CA and server certificate" $?
key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$key" >key; chmod 0600 key
token=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')

# The scenario without faults: a fresh state makes every activity a new alert.
"$sim/scenario.py" again sc.json --key-file "$tmp/key"
python3 "$sim/sim.py" --cert srv.pem --key srv.key --scenario sc.json --log api.log \
	--port-file api.port 2>sim.err & pids+=($!)
wait_file api.port; ok "simulator listening" $?

# config HOOK_PORT: cfg.yaml for a webhook at 127.0.0.1:HOOK_PORT, a fresh state.
config() {
	rm -rf state
	cat >cfg.yaml <<YAML
site: {name: branch-017, mode: concentrator}
interfaces: {uc: [eth1], data: [eth2], appliance: eth3, wan: eth0}
uc:
  endpoints: [10.20.0.0/24]
  servers: [10.50.0.0/24]
  services: [sip, rtp]
  media: {learn: true, static_range: 16384-32767, timeout: 120s}
appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}
meraki:
  enabled: true
  base_url: https://127.0.0.1:$(cat api.port)/api/v1
  api_key_file: $tmp/key
  organization_id: "549236"
  network_ids: [N_1]
  poll_interval: 10s
  lookback: 24h
  ca_file: $tmp/ca.pem
  connect_timeout: 2s
  request_timeout: 2s
alerts:
  spool: $tmp/state/alerts.jsonl
  syslog: false
  webhook: {url: "http://127.0.0.1:$1/hook/$token", format: generic}
state_dir: $tmp/state
YAML
}

# ---- a closed port: the connection failure is on stderr ----------------------
config "$(free_port)"
run closed 0 watch --once -c cfg.yaml
grep -q "^ALERT " closed.out; ok "closed: the watcher found alerts to deliver" $?
has "closed: the webhook failure is on stderr, with the reason" closed.err \
	'^ucfence watch: webhook: alert [0-9a-f]+ not delivered: .*(onnect|refused)'
has "closed: ... and when it is tried again" closed.err 'not delivered: .*; retrying in [0-9]+ s'

# ---- a receiver answering 500 ------------------------------------------------
python3 "$sim/webhook.py" --log hook500.log --port-file hook500.port --fail-first 1000000 \
	--fail-status 500 & pids+=($!)
wait_file hook500.port; ok "a webhook receiver answering 500 is listening" $?
config "$(cat hook500.port)"
run status500 0 watch --once -c cfg.yaml
grep -q '"status": 500' hook500.log; ok "500: the receiver was asked and answered 500" $?
has "500: the webhook's HTTP 500 is on stderr" status500.err \
	'^ucfence watch: webhook: alert [0-9a-f]+ not delivered: HTTP 500'
! grep -qE "alert [0-9a-f]+ delivered" status500.err
ok "500: without --verbose no debug line" $?

# ---- the long-running watcher reports it too ---------------------------------
config "$(cat hook500.port)"
"$bin" watch -c cfg.yaml >long.out 2>long.err & long=$!; pids+=($long)
for _ in $(seq 100); do grep -q "not delivered: HTTP 500" long.err && break; sleep 0.1; done
has "watch (not --once): the webhook's HTTP 500 is on stderr while it runs" long.err \
	'^ucfence watch: webhook: alert [0-9a-f]+ not delivered: HTTP 500'
kill -TERM "$long"; wait "$long"; ok "watch exits 0 on SIGTERM" $?

# ---- --verbose: the deliveries too --------------------------------------------
python3 "$sim/webhook.py" --log hook200.log --port-file hook200.port & pids+=($!)
wait_file hook200.port; ok "a webhook receiver answering 200 is listening" $?
config "$(cat hook200.port)"
run verbose 0 watch --once --verbose -c cfg.yaml
has "--verbose: each delivery is a debug line on stderr" verbose.err \
	'^ucfence watch: webhook: alert [0-9a-f]+ delivered \(HTTP 200\)'
! grep -q "not delivered" verbose.err; ok "--verbose: no failure reported when none happened" $?

# ---- no secret on any output ----------------------------------------------------
leaks=$(grep -lF -e "$key" -e "$token" ./*.out ./*.err)
[ -z "$leaks" ]; ok "neither the API key nor the webhook URL's path is printed" $?
[ -n "$leaks" ] && echo "    found in: $leaks"
exit 0
