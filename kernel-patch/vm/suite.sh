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
# Environment: SUITE_TIMEOUT (seconds per binary, default 900).

export PTIMERCTL=/suite/ptimerctl PTIMER_HELPERS=/suite/tests/helpers
export PTIMER_FIXTURES=/suite/fixtures PTIMER_SRC=/suite
export HOME=/root TMPDIR=/tmp LANG=C
limit=${SUITE_TIMEOUT:-900}
nbin=0
failed=
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
	sed -n -E "s|^(ok\|not ok)|SUITE: $name: &|p" /tmp/suite.tap 2>/dev/null
	echo "SUITE-BIN: $name rc=$rc ${secs}s"
	if [ $rc != 0 ]; then
		failed="$failed $name"
		# what Criterion said about the failures
		grep -E '\[(FAIL|----)\]|Synthesis|Assertion|killed|Timeout' /tmp/suite.out |
			head -n 40 | sed "s|^|SUITE-LOG: $name: |"
		[ $rc = 124 ] || [ $rc = 143 ] &&
			echo "SUITE-LOG: $name: killed after $limit s"
	fi
done
if [ $nbin = 0 ]; then
	echo "VMCHECK-SUITE: FAIL no test binaries in /suite"
elif [ -n "$failed" ]; then
	echo "VMCHECK-SUITE: FAIL $nbin binaries, failed:$failed"
else
	echo "VMCHECK-SUITE: PASS $nbin binaries"
fi
