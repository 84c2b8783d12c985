#!/usr/bin/env bash
# The README's first command works: the demo runs end to end against the
# freshly built agent and exits 0 only if everything it shows happened.
here=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$here" ucfence build/lab/labnet >/dev/null || { echo "FAIL: demo: build"; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if UCFENCE="$here/ucfence" "$here/tests/demo/demo.sh" >"$log" 2>&1; then
	echo "PASS: make demo's script passes ($(grep -o 'demo passed in [0-9.]* s' "$log"))"
else
	echo "FAIL: make demo's script failed:"; tail -n 30 "$log"
fi
