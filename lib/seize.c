// SPDX-License-Identifier: GPL-2.0-or-later
/* PTRACE_SEIZE + PTRACE_INTERRUPT of a whole thread group. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"
#include "procfs.h"
#include "seize.h"

#define SEIZE_MAX_ROUNDS 1000
#define WAIT_YIELD_ROUNDS 200
#define WAIT_FIRST_SLEEP_NS 10000L
#define WAIT_MAX_SLEEP_NS 1000000L

struct seized_thread *seize_find(struct seized_process *sp, pid_t tid)
{
	for (size_t i = 0; i < sp->nthreads; i++)
		if (sp->threads[i].tid == tid)
			return &sp->threads[i];
	return NULL;
}

static bool is_event_stop(int status)
{
	return (status >> 16) == PTRACE_EVENT_STOP;
}

/* Reap any other seized thread that has exited: true if one had. */
static bool other_thread_died(struct seized_process *sp, pid_t tid)
{
	bool died = false;
	int status;

	for (size_t i = 0; i < sp->nthreads; i++) {
		struct seized_thread *o = &sp->threads[i];

		if (o->tid == tid || o->dead)
			continue;
		if (waitpid(o->tid, &status, __WALL | WNOHANG) == o->tid &&
		    (WIFEXITED(status) || WIFSIGNALED(status))) {
			o->dead = true;
			died = true;
		}
	}
	return died;
}

/*
 * Wait for the next event of @tid.  A blocking waitpid() on the leader
 * could hang for ever if the process is killed meanwhile: the kernel
 * reports the leader's death only once its other threads are reaped, and
 * only their tracer, we, can reap them.  So poll: yield first (injected
 * code usually traps within microseconds, and we share the target's CPU),
 * then sleep with a growing back-off, looking at the other threads too.
 */
