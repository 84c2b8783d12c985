#!/usr/bin/env bash
# Concentrator mode end to end: the traffic matrix (IPv4 and IPv6) before and
# after `ucfence apply`, with the counter each refusal moves; plan changes
# nothing; the live table equals plan's output; re-apply is a no-op; flush
# removes only ucfence's table and routes.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: concentrator: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: concentrator: lab setup"; exit 1; }
CFG=$(lab_config concentrator drop)
ucf() { lab_exec gw "$UCFENCE" "$@" -c "$CFG" --rules "$LAB_REPO/rules"; }

# name | expectation with ucfence | counter | from | proto | to | port
CASES=(
	"phone->remote SIP udp|pass|-|phone|udp|10.50.0.10|5060"
	"phone->remote SIP tcp|pass|-|phone|tcp|10.50.0.10|5060"
	"phone->remote SIP-TLS|pass|-|phone|tcp|10.50.0.10|5061"
	"phone->remote SCCP|pass|-|phone|tcp|10.50.0.10|2000"
	"phone->remote TFTP|pass|-|phone|udp|10.50.0.10|69"
	"phone->remote media in static range|pass|-|phone|udp|10.50.0.10|20000"
	"remote->phone SIP (server-initiated)|pass|-|remote|udp|10.20.0.10|5060"
	"phone->remote STUN, ICMP port unreachable comes back (related)|refused|-|phone|udp|10.50.0.10|3478"
	"data->phone web|block|non-target-uc|data|tcp|10.20.0.10|80"
	"phone->internet web|block|non-target-uc|phone|tcp|198.51.100.80|80"
	"data->remote UC subnet (SIP port)|block|non-target-appliance|data|tcp|10.50.0.10|5060"
	"phone->remote web (not a UC service)|block|non-target-appliance|phone|tcp|10.50.0.10|80"
	"stray host on appliance port->data|block|non-target-appliance|stray|tcp|10.30.0.10|80"
	"stray host on appliance port->phone SIP|block|non-target-appliance|stray|udp|10.20.0.10|5060"
	"phone->UC server via wan instead of VPN|block|uc-bypass-vpn|phone|udp|198.51.100.10|5060"
	"appliance->Meraki cloud (its own traffic)|pass|-|mx|udp|198.51.100.73|7351"
	"appliance->internet web|block|non-target-appliance|mx|tcp|198.51.100.80|80"
	"phone->gateway DNS|pass|-|phone|udp|10.20.0.1|53"
	"phone->gateway SSH|block|non-target-to-gateway|phone|tcp|10.20.0.1|22"
	"IPv6 phone->remote SIP udp|pass|-|phone|udp|fd00:50::10|5060"
	"IPv6 phone->remote SIP-TLS|pass|-|phone|tcp|fd00:50::10|5061"
	"IPv6 data->phone web|block|non-target-uc|data|tcp|fd00:20::10|80"
	"IPv6 phone->internet web|block|non-target-uc|phone|tcp|2001:db8:80::80|80"
	"IPv6 phone->remote web|block|non-target-appliance|phone|tcp|fd00:50::10|80"
	"IPv6 phone->gateway DNS (neighbour discovery works)|pass|-|phone|udp|fd00:20::1|53"
	"IPv6 phone->gateway SSH|block|non-target-to-gateway|phone|tcp|fd00:20::1|22"
	"IPv6 stray host->data|block|non-target-appliance|stray|tcp|fd00:30::10|80"
)

ruleset_state() { lab_exec gw nft list ruleset; lab_exec gw ip route; lab_exec gw ip -6 route; }

# Without ucfence everything flows: a blocked case below is ucfence's doing.
lab_matrix baseline "${CASES[@]}"

before=$(ruleset_state)
plan=$(ucf plan 2>"$LAB_DIR/plan.err")
check "plan exits 0 and prints the table" test -n "$plan"
check "plan changes nothing" test "$before" = "$(ruleset_state)"
check "plan warns that IPv6 R has no route via an IPv4 appliance" \
	grep -q "no route for remote subnet fd00:50::/48" "$LAB_DIR/plan.err"
check "nft -c accepts plan's output" lab_exec scratch nft -c -f - <<<"$plan"

out=$(ucf apply 2>&1)
rc=$?
check "apply succeeds ($(oneline "$out"))" test $rc -eq 0
check "apply creates the table" grep -q "chain uc_forward" <<<"$(lab_exec gw nft list table inet ucfence)"
check "apply routes R via A with protocol 117" \
	grep -q "10.50.0.0/16 via 10.40.0.2 dev appl0" <<<"$(lab_exec gw ip route show proto 117)"

lab_matrix enforced "${CASES[@]}"

# The live table equals plan's output installed by nft itself.
lab_same_as_plan "$plan"

# Re-apply: nothing observable changes, not even the counters.
listing() { lab_exec gw nft list ruleset | perl -pe 's/packets \d+ bytes \d+//'; }
l1=$(listing)
r1=$(lab_exec gw ip route; lab_exec gw ip -6 route)
c1=$(lab_counters)
out=$(ucf apply 2>&1)
check "re-apply succeeds and updates the table in place ($(oneline "$out"))" \
	grep -q "updated in place" <<<"$out"
