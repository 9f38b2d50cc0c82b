#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# stage-suite.sh TOPBUILD TOPSRC LIST
#
# Put ptimerctl's own unit and integration suites into the vm-check
# initramfs: writes a gen_init_cpio file list LIST with
#
#   /suite/ptimerctl, /suite/tests/{unit,integration,helpers}/*  (as built
#                     by the top-level Makefile in TOPBUILD, dynamically
#                     linked, whatever test binaries exist)
#   /suite/fixtures   (TOPSRC/tests/fixtures)
#   /suite/select     (TOPSRC/kernel-patch/vm/suite-ci: what CI runs)
#   the tools some tests run (setpriv, unshare, nsenter from util-linux)
#   every shared library these need, at its path on this host
#
# The guest's /init runs each test binary (vm/suite.sh).
#
# Environment, for another architecture's binaries (vm-check-arm64.sh):
# LDD (cross-ldd.sh) and LIBROOT, the root its libraries are under; the
# tools are looked up on PATH.
set -eu

top=$1
srcdir=$2
list=$3
: > "$list"
dirs=$(mktemp)
libs=$(mktemp)
trap 'rm -f "$dirs" "$libs"' EXIT

add_dir() {	# add_dir PATH: PATH and its parents
	d=$1
	while [ -n "$d" ] && [ "$d" != / ]; do
		echo "$d"
		d=${d%/*}
	done >> "$dirs"
}

add_file() {	# add_file GUESTPATH HOSTPATH MODE
	add_dir "${1%/*}"
	echo "file $1 $2 $3 0 0" >> "$list"
}

add_elf() {	# add_elf GUESTPATH HOSTPATH: the program and its libraries
	add_file "$1" "$2" 755
	${LDD:-ldd} "$2" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' >> "$libs"
}

[ -x "$top/ptimerctl" ] || { echo "stage-suite: no $top/ptimerctl" >&2; exit 1; }
add_elf /suite/ptimerctl "$top/ptimerctl"
for kind in unit integration helpers; do
	for t in "$top/tests/$kind"/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		case $t in *.d|*.o) continue ;; esac
		add_elf "/suite/tests/$kind/${t##*/}" "$t"
	done
done
for tool in setpriv unshare nsenter; do
	p=$(command -v "$tool") || continue
	add_elf "/usr/bin/$tool" "$(readlink -f "$p")"
done
# What vmselect=ci runs (vm/suite.sh)
add_file /suite/select "$srcdir/kernel-patch/vm/suite-ci" 644
(cd "$srcdir/tests/fixtures" && find . -type f) | while read -r f; do
	add_file "/suite/fixtures/${f#./}" "$srcdir/tests/fixtures/${f#./}" 644
done

# glibc dlopen()s libgcc_s for pthread_exit() and pthread_cancel() (oddproc's
# leader exits): ldd does not list it
for d in $(sed -n 's|^\(.*\)/libc\.so\.6$|\1|p' "$libs" | sort -u); do
	[ -e "${LIBROOT:-}$d/libgcc_s.so.1" ] && echo "$d/libgcc_s.so.1" >> "$libs"
done

# Libraries under the name the programs ask for, with the real file behind
# (another architecture's under LIBROOT, found by LDD=cross-ldd.sh)
sort -u "$libs" | while read -r l; do
	add_file "$l" "$(readlink -f "${LIBROOT:-}$l")" 755
done
sort -u "$dirs" | grep -v -x -e /bin -e /dev -e /etc -e /proc -e /tmp |
	sed 's/^\(.*\)$/dir \1 755 0 0/' > "$dirs.list"
cat "$dirs.list" "$list" > "$list.new"
mv "$list.new" "$list"
rm -f "$dirs.list"
echo "stage-suite: $(grep -c '^file /suite/tests/\(unit\|integration\)/' "$list") test binaries, $(sort -u "$libs" | wc -l) libraries"
