#!/usr/bin/env bash
# Builds the Debian package, checks it with lintian and systemd-analyze,
# installs it on this machine, validates the shipped config, removes and
# purges it, and checks nothing is left behind. Then builds it again in a
# clean bookworm chroot from nothing but its Build-Depends.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
log=$(mktemp)
installed_by_us=0
chroot_dir=
cleanup() {
	[ "$installed_by_us" = 1 ] && dpkg -P ucfence >/dev/null 2>&1
	rm -f "$log"
	remove_chroot
}
# The chroot's mounts live in a mount namespace of their own (see
# clean_build), so they are gone once it exits; never delete a tree that
# still has anything mounted under it.
remove_chroot() {
	[ -n "$chroot_dir" ] && [ -d "$chroot_dir" ] || return 0
	if findmnt -rn -o TARGET | grep -q "^$chroot_dir\(/\|$\)"; then
		echo "FAIL: something is still mounted under $chroot_dir: left in place"
		return 1
	fi
	rm -rf "$chroot_dir"
}
trap cleanup EXIT
ok() { echo "PASS: $1"; }
no() { echo "FAIL: $1"; [ -s "$log" ] && tail -n 20 "$log"; }

# A bookworm buildd chroot (build-essential and apt only), unpacked fresh from
# a cached tarball each run so that what the package pulls in through
# Build-Depends is all it gets; downloaded .debs are cached beside it.
clean_build() {
	local cache=$here/build/chroot tar src
	tar=$cache/bookworm-buildd.tar
	mkdir -p "$cache/archives"
	if [ ! -s "$tar" ]; then
		mmdebstrap --variant=buildd bookworm "$cache/new.tar" >"$log" 2>&1 && mv "$cache/new.tar" "$tar" \
			|| { rm -f "$cache/new.tar"; no "mmdebstrap bookworm"; return 1; }
	fi
	chroot_dir=$cache/root.$$
	mkdir -p "$chroot_dir" && tar -C "$chroot_dir" -xf "$tar" || { no "unpack the chroot"; return 1; }
	src=$chroot_dir/src/ucfence-$(sed -n 's/^VERSION *:= *//p' Makefile)
	mkdir -p "$src" && git ls-files -z | grep -zv '^packaging/debian/' | xargs -0 cp -a --parents -t "$src" \
		&& cp -a packaging/debian "$src/debian" && cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf" \
		|| { no "copy the source into the chroot"; return 1; }
	# A private mount namespace: proc, /dev and the cache are unmounted when
	# it ends, also when the build fails or the script is killed.
	unshare --mount --propagation private sh -ec '
		R=$1
		trap "umount -R -l \"\$R/dev\" \"\$R/proc\" \"\$R/var/cache/apt/archives\" 2>/dev/null || true" EXIT
		mount -t proc proc "$R/proc"
		mount --rbind /dev "$R/dev"
		mount --bind "$2" "$R/var/cache/apt/archives"
		chroot "$R" sh -ec "
			export DEBIAN_FRONTEND=noninteractive
			apt-get update -q
			cd /src/$3
			apt-get build-dep -y -q --no-install-recommends ./
			dpkg-buildpackage -us -uc -b"
	' sh "$chroot_dir" "$cache/archives" "$(basename "$src")" >"$log" 2>&1 \
		&& ls "$chroot_dir"/src/ucfence_*_*.deb >/dev/null 2>&1
}

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
# Every program the unit runs is the package's own, Essential, or in Depends.
depends=" $(dpkg-deb -f "$deb" Depends | sed 's/([^)]*)//g; s/[,|]/ /g') "
missing=
for prog in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$unit" | sort -u); do
	[ "$prog" = /usr/sbin/ucfence ] && continue
	pkg=$(dpkg -S "$prog" 2>/dev/null | head -n1 | cut -d: -f1)
	if [ -z "$pkg" ]; then missing+=" $prog (no package has it)"; continue; fi
	[ "$(dpkg-query -W -f='${Essential}' "$pkg")" = yes ] && continue
	case $depends in *" $pkg "*) ;; *) missing+=" $prog ($pkg)" ;; esac
done
[ -z "$missing" ] && ok "the unit runs only programs the package depends on" \
	|| no "the unit runs programs of packages it does not depend on:$missing"
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

start=$(date +%s)
if clean_build; then ok "a clean bookworm chroot builds the package from its Build-Depends ($(( $(date +%s) - start )) s)"
else no "build in a clean bookworm chroot (apt-get build-dep, dpkg-buildpackage)"; fi
remove_chroot && chroot_dir=
