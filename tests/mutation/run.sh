#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# The mutation check (`make mutation-check`): does the suite catch bugs?
#
#   tests/mutation/run.sh [-j JOBS] [-t SECONDS] [MUTANT.diff...]
#
# Each tests/mutants/NN-name.diff models one realistic bug.  For each, a
# scratch copy of the tree (the tracked files as they are in the work tree,
# with an already built build/ beside them) is made under
# build/mutation/NN-name/, the diff is applied with `patch --fuzz=0`, the
# copy is rebuilt (only what the diff touches) and the tests the mutant
# names run against it.  A mutant is KILLED when at least one named test
# fails by an assertion.  It SURVIVES when every test passes, or when the
# only failures are hangs: a Criterion timeout, a test process that
# crashed, a ptimerctl run the harness had to kill ("(timed out)" in the
# assertion message), or the whole run exceeding -t SECONDS.  A selection
# in which a test skipped (a condition a loaded machine may not give) runs
# again, up to 3 times, since a skipped test kills nothing; a mutant whose
# tests still skip survives, and says which skipped and why.  A mutant
# that no longer applies or does not build is INVALID: refresh it (see
# tests/mutants/README).  Any survivor or invalid mutant fails the check.
#
# Before the mutants, the same test selections run on the unmutated copy
# and must pass: otherwise every mutant would look killed.
#
# Mutant file header (before the diff; `patch` ignores it):
#   # bug: one line saying what bug this models        (required)
#   # tests: BINARY [CRITERION-FILTER]                  (zero or more)
# BINARY is unit/test_X or integration/test_X; without a `# tests:` line,
# every unit and integration test binary runs.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
MUTANTS_DIR=$SRC/tests/mutants
WORK=${MUTATION_WORK:-$SRC/build/mutation}
MAKE=${MAKE:-make}
JOBS=${MUTATION_JOBS:-2}
LIMIT=${MUTATION_TIMEOUT:-240}

while getopts 'j:t:' opt; do
	case $opt in
	j) JOBS=$OPTARG ;;
	t) LIMIT=$OPTARG ;;
	*) echo "usage: $0 [-j JOBS] [-t SECONDS] [MUTANT.diff...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
	mutants=("$@")
else
	mutants=("$MUTANTS_DIR"/[0-9]*.diff)
fi
[ -e "${mutants[0]}" ] || { echo "mutation-check: no mutants in $MUTANTS_DIR" >&2; exit 1; }

die() { echo "mutation-check: $*" >&2; exit 1; }
now() { date +%s.%N; }

