#!/usr/bin/env bash
# The folder layout keeps the parts apart: the classifier, the enforcer and
# the Meraki watcher never include one another's headers (data flows one
# way: the daemon joins them); no two headers share a name (headers are
# found by name across the parts' folders).
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
ok() { echo "PASS: layout: $1"; }
ko() { echo "FAIL: layout: $1"; }

# crossings ROOT: prints each include from one of the three parts of another
crossings() {
	(cd "$1" || exit 1
	declare -A owner
	while IFS= read -r f; do
		rel=${f#agent/}
		case $rel in */*) owner[$(basename "$f")]=${rel%%/*} ;; esac
	done < <(find agent -name '*.h')
	for part in classify enforce watch; do
		[ -d "agent/$part" ] || continue
		grep -rno '#include "[^"]*"' "agent/$part" | while IFS= read -r line; do
			hdr=${line#*\"}; hdr=${hdr%\"}
			o=${owner[$hdr]:-}
			case $o in classify | enforce | watch)
				[ "$o" != "$part" ] && echo "${line%%:#*} includes $hdr ($o)" ;;
			esac
		done
	done)
}

dups=$(find "$repo/agent" -name '*.h' -printf '%f\n' | sort | uniq -d)
if [ -z "$dups" ]; then ok "every header name is unique under agent/"; else ko "headers named twice: $dups"; fi

bad=$(crossings "$repo")
if [ -z "$bad" ]; then ok "classify/, enforce/ and watch/ include none of each other's headers"
else ko "parts include each other: $bad"; fi

# the check finds a crossing when there is one
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/agent/classify" "$tmp/agent/enforce"
printf '#include "policy.h"\n' >"$tmp/agent/classify/media.c"
: >"$tmp/agent/enforce/policy.h"
if [ -n "$(crossings "$tmp")" ]; then ok "a classifier file including the enforcer's policy.h is caught"
else ko "the check missed a classifier file including policy.h"; fi
