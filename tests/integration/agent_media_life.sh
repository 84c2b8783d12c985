#!/usr/bin/env bash
# A learned pinhole's life, with uc.media.timeout at its minimum (10 s):
#   - a call whose media flows for 25 s (2.5 timeouts) keeps the pinholes of
#     both its ends: every RTP packet is echoed back, nothing is dropped, and
#     both elements are still in the kernel's media set after 22 s;
#   - a call that goes silent without a BYE loses its pinholes (the agent
#     deletes idle media's elements and stops refreshing them);
#   - a BYE closes the call's pinholes after the 2 s grace.
set -u
. "$(dirname "$0")/../lab/lab.sh"
UCFENCE=${UCFENCE:-$LAB_REPO/ucfence}

lab_init || { echo "FAIL: agent_media_life: lab tools"; exit 1; }
lab_up concentrator || { echo "FAIL: agent_media_life: lab setup"; exit 1; }
LAB_MEDIA_TIMEOUT=10s lab_agent_config "sip, rtp"
lab_agent_start --no-table-owner
check "agent with uc.media.timeout 10s starts" test $? = 0 || exit 1
lab_call_server /dev/null
in_set() { # ADDR:PORT...: each endpoint is an element of media4
	local set e
	set=$(lab_exec gw nft list set inet ucfence media4)
	for e in "$@"; do grep -q "${e%:*} \. ${e#*:}[ ,]" <<<"$set" || return 1; done
}
none_in_set() { # ADDR:PORT...: no endpoint is an element of media4
	local e
	for e in "$@"; do in_set "$e" && return 1; done
	return 0
}

before=$(lab_drops)
lab_exec phone python3 "$LAB_SRC/call.py" 10.20.0.10 10.50.0.10 41000 25 >"$LAB_DIR/long.out" 2>&1 &
long=$!
lab_exec phone python3 "$LAB_SRC/call.py" 10.20.0.10 10.50.0.10 42000 2 nobye >"$LAB_DIR/short.out" 2>&1 &
short=$!
LAB_PIDS+=($long $short)
sleep 3
read -r _ far <"$LAB_DIR/long.out"
check "both calls opened their pinholes (the long call's far end: port ${far:-?})" \
	in_set 10.20.0.10:41000 10.20.0.10:42000 "10.50.0.10:${far:-0}"
sleep 19 # 22 s into the long call: its elements were refreshed past two timeouts
check "22 s into a call with media (timeout 10 s), the pinholes of both its ends are open" \
	in_set 10.20.0.10:41000 "10.50.0.10:${far:-0}"
check "a call silent for 20 s without a BYE has lost its pinhole (expired)" none_in_set 10.20.0.10:42000
wait "$long"
read -r _ sent _ echoed _ missing < <(tail -n 1 "$LAB_DIR/long.out")
after=$(lab_drops)
check "every RTP packet of the 25 s call came back ($echoed of $sent; missing: ${missing:-?})" \
	test "${sent:-0}" -ge 1000 -a "${echoed:-0}" -eq "${sent:-1}"
check "nothing was dropped meanwhile ($before -> $after)" test "$before" -eq "$after"
sleep 3.5
check "3.5 s after the BYE the call's pinholes are closed" \
	none_in_set 10.20.0.10:41000 "10.50.0.10:${far:-0}"
wait "$short"
kill -TERM "$LAB_AGENT"; wait "$LAB_AGENT" 2>/dev/null
lab_exec gw "$UCFENCE" flush >/dev/null 2>&1
lab_agent_log_clean agent_media_life
