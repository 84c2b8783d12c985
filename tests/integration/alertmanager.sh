#!/usr/bin/env bash
# Alertmanager as the fleet's router, against a real Alertmanager (Debian's
# prometheus-alertmanager): two peers clustered over loopback gossip, each
# with its own storage, a webhook receiver of the test's own behind them
# (tests/meraki-sim/webhook.py), and two ucfence organization collectors
# (meraki.scope organization, `ucfence watch`) polling the simulated
# Dashboard (tests/meraki-sim/sim.py, real HTTPS on loopback) with
# alerts.alertmanager naming both peers and a stand-in third peer that
# records what it is sent (the bearer token, as a hash).
#   (a) every finding of a scripted scenario is held by both peers, with the
#       site label and the alert's id; the receiver is notified of each once;
#   (b) one peer killed, findings raised meanwhile: they wait in that peer's
#       own queue, in order, while the other peers get them at once; the
#       peer restarted gets exactly them (its received counter), none twice,
#       and the queue empties; the receiver still has each notification once;
#   (c) a second collector of the same organization (another process and
#       state dir, polling independently) posts the same labels: the cluster notifies each alert
#       exactly once (the receiver counts), and both watchers raised the same
#       alert ids;
#   (d) with both peers down, `alerts --purge` empties their queues.
# The README's routing example is checked with amtool first.
# No network namespaces: everything is on loopback, on ports the kernel
# picked. Everything started here is killed on exit, also on failure.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${UCFENCE:-$here/ucfence}
sim=$here/tests/meraki-sim
AM=${ALERTMANAGER:-prometheus-alertmanager}
tmp=$(mktemp -d)
pids=()
declare -A am_pid
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

