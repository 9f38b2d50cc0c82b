#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Run every command in README.md, so that the README cannot drift.
#
# Console blocks: each "$ cmd" line runs with $PID (a victim holding the
# demo's timers), $DST (a fresh victim, which the examples fill), $NEW (a
# fresh victim left so), $ALL (a process holding every kind of timer) and
# $FRESH (the same program, fresh) set, ptimerctl on PATH.  It
# must exit 0, and where the README shows a table header or a JSON key, the
# real output must show it too.  The two fresh-machine commands and the
# install lines run as well (install into a scratch DESTDIR).
set -euo pipefail

src=${PTIMER_SRC:?} bin=${PTIMERCTL:?} helpers=${PTIMER_HELPERS:?}
readme=$src/README.md
work=$(mktemp -d)
fail=0 ran=0
. "$src/tests/lib/victims.sh"
trap 'kill_victims; rm -rf "$work" || true' EXIT

start_victim src 3 "${DEMO_VICTIM_ARGS[@]}"
PID=$victim_pid
start_victim dst 4 --threads 2
DST=$victim_pid
start_victim new 7 --threads 2
NEW=$victim_pid
# $ALL holds every kind of timer, two timer signals kept pending among them;
# $FRESH is the same program holding none.
start_helper all 5 allkinds
ALL=$victim_pid
start_helper fresh 6 allkinds --fresh
FRESH=$victim_pid
echo pend >&5
deadline=$((SECONDS + 60))
until (( 0x$(sed -n 's/^ShdPnd:[[:space:]]*//p' "/proc/$ALL/status") & (1 << 38) )); do
	((SECONDS < deadline)) || { echo "FAIL: allkinds's timer signal never fired"; exit 1; }
	sleep 0.05
done
export PID DST NEW ALL FRESH
mkdir -p "$work/bin"
ln -s "$bin" "$work/bin/ptimerctl"
# "ssh host CMD" in an example runs CMD here: its other machine is this one.
printf '#!/bin/sh\nshift\nexec sh -c "$*"\n' > "$work/bin/ssh"
chmod +x "$work/bin/ssh"
export PATH="$work/bin:$PATH"

# The README's console blocks: "$ command" lines and what follows them.
extract() {
	awk '/^```console/ { on = 1; next } /^```/ { on = 0 } on' "$readme"
}

check_output() {	# expected-lines-file actual-file
	# A table header or a "key": line the README shows must be in the output;
	# the kernel's release string is the machine's, not the README's.
	{ grep -E '^ +ID CLOCK|^WHICH |^ +FD CLOCK|^QUEUE |^  "[a-z_]+": [^0-9]' "$1" |
	  grep -v '"kernel_release"' || true; } |
	while IFS= read -r want; do
		grep -qF -- "$want" "$2" || { echo "  missing: $want"; exit 1; }
	done
}

run_block_line() {	# command expected-file
	local cmd=$1 expect=$2
	ran=$((ran + 1))
	if ! (cd "$work" && bash -o pipefail -c "$cmd") >"$work/out" 2>"$work/err"; then
		echo "FAIL: $cmd"; sed 's/^/  /' "$work/err"; fail=1; return
	fi
	if ! check_output "$expect" "$work/out"; then
		echo "FAIL: $cmd (output differs in shape)"; fail=1; return
	fi
	echo "ok: $cmd"
}

