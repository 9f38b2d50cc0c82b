// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Does this kernel drop a POSIX timer's queued signal at delivery once the
 * timer has been re-armed or deleted after queueing it?  Linux does since
 * 6.13 (the posix-timers signal rework); before, the stale signal is
 * delivered like any other.  Re-arming a disarmed process must queue its
 * dumped signals again where the kernel drops the old ones, and must not
 * where it keeps them, or each would come twice.
 *
 * Asked of the kernel itself, not read from its version, which backports
 * make a poor guide: in the calling thread, with one real-time signal
 * blocked for the while, a timer of ours fires, is disarmed, and the
 * signal is then taken with a zero timeout.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "kabi.h"

/* How long the probe's timer may take to queue its signal. */
#define PROBE_WAIT_NS	(1000 * 1000 * 1000LL)

/* A real-time signal not pending for this thread or the process, or 0. */
static int free_signal(void)
{
	sigset_t pending;

	if (sigpending(&pending))
		return 0;
	for (int sig = SIGRTMAX; sig > SIGRTMIN; sig--)
		if (!sigismember(&pending, sig))
			return sig;
	return 0;
}

/* With @sig blocked in this thread: 1 the stale signal was dropped, 0 delivered. */
static int fire_disarm_take(int sig)
{
	const struct itimerspec soon = { .it_value = { 0, 1 } }, off = { 0 };
	const struct timespec zero = { 0 };
	struct sigevent sev;
	sigset_t set, pending;
	int64_t deadline;
	int timer, ret;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = KSIGEV_THREAD_ID;
	sev.sigev_signo = sig;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	/* The kernel's own call: glibc's would keep the id in a local of its own. */
	if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &timer))
		return -errno;
	ret = -ETIMEDOUT;
	if (syscall(SYS_timer_settime, timer, 0, &soon, NULL)) {
		ret = -errno;
		goto delete_timer;
	}
	for (deadline = clock_now_ns(CLOCK_MONOTONIC) + PROBE_WAIT_NS;
	     clock_now_ns(CLOCK_MONOTONIC) < deadline;) {
		if (!sigpending(&pending) && sigismember(&pending, sig)) {
			ret = 0;
			break;
		}
		sched_yield();
	}
	if (ret)
		goto delete_timer;
	if (syscall(SYS_timer_settime, timer, 0, &off, NULL)) {
		ret = -errno;
		goto delete_timer;
	}
	sigemptyset(&set);
	sigaddset(&set, sig);
	ret = sigtimedwait(&set, NULL, &zero) == sig ? 0 : errno == EAGAIN ? 1 : -errno;
delete_timer:
	syscall(SYS_timer_delete, timer);
	return ret;
}

static int probe(void)
{
	sigset_t block, old;
	int sig = free_signal(), ret;

	if (!sig)
		return -EBUSY;
	sigemptyset(&block);
	sigaddset(&block, sig);
	ret = -pthread_sigmask(SIG_BLOCK, &block, &old);
	if (ret)
		return ret;
	ret = fire_disarm_take(sig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int kernel_drops_stale_timer_signals(void)
{
	static atomic_int known = -1;
	int v = atomic_load(&known);

	if (v < 0) {
		v = probe();
		if (v >= 0)
			atomic_store(&known, v);
	}
	return v;
}
