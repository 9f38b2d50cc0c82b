#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
#
# /bin/suite in the vm-check guest: run every test binary of ptimerctl's
# unit and integration suites that the initramfs holds (whatever exists,
# scripts/stage-suite.sh), one at a time, as "make check-unit
# check-integration" would. Prints each test's TAP line as
# "SUITE: BINARY: ok - suite::test # SKIP reason", one
# "SUITE-BIN: BINARY rc=N" per binary and "VMCHECK-SUITE: PASS|FAIL ...".
#
# PASS means every binary ran to the end and every test it ran passed or
# skipped with its reason. A TCG guest runs 10 to 30 times slower than
# the host: PTIMER_TIME_SCALE (kernel argument vmscale=, default 10)
# stretches the harness's deadlines and Criterion's per-test limits, which
# guard against hangs; no assertion about how long something took changes.
#
# Kernel arguments: vmselect=ci runs what /suite/select (vm/suite-ci)
# selects for this kernel (vmkernel=BASE-VARIANT): every binary, less the
# tests it lists with their TCG time, and the kernel-independent binaries
# on one kernel only (the rest shows as "-" in the matrix); vmselect=all
# (the default) runs everything. vmbudget=S (SUITE_BUDGET, default none)
# starts no binary after S seconds and lists the rest as not run; 0 runs
# no suite at all. vmsuites=A,B (SUITES) runs only the integration
# binaries test_A and test_B. Environment: SUITE_TIMEOUT (seconds per binary,
# default 1800).

export PTIMERCTL=/suite/ptimerctl PTIMER_HELPERS=/suite/tests/helpers
export PTIMER_FIXTURES=/suite/fixtures PTIMER_SRC=/suite
export HOME=/root TMPDIR=/tmp LANG=C
limit=${SUITE_TIMEOUT:-1800}
budget=${SUITE_BUDGET:-}
select=all
only=
scale=10
kernel=unknown
for arg in $(cat /proc/cmdline); do
	case $arg in
	vmbudget=*) budget=${arg#vmbudget=} ;;
	vmselect=*) select=${arg#vmselect=} ;;
	vmscale=*) scale=${arg#vmscale=} ;;
	vmkernel=*) kernel=${arg#vmkernel=} ;;
	vmsuites=*) only=${arg#vmsuites=} ;;
	esac
done
export PTIMER_TIME_SCALE=$scale
# The machines that run "make check" allow tens of thousands of pending
# signals (the default is half the threads the memory allows); a 512 MiB
# guest allows about 1900, fewer than the timers test_churn's churner
# holds (6000: each timer keeps a signal queued for itself). Tests that
# need a low limit set their own (test_output, strict).
ulimit -i 65536
if [ "$budget" = 0 ]; then
	echo "VMCHECK-SUITE: PASS suites not run (budget 0)"
	exit 0
fi
selfile=
if [ "$select" = ci ]; then
	selfile=/suite/select
	[ -f $selfile ] || { echo "VMCHECK-SUITE: FAIL vmselect=ci without /suite/select"; exit 0; }
fi
# sel_of BINARY: "-" when the selection leaves it out on this kernel, else
# its Criterion filter (empty: every test). A line of /suite/select is
# "BINARY KERNELS FILTER": KERNELS all or a comma list (6.12-patched,...),
# FILTER "-" for none. The first line of the binary that names this kernel
# counts; a binary listed without one does not run; an unlisted binary runs
# whole everywhere.
sel_of() {
	[ -n "$selfile" ] || return 0
	awk -v b="$1" -v k="$kernel" '$1 == b { listed = 1
		if ($2 == "all" || index("," $2 ",", "," k ",")) {
			if ($3 != "-") print $3
			found = 1; exit } }
		END { if (listed && !found) print "-" }' $selfile
}