ok() { if [ "$2" = 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; fi; }
must() { if [ "$2" = 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; exit 1; fi; }
# until SECONDS CMD...: retries CMD every 0.5 s until it succeeds or time runs out
until_ok() { local end=$((SECONDS + $1)); shift
	while ! "$@" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && return 1; sleep 0.5; done; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

command -v "$AM" >/dev/null
must "prometheus-alertmanager is installed ($AM)" $?
"$AM" --version 2>&1 | head -1

# ---- helpers: the peers' API and metrics, the receiver's log, ucfence's files ---
cat >"$tmp/q.py" <<'PY'
"""q.py held PORT SITE        the alert_id labels a peer holds (active), one a line;
                              fails if an alert lacks the site label or names another
q.py received PORT            alerts the peer took as firing (its counter since start)
q.py notified LOG             {"alert_id": times notified firing} from the receiver's log
q.py queue STATE URL          the ids queued for that peer, in order, one a line
q.py spool FILE               the alert ids of a spool, sorted, one a line"""
import hashlib, json, sys, urllib.parse, urllib.request
cmd = sys.argv[1]
if cmd == "held":
    port, site = sys.argv[2], sys.argv[3]
    with urllib.request.urlopen("http://127.0.0.1:%s/api/v2/alerts?active=true&silenced=true"
                                "&inhibited=true&unprocessed=true" % port, timeout=5) as r:
        alerts = json.load(r)
    for a in alerts:
        if a["labels"].get("site") != site:
            sys.exit("alert %s has site %r" % (a["labels"], a["labels"].get("site")))
        print(a["labels"]["alert_id"])
elif cmd == "received":
    with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[2], timeout=5) as r:
        total = 0
        for line in r.read().decode().splitlines():
            if line.startswith("alertmanager_alerts_received_total{") and 'status="firing"' in line:
                total += float(line.split()[-1])
    print(int(total))
elif cmd == "notified":
    counts = {}
    try:
        lines = open(sys.argv[2]).read().splitlines()
    except FileNotFoundError:
        lines = []
    for l in lines:
        body = json.loads(json.loads(l)["body"])
        for a in body["alerts"]:
            if a["status"] == "firing":
                i = a["labels"]["alert_id"]
                counts[i] = counts.get(i, 0) + 1
    print(json.dumps(counts, sort_keys=True))
elif cmd == "queue":
    key = hashlib.sha256(b"alertmanager-peer\0" + sys.argv[3].encode() + b"\0\0").hexdigest()[:16]
    try:
        queue, start = [], 0  # read as the queue does (sendq.h): a mark removes its head
        for l in open("%s/alertmanager-%s-queue.jsonl" % (sys.argv[2], key)):
            o = json.loads(l)
            if list(o) == ["delivered"]:
                start += start < len(queue) and queue[start]["id"] == o["delivered"]
            else:
                queue.append(o)
        for o in queue[start:]:
            print(o["id"])
    except FileNotFoundError:
        sys.exit("no queue file for " + sys.argv[3])
elif cmd == "spool":
    try:
        ids = sorted(json.loads(l)["id"] for l in open(sys.argv[2]))
    except FileNotFoundError:
        ids = []
    print("\n".join(ids))
PY
q() { python3 "$tmp/q.py" "$@"; }
sorted_ids() { q spool "$1"; }
# same_set A B: two newline lists hold the same ids
same_set() { [ "$(sort <<<"$1")" = "$(sort <<<"$2")" ]; }

cd "$tmp"
# ---- the README's routing example is a valid alertmanager.yml that routes ----------
python3 - "$here/README.md" "$tmp/slack-url" >route.yml <<'PY'
import sys
s = open(sys.argv[1]).read()
i = s.index("A routing example for the fleet")
start = s.index("```yaml\n", i) + 8
print(s[start:s.index("```", start)].replace("/etc/alertmanager/slack-security-url", sys.argv[2]))
PY
echo https://hooks.slack.example/services/x >slack-url
amtool check-config route.yml >amtool.out 2>&1
ok "the README's routing example passes amtool check-config" $?
route() { amtool config routes test --config.file=route.yml "$@" 2>/dev/null; }
ok "... critical captures go to security and the site's team, others by site" \
	$([ "$(route alertname=packet-capture severity=critical site=branch-017)" = security-critical,region-north ] &&
	  [ "$(route alertname=packet-capture severity=warning site=hq)" = hq-it ] &&
	  [ "$(route alertname=cleartext-sip severity=warning site=branch-117)" = noc ] && echo 0 || echo 1)

# ---- the receiver and two Alertmanager peers -----------------------------------
python3 "$sim/webhook.py" --port-file recv.port --log recv.log 2>recv.err & pids+=($!)
python3 "$sim/webhook.py" --port-file standin.port --log standin.log 2>standin.err & pids+=($!)
wait_file recv.port && wait_file standin.port
must "the receiver and the stand-in peer listen" $?
declare -A web gossip
for n in 1 2; do web[$n]=$(free_port); gossip[$n]=$(free_port); mkdir -p "am$n"; done
# Each alert its own group (group_by '...'), so every notification names one
# alert; waits short so the test is quick; repeat_interval long: a repeat
# would be a second notification, and exactly once is what is measured.
cat >am.yml <<EOF
route:
  receiver: test-receiver
  group_by: ['...']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 4h
receivers:
  - name: test-receiver
    webhook_configs:
      - url: http://127.0.0.1:$(cat recv.port)/notify
        send_resolved: false
EOF
am_start() {
	local n=$1 other=$((3 - $1))
	"$AM" --config.file="$tmp/am.yml" --storage.path="$tmp/am$n" \
		--web.listen-address=127.0.0.1:${web[$n]} \
		--cluster.listen-address=127.0.0.1:${gossip[$n]} \
		--cluster.advertise-address=127.0.0.1:${gossip[$n]} \
		--cluster.peer=127.0.0.1:${gossip[$other]} \
		--cluster.gossip-interval=200ms --cluster.pushpull-interval=5s \
		--cluster.reconnect-interval=1s --cluster.peer-timeout=5s \
		--cluster.settle-timeout=20s >>"$tmp/am$n.log" 2>&1 &
	am_pid[$n]=$!
	pids+=($!)
}
# ready N: its API answers and it sees a settled cluster of two
ready() {
	curl -sf --max-time 2 "http://127.0.0.1:${web[$1]}/api/v2/status" |
		jq -e '.cluster.status == "ready" and (.cluster.peers | length) == 2'
}
am_start 1
am_start 2
until_ok 90 ready 1 && until_ok 30 ready 2
must "two Alertmanager peers clustered over loopback gossip and settled" $?

# ---- the Dashboard simulator ----------------------------------------------------
. "$sim/testca.sh"
test_ca "$tmp"
must "test CA and server certificate" $?
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >key; chmod 0600 key
TOKEN=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$TOKEN" >token; chmod 0600 token
ANCHOR=$(date +%s)
# scenario CAPTURE_IDS...: the captures of network N_1, each started at a
# fixed time before ANCHOR (so a rewrite never changes an earlier one)
scenario() {
	python3 - "$sim" "$tmp/key" "$ANCHOR" "$@" >sc.json.tmp <<'PY' && mv sc.json.tmp sc.json
import datetime, json, sys
sys.path.insert(0, sys.argv[1])
import scenario as s
anchor = datetime.datetime.fromtimestamp(float(sys.argv[3]), datetime.timezone.utc)
caps = []
for n, cid in enumerate(sys.argv[4:]):
    c = s.capture(cid, 0, s.BOB)
    at = anchor - datetime.timedelta(seconds=600 - 10 * n)
    c["startTs"] = at.isoformat(timespec="microseconds").replace("+00:00", "Z")
    caps.append(c)
json.dump({"api_key_file": sys.argv[2], "captures": caps, "schedules": [], "apiRequests": [],
           "configurationChanges": [], "events": {"N_1": []}, "eventTypes": {"N_1": []}}, sys.stdout)
PY
}
scenario c1 c2 c3
python3 "$sim/sim.py" --cert srv.pem --key srv.key --scenario sc.json --log api.log \
	--port-file api.port 2>sim.err & pids+=($!)
wait_file api.port
must "the Dashboard simulator listens" $?

PEER1=http://127.0.0.1:${web[1]}
PEER2=http://127.0.0.1:${web[2]}/
STANDIN=http://127.0.0.1:$(cat standin.port)
# config NAME: an organization collector's config, its own state dir (the
# fleet's shape: collectors of one organization behind one Alertmanager cluster)
config() {
	mkdir -p "$tmp/$1"
	cat >"$tmp/$1/site.yaml" <<YAML
site: {name: org-collector}
meraki:
  enabled: true
  scope: organization
  base_url: https://127.0.0.1:$(cat api.port)/api/v1
  api_key_file: $tmp/key
  organization_id: "549236"
  sites: {N_1: branch-017}
  poll_interval: 10s
  lookback: 24h
  ca_file: $tmp/ca.pem
  call_budget: 5/second
alerts:
  syslog: false
  alertmanager:
    urls: ["$PEER1", "$PEER2", "$STANDIN"]
    resolve_after: 2h
    bearer_token_file: $tmp/token
state_dir: $tmp/$1/state
YAML
}
watch_start() { "$bin" watch -v -c "$tmp/$1/site.yaml" >"$tmp/$1/watch.out" 2>"$tmp/$1/watch.err" &
	pids+=($!); eval "pid_$1=\$!"; }
spool() { echo "$tmp/$1/state/alerts.jsonl"; }
count() { local s; s=$(sorted_ids "$(spool "$1")"); [ -n "$s" ] && wc -l <<<"$s" || echo 0; }
has() { [ "$(count "$1")" -eq "$2" ]; } # has WATCHER N: its spool holds N alerts
queue_empty() { [ -z "$(q queue "$1/state" "$2")" ]; } # queue_empty WATCHER URL

config A
"$bin" check -c "$tmp/A/site.yaml" >check.out 2>&1
grep -qF "alertmanager 3 peers: http://127.0.0.1:${web[1]}, http://127.0.0.1:${web[2]}, http://127.0.0.1:$(cat standin.port); resolve after 7200s, auth bearer token" check.out
ok "check shows the peers by scheme and host ($(grep "^alertmanager" check.out))" $?

# ---- (a) a scenario's findings held by both peers, each notified once -----------
watch_start A
until_ok 40 has A 3
must "watcher A raised the scenario's 3 findings" $?
F1=$(sorted_ids "$(spool A)")
held_all() { # PORT IDS: the peer holds exactly these (site label checked by q)
	local h; h=$(q held "$1" branch-017) || return 1; same_set "$h" "$2"; }
until_ok 30 held_all "${web[1]}" "$F1" && until_ok 30 held_all "${web[2]}" "$F1"
ok "(a) both peers hold every finding with site=branch-017 and the alert's id as alert_id" $?
# notified: every id in IDS notified exactly once, and nothing else
notified_once() {
	q notified recv.log | python3 -c '
import json, sys
got = json.load(sys.stdin); want = sys.argv[1].split()
sys.exit(0 if sorted(got) == sorted(want) and all(v == 1 for v in got.values()) else 1)' "$*"
}
until_ok 40 notified_once $F1
ok "(a) the receiver is notified of each finding once ($(q notified recv.log))" $?
jq -e --arg h "$(printf 'Bearer %s' "$TOKEN" | sha256sum | cut -d' ' -f1)" \
	'select(.authorization_sha256 != $h)' standin.log >/dev/null
ok "every POST carries the bearer token from bearer_token_file" $([ $? = 4 ] && [ -s standin.log ] && echo 0 || echo 1)
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    body = json.loads(json.loads(l)["body"])
    assert isinstance(body, list) and len(body) == 1, body
    a = body[0]
    assert sorted(a) == ["annotations", "endsAt", "labels", "startsAt"], a
    assert sorted(a["labels"]) == ["alert_id", "alertname", "severity", "site"], a
    assert a["labels"]["alertname"] == "packet-capture" and a["labels"]["site"] == "branch-017", a
' standin.log
ok "what a peer is sent is a postableAlerts array of one alert (the stand-in's log)" $?

# ---- (b) one peer down for a while ------------------------------------------------
kill -KILL "${am_pid[2]}"; wait "${am_pid[2]}" 2>/dev/null
scenario c1 c2 c3 c4 c5
until_ok 40 has A 5
must "watcher A raised the 2 findings made while peer 2 is down" $?
F2=$(comm -13 <(echo "$F1") <(sorted_ids "$(spool A)"))
# in the order raised: the spool's order
F2_ORDER=$(jq -r .id "$(spool A)" | grep -Fx -f <(echo "$F2"))
until_ok 30 held_all "${web[1]}" "$F1
$F2"
ok "(b) the peer that is up holds them at once" $?
ok "(b) the peer that is down has its own queue: exactly those, in order ($(q queue A/state "$PEER2" | tr '\n' ' '))" \
	$([ "$(q queue A/state "$PEER2")" = "$F2_ORDER" ] && echo 0 || echo 1)
ok "(b) ... and the other peers' queues are empty" \
	$([ -z "$(q queue A/state "$PEER1")" ] && [ -z "$(q queue A/state "$STANDIN")" ] && echo 0 || echo 1)
until_ok 40 notified_once $F1 $F2
ok "(b) the receiver is notified of each once meanwhile ($(q notified recv.log))" $?
sleep 5 # down for a while: the watcher's retries back off
am_start 2
until_ok 60 ready 2
must "peer 2 restarted and back in the cluster" $?
until_ok 90 queue_empty A "$PEER2"
ok "(b) peer 2's queue empties once it is back" $?
# Alertmanager keeps alerts in memory only: the restarted peer holds what was
# posted since, which is exactly what waited for it
ok "(b) the restarted peer received exactly the queued findings, none twice ($(q received "${web[2]}") received)" \
	$(held_all "${web[2]}" "$F2" && [ "$(q received "${web[2]}")" = "$(wc -l <<<"$F2")" ] && echo 0 || echo 1)
sleep 8 # group_wait + a peer timeout: time for a duplicate to show
ok "(b) the receiver still has each notification once ($(q notified recv.log))" \
	$(notified_once $F1 $F2 && echo 0 || echo 1)
ok "(b) watcher A's log names peers by scheme and host only, never the token" \
	$(! grep -q "/api/v2\|$TOKEN" A/watch.err && grep -q "alertmanager http://127.0.0.1:${web[2]}: alert .* not delivered" A/watch.err && echo 0 || echo 1)

# ---- (c) two collectors of one organization, same findings -------------------------------------
config B
scenario c1 c2 c3 c4 c5 c6 c7
watch_start B
until_ok 60 has A 7 && until_ok 20 has B 7
must "both collectors raised all 7 findings" $?
ALL=$(sorted_ids "$(spool A)")
ok "(c) the two collectors raised the same alert ids (the same labels)" \
	$([ "$ALL" = "$(sorted_ids "$(spool B)")" ] && echo 0 || echo 1)
until_ok 60 held_all "${web[1]}" "$ALL" && until_ok 30 held_all "${web[2]}" "$ALL"
ok "(c) both peers hold all 7" $?
until_ok 60 notified_once $ALL
sleep 10 # group_wait + a peer timeout, twice: time for a duplicate to show
ok "(c) the cluster notified each alert exactly once ($(q notified recv.log))" \
	$(notified_once $ALL && echo 0 || echo 1)
empty_queues() { for w in A B; do for u in "$PEER1" "$PEER2" "$STANDIN"; do
	queue_empty $w "$u" || return 1; done; done; }
until_ok 30 empty_queues
ok "(c) every queue of both watchers is empty" $?

# ---- (d) erasure reaches the peers' queues ----------------------------------------------
# Both peers down, one more finding: it waits in both queues; with the
# watcher stopped, a purge (no agent runs: the command takes the feed's lock
# itself) empties them; the purge's own audit alert is what is queued after.
kill -TERM "$pid_B" "${am_pid[1]}" "${am_pid[2]}"
wait "$pid_B" "${am_pid[1]}" "${am_pid[2]}" 2>/dev/null
scenario c1 c2 c3 c4 c5 c6 c7 c8
until_ok 90 has A 8
rc=$?
if [ $rc != 0 ]; then # what the collector did instead, for the log
	python3 -c 'import json,sys; [print("spool:", o["kind"], o["summary"][:100]) for o in map(json.loads, open(sys.argv[1]))]' "$(spool A)"
	tail -n 15 A/watch.err; tail -n 5 api.log
fi
must "watcher A raised a finding while both peers are down" $rc
C8=$(comm -13 <(echo "$ALL") <(sorted_ids "$(spool A)"))
queued_c8() { q queue A/state "$PEER1" | grep -qx "$C8" && q queue A/state "$PEER2" | grep -qx "$C8"; }
until_ok 10 queued_c8
ok "(d) it waits in both peers' queues" $?
kill -TERM "$pid_A"; wait "$pid_A" 2>/dev/null
"$bin" alerts --purge --control "$tmp/no-agent.sock" -c A/site.yaml >purge.out 2>purge.err
ok "(d) alerts --purge counts the peers' queued alerts ($(grep alertmanager purge.out | tr -s ' ' | tr '\n' ';'))" \
	$(grep -Eq '^  alertmanager-\*-queue\.jsonl +2$' purge.out && echo 0 || echo 1)
only_audit() { # the queue holds nothing but the purge's data-erased alert
	python3 - "$1" <<'PY'
import hashlib, json, sys
state, url = sys.argv[1].split(" ", 1)
key = hashlib.sha256(b"alertmanager-peer\0" + url.encode() + b"\0\0").hexdigest()[:16]
queue, start = [], 0  # read as the queue does (sendq.h): a mark removes its head
for l in open("%s/alertmanager-%s-queue.jsonl" % (state, key)):
    o = json.loads(l)
    if list(o) == ["delivered"]:
        start += start < len(queue) and queue[start]["id"] == o["delivered"]
    else:
        queue.append(o)
kinds = [o["kind"] for o in queue[start:]]
sys.exit(0 if kinds == ["data-erased"] else 1)
PY
}
only_audit "A/state $PEER1" && only_audit "A/state $PEER2"
ok "(d) after it both queues hold only the purge's audit alert" $?
for w in A B; do # both have exited: a leak report would be there too
	grep -q "AddressSanitizer\|runtime error" $w/watch.err
	ok "watcher $w: no sanitizer errors" $([ $? = 1 ] && echo 0 || echo 1)
done
