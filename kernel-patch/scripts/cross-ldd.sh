#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# cross-ldd.sh ELF
#
# ldd for another architecture's program, which cannot be run here: its
# libraries (DT_NEEDED, recursively) looked up in the guest's directories
# /lib/TRIPLET and /usr/lib/TRIPLET under the unpacked root LIBROOT
# (arm64-root.sh), printed as ldd prints them but with the guest's paths
# ("  libc.so.6 => /lib/aarch64-linux-gnu/libc.so.6 (0)"), for
# stage-suite.sh, which is given LDD=cross-ldd.sh and LIBROOT. The
# dynamic loader (PT_INTERP) comes first. A library not found fails it.
#
# Environment: LIBROOT, TRIPLET (default aarch64-linux-gnu).
set -eu

seen=$(mktemp)
trap 'rm -f "$seen"' EXIT

triplet=${TRIPLET:-aarch64-linux-gnu}

find_lib() {	# find_lib NAME: its guest path
	for d in /lib/$triplet /usr/lib/$triplet; do
		[ -e "$LIBROOT$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

walk() {
	for n in $(readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		grep -qx "$n" "$seen" && continue
		echo "$n" >> "$seen"
		p=$(find_lib "$n") || { echo "cross-ldd: $n (for $1) not found" >&2; exit 1; }
		echo "	$n => $p (0)"
		walk "$LIBROOT$p"
	done
}

interp=$(readelf -l "$1" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
if [ -n "$interp" ]; then
	[ -e "$LIBROOT$interp" ] || { echo "cross-ldd: $interp not found" >&2; exit 1; }
	echo "	$interp => $interp (0)"
fi
walk "$1"
