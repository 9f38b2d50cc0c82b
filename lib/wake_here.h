/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Where a thread that ptimerctl resumes runs.  The tracer follows the
 * target to its CPU (target.c), so that a round trip is a switch on one
 * CPU; but a PTRACE_CONT that wakes the thread lets the scheduler put it
 * on any idle CPU instead (select_idle_sibling()), and the trip then
 * costs a cross-CPU wake-up each way.  A CPU whose only runnable task is
 * SCHED_IDLE counts as idle for that choice (sched_idle_cpu()): so the
 * tracer makes the waking request as SCHED_IDLE, the thread is woken on
 * the tracer's CPU and runs at once, to its next stop, and the tracer
 * takes its own policy back as soon as the request returns.
 *
 * SCHED_IDLE loses the CPU to any other task that can run there, the
 * woken thread first: a request returns only once that thread stops or
 * blocks, or the scheduler moves one of the two (the tracer is pinned;
 * with every other CPU idle, the balancer soon takes the thread away).
 * So the requests are made that way only when nothing else ran at the
 * start of the operation, and never again in it once one took longer
 * than WAKE_HERE_STALL_NS.  Only for a caller whose policy is
 * SCHED_OTHER or SCHED_BATCH, and that may take it back (CAP_SYS_NICE in
 * the initial user namespace, or an RLIMIT_NICE that allows its nice
 * value): else as plain requests.
 */
#ifndef PTIMER_WAKE_HERE_H
#define PTIMER_WAKE_HERE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct ptimer_ctx;

struct wake_here {
	struct ptimer_ctx *ctx;
	bool on;
	int policy;		/* the caller's own, SCHED_RESET_ON_FORK kept */
	int stuck_errno;	/* taking it back failed so */
	int64_t stalled_ns;	/* a request took so long, and turned this off */
};

/* @quiet: the system ran nothing but the caller (/proc/loadavg) and it is pinned. */
void wake_here_init(struct wake_here *w, struct ptimer_ctx *ctx, bool quiet);
/* ptrace(@request, @tid, 0, @data) for a request that may wake @tid. */
long wake_here_ptrace(struct wake_here *w, int request, pid_t tid, long data);
/* Once the target is let go: what went wrong, if anything. */
void wake_here_say(struct wake_here *w);

#endif
