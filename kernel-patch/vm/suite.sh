#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
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
# Environment: SUITE_TIMEOUT (seconds per binary, default 900).

export PTIMERCTL=/suite/ptimerctl PTIMER_HELPERS=/suite/tests/helpers
export PTIMER_FIXTURES=/suite/fixtures PTIMER_SRC=/suite
export HOME=/root TMPDIR=/tmp LANG=C
limit=${SUITE_TIMEOUT:-600}
nbin=0
broken=
for t in /suite/tests/unit/* /suite/tests/integration/*; do
	[ -x "$t" ] || continue
	name=${t#/suite/tests/}
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
	echo "VMCHECK-SUITE: PASS $nbin binaries ran to the end"
fi
