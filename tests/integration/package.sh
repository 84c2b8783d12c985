#!/usr/bin/env bash
# Builds the Debian package, checks it with lintian and systemd-analyze,
# installs it on this machine, validates the shipped config, removes and
# purges it, and checks nothing is left behind.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
log=$(mktemp)
installed_by_us=0
cleanup() {
	[ "$installed_by_us" = 1 ] && dpkg -P ucfence >/dev/null 2>&1
	rm -f "$log"
}
trap cleanup EXIT
ok() { echo "PASS: $1"; }
no() { echo "FAIL: $1"; [ -s "$log" ] && tail -n 20 "$log"; }

if dpkg-query -W -f='${Status}' ucfence 2>/dev/null | grep -q 'install ok installed'; then
	no "ucfence is already installed on this machine: the install test will not touch it"
	exit 1
fi

if make -s deb >"$log" 2>&1; then ok "make deb builds the package and lintian reports no error or warning"
else no "make deb"; exit 1; fi
deb=$(ls build/deb/ucfence_*_*.deb | grep -v dbgsym | head -n1)
lintian --fail-on error,warning "$deb" build/deb/ucfence_*.dsc >"$log" 2>&1 \
	&& ok "lintian: .deb and .dsc clean" || no "lintian"

unit=packaging/debian/ucfence.service
score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN{exit !(s <= 2.5)}'; then ok "systemd-analyze security exposure $score <= 2.5"
else no "systemd-analyze security exposure '$score' > 2.5"; fi

if dpkg -i "$deb" >"$log" 2>&1; then installed_by_us=1; ok "dpkg -i"; else no "dpkg -i"; exit 1; fi
if systemd-analyze verify /lib/systemd/system/ucfence.service >"$log" 2>&1 && [ ! -s "$log" ]; then
	ok "systemd-analyze verify is clean"; else no "systemd-analyze verify"; fi
/usr/sbin/ucfence check >"$log" 2>&1 && ok "ucfence check of the shipped /etc/ucfence/ucfence.yaml" || no "shipped config does not validate"
grep -qE "^meraki +disabled" "$log" && ok "the shipped config has the Meraki watch off" || no "shipped config polls Meraki"
grep -qE "^catalog +[0-9]+ services from /usr/share/ucfence/rules$" "$log" && ok "the installed binary reads the installed catalog" || no "installed catalog not used"
[ "$(stat -c %a /var/lib/ucfence 2>/dev/null)" = 700 ] && ok "/var/lib/ucfence is 0700" || no "/var/lib/ucfence mode"
grep -qx /etc/ucfence/ucfence.yaml /var/lib/dpkg/info/ucfence.conffiles && ok "the config is a conffile" || no "conffile"
man -w ucfence >/dev/null 2>&1 && man -w 5 ucfence.yaml >/dev/null 2>&1 && ok "man pages ucfence(8) and ucfence.yaml(5)" || no "man pages"
[ -e /etc/systemd/system/multi-user.target.wants/ucfence.service ] && no "the unit was enabled at install" || ok "the unit is not enabled at install"

mkdir -p /var/lib/ucfence && echo '{}' > /var/lib/ucfence/state.json   # state the agent would write
dpkg -r ucfence >"$log" 2>&1 && ok "dpkg -r" || no "dpkg -r"
[ ! -e /usr/sbin/ucfence ] && [ ! -d /usr/share/ucfence ] && ok "remove deletes the program and catalog" || no "remove left files"
[ -f /etc/ucfence/ucfence.yaml ] && ok "remove keeps the conffile" || no "remove deleted the conffile"
dpkg -P ucfence >"$log" 2>&1 && { installed_by_us=0; ok "dpkg -P"; } || no "dpkg -P"
left=$(ls -d /etc/ucfence /var/lib/ucfence /usr/share/doc/ucfence /lib/systemd/system/ucfence.service \
	/usr/lib/tmpfiles.d/ucfence.conf 2>/dev/null)
[ -z "$left" ] && ok "purge leaves nothing behind" || no "purge left: $left"
dpkg-query -W ucfence >/dev/null 2>&1 && no "dpkg still knows ucfence" || ok "dpkg has forgotten the package"
