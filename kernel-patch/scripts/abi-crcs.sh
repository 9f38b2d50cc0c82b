#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# abi-crcs.sh BASE
#
# Debian's module ABI check for the series: build kernel/signal.o,
# kernel/fork.o and kernel/exit.o with Debian's own amd64 config
# (linux-config-BASE, CONFIG_MODVERSIONS) three times and print the symbol
# CRCs genksyms gives their exports, plus the layout of signal_struct
# (pahole, from dwarves):
#
#   pristine  the Debian tree
#   series    with BASE/0*.patch
#   guarded   with the series and BASE/debian/*.patch, which hides the new
#             signal_struct field from genksyms the way Debian does
#
# Prints a table of the exports whose CRC differs from pristine and the
# signal_struct layout of each state; exits non-zero when "guarded" differs
# from pristine in any CRC or in the layout. Takes a few minutes
# ("make prepare" of a full config once, then three small rebuilds); not
# part of vm-check. Output: build/abi-BASE.txt.
set -eu

base=${1:-6.12}
kp=$(cd "$(dirname "$0")/.." && pwd)
build=$kp/build
tarball=${TARBALL_DIR:-/usr/src}/linux-source-$base.tar.xz
config=/usr/src/linux-config-$base/config.amd64_none_amd64.xz
src=$build/src/$base-abi
obj=$build/obj/$base-abi
out=$build/abi-$base.txt
objs="kernel/signal.o kernel/fork.o kernel/exit.o"

[ -r "$config" ] || { echo "abi-crcs: missing $config (apt-get install linux-config-$base)" >&2; exit 1; }
command -v pahole > /dev/null || { echo "abi-crcs: needs pahole (apt-get install dwarves)" >&2; exit 1; }

rm -rf "$src"
mkdir -p "$src" "$obj"
tar -xf "$tarball" -C "$src"
src=$src/linux-source-$base
xz -dc "$config" > "$obj/.config"
# Debian signs modules with keys that are not in the source package
{ cd "$src" &&
  scripts/config --file "$obj/.config" --set-str SYSTEM_TRUSTED_KEYS "" \
	--set-str SYSTEM_REVOCATION_KEYS "" --set-str BUILD_SALT "" &&
  make -s ARCH=x86_64 O="$obj" olddefconfig &&
  make -s ARCH=x86_64 O="$obj" -j"${JOBS:-2}" prepare; } > "$obj/prepare.log" 2>&1 ||
	{ tail -n 30 "$obj/prepare.log" >&2; exit 1; }
grep -q '^CONFIG_MODVERSIONS=y' "$obj/.config" ||
	{ echo "abi-crcs: CONFIG_MODVERSIONS is off" >&2; exit 1; }

# measure STATE: CRCs of the exports of $objs and the signal_struct layout
measure() {
	(cd "$src" && make -s ARCH=x86_64 O="$obj" -j"${JOBS:-2}" $objs) \
		> "$obj/$1.log" 2>&1 || { tail -n 30 "$obj/$1.log" >&2; exit 1; }
	for o in $objs; do
		d=${o%/*}
		f=${o##*/}
		sed -n 's/^#SYMVER \([^ ]*\) \(0x[0-9a-f]*\)$/\1 \2/p' \
			"$obj/$d/.$f.cmd" | sed "s|^|$f |"
	done | sort > "$obj/$1.crcs"
	pahole -C signal_struct "$obj/kernel/signal.o" > "$obj/$1.layout" 2>/dev/null ||
		pahole -C signal_struct "$obj/kernel/exit.o" > "$obj/$1.layout"
}

measure pristine
for p in "$kp/$base"/0*.patch; do
	patch -s -p1 -F0 -d "$src" < "$p"
done
measure series
for p in "$kp/$base"/debian/*.patch; do
	patch -s -p1 -F0 -d "$src" < "$p"
done
measure guarded

{
	echo "ABI of $base ($(dpkg-query -W -f='${Version}' "linux-source-$base"), Debian config ${config##*/}, $(gcc -dumpfullversion))"
	echo "exports of $objs: $(wc -l < "$obj/pristine.crcs")"
	echo
	printf '%-10s %-40s %-12s %-12s %s\n' object symbol pristine series guarded
	awk 'FNR == 1 { f++ } { k = $1 " " $2; v[f, k] = $3; keys[k] = 1 }
	     END { for (k in keys) if (v[1, k] != v[2, k] || v[1, k] != v[3, k]) {
			split(k, a, " ")
			printf "%-10s %-40s %-12s %-12s %s\n", a[1], a[2],
			       v[1, k], v[2, k], v[3, k] } }' \
		"$obj/pristine.crcs" "$obj/series.crcs" "$obj/guarded.crcs" | sort
	echo
	echo "changed by the series: $(awk 'FNR == 1 { f++ } f == 1 { v[$1 " " $2] = $3 }
		f == 2 && v[$1 " " $2] != $3 { n++ } END { print n + 0 }' \
		"$obj/pristine.crcs" "$obj/series.crcs") of $(wc -l < "$obj/pristine.crcs")"
	echo
	for st in pristine series guarded; do
		echo "== signal_struct, $st: $(grep -E '/\* size:' "$obj/$st.layout" | sed 's/^[[:space:]]*//')"
		grep -E 'child_subreaper|timer_create_restore_ids|next_posix_timer_id|posix_timers;' "$obj/$st.layout"
	done
} | tee "$out"

status=0
cmp -s "$obj/pristine.crcs" "$obj/guarded.crcs" ||
	{ echo "abi-crcs: guarded CRCs differ from pristine"; status=1; }
# Same layout: the offset/size comment of every other member and the size
layout() {
	grep -v timer_create_restore_ids "$1" | grep ';' |
		sed -n 's|.*\(/\*[^*]*\*/\).*|\1|p'
	grep -o 'size: [0-9]*' "$1" | head -n 1
}
if [ "$(layout "$obj/pristine.layout")" = "$(layout "$obj/guarded.layout")" ]; then
	echo "signal_struct: every member at the same offset, same size"
else
	echo "abi-crcs: signal_struct layout changed"
	status=1
fi
[ $status = 0 ] && echo "ABI-CRCS: PASS ($base: guarded = pristine in CRCs and layout)"
exit $status