cmd=''
: >"$work/expect"
while IFS= read -r line; do
	if [[ $line == '$ '* ]]; then
		[ -n "$cmd" ] && run_block_line "$cmd" "$work/expect"
		cmd=${line#\$ }
		: >"$work/expect"
	else
		printf '%s\n' "$line" >>"$work/expect"
	fi
done < <(extract)
[ -n "$cmd" ] && run_block_line "$cmd" "$work/expect"

# ---- the EXAMPLES of the manual pages, in the order given ----------------
# Each "$ command" of an EXAMPLES section (continued past a trailing "|" or
# "\\"), rendered by mandoc, runs with process 1234 standing for a victim
# and 5678 for a fresh one, in one directory for the whole page; output a
# page shows after a command must be what the command prints.

man_examples() {	# page: "$ command" lines and the output lines after them
	mandoc -Tascii "$1" | col -bx | awk '
		/^EXAMPLES/ { on = 1; next }
		/^[A-Z]/ { on = 0 }
		!on { next }
		{ sub(/^[ \t]+/, "") }
		function take(text) {
			cont = text ~ /[|\\]$/
			if (text ~ /\\$/)
				sub(/\\$/, "", text)
			cmd = cmd text
			if (!cont) { print "$ " cmd; cmd = ""; out = 1 }
		}
		cont { take(" " $0); next }
		/^\$ / { take(substr($0, 3)); next }
		!NF { out = 0 }
		out { print }'
}

# The first literal JSON document of the page, for its examples to read.
man_document() {
	mandoc -Tascii "$1" | col -bx | awk '
		/^EXAMPLES/ { on = 1; next }
		/^[A-Z]/ { on = 0 }
		on && !doc && /^ +\{$/ { doc = 1; ind = index($0, "{") }
		doc { line = substr($0, ind); print line }
		doc && line == "}" { exit }'
}

run_man_examples() {	# page
	local page=$1 dir cmd want n=0 line
	dir=$work/man-$(basename "$page")
	mkdir -p "$dir"
	man_document "$page" > "$dir/dump.json"
	start_victim "man$((++man_fd))" $((20 + man_fd)) --threads 2 \
		--timer id=7,clock=monotonic,notify=signal,sig=10,value_ms=60000,interval_ms=500 \
		--timer id=42,clock=realtime,notify=thread_id,thread=2,sig=12,value_ms=90000 \
		--timer id=1000,clock=boottime,notify=none,value_ms=120000
	local src=$victim_pid
	start_victim "man$((++man_fd))" $((20 + man_fd)) --threads 2
	local dst=$victim_pid
	cmd=
	: > "$dir/expect"
	flush() {
		[ -n "$cmd" ] || return 0
		n=$((n + 1)); ran=$((ran + 1))
		local run=${cmd//1234/$src}
		run=${run//5678/$dst}
		if ! (cd "$dir" && bash -o pipefail -c "$run") \
			>"$dir/out" 2>"$dir/err"; then
			echo "FAIL: $(basename "$page") example $n: $cmd"
			sed 's/^/  /' "$dir/err"; fail=1
		elif [ -s "$dir/expect" ] && ! cmp -s "$dir/expect" "$dir/out"; then
			echo "FAIL: $(basename "$page") example $n: $cmd (output differs)"
			diff "$dir/expect" "$dir/out" | sed 's/^/  /'; fail=1
		else
			echo "ok: $(basename "$page") example $n: $cmd"
		fi
	}
	while IFS= read -r line; do
		if [[ $line == '$ '* ]]; then
			flush
			cmd=${line#\$ }
			: > "$dir/expect"
		else
			printf '%s\n' "$line" >> "$dir/expect"
		fi
	done < <(man_examples "$page")
	flush
	[ "$n" -gt 0 ] || { echo "FAIL: $(basename "$page"): no EXAMPLES found"; fail=1; }
}

man_fd=0
for page in "$src/man/ptimerctl.1" "$src/man/ptimerctl-dump.5"; do
	run_man_examples "$page"
done

# The sh blocks: the fresh-machine commands and the install lines.
grep -q '^make demo ' "$readme" && grep -q '^make check ' "$readme" ||
	{ echo "FAIL: README lacks the two fresh-machine commands"; fail=1; }
if make -s -C "$src" demo >"$work/demo.out" 2>&1; then
	echo "ok: make demo"
else
	echo "FAIL: make demo"; tail "$work/demo.out"; fail=1
fi
grep -q '^make install PREFIX=/usr/local' "$readme" || { echo "FAIL: install line"; fail=1; }
if make -s -C "$src" install PREFIX=/usr/local DESTDIR="$work/root" >/dev/null 2>&1 &&
   [ -x "$work/root/usr/local/bin/ptimerctl" ]; then
	echo "ok: make install PREFIX=/usr/local (into a DESTDIR)"
else
	echo "FAIL: make install"; fail=1
fi
# "make rpm" is built and its contents checked by check-rpm; "make check"
# is what runs this script.

[ "$ran" -ge 8 ] || { echo "FAIL: only $ran README commands found"; fail=1; }
echo "README: $ran commands run"
exit $fail
