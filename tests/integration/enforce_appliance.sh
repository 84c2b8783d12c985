#!/usr/bin/env bash
# Appliance mode end to end (phones behind the MX, masqueraded to A): the
# traffic matrix before and after `ucfence apply`, with the counter each
# refusal moves; the live table equals plan's output; enforcement.action
# reject and monitor.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: appliance: lab tools"; exit 1; }
lab_up appliance || { echo "FAIL: appliance: lab setup"; exit 1; }
ucf() { local cfg=$1; shift; lab_exec gw "$UCFENCE" "$@" -c "$cfg" --rules "$LAB_REPO/rules"; }

# name | expectation with ucfence | counter | from | proto | to | port [| source]
CASES=(
	"phone behind MX->S SIP udp|pass|-|phone|udp|198.51.100.10|5060"
	"phone behind MX->S SIP-TLS|pass|-|phone|tcp|198.51.100.10|5061"
	"phone behind MX->S media in static range|pass|-|phone|udp|198.51.100.10|20000"
	"phone behind MX->internet web|block|non-target-appliance|phone|tcp|198.51.100.80|80"
	"appliance->Meraki cloud tunnel|pass|-|mx|udp|198.51.100.73|7351"
	"appliance->dashboard HTTPS|pass|-|mx|tcp|198.51.100.73|443"
	"appliance->AutoVPN registry|pass|-|mx|udp|198.51.100.73|9350"
	"phone behind MX->non-Meraki HTTPS (NATed to A)|block|non-target-appliance|phone|tcp|198.51.100.80|443"
	"appliance->non-Meraki HTTPS|block|non-target-appliance|mx|tcp|198.51.100.80|443"
	"appliance->Meraki cloud port, non-Meraki address|block|non-target-appliance|mx|udp|198.51.100.80|7351"
	"appliance->configured AutoVPN peer|pass|-|mx|udp|203.0.113.20|40000"
	"appliance->AutoVPN port, not a peer|block|non-target-appliance|mx|udp|198.51.100.80|40000"
	"appliance->connectivity check host HTTP|pass|-|mx|tcp|198.51.100.88|80"
	"S->appliance SIP (server-initiated)|pass|-|inet|udp|10.40.0.2|5060|198.51.100.10"
	"Meraki cloud->appliance registry port|pass|-|inet|udp|10.40.0.2|9350|198.51.100.73"
	"configured VPN peer->appliance AutoVPN|pass|-|inet|udp|10.40.0.2|40000|203.0.113.20"
	"not a VPN peer->appliance AutoVPN|block|non-target-appliance|inet|udp|10.40.0.2|40000|198.51.100.80"
	"internet host (not S)->appliance SIP|block|non-target-appliance|inet|udp|10.40.0.2|5060"
	"data->appliance web|block|non-target-appliance|data|tcp|10.40.0.2|80"
	"appliance->data web|block|non-target-appliance|mx|tcp|10.30.0.10|80"
	"stray host behind appliance (source not A)->S SIP|block|non-target-appliance|stray|udp|198.51.100.10|5060"
	"local UC device->S SIP|pass|-|lan|udp|198.51.100.10|5060"
	"data->local UC device web|block|non-target-uc|data|tcp|10.21.0.10|80"
	"local UC device->gateway SSH|block|non-target-to-gateway|lan|tcp|10.21.0.1|22"
	"local UC device->gateway DNS|pass|-|lan|udp|10.21.0.1|53"
	"IPv6 appliance (source not A)->internet web|block|non-target-appliance|mx|tcp|2001:db8:80::80|80"
	"IPv6 stray host->S SIP|block|non-target-appliance|stray|udp|2001:db8:80::10|5060"
	"IPv6 local UC device->S SIP|pass|-|lan|udp|2001:db8:80::10|5060"
	"IPv6 data->local UC device web|block|non-target-uc|data|tcp|fd00:21::10|80"
)

lab_matrix baseline "${CASES[@]}"
check "baseline: appliance ping to any host passes" lab_ping mx 198.51.100.80 2

