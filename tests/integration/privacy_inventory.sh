#!/usr/bin/env bash
# The personal-data inventory (README, "Personal data ucfence keeps";
# ucfence(8), PERSONAL DATA) against the real agent in the namespace lab
# (concentrator mode), with the Meraki watcher polling the simulated
# Dashboard (tests/meraki-sim, in gw's loopback) and a webhook receiver:
#   - a real SIP call phone -> call server (call.py, uas_echo.py) with a
#     display name, a phone number as the caller's user part, a callee user
#     part and a Call-ID of its own, media in RTP/AVP (unencrypted-rtp);
#   - an INVITE with an SDES key of this run in its SDP (exposed-srtp-keys);
#   - non-target traffic on a UC port (the data host to the call server's
#     SIP port: non-target-on-uc-port);
#   - the Meraki scenario `first` (captures, one named with a phone number
#     and filtering on a SIP URI, an admin e-mail, a client MAC);
#   - a webhook that refuses the first alert with 422 (a dead letter);
#   - two Alertmanager peers: one that refuses the first alert with 400 (a
#     dead letter), one where nothing listens (its queue keeps everything).
# Then every output is read: the spool, every file of state_dir, the
# webhook queue and dead letters, what the webhook received, `status
# --json`, the Prometheus textfile and the agent's stderr log (-v). The test
# fails if any of the known URIs, user parts, numbers, display name,
# Call-IDs in clear or SDES key appears anywhere; if a file the inventory
# does not list is present; or if an alert carries a field the inventory
# does not list. The lists below mirror the README section.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}
SIM=$LAB_REPO/tests/meraki-sim
FORGE="python3 $LAB_SRC/forge.py"
PHONE=10.20.0.10
SRV=10.50.0.10

# ---- the inventory (mirrors README.md, "Personal data ucfence keeps") ---------
# Files ucfence may write in state_dir (patterns).
INVENTORY_FILES="alerts.jsonl feed.lock webhook-queue.jsonl webhook-dead.jsonl meraki-state.json
enforcement-weakened.json alertmanager-*-queue.jsonl alertmanager-*-dead.jsonl vpn-peers.json"
# Alert fields (details flattened to dotted paths, array elements as []).
INVENTORY_FIELDS="id time site severity kind summary details delivered
details.source details.source_mac details.interface details.reason details.protocol
details.port details.packets details.window_start details.window_end details.dropped
details.destinations details.destinations_other
details.endpoint details.transport details.day details.detail
details.change details.restored details.restore_ms details.followup details.by details.scope
details.action details.target details.records details.removed
details.state details.since details.failed_cycles details.error details.network details.why
details.capture_id details.name details.network.id details.network.name details.device.serial
details.device.name details.admin.id details.admin.name details.ports details.interface
details.status details.process details.destination details.filter details.duration_s
details.started_at details.sources
details.schedule_id details.notes details.enabled details.created_at details.updated_at
details.frequency details.next_capture_at details.devices details.devices[].serial
details.devices[].switchports details.devices[].interface
details.api_requests details.api_requests[].operation_id details.api_requests[].action
details.api_requests[].method details.api_requests[].path details.api_requests[].host
details.api_requests[].source_ip details.api_requests[].user_agent
details.api_requests[].response_code details.api_requests[].admin_id details.api_requests[].at
details.configuration_changes details.configuration_changes[].label
details.configuration_changes[].page details.configuration_changes[].admin
details.configuration_changes[].admin.id details.configuration_changes[].admin.name
details.configuration_changes[].network details.configuration_changes[].network.id
details.configuration_changes[].network.name details.configuration_changes[].at
details.events details.events[].type details.events[].description details.events[].category
details.events[].network_id details.events[].device details.events[].device.serial
details.events[].device.name details.events[].at
details.operation_id details.action details.method details.path details.host details.source_ip
details.user_agent details.response_code details.admin_id details.at details.label details.page
details.type details.description details.category details.network_id details.organization_id
details.heuristic details.upload details.upload.appliance details.upload.interface
details.upload.started details.upload.ended details.upload.bytes details.upload.mean_bps
details.upload.peak_bps details.upload.threshold_bps details.upload.baseline_bps
details.upload.floor_bps details.upload.multiple details.upload.sustain_s details.upload_observed"

