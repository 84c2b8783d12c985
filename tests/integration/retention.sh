#!/usr/bin/env bash
# alerts.retention bounds every file ucfence keeps: files prepared with
# entries 40 days old and 1 day old (retention 30d); `ucfence alerts` shows
# none of the old ones before any prune, and the start-up pass of a command
# that opens the feed (`watch --once`, the same pass `run` makes at start)
# leaves none in the spool, the webhook queue, the dead letters, an
# Alertmanager peer's queue and dead letters (a configured peer's, and those
# a peer no longer configured left) or the watcher's state. No network: the Dashboard URL is a closed loopback port.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${UCFENCE:-$here/ucfence}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY
ok() { if [ "$2" = 0 ]; then echo "PASS: $1"; else echo "FAIL: $1"; fi; }

mkdir -m 0700 "$tmp/state"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/key"; chmod 0600 "$tmp/key"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/cfg.yaml" <<YAML
site: {name: branch-017, mode: concentrator}
interfaces: {uc: [eth1], data: [eth2], appliance: eth3, wan: eth0}
uc:
  endpoints: [10.20.0.0/24]
  servers: [10.50.0.0/24]
  services: [sip, rtp]
appliance: {address: 10.40.0.2, remote_subnets: [10.50.0.0/16]}
meraki:
  enabled: true
  base_url: https://127.0.0.1:$port/api/v1
  api_key_file: $tmp/key
  organization_id: "549236"
  network_ids: [N_1]
  connect_timeout: 2s
  request_timeout: 2s
alerts:
  retention: 30d
  syslog: false
  webhook: {url: "http://127.0.0.1:$port/hook", format: generic}
  alertmanager: {urls: ["http://127.0.0.1:$port"]}
state_dir: $tmp/state
YAML

python3 - "$tmp/state" "$port" <<'PY'
import hashlib, json, sys, time, os
d = sys.argv[1]
def peer(url):  # an Alertmanager peer's files (alertmanager.h)
    h = hashlib.sha256(b"alertmanager-peer\0" + url.encode() + b"\0\0").hexdigest()[:16]
    return "alertmanager-%s-queue.jsonl" % h, "alertmanager-%s-dead.jsonl" % h
configured, gone = peer("http://127.0.0.1:" + sys.argv[2]), peer("http://127.0.0.1:1")
with open(os.path.join(d, "am-files"), "w") as fh:
    fh.write(" ".join(configured + gone))
now = int(time.time())
old, fresh = now - 40 * 86400, now - 86400
def alert(tag, t):
    return {"id": (tag * 32)[:32], "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
            "site": "branch-017", "severity": "warning", "kind": "packet-capture",
            "summary": "capture by admin " + tag, "details": {"admin": {"id": "100", "name": "Alice"}}}
for name, (o, f) in {"alerts.jsonl": ("a", "b"), "webhook-queue.jsonl": ("c", "d"),
                     "webhook-dead.jsonl": ("e", "f"), configured[0]: ("1", "2"),
                     configured[1]: ("3", "4"), gone[0]: ("5", "6"), gone[1]: ("7", "8")}.items():
    with open(os.path.join(d, name), "w") as fh:
        fh.write(json.dumps(alert(o, old)) + "\n" + json.dumps(alert(f, fresh)) + "\n")
    os.chmod(os.path.join(d, name), 0o600)
state = {"version": 1, "organization_id": "549236", "cursors": {"captures": fresh},
         "captures": {"c-old": {"ts": old, "alert": "a" * 32}, "c-new": {"ts": fresh, "alert": "b" * 32}},
         "schedules": {"s-old": {"ts": old}, "s-new": {"ts": fresh}},
         "seen": {"k-old": old, "k-new": fresh},
         "activities": [{"ts": old, "admin_id": "100"}, {"ts": fresh, "admin_id": "101"}],
         "pending": [{"ts": old, "key": "p-old", "admin_id": "100"}, {"ts": fresh, "key": "p-new", "admin_id": "101"}],
         "event_types": {}, "health": {}}
with open(os.path.join(d, "meraki-state.json"), "w") as fh:
    json.dump(state, fh)
os.chmod(os.path.join(d, "meraki-state.json"), 0o600)
PY

# a reader shows nothing past the retention, before anything is pruned
"$bin" alerts --json -c "$tmp/cfg.yaml" >"$tmp/alerts.out" 2>"$tmp/alerts.err"
[ "$(grep -c . "$tmp/alerts.out")" = 1 ] && grep -q '"id": *"bbbb' "$tmp/alerts.out"
ok "ucfence alerts shows only the alert within alerts.retention" $?
grep -q '"id": *"aaaa' "$tmp/state/alerts.jsonl"; ok "ucfence alerts (a reader) rewrote nothing" $?

# the start-up pass: the Dashboard is unreachable, the pass happens first
timeout -k 5 60 "$bin" watch --once -c "$tmp/cfg.yaml" >"$tmp/watch.out" 2>"$tmp/watch.err"
echo "    watch --once exited $?"
am_files=$(cat "$tmp/state/am-files"); rm "$tmp/state/am-files"
for f in alerts.jsonl webhook-queue.jsonl webhook-dead.jsonl $am_files; do
	python3 - "$tmp/state/$f" <<'PY'
import json, sys
ids = [json.loads(l)["id"][0] for l in open(sys.argv[1])]
sys.exit(0 if ids and all(i in "bdf2468" for i in ids) and not any(i in "ace1357" for i in ids) else 1)
PY
	ok "start-up pass: $f holds no entry past alerts.retention" $?
done
python3 - "$tmp/state/meraki-state.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
bad = [k for k in ("c-old",) if k in s["captures"]] + [k for k in ("s-old",) if k in s["schedules"]] \
    + [k for k in ("k-old",) if k in s["seen"]] \
    + [a for a in s["activities"] if a.get("admin_id") == "100"] \
    + [p for p in s["pending"] if p.get("key") == "p-old"]
kept = "c-new" in s["captures"] and "k-new" in s["seen"]
sys.exit(0 if not bad and kept else 1)
PY
ok "start-up pass: the watcher's state holds no entry past alerts.retention" $?
grep -q "webhook: 1 queued alert older than alerts.retention dropped undelivered" "$tmp/watch.err"
ok "the expired webhook alert is logged once" $?
grep -q "alertmanager: 2 queued alerts older than alerts.retention dropped undelivered" "$tmp/watch.err"
ok "the expired Alertmanager alerts (both peers' queues) are logged once" $?
[ "$(grep -c 'older than alerts.retention' "$tmp/watch.err")" = 2 ]
ok "logged once only" $?
