#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# vm-guest.sh BASE VARIANT KERNEL INITRAMFS
#
# One guest of vm-check.sh, which runs up to VM_JOBS of these at once:
# boots KERNEL (or FAIL, when its build failed) with run-vm.sh, keeps what
# run-vm.sh prints in build/logs/BASE-VARIANT.out (printed by vm-check.sh
# in the kernels' order once all are done, so that parallel guests do not
# mix their lines) and writes "RESULT SECONDS" to build/logs/BASE-VARIANT.result.
# Environment: SUITE_ARGS (the suite's kernel arguments), and what
# run-vm.sh takes.
set -u

base=$1
variant=$2
bz=$3
initrd=$4
kp=$(cd "$(dirname "$0")/.." && pwd)
k=$base-$variant
log=$kp/build/logs/$k.log
out=$kp/build/logs/$k.out
t=$(date +%s)
echo "== $k: boot and test (started $(date -u +%T))"
if [ "$bz" = FAIL ]; then
	result=FAIL
	: > "$log"
	echo "    kernel build failed" > "$out"
elif VM_APPEND="${SUITE_ARGS:-} vmkernel=$k ${VM_APPEND:-}" \
	"$kp/scripts/run-vm.sh" "$bz" "$initrd" "$variant" "$log" > "$out" 2>&1; then
	result=PASS
else
	result=FAIL
fi
s=$(($(date +%s) - t))
echo "$result $s" > "$kp/build/logs/$k.result"
echo "== $k: $result in $s s ($(date -u +%T))"