# The header's one-line description, and its test selections (one a line).
bug_of() { sed -n 's/^# bug: *//p' "$1" | head -n 1; }
selections_of() {
	local s
	s=$(sed -n 's/^# tests: *//p' "$1")
	if [ -z "$s" ]; then
		(cd "$SRC" && ls tests/unit/*.c tests/integration/test_*.c) |
			sed -e 's|^tests/||' -e 's|\.c$||'
	else
		printf '%s\n' "$s"
	fi
}

# ---- the base copy: the tree and its build, made once ----------------------
base=$WORK/base
prepare_base() {
	rm -rf "$WORK" && mkdir -p "$base" || die "cannot create $base"
	git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
		die "needs a git work tree (the copy is of the tracked files)"
	(cd "$SRC" && git ls-files -z --cached |
		xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done; true' sh |
		tar --null -T - -cf -) | tar -C "$base" -xf - || die "cannot copy the tree"
	echo "== building the unmutated copy in $base"
	"$MAKE" -C "$base" -s -j"$JOBS" BUILD=build all $(test_targets all) \
		>"$WORK/base-build.log" 2>&1 ||
		{ tail -n 30 "$WORK/base-build.log" >&2; die "the unmutated tree does not build"; }
}

# Make targets for the test binaries of the selections on stdin ("all": every one).
test_targets() {
	if [ "$1" = all ]; then
		(cd "$SRC" && ls tests/unit/*.c tests/integration/test_*.c) |
			sed -e 's|^tests/|build/tests/|' -e 's|\.c$||'
	else
		awk '{ print "build/tests/" $1 }' | sort -u
	fi
}

# Run one selection ("BINARY [FILTER]") in copy $1, output to $2.  Returns
# the binary's exit status, 124 when it ran past $3 seconds.
run_selection() {
	local dir=$1 log=$2 limit=$3 bin filter
	read -r bin filter <<<"$4"
	# --verbose: Criterion names a skipped test ("[SKIP]") only so.
	local args=(--jobs=1 --verbose)
	[ -n "$filter" ] && args+=(--filter "$filter")
	(cd "$dir" && timeout -k 5 "$limit" env PTIMERCTL="$dir/build/ptimerctl" \
		PTIMER_HELPERS="$dir/build/tests/helpers" PTIMER_FIXTURES="$dir/tests/fixtures" \
		PTIMER_SRC="$dir" "build/tests/$bin" "${args[@]}") >"$log" 2>&1
}

# The tests that failed by an assertion, one a line, from Criterion's output:
# each "[FAIL] suite::test: ..." line with the "[----]" lines before it.
# Timeouts, crashes and harness-killed runs are left out; an -ETIMEDOUT
# that a test reports ("Connection timed out") is a failed assertion.
assertion_kills() {
	awk '
	/^\[RUN \]/ { block = ""; next }
	/^\[----\]/ { block = block "\n" $0; next }
	/^\[FAIL\]/ {
		name = $2; sub(/:$/, "", name)
		b = tolower(block)
		# The harness marks a run it had to kill "(timed out)"
		# (run_describe()) or "killed after"; the message of ptimerctl
		# "timed out; every change ... was rolled back" is an answer.
		hang = ($0 ~ /Timed out|CRASH/) || (b ~ /\(timed out\)|sync timed out|killed after/)
		if (!hang)
			print name
		block = ""
		next
	}
	' "$1"
}

# What a failed run said of each failed test: its "[----]" lines (the
# messages it logged, ptimerctl's stderr among them, and its assertions)
# and its "[FAIL]" line, whole, so that a failure seen once in CI can be
# understood from CI's output alone.  At most 150 lines.
failed_blocks() {
	awk '
	/^\[RUN \]/ { block = ""; next }
	/^\[----\]/ { block = block $0 "\n"; next }
	/^\[FAIL\]/ { printf "%s%s\n", block, $0; block = ""; next }
	/^\[(PASS|SKIP)\]/ { block = "" }
	' "$1" | head -n 150
}

# The tests that skipped, from Criterion's --verbose output, which also
# marks "[SKIP]" each test the filter left out ("Test is disabled").
skips() {
	grep '^\[SKIP\]' "$1" | grep -v ': Test is disabled$'
}

# ---- one mutant ----------------------------------------------------------------
# Writes $WORK/NAME.result: STATUS<TAB>KILLERS-OR-REASON<TAB>SECONDS.
run_mutant() {
	local m=$1 name dir res t0 sel i=0 left kills hung="" over="" skipped="" sel_skip="" try log what
	name=$(basename "$m" .diff)
	dir=$WORK/$name
	res=$WORK/$name.result
	t0=$(now)
	finish() { printf '%s\t%s\t%.0f\n' "$1" "$2" "$(echo "$(now) - $t0" | bc)" >"$res"; }

	rm -rf "$dir"
	cp -a "$base" "$dir" || { finish INVALID "cannot copy the base"; return; }
	if ! patch -d "$dir" -p1 --fuzz=0 --batch --forward --no-backup-if-mismatch \
		-r - <"$m" >"$WORK/$name.patch.log" 2>&1; then
		finish INVALID "does not apply (refresh it): $(grep -m1 -iE 'hunk|fail|malformed|only garbage' "$WORK/$name.patch.log")"
		return
	fi
	if ! "$MAKE" -C "$dir" -s BUILD=build all $(selections_of "$m" | test_targets sel) \
		>"$WORK/$name.build.log" 2>&1; then
		finish INVALID "does not build: $(grep -m1 -E 'error' "$WORK/$name.build.log")"
		return
	fi
	while IFS= read -r sel; do
		i=$((i + 1))
		log=$WORK/$name.test$i.log
		sel_skip=""
		for try in 1 2 3; do
			[ "$try" -gt 1 ] && mv "$log" "$log.skipped$((try - 1))"
			left=$(echo "$LIMIT - ($(now) - $t0)" | bc | cut -d. -f1)
			if [ "${left:-0}" -le 0 ]; then
				hung="ran past ${LIMIT}s" over=1
				break
			fi
			run_selection "$dir" "$log" "$left" "$sel"
			if [ $? -eq 124 ]; then
				hung="ran past ${LIMIT}s in $sel" over=1
				break
			fi
			kills=$(assertion_kills "$log" | paste -sd' ')
			if [ -n "$kills" ]; then
				finish KILLED "$kills"
				rm -rf "$dir"
				return
			fi
			sel_skip=$(skips "$log" | head -n 1)
			[ -n "$sel_skip" ] || break
			sel_skip="a test skipped $try times in $sel: $sel_skip"
		done
		[ -n "$sel_skip" ] && skipped=${skipped:+$skipped; }$sel_skip
		[ -n "$over" ] && break
		grep -q '^\[FAIL\]' "$log" && hung="only hangs or crashes in $sel"
	done < <(selections_of "$m")
	# A hang after skips may be the retries' cost: both are said.
	what=$hung
	[ -n "$skipped" ] && what=${what:+$what; }$skipped
	finish SURVIVED "${what:-every selected test passed}"
}

# ---- main -----------------------------------------------------------------------
started=$(now)
for m in "${mutants[@]}"; do
	[ -n "$(bug_of "$m")" ] || die "$m has no '# bug:' line"
done
prepare_base

# The baseline: every selection the mutants name must pass unmutated.
echo "== baseline: the selected tests on the unmutated copy"
for m in "${mutants[@]}"; do selections_of "$m"; done | sort -u >"$WORK/selections"
n=0
while IFS= read -r sel; do
	n=$((n + 1))
	run_selection "$base" "$WORK/baseline$n.log" "$LIMIT" "$sel" && continue
	# Once more, for a test that failed under load: a flaky test is a bug
	# to report, but not one that should hide the mutants' results.
	echo "mutation-check: baseline: '$sel' failed once; running it again" >&2
	failed_blocks "$WORK/baseline$n.log" >&2
	mv "$WORK/baseline$n.log" "$WORK/baseline$n.first.log"
	if ! run_selection "$base" "$WORK/baseline$n.log" "$LIMIT" "$sel"; then
		failed_blocks "$WORK/baseline$n.log" >&2
		tail -n 3 "$WORK/baseline$n.log" >&2
		die "baseline: '$sel' fails without any mutant (log: $WORK/baseline$n.log)"
	fi
done <"$WORK/selections"
echo "== baseline passed: $n selections in $(printf '%.0f' "$(echo "$(now) - $started" | bc)")s"

echo "== ${#mutants[@]} mutants, $JOBS at a time"
export -f run_mutant run_selection assertion_kills skips selections_of test_targets now
export WORK SRC MAKE LIMIT base
printf '%s\0' "${mutants[@]}" | xargs -0 -n 1 -P "$JOBS" bash -c 'run_mutant "$1"' sh

passed=0 failed=0
printf '\n%-28s %-8s %5s  %s\n' MUTANT RESULT SECS "BUG / KILLED BY"
for m in "${mutants[@]}"; do
	name=$(basename "$m" .diff)
	if [ -r "$WORK/$name.result" ]; then
		IFS=$'\t' read -r status what secs <"$WORK/$name.result"
	else
		status=INVALID what="no result (the runner failed)" secs=0
	fi
	printf '%-28s %-8s %5s  %s\n' "$name" "$status" "$secs" "$(bug_of "$m")"
	printf '%-28s %-8s %5s    -> %s\n' "" "" "" "$what"
	if [ "$status" = KILLED ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
printf '\nmutation-check: %.0f seconds, %d mutants, %d at a time\n' \
	"$(echo "$(now) - $started" | bc)" "${#mutants[@]}" "$JOBS"
# Each failure again, last, with what its tests printed: a CI log is often
# seen only by its tail, and a survivor seen once must be diagnosable.
for m in "${mutants[@]}"; do
	name=$(basename "$m" .diff)
	[ -r "$WORK/$name.result" ] || continue
	IFS=$'\t' read -r status what secs <"$WORK/$name.result"
	[ "$status" = KILLED ] && continue
	printf 'mutation-check: %s %s: %s\n' "$status" "$name" "$what"
	for log in "$WORK/$name".test*.log; do
		[ -r "$log" ] || continue
		grep -E '^\[(----|FAIL|SKIP|====)\]' "$log" |
			grep -vE '^\[----\] Criterion v|^\[SKIP\].*: Test is disabled$' |
			tail -n 15 | sed 's/^/    /'
	done
done
printf 'mutation-check: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
