# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Shell helpers for scripts that drive tests/helpers/victim: sourced, not run.
#
# start_victim NAME FD ARGS...  starts a victim whose stdin is a FIFO held
# open on FD by the calling shell (so it runs until the script ends), waits
# for its READY line and sets $victim_pid.  kill_victims kills them all.
# Needs $work (a scratch directory) and $helpers (the built helpers).

victim_pids=()

start_victim() {
	local name=$1 fd=$2
	shift 2
	start_helper "$name" "$fd" victim "$@"
}

# start_helper NAME FD HELPER ARGS...  the same for any helper that speaks
# the victim protocol, such as allkinds (every kind of timer).
start_helper() {
	local name=$1 fd=$2 prog=$3
	shift 3
	mkfifo "$work/$name.in"
	eval "exec $fd<>\"\$work/\$name.in\""
	"$helpers/$prog" "$@" <"$work/$name.in" >"$work/$name.out" 2>&1 &
	victim_pids+=($!)
	disown $!	# no "Killed" job report when kill_victims ends it
	# Until it says READY or dies; the deadline only guards against a hang
	# (a loaded machine under ASan can take seconds to start 48 threads).
	local deadline=$((SECONDS + 60))
	until grep -q '^READY' "$work/$name.out" 2>/dev/null; do
		kill -0 "${victim_pids[-1]}" 2>/dev/null || break
		((SECONDS < deadline)) || break
		sleep 0.05
	done
	victim_pid=$(sed -n 's/^READY \([0-9]*\).*/\1/p' "$work/$name.out")
	if [ -z "$victim_pid" ]; then
		echo "victim $name did not start:" >&2
		cat "$work/$name.out" >&2
		return 1
	fi
}

# The victims ignore SIGTERM (they record every signal), hence SIGKILL.
kill_victims() {
	local p
	for p in "${victim_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
}

# The demo's source process: five timers on four clocks and two threads.
DEMO_VICTIM_ARGS=(--threads 2
	--timer id=7,clock=monotonic,notify=signal,sig=10,value_ms=60000,interval_ms=500
	--timer id=42,clock=realtime,notify=thread_id,thread=2,sig=12,sigval=0xfeed,value_ms=90000
	--timer id=1000,clock=boottime,notify=none,value_ms=120000
	--timer id=65536,clock=process_cpu_self,notify=signal,sig=34,value_ms=5000
	--timer id=2147483646,clock=tai,notify=signal,sig=40,value_ms=3600000,interval_ms=3600000)
