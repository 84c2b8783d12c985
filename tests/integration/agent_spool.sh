#!/usr/bin/env bash
# The alert feed never keeps enforcement from starting: with the feed held by
# another process the agent starts, enforces and says it runs without it. A
# spool grown past 64 MiB is listed whole by `ucfence alerts`, and the agent
# starts on it and trims it to its cap, the oldest alerts first.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: agent_spool: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_spool: lab setup"; exit 1; }
lab_agent_config "sip, rtp"
STATE=$LAB_DIR/state
SPOOL=$STATE/alerts.jsonl
mkdir -p "$STATE"

stop_agent() { kill -TERM "$LAB_AGENT" 2>/dev/null; wait "$LAB_AGENT" 2>/dev/null; }

# ---- the feed is held by another process ----------------------------------------------
(exec 9>"$STATE/feed.lock" && flock 9 && exec sleep 600) & # killing it frees the lock
HOLDER=$!
LAB_PIDS+=($HOLDER)
for _ in $(seq 50); do flock -n "$STATE/feed.lock" true || break; sleep 0.1; done
lab_agent_start --no-table-owner
check "the agent starts while another process holds the alert feed" test $? = 0
sleep 1
check "... keeps running" kill -0 "$LAB_AGENT"
check "... enforces (its table is loaded, status answers)" \
	eval 'lab_exec gw nft list table inet ucfence >/dev/null && lab_agent_status >/dev/null'
check "... and says it runs without the feed" \
	grep -q "alert feed: .*in use by another ucfence process" "$LAB_DIR/agent.log"
stop_agent
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null

# ---- a spool of 66 MiB --------------------------------------------------------------
N=1100
python3 - "$SPOOL" "$N" <<'PY'
import json, sys, time
path, n = sys.argv[1], int(sys.argv[2])
now = int(time.time())
with open(path, "w") as f:
    for i in range(n):
        t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - n + i))
        f.write(json.dumps({"id": "%032x" % i, "time": t, "site": "lab", "severity": "warning",
                            "kind": "packet-capture", "summary": "s" * 62000, "details": {}},
                           separators=(",", ":")) + "\n")
PY
chmod 0640 "$SPOOL"
size=$(stat -c %s "$SPOOL")
check "a spool of $((size >> 20)) MiB (past 64) is written" test "$size" -gt $((64 << 20))
"$UCFENCE" alerts -c "$LAB_DIR/site.yaml" --rules "$LAB_REPO/rules" >"$LAB_DIR/alerts.out" 2>"$LAB_DIR/alerts.err"
rc=$?
check "ucfence alerts lists all $N alerts of it (exit $rc)" \
	test "$rc" = 0 -a "$(wc -l <"$LAB_DIR/alerts.out")" = "$N"
lab_agent_start --no-table-owner
check "the agent starts on it" test $? = 0
size=$(stat -c %s "$SPOOL")
check "... and trims it to at most 24 MiB ($((size >> 20)) MiB)" test "$size" -le $((24 << 20))
check "... keeping the newest alert, dropping the oldest" python3 -c '
import json, sys
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
# alerts of the agent itself (enforcement-restored at its start) may follow
mine = [i for i in ids if i.startswith("0" * 24)]
assert mine[-1] == "%032x" % (int(sys.argv[2]) - 1) and "%032x" % 0 not in ids, ids[:1] + ids[-1:]' "$SPOOL" "$N"
stop_agent
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_spool
