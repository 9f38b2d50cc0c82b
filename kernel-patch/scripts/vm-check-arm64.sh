#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# vm-check-arm64.sh: the aarch64 port proven under qemu-system-aarch64
# (-M virt -cpu max, TCG): every arm64 kernel of BASES x {patched,
# unpatched} boots the vm-check initramfs with arm64 binaries: the kernel
# tests (timer_ids, proc_timers, the upstream selftest), the in-guest
# dump and restore of vm/init (patched: the prctl; unpatched: the walk),
# ptimerctl's integration suites (SUITES, Criterion binaries with their
# arm64 shared libraries) and the walk rate beside the in-guest floor
# (tests/bench). The suites run on every kernel; on an unpatched one the
# tests that need the prctl skip and say so. Called by "make
# vm-check-arm64" once "make CROSS_COMPILE=aarch64-linux-gnu- all tests
# static bench-bin" has built TOP (build-aarch64).
#
# Environment: TOP, BASES (default 6.12), VARIANTS (default "patched
# unpatched"), SUITES (the integration binaries to run, default dump
# notice restore walk migrate hostile vector_state compat; "all" for
# every binary), UNITS (unit binaries, default none: they test no
# architecture and take minutes each under TCG; "all"), SUITE_BUDGET
# (seconds per kernel, default 2400), UNPATCHED_BUDGET (default
# SUITE_BUDGET), plus what build-kernel.sh and run-vm.sh take.
set -u

kp=$(cd "$(dirname "$0")/.." && pwd)
src=$(cd "$kp/.." && pwd)
top=${TOP:-$src/build-aarch64}
build=$kp/build/arm64
bases=${BASES:-6.12}
variants=${VARIANTS:-patched unpatched}
suites=${SUITES:-dump notice restore walk migrate hostile vector_state compat}
units=${UNITS:-}
root=$build/root
tests=$build/tests
mkdir -p "$build/logs" "$tests"
t0=$(date +%s)
status=0
summary=$build/summary
: > "$summary"
cc="clang --target=aarch64-linux-gnu"

now() { date +%s; }
die() { echo "vm-check-arm64: $*" >&2; exit 1; }

[ -x "$top/ptimerctl" ] || die "no $top/ptimerctl (make CROSS_COMPILE=aarch64-linux-gnu- ...)"
file "$top/ptimerctl" | grep -q 'ARM aarch64' || die "$top/ptimerctl is not an aarch64 program"

echo "== arm64 root: busybox, util-linux and the libraries (Debian arm64 packages)"
"$kp/scripts/arm64-root.sh" "$root" || exit 1

echo "== arm64 kernels"
for base in $bases; do
	for variant in $variants; do
		t=$(now)
		# shellcheck disable=SC2034 # read through eval
		bz=$("$kp/scripts/build-kernel.sh" "$base" "$variant" arm64) || { status=1; bz=; }
		eval "img_${base%.*}_${base#*.}_$variant=\$bz"
		eval "bt_${base%.*}_${base#*.}_$variant=$(($(now) - t))"
	done
done

echo "== arm64 kernel tests (static)"
for t in timer_ids kvictim proc_timers; do
	$cc -O2 -Wall -Wextra -Wno-unused-parameter -static -o "$tests/$t" \
		"$kp/tests/$t.c" -lpthread || exit 1
done
# upstream's selftest with check_timer_create_exact(), as vm-check.sh builds it
rm -f "$tests/posix_timers"
# shellcheck disable=SC2086 # $cc is a command and its options
"$kp/scripts/build-selftest.sh" "$build/selftest" "$tests/posix_timers" $cc || {
	echo "  selftest: FAILED to build posix_timers (the guests report it)"
	status=1
}

first=$(echo "$bases" | cut -d' ' -f1)
echo "== staging ptimerctl's suites ($suites; units: ${units:-none})"
# Only the chosen integration and unit binaries go in, with
# the helpers, the bench and the libraries all of them need.
stage=$build/stage
rm -rf "$stage"
mkdir -p "$stage/tests/unit" "$stage/tests/integration" "$stage/tests/helpers"
cp "$top/ptimerctl" "$stage/"
if [ "$units" = all ]; then
	cp "$top"/tests/unit/test_* "$stage/tests/unit/"
else
	for u in $units; do
		cp "$top/tests/unit/test_$u" "$stage/tests/unit/" || die "no unit binary test_$u"
	done
