#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# mkinitramfs.sh GEN_INIT_CPIO OUT.cpio.gz [PTIMERCTL_DIR]
#
# Pack the vm-check initramfs: static busybox, vm/init, the kernel tests
# from build/tests (TESTS_DIR, another architecture's) and, when PTIMERCTL_DIR holds them, the static
# ptimerctl and victim. Without them /etc/ptimerctl-missing tells /init
# to report the ptimerctl part as failed. gen_init_cpio makes /dev/console
# without needing mknod.
set -eu

gen=$1
out=$2
ptdir=${3:-}
kp=$(cd "$(dirname "$0")/.." && pwd)
busybox=${BUSYBOX:-/bin/busybox}
tests=${TESTS_DIR:-$kp/build/tests}
list=$(mktemp)
trap 'rm -f "$list" "$list.missing"' EXIT

file "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "mkinitramfs: $busybox is not static (busybox-static)" >&2; exit 1; }

cat > "$list" <<LIST
dir /bin 755 0 0
dir /dev 755 0 0
dir /etc 755 0 0
dir /proc 755 0 0
dir /tmp 1777 0 0
nod /dev/console 600 0 0 c 5 1
nod /dev/null 666 0 0 c 1 3
file /init $kp/vm/init 755 0 0
file /bin/suite $kp/vm/suite.sh 755 0 0
file /bin/busybox $busybox 755 0 0
file /bin/timer_ids $tests/timer_ids 755 0 0
file /bin/kvictim $tests/kvictim 755 0 0
file /bin/proc_timers $tests/proc_timers 755 0 0
LIST
for opt in timer_ids32 posix_timers; do
	[ -x "$tests/$opt" ] &&
		echo "file /bin/$opt $tests/$opt 755 0 0" >> "$list"
done
if [ -n "$ptdir" ] && [ -x "$ptdir/ptimerctl" ] && [ -x "$ptdir/victim" ]; then
	echo "file /bin/ptimerctl $ptdir/ptimerctl 755 0 0" >> "$list"
	echo "file /bin/victim $ptdir/victim 755 0 0" >> "$list"
else
	echo "make -C .. static failed or left no binaries" > "$list.missing"
	echo "file /etc/ptimerctl-missing $list.missing 644 0 0" >> "$list"
fi
# ptimerctl's suites, if scripts/stage-suite.sh staged them
[ -n "${SUITE_LIST:-}" ] && [ -s "$SUITE_LIST" ] && cat "$SUITE_LIST" >> "$list"
"$gen" "$list" | gzip -6 > "$out"
