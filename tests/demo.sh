#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# `make demo`: dump, show and restore the timers of a real process.
#
# Starts a victim process holding timers with chosen IDs on several clocks
# and threads, dumps it, shows it, then restores the dump into a second,
# fresh process and shows that one: same IDs, same clocks, tids remapped.
# Then one process holding every kind of timer (POSIX timers, interval
# timers, timerfds and two timer signals kept pending) moves to a fresh
# process of the same program.
set -euo pipefail

: "${PTIMERCTL:?}" "${HELPERS:?}"
helpers=$HELPERS
work=$(mktemp -d)
. "$(dirname "$0")/lib/victims.sh"
trap 'kill_victims; rm -rf "$work"' EXIT INT TERM

say() {
	if [ -t 1 ]; then
		printf '\n\033[1m$ %s\033[0m\n' "$*"
	else
		printf '\n$ %s\n' "$*"
	fi
}

start_victim src 3 "${DEMO_VICTIM_ARGS[@]}"
src_pid=$victim_pid
start_victim dst 4 --threads 2
dst_pid=$victim_pid
start_victim new 7 --threads 2
new_pid=$victim_pid

say "ptimerctl check $src_pid"
"$PTIMERCTL" check "$src_pid"
say "ptimerctl show $src_pid"
"$PTIMERCTL" show "$src_pid"
say "ptimerctl dump --pretty -o timers.json $src_pid"
"$PTIMERCTL" dump --pretty -o "$work/timers.json" "$src_pid"
head -n 24 "$work/timers.json"
echo '  ...'
say "ptimerctl restore -v -i timers.json $dst_pid    # a fresh process"
"$PTIMERCTL" restore -v -i "$work/timers.json" "$dst_pid"
say "ptimerctl show $dst_pid"
"$PTIMERCTL" show "$dst_pid"
say "ptimerctl dump $src_pid | jq '.timers |= map(select(.id < 100))' | ptimerctl restore --method=walk --dry-run $new_pid    # another fresh process"
"$PTIMERCTL" dump "$src_pid" | jq '.timers |= map(select(.id < 100))' |
	"$PTIMERCTL" restore --method=walk --dry-run "$new_pid"
echo
echo "demo: the restored process has the same timer IDs; thread 2's timer follows thread 2."

# Every kind: allkinds arms two one-shot timers whose signals it blocks
# ("pend"); wait until the process-directed one is queued.
start_helper all 5 allkinds
all_pid=$victim_pid
start_helper fresh 6 allkinds --fresh
fresh_pid=$victim_pid
echo pend >&5
deadline=$((SECONDS + 60))
until (( 0x$(sed -n 's/^ShdPnd:[[:space:]]*//p' "/proc/$all_pid/status") & (1 << 38) )); do
	((SECONDS < deadline)) || { echo "demo: the timer signal never fired" >&2; exit 1; }
	sleep 0.05
done
say "ptimerctl show $all_pid    # POSIX timers, itimers, timerfds, pending timer signals"
"$PTIMERCTL" show "$all_pid"
say "ptimerctl migrate $all_pid $fresh_pid    # to a fresh process of the same program"
"$PTIMERCTL" migrate "$all_pid" "$fresh_pid"
say "ptimerctl show $fresh_pid"
"$PTIMERCTL" show "$fresh_pid"
say "ptimerctl show $all_pid    # the source: every timer disarmed, no signal left"
"$PTIMERCTL" show "$all_pid"
echo
echo "demo: every kind moved; the pending signals wait in the new process's queues."
