/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stopping every thread of a process with ptrace, and letting it go as found. */
#ifndef PTIMER_SEIZE_H
#define PTIMER_SEIZE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct ptimer_ctx;

struct seized_thread {
	pid_t tid;
	/* A signal whose delivery we intercepted; handed back on detach. */
	int pending_signal;
	bool dead;		/* exited and reaped while seized */
};

struct seized_process {
	struct ptimer_ctx *ctx;
	pid_t pid;
	int dirfd;		/* /proc/PID, owned by the caller */
	unsigned long long start_time;	/* guards against PID reuse */
	bool group_stopped;	/* it was SIGSTOPped before we came */
	size_t nthreads;	/* leader first, then by creation order */
	struct seized_thread *threads;
	int64_t seized_at_ns;	/* CLOCK_MONOTONIC at the first seize */
	unsigned long ptrace_options;
};

/*
 * Seize and interrupt every thread, re-reading /proc/PID/task until no new
 * thread appears.  On failure nothing stays attached.
 */
int seize_process(struct ptimer_ctx *ctx, int dirfd, pid_t pid,
		  unsigned long ptrace_options, struct seized_process *sp);

/*
 * Detach every thread.  A process that was group-stopped stays stopped
 * (the kernel re-instates the group stop on detach); intercepted signals
 * are handed back.  Returns the first error, after trying every thread.
 */
int seize_release(struct seized_process *sp);

/*
 * Wait for @tid's next ptrace stop, handling stops that are not ours: an
 * intercepted signal is recorded for delivery on detach and the thread is
 * resumed; a late PTRACE_INTERRUPT stop is resumed.  Returns 0 with the
 * SIGTRAP siginfo in @si, -ESRCH when the process died.
 */
struct seized_thread *seize_find(struct seized_process *sp, pid_t tid);
int seize_wait_trap(struct seized_process *sp, pid_t tid, void *siginfo);

#endif
