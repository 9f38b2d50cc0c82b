#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# vm-check.sh: build (patched) or fetch (unpatched: Debian's own binary
# kernel), boot and test every BASE x {patched, unpatched}.
#
# Called by "make vm-check" after the test programs are built and
# "make -C .. static" was tried. Prints one summary table and exits
# non-zero if any kernel failed any part.
#
# Environment: BASES (default "6.1 6.12"), PTIMERCTL_DIR (static
# ptimerctl and victim, if they were built), SUITE_SELECT (all or ci),
# SUITE_BUDGET and SUITES (vm/suite.sh), VM_JOBS (guests at a time, default 2),
# VM_REPORT_ONLY (below), plus what build-kernel.sh and run-vm.sh take.
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
done

# Only the 6.12 series carries the selftest (6.1's predates kselftest)
rm -f "$build/tests/posix_timers"
if "$kp/scripts/build-selftest.sh" "$build/selftest" "$build/tests/posix_timers"; then
	:
else
	echo "  selftest: FAILED to build posix_timers (the guests report it)"
	status=1
fi

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

# ptimerctl's suites in the guests: SUITE_SELECT=ci (the default) runs
# every binary on every kernel, the few long tests of vm/suite-ci on one
# kernel each; all runs every test on every kernel (hours under TCG);
# SUITE_BUDGET=S starts no test binary after S seconds (0: none, the
# kernel tests only)
select=${SUITE_SELECT:-ci}
if [ "$select" = all ]; then
	export VM_TIMEOUT=${VM_TIMEOUT:-14400}
else
	export VM_TIMEOUT=${VM_TIMEOUT:-5400}
fi
# SUITES="A B" runs only the integration binaries test_A and test_B
suites=$(echo "${SUITES:-}" | tr -s ' ' ,)
export SUITE_ARGS="vmselect=$select${SUITE_BUDGET:+ vmbudget=$SUITE_BUDGET}${suites:+ vmsuites=$suites}"

# VM_JOBS guests at a time (default 2): under TCG a guest's two vCPUs are
# idle much of the time (the tests wait for signals, timers and each
# other), so two guests share the 2 cores of the CI machine to good
# effect. The kernels likely to take longest start first.
jobs=${VM_JOBS:-2}
nl='
'
guests=
for base in $bases; do
	for variant in unpatched patched; do
		eval "bz=\$bz_${base%.*}_${base#*.}_$variant"
		eval "build_s=\$bt_${base%.*}_${base#*.}_$variant"
		[ "$build_s" = FAIL ] && bz=FAIL
		guests="$guests$base $variant $bz$nl"
		[ -n "${VM_REPORT_ONLY:-}" ] || rm -f "$build/logs/$base-$variant.result"
	done
done
t=$(now)
# sh -c's $0 and $1 are kp and initrd, then a line of $guests.
# VM_REPORT_ONLY=1 boots nothing and reports on the logs of guests run
# before (each BASE-VARIANT.log with its .result, "PASS|FAIL SECONDS").
[ -n "${VM_REPORT_ONLY:-}" ] ||
printf '%s' "$guests" | xargs -r -L 1 -P "$jobs" sh -c \
	'"$0/scripts/vm-guest.sh" "$2" "$3" "$4" "$1"' "$kp" "$initrd"
