#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# The CLI under valgrind memcheck: dump, show, check, restore and migrate
# against real victims must run with no error and no leak.
set -euo pipefail

bin=${PTIMERCTL:?} helpers=${PTIMER_HELPERS:?}
work=$(mktemp -d)
fail=0
. "$(dirname "$0")/../lib/victims.sh"
trap 'kill_victims; rm -rf "$work"' EXIT

vg() {	# name args...: run ptimerctl under memcheck
	local name=$1
	shift
	if valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --log-file="$work/$name.vg" \
		"$bin" "$@" >"$work/$name.out" 2>"$work/$name.err"; then
		echo "ok: ptimerctl $*"
	else
		echo "FAIL: ptimerctl $* (exit $?)"
		cat "$work/$name.vg" "$work/$name.err"
		fail=1
	fi
}

start_victim src 3 --threads 2 \
	--timer id=7,clock=monotonic,notify=signal,sig=10,value_ms=60000,interval_ms=500 \
	--timer id=42,clock=realtime,notify=thread_id,thread=2,sig=12,value_ms=90000 \
	--timer id=500,clock=process_cpu_self,notify=none,value_ms=5000
src=$victim_pid
start_victim dst 4 --threads 2
dst=$victim_pid
start_victim dst2 5 --threads 2
dst2=$victim_pid
start_victim dst3 6 --threads 2
dst3=$victim_pid

vg dump dump -o "$work/d.json" "$src"
vg show show "$src"
vg showfile show -J -i "$work/d.json"
vg check check "$src"
vg checkj check -J
vg restore restore -i "$work/d.json" "$dst"
vg restore-loop restore --method=loop -i "$work/d.json" "$dst3"
vg migrate migrate "$src" "$dst2"
# Failure paths must not leak either.
if valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
	"$bin" restore -i "$work/d.json" "$dst" >/dev/null 2>"$work/collide.err"; then
	echo "FAIL: a colliding restore succeeded"; fail=1
elif [ $? -eq 99 ]; then
	echo "FAIL: memcheck errors on the collision path"; cat "$work/collide.err"; fail=1
else
	echo "ok: ptimerctl restore (collision, exits non-zero cleanly)"
fi
exit $fail
