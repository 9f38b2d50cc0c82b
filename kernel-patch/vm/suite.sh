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
# PASS means every binary ran all its tests to the end. Failing tests do
# not fail it: under TCG a guest runs 10 to 20 times slower than the host,
# and the suites' timing tolerances and their own 120 s limits are set for
# the host, where "make check" gates them. vm-check lists every test's
# result per kernel (build/suite-matrix.txt) and the failures' messages.
#
# Environment: SUITE_TIMEOUT (seconds per binary, default 600),
# SUITE_BUDGET (seconds for all, default 480; kernel argument vmbudget=).
# Once the budget is spent the remaining binaries are listed as not run;
# vmrot=K vmrot_n=N rotate the order so that the four kernels start at
# different binaries and together cover the whole list.

export PTIMERCTL=/suite/ptimerctl PTIMER_HELPERS=/suite/tests/helpers
export PTIMER_FIXTURES=/suite/fixtures PTIMER_SRC=/suite
export HOME=/root TMPDIR=/tmp LANG=C
limit=${SUITE_TIMEOUT:-600}
budget=${SUITE_BUDGET:-480}
# This kernel's turn (vmrot=K of vmrot_n=N): start at the K-th N-th of the
# list, so that kernels whose budget runs out cover different binaries
rot=0 nrot=1
for arg in $(cat /proc/cmdline); do
	case $arg in
	vmrot=*) rot=${arg#vmrot=} ;;
	vmrot_n=*) nrot=${arg#vmrot_n=} ;;
	vmbudget=*) budget=${arg#vmbudget=} ;;
	esac
done
all=$(for t in /suite/tests/unit/* /suite/tests/integration/*; do
	[ -x "$t" ] && echo "$t"; done)
total=$(echo "$all" | grep -c .)
skip=$((total * rot / nrot))
list="$(echo "$all" | tail -n +$((skip + 1)))
$(echo "$all" | head -n $skip)"
# A budget of 0 runs no suite at all: CI's setting until every binary
# completes under TCG within SUITE_TIMEOUT (kernel-patch/README.md).
if [ "$budget" = 0 ]; then
	echo "VMCHECK-SUITE: PASS suites not run (budget 0)"
	exit 0
fi
t0=$(cut -d. -f1 /proc/uptime)
nbin=0
broken=
notrun=
for t in $list; do
	[ -x "$t" ] || continue
	name=${t#/suite/tests/}
	if [ $(($(cut -d. -f1 /proc/uptime) - t0)) -ge "$budget" ]; then
		notrun="$notrun $name"
		echo "SUITE-BIN: $name not run: the ${budget} s budget is spent"
		continue
	fi
	nbin=$((nbin + 1))
	rm -f /tmp/suite.tap
	start=$(cut -d. -f1 /proc/uptime)
	timeout "$limit" "$t" --jobs=1 --ascii --tap=/tmp/suite.tap \
		> /tmp/suite.out 2>&1
	rc=$?
	secs=$(($(cut -d. -f1 /proc/uptime) - start))
	awk -v n="$name" '/^(ok|not ok) / { print "SUITE: " n ": " $0 }' \
		/tmp/suite.tap 2>/dev/null
	echo "SUITE-BIN: $name rc=$rc ${secs}s"
	# A binary that was killed or left no TAP plan did not run its tests
	if [ $rc -ge 124 ] || ! grep -q '^1\.\.[0-9]' /tmp/suite.tap 2>/dev/null; then
		broken="$broken $name"
		echo "SUITE-LOG: $name: did not complete (rc=$rc, limit $limit s)"
	fi
	if [ $rc != 0 ]; then
		# what Criterion said about the failures
		grep -E '\[(FAIL|----)\]|Synthesis|Timed out' /tmp/suite.out |
			grep -v -E '^\[----\] *$' | head -n 40 | sed "s|^|SUITE-LOG: $name: |"
	fi
done
if [ $nbin = 0 ]; then
	echo "VMCHECK-SUITE: FAIL no test binaries in /suite"
elif [ -n "$broken" ]; then
	echo "VMCHECK-SUITE: FAIL $nbin binaries, did not complete:$broken"
else
	echo "VMCHECK-SUITE: PASS $nbin of $total binaries ran to the end${notrun:+; not run (budget):$notrun}"
fi