static int wait_event(struct seized_process *sp, pid_t tid, int *status)
{
	struct timespec pause_ts = { 0, WAIT_FIRST_SLEEP_NS };

	for (unsigned int round = 0;; round++) {
		pid_t w = waitpid(tid, status, __WALL | WNOHANG);

		if (w == tid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (round < WAIT_YIELD_ROUNDS) {
			sched_yield();
			continue;
		}
		if (other_thread_died(sp, tid))
			return -ESRCH;
		nanosleep(&pause_ts, NULL);
		if (pause_ts.tv_nsec < WAIT_MAX_SLEEP_NS)
			pause_ts.tv_nsec *= 2;
	}
}

/*
 * Wait until @tid sits in the stop our PTRACE_INTERRUPT asked for.  A
 * signal-delivery stop that comes first is a stop too: we keep the
 * signal to hand back on detach, and stay there.
 */
/*
 * The next ptrace stop of @tid, in @status; -ESRCH if the thread died.
 * An event stop that is not a trap is a group stop: the process was
 * stopped by a signal, and must stay so after we detach.
 */
static int next_stop(struct seized_process *sp, pid_t tid, int *status)
{
	int ret;

	for (;;) {
		ret = wait_event(sp, tid, status);
		if (ret)
			return ret;
		if (WIFEXITED(*status) || WIFSIGNALED(*status))
			return -ESRCH;
		if (!WIFSTOPPED(*status))
			continue;
		if (is_event_stop(*status) && WSTOPSIG(*status) != SIGTRAP)
			sp->group_stopped = true;
		return 0;
	}
}

static int wait_interrupt_stop(struct seized_process *sp, struct seized_thread *t)
{
	int status, ret;

	for (;;) {
		ret = next_stop(sp, t->tid, &status);
		if (ret)
			return ret;
		if (is_event_stop(status))
			return 0;
		if ((status >> 16) == 0) {
			/* Signal-delivery stop: suppress it now, deliver it later. */
			t->pending_signal = WSTOPSIG(status);
			dbg(sp->ctx, "tid %d: holding signal %d until detach",
			    t->tid, t->pending_signal);
			return 0;
		}
		/* Some other ptrace event; we asked for none, so just go on. */
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
			return -errno;
	}
}

static int seize_one(struct seized_process *sp, pid_t tid)
{
	struct seized_thread *t, *grown;
	int ret;

	if (ptrace(PTRACE_SEIZE, tid, 0, sp->ptrace_options) < 0) {
		ret = -errno;
		/*
		 * The thread exited between listing and seizing: not an error.
		 * A thread already on its way out answers EPERM, not ESRCH.
		 */
		if (ret == -ESRCH || (ret == -EPERM && procfs_thread_exiting(sp->dirfd, tid)))
			return 0;
		return ret;
	}
	grown = realloc(sp->threads, (sp->nthreads + 1) * sizeof(*grown));
	if (!grown) {
		ptrace(PTRACE_DETACH, tid, 0, 0);
		return -ENOMEM;
	}
	sp->threads = grown;
	t = &sp->threads[sp->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
		ret = -errno;
		goto drop;
	}
	ret = wait_interrupt_stop(sp, t);
	if (ret)
		goto drop;
	return 0;

drop:
	/* A thread that died while we seized it is no error either. */
	sp->nthreads--;
	return ret == -ESRCH ? 0 : ret;
}

/* Order as /proc lists them: leader first, then creation order. */
static int reorder_threads(struct seized_process *sp, const pid_t *tids, size_t n)
{
	struct seized_thread *sorted;
	size_t k = 0;

	sorted = calloc(sp->nthreads, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct seized_thread *t = seize_find(sp, tids[i]);

		if (t)
			sorted[k++] = *t;
	}
	/* A seized thread missing from the listing must have died since. */
	for (size_t i = 0; i < sp->nthreads; i++) {
		bool listed = false;

		for (size_t j = 0; j < k; j++)
			listed |= sorted[j].tid == sp->threads[i].tid;
		if (listed)
			continue;
		if (!procfs_thread_exiting(sp->dirfd, sp->threads[i].tid)) {
			free(sorted);
			return -EAGAIN;
		}
		/* Left out: on our exit the kernel reaps a dead tracee for us. */
	}
	sp->nthreads = k;
	free(sp->threads);
	sp->threads = sorted;
	return 0;
}

int seize_process(struct ptimer_ctx *ctx, int dirfd, pid_t pid,
		  unsigned long ptrace_options, struct seized_process *sp)
{
	unsigned long long start;
	pid_t *tids = NULL;
	size_t n = 0;
	int ret, round;

	memset(sp, 0, sizeof(*sp));
	sp->ctx = ctx;
	sp->pid = pid;
	sp->dirfd = dirfd;
	sp->ptrace_options = ptrace_options;
	ret = procfs_start_time(dirfd, &sp->start_time);
	if (ret)
		return ret;
	sp->seized_at_ns = clock_now_ns(CLOCK_MONOTONIC);

	/*
	 * Threads may be created while we work; a new one can only come from
	 * a running thread, so once a listing shows nothing new, all of them
	 * are stopped and the set is stable.
	 */
	for (round = 0; round < SEIZE_MAX_ROUNDS; round++) {
		bool grew = false;

		free(tids);
		tids = NULL;
		ret = procfs_list_tids(dirfd, pid, &tids, &n);
		if (ret)
			goto release;
		for (size_t i = 0; i < n; i++) {
			size_t before = sp->nthreads;

			if (seize_find(sp, tids[i]))
				continue;
			ret = seize_one(sp, tids[i]);
			if (ret)
				goto release;
			grew |= sp->nthreads != before;
		}
		if (!grew)
			break;
	}
	if (round == SEIZE_MAX_ROUNDS) {
		ret = -EAGAIN;
		goto release;
	}
	/*
	 * We seized by number.  The directory fd, opened before, still reads
	 * only while the process it was opened for lives; so if it still reads
	 * with the same start time, no PID reuse slipped in between and the
	 * threads we hold are that process's.
	 */
	if (procfs_start_time(dirfd, &start) || start != sp->start_time) {
		ret = -ESRCH;
		goto release;
	}
	/* The creation order for the dump, read now that every thread is stopped. */
	free(tids);
	tids = NULL;
	ret = procfs_list_threads(dirfd, pid, &tids, &n);
	if (!ret)
		ret = reorder_threads(sp, tids, n);
	if (ret)
		goto release;
	free(tids);
	dbg(ctx, "seized %zu threads of pid %d%s", sp->nthreads, pid,
	    sp->group_stopped ? " (group-stopped)" : "");
	return 0;

release:
	free(tids);
	seize_release(sp);
	/* Whatever step noticed it, a process that died is "no such process". */
	if (procfs_start_time(dirfd, &start) || start != sp->start_time ||
	    procfs_thread_exiting(dirfd, pid))
		ret = -ESRCH;
	return ret;
}

/*
 * Our stop made an infinite epoll_wait() or sigwaitinfo() fail with EINTR;
 * unless a signal is really there for the thread, re-issue the call, so
 * that the program does not notice.
 */
static void restart_interrupted_wait(struct seized_process *sp, struct seized_thread *t)
{
	struct arch_regs regs;
	bool deliverable;

	if (t->pending_signal || arch_get_regs(t->tid, &regs))
		return;
	if (procfs_thread_has_deliverable_signal(sp->dirfd, t->tid, &deliverable) ||
	    deliverable)
		return;
	if (arch_restart_interrupted_wait(&regs) && arch_set_regs(t->tid, &regs) == 0)
		dbg(sp->ctx, "tid %d: re-issuing its interrupted wait", t->tid);
}

int seize_release(struct seized_process *sp)
{
	int first = 0;

	for (size_t i = 0; i < sp->nthreads; i++) {
		struct seized_thread *t = &sp->threads[i];

		if (t->dead)
			continue;
		restart_interrupted_wait(sp, t);
		if (ptrace(PTRACE_DETACH, t->tid, 0, t->pending_signal) < 0 &&
		    errno != ESRCH && !first)
			first = -errno;
	}
	free(sp->threads);
	sp->threads = NULL;
	sp->nthreads = 0;
	return first;
}

int seize_wait_trap(struct seized_process *sp, pid_t tid, void *siginfo)
{
	struct seized_thread *t = seize_find(sp, tid);
	int status, sig, ret;

	for (;;) {
		ret = next_stop(sp, tid, &status);
		if (ret)
			return ret;
		sig = WSTOPSIG(status);
		if (is_event_stop(status)) {
			/* A PTRACE_INTERRUPT or group stop arriving late: run on. */
			if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
				return -errno;
			continue;
		}
		if (ptrace(PTRACE_GETSIGINFO, tid, 0, siginfo) < 0)
			return -errno;
		if (sig == SIGTRAP)
			return 0;
		/*
		 * Only signals that cannot be blocked get here while our mask
		 * blocks the rest.  Keep the signal for detach, run on.
		 */
		if (t && !t->pending_signal)
			t->pending_signal = sig;
		if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
			return -errno;
	}
}
