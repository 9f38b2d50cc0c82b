// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Resuming a tracee on the tracer's CPU: see wake_here.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"
#include "wake_here.h"

/*
 * A request that took this long to return: the woken thread preempted
 * the tracer at once and ran a long while (our code, a big batch or a
 * walk's chunk), or another task took the CPU and the tracer, as
 * SCHED_IDLE, waited behind it.  A round trip takes some tens of
 * microseconds.  Either way plain requests are cheaper from then on: a
 * long run is better on a CPU of its own, and the tracer must not wait
 * behind a task that shares its CPU.
 */
#define WAKE_HERE_STALL_NS	(1000 * 1000)

/* The nice value @nice as the kernel's can_nice() weighs it against RLIMIT_NICE. */
static rlim_t nice_as_rlimit(int nice)
{
	return (rlim_t)(20 - nice);
}

/*
 * Whether we run in the initial user namespace, whose uid_map, alone,
 * maps every id to itself: "0 0 4294967295", one line.
 */
static bool initial_user_ns(void)
{
	unsigned long inside, outside, count;
	char *text;
	size_t len;
	int end = 0;
	bool initial;

	if (procfs_read(AT_FDCWD, "/proc/self/uid_map", &text, &len))
		return false;
	initial = sscanf(text, "%lu %lu %lu\n%n", &inside, &outside, &count, &end) == 3 &&
		  (size_t)end == len && inside == 0 && outside == 0 && count == 4294967295UL;
	free(text);
	return initial;
}

/*
 * Whether the calling thread may leave SCHED_IDLE for its own policy: the
 * kernel lets it only with CAP_SYS_NICE in the initial user namespace
 * (capable()), or where RLIMIT_NICE allows its nice value
 * (__sched_setscheduler()).  A root of a user namespace of its own holds
 * CAP_SYS_NICE there, which the kernel does not count.  By capget()
 * itself: the library links nothing but json-c.
 */
static bool may_take_back(void)
{
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	struct rlimit lim;
	int nice;

	if (!syscall(SYS_capget, &head, data) &&
	    (data[CAP_TO_INDEX(CAP_SYS_NICE)].effective & CAP_TO_MASK(CAP_SYS_NICE)) &&
	    initial_user_ns())
		return true;
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (errno || getrlimit(RLIMIT_NICE, &lim))
		return false;
	return lim.rlim_cur == RLIM_INFINITY || nice_as_rlimit(nice) <= lim.rlim_cur;
}

void wake_here_init(struct wake_here *w, struct ptimer_ctx *ctx, bool quiet)
{
	int policy, base;

	w->ctx = ctx;
	w->on = false;
	w->stuck_errno = 0;
	w->stalled_ns = 0;
	if (!quiet)
		return;
	policy = sched_getscheduler(0);
	base = policy & ~SCHED_RESET_ON_FORK;
	/* A real-time caller keeps its policy; a SCHED_IDLE one needs nothing. */
	if (policy < 0 || (base != SCHED_OTHER && base != SCHED_BATCH))
		return;
	if (!may_take_back())
		return;
	w->policy = policy;
	w->on = true;
	dbg(ctx, "threads it resumes are woken on this CPU, each request made as SCHED_IDLE");
}

long wake_here_ptrace(struct wake_here *w, int request, pid_t tid, long data)
{
	static const struct sched_param zero;
	int64_t start_ns;
	long ret;
	int saved;

	if (!w->on)
		return ptrace(request, tid, 0, data);
	start_ns = clock_now_ns(CLOCK_MONOTONIC);
	if (sched_setscheduler(0, SCHED_IDLE | (w->policy & SCHED_RESET_ON_FORK), &zero)) {
		w->on = false;
		return ptrace(request, tid, 0, data);
	}
	ret = ptrace(request, tid, 0, data);
	saved = errno;
	/*
	 * Nothing is said here, with the thread on its way through our
	 * code: wake_here_say() does, once it is let go.
	 */
	if (sched_setscheduler(0, w->policy, &zero)) {
		/* Refused against what may_take_back() found: tried no more. */
		w->on = false;
		w->stuck_errno = errno;
	} else {
		int64_t took_ns = clock_now_ns(CLOCK_MONOTONIC) - start_ns;

		if (took_ns > WAKE_HERE_STALL_NS) {
			w->on = false;
			w->stalled_ns = took_ns;
		}
	}
	errno = saved;
	return ret;
}

void wake_here_say(struct wake_here *w)
{
	if (w->stuck_errno)
		err(w->ctx, "cannot take back scheduling policy %d after waking a thread: %s;"
		    " this thread stays SCHED_IDLE", w->policy & ~SCHED_RESET_ON_FORK,
		    strerror(w->stuck_errno));
	else if (w->stalled_ns)
		dbg(w->ctx, "a request made as SCHED_IDLE took %lld us to return (a long run"
		    " of our code, or another task on this CPU): the requests after were plain",
		    (long long)(w->stalled_ns / 1000));
	w->stuck_errno = 0;
	w->stalled_ns = 0;
}
