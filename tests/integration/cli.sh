#!/usr/bin/env bash
# The command line's contract: exit codes, positioned errors on stderr, --json.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${UCFENCE:-$here/ucfence}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$here"

t() { # NAME EXPECTED_RC COMMAND...
	local name=$1 want=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
	if [ "$rc" -eq "$want" ]; then echo "PASS: $name"; else
		echo "FAIL: $name (exit $rc, wanted $want)"; cat "$tmp/err"; fi
}
has() { # NAME FILE PATTERN
	if grep -qE -- "$3" "$2"; then echo "PASS: $1"; else echo "FAIL: $1: no '$3' in:"; cat "$2"; fi
}

t "check example exits 0" 0 "$bin" check -c config/example.yaml
has "check prints the site" "$tmp/out" '^site +branch-017, concentrator mode$'
has "check lists each enabled service with its ports and description" "$tmp/out" \
	'^  sip +udp/5060, tcp/5060 +SIP signalling in cleartext over UDP and TCP$'
has "check lists a media service's ports as uc.media" "$tmp/out" '^  rtp +uc\.media +RTP and RTCP media'
has "check warns, positioned, of cleartext sip beside sip-tls" "$tmp/err" \
	"^config/example\.yaml:[0-9]+:[0-9]+: warning: uc\.services: 'sip' is enabled alongside 'sip-tls': .* is readable by anyone who captures packets"
t "check --json exits 0" 0 "$bin" check -c config/example.yaml --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["valid"] and d["site"]["mode"]=="concentrator" and d["uc"]["services"][0]=="sip" and d["catalog"]["services"]>=13' "$tmp/out"; then
	echo "PASS: check --json is one JSON object with the summary"; else echo "FAIL: check --json"; fi
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in d["services"]}
assert [x["name"] for x in d["services"]] == d["uc"]["services"]
assert s["sip"]["ports"] == ["udp/5060", "tcp/5060"] and s["sip"]["description"] and s["sip"]["inspected"]
assert s["rtp"]["media"] and s["rtp"]["ports"] == []
w = [x for x in d["warnings"] if x["path"] == "uc.services" and x["message"].startswith("\x27sip\x27 is enabled alongside")]
assert len(w) == 1 and w[0]["file"] == "config/example.yaml" and w[0]["line"] > 0 and w[0]["column"] > 0
' "$tmp/out"; then
	echo "PASS: check --json lists the services (name, ports, description) and the warnings"; else echo "FAIL: check --json services/warnings"; fi
[ ! -s "$tmp/err" ] && echo "PASS: check --json keeps stderr empty (warnings are in the object)" || { echo "FAIL: check --json wrote to stderr:"; cat "$tmp/err"; }

sed 's/static_range: 16384-32767/static_range: 32767-16384/' config/example.yaml > "$tmp/bad.yaml"
t "invalid config exits 1" 1 "$bin" check -c "$tmp/bad.yaml"
has "error names file:line:col" "$tmp/err" "^$tmp/bad.yaml:[0-9]+:[0-9]+: static_range: port range '32767-16384' is reversed"
[ ! -s "$tmp/out" ] && echo "PASS: nothing on stdout for an invalid config" || echo "FAIL: stdout not empty"
t "invalid config --json exits 1" 1 "$bin" check -c "$tmp/bad.yaml" --json
has "--json error object" "$tmp/out" '"valid": ?false'
t "missing config exits 1" 1 "$bin" check -c "$tmp/none.yaml"
has "missing config message" "$tmp/err" "none.yaml: cannot open: No such file or directory"
t "missing catalog exits 1" 1 "$bin" check -c config/example.yaml --rules "$tmp/norules"
t "unknown option exits 2" 2 "$bin" check --bogus
t "stray argument exits 2" 2 "$bin" check extra
t "unknown command exits 2" 2 "$bin" frobnicate
t "no command exits 2" 2 "$bin"
t "--help exits 0" 0 "$bin" --help
has "--help lists check" "$tmp/out" '^  check '
t "check --help exits 0" 0 "$bin" check --help
has "check --help shows -c" "$tmp/out" '--config FILE'
t "--version exits 0" 0 "$bin" --version
has "--version prints the version" "$tmp/out" '^ucfence [0-9]+\.[0-9]+\.[0-9]+$'

# enforcement.require_encryption: in the summary; a site whose signalling would all be refused is invalid
sed 's/require_encryption: false/require_encryption: true/' config/example.yaml > "$tmp/enc.yaml"
t "require_encryption with sip-tls listed exits 0" 0 "$bin" check -c "$tmp/enc.yaml"
has "check shows encryption required" "$tmp/out" '^enforcement +drop, log 10/second, encryption required$'
t "require_encryption --json exits 0" 0 "$bin" check -c "$tmp/enc.yaml" --json
has "--json has require_encryption" "$tmp/out" '"require_encryption": true'
sed -i 's/services: \[sip, sip-tls, sccp, rtp, tftp, stun\]/services: [sip, sccp, rtp, tftp]/' "$tmp/enc.yaml"
t "require_encryption with only cleartext signalling exits 1" 1 "$bin" check -c "$tmp/enc.yaml"
has "require_encryption error names file:line:col" "$tmp/err" "^$tmp/enc.yaml:[0-9]+:[0-9]+: require_encryption is on but every signalling service in uc.services is cleartext \\(sip, sccp, tftp\\): nothing could register or call; add an encrypted one such as sip-tls$"

mkdir "$tmp/rules.d"
printf 'services:\n  sip:\n    description: d\n    reference: r\n    roles: [uc]\n    ports: [udp/5062]\n' > "$tmp/rules.d/dup.yaml"
t "duplicate site service exits 1" 1 "$bin" check -c config/example.yaml --rules-d "$tmp/rules.d"
has "duplicate names both places" "$tmp/err" "dup.yaml:2:3: service 'sip' is already defined at .*rules/uc.yaml:8"