DROP=$(lab_config appliance drop)
plan=$(ucf "$DROP" plan)
check "plan exits 0" test $? -eq 0
check "appliance mode plans no route" grep -q "^# routes (protocol 117, table main): 0" <<<"$plan"
check "nft -c accepts plan's output" lab_exec scratch nft -c -f - <<<"$plan"
check "nft -c accepts plan's output with action monitor" \
	lab_exec scratch nft -c -f - <<<"$(ucf "$(lab_config appliance monitor)" plan 2>/dev/null)"
out=$(ucf "$DROP" apply 2>&1)
rc=$?
check "apply succeeds ($(oneline "$out"))" test $rc -eq 0
check "apply installs no route" test -z "$(lab_exec gw ip route show proto 117)"
lab_matrix enforced "${CASES[@]}"
lab_same_as_plan "$plan"

# The MX's connectivity checks: pings to its test hosts pass, pings anywhere
# else are refused.
before=$(lab_counter non-target-appliance)
check "appliance ping to its connectivity check host passes" lab_ping mx 198.51.100.88 2
check "appliance ping to another host is dropped" test "$(lab_ping mx 198.51.100.80 1; echo $?)" = 1
check "and counted as non-target-appliance" test "$(lab_counter non-target-appliance)" -gt "$before"

# appliance.open: the site opens tcp/443 to one address for an MX feature
# Meraki lists with destination "Any"; nothing else there opens.
OPEN=$LAB_DIR/site-open.yaml
sed 's/^  time_servers: \(.*\)$/  time_servers: \1\n  open: { ports: [tcp\/443], addresses: [198.51.100.80] }/' "$DROP" >"$OPEN"
out=$(ucf "$OPEN" apply 2>&1)
check "apply with appliance.open ($(oneline "$out"))" test $? -eq 0
lab_case "appliance.open: appliance->opened address on tcp/443 passes" pass - mx tcp 198.51.100.80 443
lab_case "appliance.open: the same address on tcp/80 stays closed" block non-target-appliance \
	mx tcp 198.51.100.80 80
check "nft -c accepts plan's output with appliance.open" \
	lab_exec scratch nft -c -f - <<<"$(ucf "$OPEN" plan 2>/dev/null)"
out=$(ucf "$DROP" apply 2>&1)
check "apply without it again ($(oneline "$out"))" test $? -eq 0
lab_case "without appliance.open: closed again" block non-target-appliance mx tcp 198.51.100.80 443

# enforcement.action: reject answers refusals, monitor only counts and logs.
out=$(ucf "$(lab_config appliance reject)" apply 2>&1)
rc=$?
check "apply with action reject ($(oneline "$out"))" test $rc -eq 0
lab_case "reject: phone behind MX->internet web gets a TCP reset" refused non-target-appliance \
	phone tcp 198.51.100.80 80
lab_case "reject: data->local UC device UDP gets ICMP administratively prohibited" icmp \
	non-target-uc data udp 10.21.0.10 9999
lab_case "reject: IPv6 data->local UC device UDP gets ICMPv6 administratively prohibited" icmp \
	non-target-uc data udp fd00:21::10 9999
lab_case "reject: target traffic still passes" pass - phone udp 198.51.100.10 5060

out=$(ucf "$(lab_config appliance monitor)" apply 2>&1)
rc=$?
check "apply with action monitor ($(oneline "$out"))" test $rc -eq 0
lab_case "monitor: phone behind MX->internet web passes and is counted" pass non-target-appliance \
	phone tcp 198.51.100.80 80
lab_case "monitor: data->local UC device web passes and is counted" pass non-target-uc \
	data tcp 10.21.0.10 80
lab_case "monitor: target traffic passes uncounted" pass - phone udp 198.51.100.10 5060

out=$(ucf "$DROP" flush 2>&1)
rc=$?
check "flush ($(oneline "$out"))" test $rc -eq 0
check "flush keeps the site's table" grep -q "chain site_forward" <<<"$(lab_exec gw nft list table inet site)"
check "flush keeps the MX's own NAT table" grep -q masquerade <<<"$(lab_exec mx nft list ruleset)"