# ---- what the lab sends that must never come out --------------------------------
TAG=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
DISPLAY_NAME="Zelda Q$TAG"
NUMBER=+4930998$((RANDOM % 900000 + 100000))  # the caller's user part
CALLEE=zq-callee-$TAG                          # the callee's user part
CALL_ID=pcid-call-$TAG@$PHONE
KEYS_CALL_ID=pcid-keys-$TAG
SDES_KEY=$(head -c 30 /dev/urandom | base64 | tr -d '\n')
FROM="\"$DISPLAY_NAME\" <sip:$NUMBER@pbx.example.org>"
TO="<sip:$CALLEE@pbx.example.org>"
FORBIDDEN=("$DISPLAY_NAME" "$NUMBER" "${NUMBER#+}" "$CALLEE" "sip:$NUMBER" "pcid-call-$TAG"
	"$KEYS_CALL_ID" "$SDES_KEY"
	"alice@example.com" "22:33:44:55:66:77" "123-4567" "sip:alice")

lab_init || { echo "FAIL: privacy_inventory: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: privacy_inventory: lab setup"; exit 1; }
STATE=$LAB_DIR/state
PROM=$LAB_DIR/metrics/ucfence.prom
mkdir -p "$LAB_DIR/metrics" "$LAB_DIR/meraki"
M=$LAB_DIR/meraki
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
in_gw() { ip netns exec "$(lab_ns gw)" "$@"; }
# must NAME CMD...: check, and stop the test when it fails
must() { if "${@:2}"; then echo "PASS: $1"; else echo "FAIL: $1"; exit 1; fi; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# ---- the simulated Dashboard and the webhook receiver, on gw's loopback ----------
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
"$SIM/scenario.py" first "$M/sc.json" --key-file "$M/key"
in_gw python3 "$SIM/sim.py" --cert "$M/srv.pem" --key "$M/srv.key" --scenario "$M/sc.json" \
	--log "$M/api.log" --port-file "$M/api.port" 2>"$M/sim.err" &
LAB_PIDS+=($!)
in_gw python3 "$SIM/webhook.py" --port-file "$M/hook.port" --log "$M/hook.log" \
	--fail-status 422 --fail-first 1 2>"$M/hook.err" &
LAB_PIDS+=($!)
in_gw python3 "$SIM/webhook.py" --port-file "$M/am.port" --log "$M/am.log" \
	--fail-status 400 --fail-first 1 2>"$M/am.err" &
LAB_PIDS+=($!)
wait_file "$M/api.port" && wait_file "$M/hook.port" && wait_file "$M/am.port"
must "simulated Dashboard, webhook receiver and Alertmanager stand-in listening" test $? = 0

lab_agent_config "sip, rtp"
# lab_agent_config's alerts line replaced: the webhook, the journal off
sed -i '/^alerts:/d' "$LAB_DIR/site.yaml"
cat >>"$LAB_DIR/site.yaml" <<EOF
alerts:
  syslog: false
  webhook: { url: "http://127.0.0.1:$(cat "$M/hook.port")/hook", format: generic }
  alertmanager: { urls: ["http://127.0.0.1:$(cat "$M/am.port")", "http://127.0.0.1:9"] }
metrics: { textfile: $PROM }
meraki:
  enabled: true
  base_url: https://127.0.0.1:$(cat "$M/api.port")/api/v1
  api_key_file: $M/key
  organization_id: "549236"
  network_ids: [N_1]
  poll_interval: 10s
  lookback: 24h
  ca_file: $M/ca.pem
  per_page: 3
EOF
lab_call_server "$LAB_DIR/uas.out"
lab_agent_start --no-table-owner -v
must "the agent starts with the watcher and the webhook" test $? = 0

# ---- personal data on the wire ----------------------------------------------------
out=$(lab_exec phone python3 "$LAB_SRC/call.py" $PHONE $SRV 30000 1 bye --call-id "$CALL_ID" \
	--from "$FROM" --to "$TO" 2>&1)
check "a SIP call with a number, a user part and a display name is answered ($(oneline "$out"))" \
	grep -q '^answered' <<<"$out"
out=$(lab_exec phone $FORGE invite --src $PHONE --dst $SRV --media $PHONE:30010 --crypto \
	--crypto-key "$SDES_KEY" --call-id "$KEYS_CALL_ID" --from "$FROM" --to "$TO" 2>&1)
check "an INVITE with an SDES key of this run is sent" test $? = 0
lab_probe data udp $SRV 5060 300 >/dev/null
lab_probe data udp $SRV 5060 300 >/dev/null
check "non-target traffic on a UC port is dropped" test "$(lab_drops)" -gt 0

kinds() { "$UCFENCE" alerts -c "$LAB_DIR/site.yaml" --json 2>/dev/null | jq -r .kind | sort -u | tr '\n' ' '; }
want="cleartext-sip exposed-srtp-keys non-target-on-uc-port packet-capture unencrypted-rtp"
missing=
for _ in $(seq 300); do
	k=$(kinds)
	missing=
	for w in $want; do [[ " $k" == *" $w "* ]] || missing+="$w "; done
	[ -z "$missing" ] && [ -s "$PROM" ] && [ "$(grep -c . "$M/hook.log" 2>/dev/null)" -ge 3 ] &&
		[ "$(grep -c . "$M/am.log" 2>/dev/null)" -ge 3 ] && break
	sleep 0.1
done
check "every kind the lab provokes was alerted (missing: ${missing:-none})" test -z "$missing"
check "the webhook refused one alert (a dead letter) and got others" \
	test -s "$STATE/webhook-dead.jsonl" -a "$(grep -c . "$M/hook.log" 2>/dev/null)" -ge 3
am_files=$(ls "$STATE"/alertmanager-*-queue.jsonl "$STATE"/alertmanager-*-dead.jsonl 2>/dev/null)
check "the Alertmanager peers' files: a dead letter and a queue kept while its peer is down ($(oneline "$am_files"))" \
	bash -c "cat $STATE/alertmanager-*-dead.jsonl | grep -q . && cat $STATE/alertmanager-*-queue.jsonl | grep -q . && test \$(grep -c . '$M/am.log') -ge 3"
lab_agent_status >"$LAB_DIR/status.json" 2>&1
check "status --json answers ($(head -c 200 "$LAB_DIR/status.json" | tr '\n' ' '))" \
	jq -e .site "$LAB_DIR/status.json"
kill -TERM "$LAB_AGENT" && wait "$LAB_AGENT" 2>/dev/null

# ---- every output -----------------------------------------------------------------
# What the inventory says is there, is: the scan below is not vacuous.
spool=$STATE/alerts.jsonl
check "the spool names the violator's address (listed)" \
	grep -q '"kind":"non-target-on-uc-port".*"source":"10.30.0.10"' "$spool"
check "the spool names endpoints of risk alerts (listed)" grep -q "\"endpoint\":\"$PHONE\"" "$spool"
check "the spool names a Dashboard admin and an API caller's IP and user agent (listed)" \
	bash -c "grep -q 'Alice Admin' '$spool' && grep -q '198.51.100.7' '$spool' && grep -q 'python-requests' '$spool'"

OUTPUTS=("$STATE"/* "$PROM" "$LAB_DIR/status.json" "$LAB_DIR/agent.log" "$M/hook.log" "$M/am.log")
leaks=
for f in "${OUTPUTS[@]}"; do
	[ -f "$f" ] || continue
	for s in "${FORBIDDEN[@]}"; do
		grep -qiF -- "$s" "$f" && leaks+="'$s' in ${f#"$LAB_DIR"/}; "
	done
done
check "no SIP URI, user part, number, display name, Call-ID, SDES key, admin e-mail or client MAC in ${#OUTPUTS[@]} outputs (${leaks:-none})" \
	test -z "$leaks"

extra=
for f in "$STATE"/*; do
	listed=
	for pat in $INVENTORY_FILES; do
		# shellcheck disable=SC2053 # a pattern, on purpose
		[[ ${f##*/} == $pat ]] && listed=1
	done
	[ -n "$listed" ] || extra+="${f##*/} "