echo "VMCHECK-SUITE-CONFIG: kernel=$kernel select=$select scale=$scale budget=${budget:-none} limit=$limit${only:+ suites=$only}"
t0=$(cut -d. -f1 /proc/uptime)
nbin=0 total=0
broken= failed= notrun=
# The binaries at the heart of restore and the walk come first, so that a
# budget never leaves them out; then the rest in order
first="integration/test_walk integration/test_walk_names integration/test_restore
	integration/test_dump integration/test_migrate integration/test_errors"
list=
for b in $first; do [ -x "/suite/tests/$b" ] && list="$list /suite/tests/$b"; done
for t in /suite/tests/unit/* /suite/tests/integration/*; do
	case " $list " in *" $t "*) ;; *) list="$list $t" ;; esac
done
for t in $list; do
	[ -x "$t" ] || continue
	total=$((total + 1))
	name=${t#/suite/tests/}
	if [ -n "$only" ]; then
		case ",$only," in
		*",${name#integration/test_},"*) ;;
		*)	echo "SUITE-BIN: $name not run (vmsuites=$only)"
			continue ;;
		esac
	fi
	filter=$(sel_of "$name")
	if [ "$filter" = - ]; then
		echo "SUITE-BIN: $name not run on this kernel (vmselect=$select, vm/suite-ci)"
		continue
	fi
	if [ -n "$budget" ] && [ $(($(cut -d. -f1 /proc/uptime) - t0)) -ge "$budget" ]; then
		notrun="$notrun $name"
		echo "SUITE-BIN: $name not run: the ${budget} s budget is spent"
		continue
	fi
	nbin=$((nbin + 1))
	rm -f /tmp/suite.tap
	start=$(cut -d. -f1 /proc/uptime)
	timeout "$limit" "$t" --jobs=1 --ascii --tap=/tmp/suite.tap \
		${filter:+--filter="$filter"} > /tmp/suite.out 2>&1
	rc=$?
	secs=$(($(cut -d. -f1 /proc/uptime) - start))
	# Criterion reports the tests its --filter left out as skipped "test
	# was skipped": those did not run here (the matrix shows "-")
	awk -v n="$name" -v f="$filter" '/^(ok|not ok) / {
		if (f != "" && / # SKIP test was skipped$/) print "SUITE-NOTRUN: " n ": " $3
		else print "SUITE: " n ": " $0 }' /tmp/suite.tap 2>/dev/null
	echo "SUITE-BIN: $name rc=$rc ${secs}s${filter:+ filter $filter}"
	# A binary that was killed or left no TAP plan did not run its tests
	if [ $rc -ge 124 ] || ! grep -q '^1\.\.[0-9]' /tmp/suite.tap 2>/dev/null; then
		broken="$broken $name"
		echo "SUITE-LOG: $name: did not complete (rc=$rc, limit $limit s)"
		# what it said last, which is all there is when it aborts at start
		tail -n 5 /tmp/suite.out | sed "s|^|SUITE-LOG: $name: |"
	elif [ $rc != 0 ]; then
		failed="$failed $name"
	fi
	if [ $rc != 0 ]; then
		# what Criterion said about the failures
		grep -E '\[(FAIL|----)\]|Synthesis|Timed out' /tmp/suite.out |
			grep -v -E '^\[----\] *$' | head -n 40 | sed "s|^|SUITE-LOG: $name: |"
	fi
done
secs=$(($(cut -d. -f1 /proc/uptime) - t0))
if [ $nbin = 0 ]; then
	echo "VMCHECK-SUITE: FAIL no test binaries in /suite"
elif [ -n "$broken$failed" ]; then
	echo "VMCHECK-SUITE: FAIL $nbin of $total binaries in ${secs}s${broken:+; did not complete:$broken}${failed:+; failing tests in:$failed}"
else
	echo "VMCHECK-SUITE: PASS $nbin of $total binaries in ${secs}s, every test passed or skipped${notrun:+; not run (budget):$notrun}"
fi
