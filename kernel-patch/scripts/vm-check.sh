#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
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
: > "$summary.proc"
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
	# Upstream's selftest with check_timer_create_exact(), from the series
	# that carries it, built once and run on every kernel
	st=$(ls "$kp/$base"/*-selftests-timers-posix-timers-*.patch 2>/dev/null) ||
		continue
	sel=$build/selftest
	rm -rf "$sel"
	mkdir -p "$sel/tools/testing/selftests/timers"
	cp "$src/tools/testing/selftests/kselftest.h" "$sel/tools/testing/selftests/"
	cp "$src/tools/testing/selftests/timers/posix_timers.c" \
		"$sel/tools/testing/selftests/timers/"
	if patch -s -p1 -d "$sel" < "$st" &&
	   ${CC:-gcc} -O2 -static -o "$build/tests/posix_timers" \
		"$sel/tools/testing/selftests/timers/posix_timers.c" -lpthread -lrt
	then
		echo "  selftest: built posix_timers from $base + ${st##*/}"
	else
		echo "  selftest: FAILED to build posix_timers"
		rm -f "$build/tests/posix_timers"
		status=1
	fi
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

first=$(echo "$bases" | cut -d' ' -f1)
eval "gen=\$bz_${first%.*}_${first#*.}_unpatched"
gen=${gen%/*}/gen_init_cpio
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
		stt=$(sed -n 's/^VMCHECK-SELFTEST: \([A-Z]*\).*/\1/p' "$log")
		sed -n 's/^# sum //p' "$log" > "$build/logs/$base-$variant.sums"
		pt=$(sed -n 's/^VMCHECK-PTIMERCTL: \([A-Z]*\).*/\1/p' "$log")
		tap=$(sed -n 's/^# timer_ids: //p' "$log")
		printf '%-5s %-9s %6s %5s  %-5s %-8s %-9s %-6s %s\n' "$base" \
			"$variant" "$build_s" "$vm_s" "${kt:-none}" "${stt:-none}" \
			"${pt:-none}" "$result" "$tap" >> "$summary"
		[ "$result" = PASS ] || status=1
	done
done

# The linear /proc/PID/timers must print what the walk printed: compare
# the masked output sums of the two kernels of each base
for base in $bases; do
	a=$build/logs/$base-unpatched.sums
	b=$build/logs/$base-patched.sums
	if [ -s "$a" ] && cmp -s "$a" "$b"; then
		echo "proc-sums $base: PASS, unpatched = patched ($(wc -l < "$a") sums)" >> "$summary.proc"
	else
		echo "proc-sums $base: FAIL, /proc/PID/timers differs:" >> "$summary.proc"
		diff "$a" "$b" >> "$summary.proc" 2>&1
		status=1
	fi
done

echo
echo "== vm-check summary (seconds; logs in $build/logs)"
printf '%-5s %-9s %6s %5s  %-5s %-8s %-9s %-6s %s\n' base variant build vm \
	ktest selftest ptimerctl result timer_ids
cat "$summary" "$summary.proc"
echo "total: $(($(now) - t0)) s"
[ $status -eq 0 ] && echo "VM-CHECK: PASS" || echo "VM-CHECK: FAIL"
exit $status