done
check "state_dir holds only files the inventory lists (others: ${extra:-none}; present: $(ls "$STATE" | tr '\n' ' '))" \
	test -z "$extra"

# Every field of every alert (spool, webhook and Alertmanager queues and
# dead letters, what the webhook received) is one the inventory lists.
fields=$(python3 - "$spool" "$STATE/webhook-queue.jsonl" "$STATE/webhook-dead.jsonl" "$M/hook.log" \
	"$STATE"/alertmanager-*-queue.jsonl "$STATE"/alertmanager-*-dead.jsonl <<'PY'
import json, sys
paths = set()
def walk(v, p):  # the paths of values: objects only through their members
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, p + "." + k if p else k)
    elif isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
        for x in v:
            walk(x, p + "[]")
    else:
        paths.add(p)
for name in sys.argv[1:]:
    try:
        lines = open(name).read().splitlines()
    except FileNotFoundError:
        continue
    for l in lines:
        o = json.loads(l)
        if "body" in o:  # the receiver's log: the alert is the body
            o = json.loads(o["body"])
        walk(o, "")
paths.discard("")
print(" ".join(sorted(paths)))
PY
)
unlisted=
for p in $fields; do
	[[ " $(echo $INVENTORY_FIELDS) " == *" $p "* ]] || unlisted+="$p "
done
check "every alert field is one the inventory lists ($(wc -w <<<"$fields") seen; unlisted: ${unlisted:-none})" \
	test -n "$fields" -a -z "$unlisted"
lab_agent_log_clean privacy_inventory