echo "== guests: $(($(now) - t)) s with $jobs at a time"
for base in $bases; do
	for variant in patched unpatched; do
		eval "build_s=\$bt_${base%.*}_${base#*.}_$variant"
		log=$build/logs/$base-$variant.log
		echo "== $base-$variant: boot and test"
		cat "$build/logs/$base-$variant.out" 2>/dev/null
		set -- $(cat "$build/logs/$base-$variant.result" 2>/dev/null) FAIL 0
		result=$1 vm_s=$2
		kt=$(sed -n 's/^VMCHECK-KTEST: //p' "$log")
		stt=$(sed -n 's/^VMCHECK-SELFTEST: \([A-Z]*\).*/\1/p' "$log")
		sed -n 's/^# sum //p' "$log" > "$build/logs/$base-$variant.sums"
		st=$(sed -n 's/^VMCHECK-SUITE: \([A-Z]*\).*/\1/p' "$log")
		# binary:suite::test RESULT [reason], for the matrix below
		sed -n 's/^SUITE: //p' "$log" | awk '{
			bin = $1; sub(/:$/, "", bin)
			res = ($2 == "not") ? "FAIL" : "PASS"
			name = ($2 == "not") ? $5 : $4
			if ($0 ~ / # SKIP/) { res = "SKIP"; r = $0; sub(/.* # SKIP */, "", r) } else r = ""
			print bin ":" name, res, r }' > "$build/logs/$base-$variant.suite"
		sc=$(awk '{ n[$2]++ } END { printf "%d/%d/%d", n["PASS"], n["SKIP"], n["FAIL"] }' \
			"$build/logs/$base-$variant.suite")
		pt=$(sed -n 's/^VMCHECK-PTIMERCTL: \([A-Z]*\).*/\1/p' "$log")
		tap=$(sed -n 's/^# timer_ids: //p' "$log")
		printf '%-5s %-9s %6s %5s  %-5s %-8s %-9s %-5s %-11s %-6s %s\n' "$base" \
			"$variant" "$build_s" "$vm_s" "${kt:-none}" "${stt:-none}" \
			"${pt:-none}" "${st:-none}" "$sc" "$result" "$tap" >> "$summary"
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
# Which suite test ran on which kernel: one row per test, one column per
# kernel (PASS, SKIP, FAIL, - for not run)
matrix=$build/suite-matrix.txt
kernels=
for base in $bases; do for variant in patched unpatched; do
	kernels="$kernels $base-$variant"
done; done
{
	printf '%-70s' test
	for k in $kernels; do printf ' %-14s' "$k"; done
	echo
	for k in $kernels; do
		f=$build/logs/$k.suite
		[ -f "$f" ] || : > "$f"
		echo "$f"
	done | xargs awk -v kernels="$kernels" '
		{ k = FILENAME; sub(/.*\//, "", k); sub(/\.suite$/, "", k)
		  r[$1, k] = $2; t[$1] = 1 }
		END { n = split(kernels, K, " ")
		      for (x in t) { printf "%-70s", x
			for (i = 1; i <= n; i++)
				printf " %-14s", ((x, K[i]) in r) ? r[x, K[i]] : "-"
			print "" } }' | sed 's/ *$//' | sort
	echo
	echo "skip reasons:"
	for k in $kernels; do
		awk -v k="$k" '$2 == "SKIP" { $2 = ""; print "  " k ": " $0 }' "$build/logs/$k.suite"
	done
} > "$matrix"

echo
echo "== suite tests that did not pass on every kernel (all in $matrix;"
echo "   failure messages: SUITE-LOG lines in $build/logs)"
awk 'NR == 1 { print; next } /^$/ { exit } { for (i = 2; i <= NF; i++) if ($i != "PASS") { print; next } }' "$matrix"

echo
echo "== vm-check summary (seconds; logs in $build/logs; suite = pass/skip/fail)"
printf '%-5s %-9s %6s %5s  %-5s %-8s %-9s %-5s %-11s %-6s %s\n' base variant build vm \
	ktest selftest ptimerctl suite tests result timer_ids
cat "$summary" "$summary.proc"
# Last, where a CI log cut to its tail still shows it: what failed, and
# the first lines Criterion said of it, per kernel
for k in $kernels; do
	awk '$2 == "FAIL" { print $1 }' "$build/logs/$k.suite" | sed "s|^|failed on $k: |"
	sed -n 's/^SUITE-LOG: //p' "$build/logs/$k.log" 2>/dev/null | head -n 6 | sed "s|^|  $k: |"
done
echo "total: $(($(now) - t0)) s"
[ $status -eq 0 ] && echo "VM-CHECK: PASS" || echo "VM-CHECK: FAIL"
exit $status
