#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `make demo`: dump, show and restore the timers of a real process.
#
# Starts a victim process holding timers with chosen IDs on several clocks
# and threads, dumps it, shows it, then restores the dump into a second,
# fresh process and shows that one: same IDs, same clocks, tids remapped.
set -eu

: "${PTIMERCTL:?}" "${HELPERS:?}"
work=$(mktemp -d)
src_pid='' dst_pid=''

cleanup() {
	for p in $src_pid $dst_pid; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Start a victim; its stdin is a FIFO that this shell holds open on fd
# $1, so it runs until the demo ends.  Sets $victim_pid.
start_victim() {
	fd=$1 name=$2; shift 2
	mkfifo "$work/$name.in"
	eval "exec $fd<>\"\$work/\$name.in\""
	"$HELPERS/victim" "$@" <"$work/$name.in" >"$work/$name.out" 2>&1 &
	for _ in $(seq 100); do
		grep -q '^READY' "$work/$name.out" 2>/dev/null && break
		sleep 0.05
	done
	victim_pid=$(sed -n 's/^READY \([0-9]*\).*/\1/p' "$work/$name.out")
	[ -n "$victim_pid" ] || { cat "$work/$name.out" >&2; exit 1; }
}

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

start_victim 3 src --threads 2 \
	--timer id=7,clock=monotonic,notify=signal,sig=10,value_ms=60000,interval_ms=500 \
	--timer id=42,clock=realtime,notify=thread_id,thread=2,sig=12,sigval=0xfeed,value_ms=90000 \
	--timer id=1000,clock=boottime,notify=none,value_ms=120000 \
	--timer id=65536,clock=process_cpu_self,notify=signal,sig=34,value_ms=5000 \
	--timer id=2147483646,clock=tai,notify=signal,sig=40,value_ms=3600000,interval_ms=3600000
src_pid=$victim_pid
start_victim 4 dst --threads 2
dst_pid=$victim_pid

say "$PTIMERCTL check $src_pid"
"$PTIMERCTL" check "$src_pid"
say "$PTIMERCTL show $src_pid"
"$PTIMERCTL" show "$src_pid"
say "$PTIMERCTL dump --pretty -o $work/timers.json $src_pid"
"$PTIMERCTL" dump --pretty -o "$work/timers.json" "$src_pid"
head -n 24 "$work/timers.json"
echo '  ...'
say "$PTIMERCTL restore -v -i timers.json $dst_pid    # a fresh process"
"$PTIMERCTL" restore -v -i "$work/timers.json" "$dst_pid"
say "$PTIMERCTL show $dst_pid"
"$PTIMERCTL" show "$dst_pid"
say "$PTIMERCTL dump $src_pid | jq '.timers |= map(select(.id < 100))' | $PTIMERCTL restore --method=loop --replace --dry-run $dst_pid"
"$PTIMERCTL" dump "$src_pid" | jq '.timers |= map(select(.id < 100))' |
	"$PTIMERCTL" restore --method=loop --dry-run --replace "$dst_pid"
echo
echo "demo: the restored process has the same timer IDs; thread 2's timer follows thread 2."