fi
cp "$top"/tests/helpers/* "$stage/tests/helpers/"
# The AArch32 program test_compat runs (CONFIG_COMPAT), without libc, its
# system call numbers from the kernel tree: no arm32 headers here
tbl=$("$kp/scripts/build-kernel.sh" "$first" pristine)/arch/arm/tools/syscall.tbl
nr() { awk -v n="$1" '$3 == n && $2 != "oabi" { print $1 }' "$tbl"; }
clang --target=armv7a-linux-gnueabi -nostdlib -static -fuse-ld=lld \
	-DNR_write="$(nr write)" -DNR_pause="$(nr pause)" \
	-o "$stage/tests/helpers/a32_pause" "$src/tests/helpers/aarch64/a32_pause.S" ||
	die "cannot build the AArch32 program a32_pause"
if [ "$suites" = all ]; then
	cp "$top"/tests/integration/test_* "$stage/tests/integration/"
else
	for s in $suites; do
		cp "$top/tests/integration/test_$s" "$stage/tests/integration/" ||
			die "no integration binary test_$s"
	done
fi
list=$build/suite.list
LDD="$kp/scripts/cross-ldd.sh" LIBROOT=$root PATH="$root/tools:$PATH" \
	"$kp/scripts/stage-suite.sh" "$stage" "$src" "$list" || exit 1
if [ -x "$top/tests/bench/bench" ]; then
	echo "dir /suite/tests/bench 755 0 0" >> "$list"
	echo "file /suite/tests/bench/bench $top/tests/bench/bench 755 0 0" >> "$list"
	LIBROOT=$root "$kp/scripts/cross-ldd.sh" "$top/tests/bench/bench" |
		sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | while read -r l; do
		grep -q "^file $l " "$list" ||
			echo "file $l $(readlink -f "$root$l") 755 0 0" >> "$list"
	done
fi

gen=
for variant in $variants; do
	[ -n "$gen" ] || eval "gen=\$img_${first%.*}_${first#*.}_$variant"
done
[ -n "$gen" ] || die "no arm64 kernel was built"
initrd=$build/initramfs.cpio.gz
BUSYBOX=$root/bin/busybox TESTS_DIR=$tests SUITE_LIST=$list \
	"$kp/scripts/mkinitramfs.sh" "${gen%/*}/gen_init_cpio" "$initrd" "$top/static" || exit 1
echo "  initramfs: $(($(stat -c %s "$initrd") / 1024 / 1024)) MiB"

# guest BASE VARIANT: boot and test one kernel; its line of the summary
# goes to logs/BASE-VARIANT.summary, PASS or FAIL to .result
guest() {
	base=$1 variant=$2
	eval "img=\$img_${base%.*}_${base#*.}_$variant"
	bt=
	eval "bt=\$bt_${base%.*}_${base#*.}_$variant"
	log=$build/logs/$base-$variant.log
	t=$(now)
	if [ -z "$img" ]; then
		result=FAIL
		: > "$log"
	elif budget=${SUITE_BUDGET:-2400}
		[ "$variant" = patched ] || budget=${UNPATCHED_BUDGET:-$budget}
		VM_TIMEOUT=${VM_TIMEOUT:-$((budget + 1200))} \
		VM_APPEND="vmbudget=$budget vmbench_walk=1 vmselect=ci vmkernel=$base-$variant-arm64 ${VM_APPEND:-}" \
		"$kp/scripts/run-vm.sh" "$img" "$initrd" "$variant" "$log" arm64 \
			> "$log.out" 2>&1; then
		result=PASS
	else
		result=FAIL
	fi
	vm_s=$(($(now) - t))
	kt=$(sed -n 's/^VMCHECK-KTEST: //p' "$log")
	pt=$(sed -n 's/^VMCHECK-PTIMERCTL: \([A-Z]*\).*/\1/p' "$log")
	st=$(sed -n 's/^VMCHECK-SUITE: \([A-Z]*\).*/\1/p' "$log")
	sc=$(sed -n 's/^SUITE: [^ ]*: //p' "$log" | awk '
		/^not ok/ { f++; next } / # SKIP/ { s++; next } /^ok/ { p++ }
		END { printf "%d/%d/%d", p, s, f }')
	walk=$(sed -n "s/^VMCHECK-WALK: //p" "$log" | head -n 1)
	tap=$(sed -n 's/^# timer_ids: //p' "$log")
	{
		printf '%-5s %-9s %6s %5s  %-5s %-9s %-5s %-11s %-6s %s\n' "$base" \
			"$variant" "$bt" "$vm_s" "${kt:-none}" "${pt:-none}" "${st:-none}" \
			"$sc" "$result" "$tap"
		[ -z "$walk" ] || echo "      walk: $walk"
	} > "$build/logs/$base-$variant.summary"
	echo "$result" > "$build/logs/$base-$variant.result"
}

# A base's kernels boot side by side: under TCG a guest leaves much of
# the two cores idle (its tests wait on timers and signals), as in
# vm-check.sh's VM_JOBS
for base in $bases; do
	for variant in $variants; do
		echo "== $base-$variant (arm64): boot and test (started $(date -u +%T))"
		rm -f "$build/logs/$base-$variant.result"
		guest "$base" "$variant" &
	done
	wait
	for variant in $variants; do
		echo "== $base-$variant (arm64): $(cat "$build/logs/$base-$variant.result" 2>/dev/null)"
		cat "$build/logs/$base-$variant.log.out" 2>/dev/null
		cat "$build/logs/$base-$variant.summary" >> "$summary" 2>/dev/null
		grep -qx PASS "$build/logs/$base-$variant.result" 2>/dev/null || status=1
	done
done

echo
echo "== vm-check-arm64 summary (seconds; logs in $build/logs; tests = pass/skip/fail)"
printf '%-5s %-9s %6s %5s  %-5s %-9s %-5s %-11s %-6s %s\n' base variant build vm \
	ktest ptimerctl suite tests result timer_ids
cat "$summary"
echo "suite binaries: ${units:+unit $units, }integration $suites"
echo "total: $(($(now) - t0)) s"
[ $status -eq 0 ] && echo "VM-CHECK-ARM64: PASS" || echo "VM-CHECK-ARM64: FAIL"
exit $status
