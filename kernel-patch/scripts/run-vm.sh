#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# run-vm.sh KERNEL INITRAMFS VARIANT LOG [ARCH]
#
# Boot one kernel under QEMU with the vm-check initramfs, save the serial
# console to LOG and print its test lines. Exit 0 only when the guest
# printed "VMCHECK-RESULT: PASS". ARCH x86_64 (the default, a bzImage on
# the PC machine) or arm64 (an Image on "-M virt -cpu max", TCG).
#
# Environment: VM_TIMEOUT (seconds, default 2700: the suites), VM_MEM (default 512M),
# VM_APPEND (more kernel arguments, e.g. vmbench=1), ACCEL (default
# tcg,thread=multi so both vCPUs really run in parallel; kvm
# hangs under nested virtualisation on the CI machines), QEMU.
set -u

kernel=$1
initrd=$2
variant=$3
log=$4
arch=${5:-x86_64}

case $arch in
x86_64)	qemu=qemu-system-x86_64 machine='' console=ttyS0 ;;
arm64)	qemu=qemu-system-aarch64 machine="-M virt -cpu max" console=ttyAMA0 ;;
*)	echo "run-vm: unknown architecture '$arch'" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086 # $machine: options without blanks
# nohz=off keeps every vCPU's tick, as the tinyconfig kernels' HZ_PERIODIC
# does: Debian's 6.12 (NO_HZ_FULL) once left an idle vCPU unwoken at boot
# under TCG on a loaded host (an RCU stall, then no progress)
timeout -k 10 "${VM_TIMEOUT:-2700}" \
	${QEMU:-$qemu} $machine -accel "${ACCEL:-tcg,thread=multi}" -m ${VM_MEM:-512M} -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=$console panic=-1 quiet nohz=off vmcheck=$variant ${VM_APPEND:-}" \
	< /dev/null > "$log.raw" 2>&1
rc=$?
tr -d '\r' < "$log.raw" > "$log"
rm -f "$log.raw"
[ $rc -eq 124 ] && echo "    qemu killed after ${VM_TIMEOUT:-2700} s" >> "$log"

grep -E '^(VMCHECK|ok |not ok |# |1\.\.|timer_ids32: (not )?ok|timer_ids32: # t|kvictim:|Kernel panic|BUG:)' "$log" |
	grep -v '^# selftest: ' |
	sed 's/^/    /'
if grep -q '^VMCHECK-RESULT: PASS' "$log"; then
	exit 0
fi
grep -q '^VMCHECK-RESULT' "$log" ||
	echo "    (no VMCHECK-RESULT line: guest crashed or timed out; see $log)"
exit 1