check "re-apply: ruleset listing unchanged" test "$l1" = "$(listing)"
check "re-apply: counters kept ($c1)" test "$c1" = "$(lab_counters)"
check "re-apply: routes unchanged" test "$r1" = "$(lab_exec gw ip route; lab_exec gw ip -6 route)"
check "re-apply: no stale route removed, one installed" grep -q "1 installed, 0 stale removed" <<<"$out"
lab_case "after re-apply: data->phone web still blocked" block non-target-uc data tcp 10.20.0.10 80
lab_case "after re-apply: phone->remote SIP still passes" pass - phone udp 10.50.0.10 5060

# A config change is applied in place too: only the differing elements move.
CFG2=$LAB_DIR/site-changed.yaml
sed -e 's|endpoints: \[10.20.0.0/24,|endpoints: [10.20.0.0/24, 10.20.1.0/24, 10.25.0.9,|' \
	-e 's|action: drop|action: reject|' "$CFG" >"$CFG2"
out=$(lab_exec gw "$UCFENCE" apply -c "$CFG2" --rules "$LAB_REPO/rules" 2>&1)
check "changed config applied in place ($(oneline "$out"))" grep -q "updated in place" <<<"$out"
lab_same_as_plan "$(lab_exec gw "$UCFENCE" plan -c "$CFG2" --rules "$LAB_REPO/rules" 2>/dev/null)"
out=$(ucf apply 2>&1)
check "original config applied back in place ($(oneline "$out"))" grep -q "updated in place" <<<"$out"
lab_same_as_plan "$plan"
lab_case "after the changes: data->phone web blocked again (drop)" block non-target-uc data tcp 10.20.0.10 80

# Every uc service of the shipped catalog at once: the kernel takes the merged
# service set (adjacent ports such as tcp/6970-6972 and 2748-2749) and lets
# each new CUCM service's port through to a server (nothing listens there:
# TCP answers with a reset, UDP with port unreachable); a port no service
# names stays refused.
CFG3=$LAB_DIR/site-every-service.yaml
every=$(awk '/^  [a-z0-9-]+:$/ { name = substr($1, 1, length($1) - 1) }
	/^    roles: \[(.*, )?uc(, .*)?\]/ { printf "%s%s", sep, name; sep = ", " }' "$LAB_REPO"/rules/*.yaml)
sed -e "s|services: \[sip, sip-tls, sccp, rtp, tftp, stun\]|services: [$every]|" "$CFG" >"$CFG3"
out=$(lab_exec gw "$UCFENCE" apply -c "$CFG3" --rules "$LAB_REPO/rules" 2>&1)
check "every uc service of the catalog ($every) applied in place ($(oneline "$out"))" \
	grep -q "updated in place" <<<"$out"
lab_same_as_plan "$(lab_exec gw "$UCFENCE" plan -c "$CFG3" --rules "$LAB_REPO/rules" 2>/dev/null)"
for c in cucm-https:tcp:6971 cucm-https:tcp:6972 capf:tcp:3804 tvs:tcp:2445 phone-services-tls:tcp:8443 \
	cti-tls:tcp:2749 xmpp:tcp:5222 xmpp-tls:tcp:5223 h323:tcp:1720 mgcp:udp:2427 mgcp:udp:2727 \
	ldaps:tcp:636 ldaps-gc:tcp:3269; do
	IFS=: read -r svc proto port <<<"$c"
	lab_case "every service: phone->remote $svc $proto/$port passes (refused by the server)" refused - phone "$proto" 10.50.0.10 "$port"
done
lab_case "every service: phone->remote tcp/8081 (no service) still blocked" block non-target-appliance phone tcp 10.50.0.10 8081

# Flush: only ours goes.
out=$(ucf flush 2>&1)
rc=$?
check "flush succeeds ($(oneline "$out"))" test $rc -eq 0
check "flush removes table inet ucfence" bash -c "! ip netns exec $(lab_ns gw) nft list table inet ucfence >/dev/null 2>&1"
check "flush keeps the site's table inet site" grep -q "chain site_forward" <<<"$(lab_exec gw nft list table inet site)"
check "flush removes the protocol 117 route" test -z "$(lab_exec gw ip route show proto 117)"
check "flush keeps the site's static routes" \
	grep -q "10.41.0.0/24 via 10.40.0.2" <<<"$(lab_exec gw ip route show proto static)"
check "flush keeps the site's IPv6 static route" \
	grep -q "fd00:50::/48 via fd00:40::2" <<<"$(lab_exec gw ip -6 route show proto static)"
lab_case "after flush: data->phone web flows again" pass - data tcp 10.20.0.10 80
out=$(ucf flush 2>&1)
check "flush again is harmless ($(oneline "$out"))" grep -q "was not there" <<<"$out"
