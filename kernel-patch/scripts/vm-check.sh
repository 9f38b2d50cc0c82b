#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# vm-check.sh: build, boot and test every BASE x {patched, unpatched}.
#
# Called by "make vm-check" after the test programs are built and
# "make -C .. static" was tried. Prints one summary table and exits
# non-zero if any kernel failed any part.
#
# Environment: BASES (default "6.1 6.12"), PTIMERCTL_DIR (static
# ptimerctl and victim, if they were built), plus what build-kernel.sh and
# run-vm.sh take.
set -u

kp=$(cd "$(dirname "$0")/.." && pwd)
build=$kp/build
bases=${BASES:-6.1 6.12}
summary=$build/vm-check.summary
mkdir -p "$build/logs"
: > "$summary"
t0=$(date +%s)
status=0

now() { date +%s; }

echo "== series: clean apply and checkpatch --strict"
for base in $bases; do
	src=$("$kp/scripts/build-kernel.sh" "$base" pristine) || {
		status=1
		continue
	}
	"$kp/scripts/check-series.sh" "$src" "$kp/$base" > "$build/series.log" ||
		status=1
	sed "s/^/  $base: /" "$build/series.log"
done

for base in $bases; do
	for variant in patched unpatched; do
		echo "== $base-$variant: kernel"
		t=$(now)
		if bz=$("$kp/scripts/build-kernel.sh" "$base" "$variant"); then
			build_s=$(($(now) - t))
		else
			build_s=FAIL
		fi
		eval "bz_${base%.*}_${base#*.}_$variant=\$bz"
		eval "bt_${base%.*}_${base#*.}_$variant=\$build_s"
	done
done

gen=$build/obj/$(echo "$bases" | cut -d' ' -f1)-unpatched/usr/gen_init_cpio
initrd=$build/initramfs.cpio.gz
"$kp/scripts/mkinitramfs.sh" "$gen" "$initrd" "${PTIMERCTL_DIR:-}" || exit 1

for base in $bases; do
	for variant in patched unpatched; do
		eval "bz=\$bz_${base%.*}_${base#*.}_$variant"
		eval "build_s=\$bt_${base%.*}_${base#*.}_$variant"
		log=$build/logs/$base-$variant.log
		echo "== $base-$variant: boot and test"
		t=$(now)
		if [ "$build_s" = FAIL ]; then
			result=FAIL
			: > "$log"
		elif "$kp/scripts/run-vm.sh" "$bz" "$initrd" "$variant" "$log"; then
			result=PASS
		else
			result=FAIL
		fi
		vm_s=$(($(now) - t))
		kt=$(sed -n 's/^VMCHECK-KTEST: //p' "$log")
		pt=$(sed -n 's/^VMCHECK-PTIMERCTL: \([A-Z]*\).*/\1/p' "$log")
		tap=$(sed -n 's/^# timer_ids: //p' "$log")
		printf '%-5s %-9s %6s %5s  %-5s %-9s %-6s %s\n' "$base" \
			"$variant" "$build_s" "$vm_s" "${kt:-none}" \
			"${pt:-none}" "$result" "$tap" >> "$summary"
		[ "$result" = PASS ] || status=1
	done
done

echo
echo "== vm-check summary (seconds; logs in $build/logs)"
printf '%-5s %-9s %6s %5s  %-5s %-9s %-6s %s\n' base variant build vm \
	ktest ptimerctl result timer_ids
cat "$summary"
echo "total: $(($(now) - t0)) s"
[ $status -eq 0 ] && echo "VM-CHECK: PASS" || echo "VM-CHECK: FAIL"
exit $status
