#!/usr/bin/env bash
# One organization collector (release build) for 1,000 sites at 60 s polls,
# against the simulator's organization: 1,000 networks, 3,000 devices,
# captures, schedules, their API requests, configuration changes and events
# arriving at random (seeded) over BENCH_DURATION seconds (default 240),
# configuration-change noise (20 a minute), a day of history, the
# organization's 10 requests/s enforced. Reports the collector's requests/s
# (goal <= 0.5, against the organization's 10), detection latency median and
# p95 (finding created in the simulator -> alert in the spool; goal p95 <=
# 90 s), peak RSS (goal < 64 MB) and CPU time. Runs about duration + 3 min.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${UCFENCE:-$here/ucfence}
sim=$here/tests/meraki-sim
dur=${BENCH_DURATION:-240}
poll=60
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy MERAKI_DASHBOARD_API_KEY
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 1 -extfile ext.cnf 2>/dev/null
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >collector.key; chmod 600 collector.key
start=$(( $(date +%s) + 15 ))
captures=$(( dur / 10 )) schedules=$(( dur / 60 + 1 ))
cat >sc.json <<JSON
{"api_keys": {"collector": "$tmp/collector.key"}, "rate_limit": 10,
 "organization": {"networks": 1000, "devices_per_network": 3, "seed": 2026, "start": $start,
                  "duration": $dur, "captures": $captures, "schedules": $schedules,
                  "noise_changes_per_min": 20, "history_changes": 2000, "capture_keep": 10}}
JSON
python3 "$sim/sim.py" --cert srv.pem --key srv.key --scenario sc.json --log api.log \
	--port-file port --created created.jsonl & pids+=($!)
for _ in $(seq 100); do [ -s port ] && break; sleep 0.1; done
cat >collector.yaml <<YAML
site: {name: org-collector}
meraki:
  enabled: true
  scope: organization
  base_url: https://127.0.0.1:$(cat port)/api/v1
  api_key_file: $tmp/collector.key
  organization_id: "549236"
  ca_file: $tmp/ca.pem
  poll_interval: ${poll}s
alerts: {syslog: false}
state_dir: $tmp/state
YAML
"$bin" watch -c collector.yaml >/dev/null 2>collector.err & coll=$!
pids+=($coll)
t0=$(date +%s.%N)
while [ "$(date +%s)" -lt $((start + dur + 2 * poll + poll / 2)) ]; do sleep 1; done
t1=$(date +%s.%N)
rss_kb=$(awk '/^VmHWM:/ {print $2}' /proc/$coll/status)
read -r ut st < <(awk '{print $14, $15}' /proc/$coll/stat)
tck=$(getconf CLK_TCK)
kill "$coll"; wait "$coll" 2>/dev/null
python3 "$sim/figures.py" --created created.jsonl --spool state/alerts.jsonl --log api.log \
	--key collector --since "$t0" --until "$t1" >fig.json || { cat collector.err; exit 1; }
# after the first cycle (a day of history, the directory): the steady state
python3 "$sim/figures.py" --created created.jsonl --spool state/alerts.jsonl --log api.log \
	--key collector --since "$(python3 -c "print($t0 + 30)")" --until "$t1" >steady.json || exit 1
python3 - fig.json "$rss_kb" "$ut" "$st" "$tck" "$t0" "$t1" "$dur" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
steady = json.load(open(sys.argv[1].replace("fig", "steady")))["requests"]
rss, ut, st, tck, t0, t1, dur = (int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
                                 int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]),
                                 int(sys.argv[8]))
r, l, c, s = f["requests"], f["latency_s"], f["captures"], f["schedules"]
cpu = (ut + st) / tck
met = lambda ok: "met" if ok else "NOT met"
print("organization: 1,000 networks, 3,000 devices; %d captures and %d schedules over %d s; "
      "poll 60 s" % (c["created"], s["created"], dur))
print("  alerted exactly once with their site: captures %d/%d, schedules %d/%d"
      % (c["once"] - len(c["wrong_site"]), c["created"], s["once"] - len(s["wrong_site"]),
         s["created"]))
print("  requests: %d in %.0f s = %.3f/s; ratio to the organization's 10/s: %.3f "
      "(goal <= 0.5/s: %s); 429s: %d" % (r["count"], r["span_s"], r["per_s"], r["per_s"] / 10,
                                         met(r["per_s"] <= 0.5), r["throttled"]))
print("    by operation: " + ", ".join("%s %d" % kv for kv in sorted(r["by_path"].items())))
print("    after the first cycle (a day of history, the directory): %d in %.0f s = %.3f/s (%s)"
      % (steady["count"], steady["span_s"], steady["per_s"],
         ", ".join("%s %d" % kv for kv in sorted(steady["by_path"].items()))))
print("  detection latency: median %.1f s, p95 %.1f s, max %.1f s over %d findings "
      "(goal p95 <= 90 s: %s)" % (l["median"], l["p95"], l["max"], l["n"], met(l["p95"] <= 90)))
print("  collector peak RSS %.1f MB (goal < 64 MB: %s); CPU %.2f s in %.0f s (%.3f%% of a core)"
      % (rss / 1024, met(rss < 65536), cpu, t1 - t0, 100 * cpu / (t1 - t0)))
ok = (c["once"] == c["created"] and not c["wrong_site"] and s["once"] == s["created"])
sys.exit(0 if ok else 1)
PY
