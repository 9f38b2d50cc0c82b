// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Refusing a target whose memory another process shares without being
 * one of its threads (clone(2) with CLONE_VM alone): stopping the target
 * does not stop that process, which would run on over the code page and
 * stack ptimerctl borrows, private as they are.  A hostile test's such
 * process died of SIGSEGV in the borrowed code.
 *
 * Every process /proc lists is compared before the stop (mm_sharers.c):
 * a vfork() child is refused only if it still shares the memory once the
 * target is stopped, since its parent thread cannot stop before it has
 * execed or exited.  A sharer made in between, which only a thread of
 * the target can make then, is one of its threads' children, looked at
 * once stopped if any process was made meanwhile.
 */
#include <errno.h>
#include <fcntl.h>

#include "internal.h"
#include "mm_sharers.h"
#include "target.h"

/* @sharer shares the memory of the target's threads, which it does not stop. */
static int refuse_sharer(struct target *t, pid_t sharer, size_t n)
{
	if (n > 1)
		return ctx_set_error(t->ctx, -EOPNOTSUPP, "pid %d shares its memory with %zu"
				     " processes (pid %d and others; clone(2) with CLONE_VM, not"
				     " as threads) that ptimerctl does not stop, and which could"
				     " run the code it injects", t->pid, n, sharer);
	return ctx_set_error(t->ctx, -EOPNOTSUPP, "pid %d shares its memory with pid %d, a"
			     " process (clone(2) with CLONE_VM, not a thread) that ptimerctl"
			     " does not stop, and which could run the code it injects",
			     t->pid, sharer);
}

/*
 * Note them: t->nsharers counts them all, the first TARGET_MAX_SHARERS
 * kept; t->sharers_unknown when memory cannot be compared here.
 */
static int find_sharers(struct target *t)
{
	pid_t tid = target_live_tid(t);
	int ret;

	t->nsharers = 0;
	t->sharers_unknown = false;
	if (!tid)
		return 0;
	ret = mm_sharers_usable(tid);
	if (!ret)
		ret = mm_sharers_find(tid, t->pid, t->sharers, TARGET_MAX_SHARERS, &t->nsharers);
	if (ret == -ENOSYS || ret == -EPERM || ret == -EOPNOTSUPP) {
		t->sharers_unknown = true;
		return 0;
	}
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot compare the memory of pid %d with"
				     " other processes'", t->pid);
	return 0;
}

int target_note_sharers(struct target *t)
{
	int ret = find_sharers(t);

	if (!ret && t->nsharers)
		ret = refuse_sharer(t, t->sharers[0], t->nsharers);
	return ret;
}

int target_sharers_before_stop(struct target *t)
{
	int ret;

	/* Kept open: once the target is stopped, no path is walked for it. */
	if (t->loadavgfd < 0)
		t->loadavgfd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	if (t->loadavgfd < 0 || mm_last_pid(t->loadavgfd, &t->last_pid, &t->running)) {
		t->last_pid = 0;
		t->running = 0;
	}
	ret = find_sharers(t);
	if (ret)
		return ret;
	if (t->sharers_unknown) {
		warn(t->ctx, "cannot tell whether a process that ptimerctl does not stop shares"
		     " the memory of pid %d (kcmp() is not allowed here): such a process could"
		     " run the code it injects", t->pid);
		return 0;
	}
	if (t->nsharers > TARGET_MAX_SHARERS)
		return refuse_sharer(t, t->sharers[0], t->nsharers);
	if (t->nsharers)
		dbg(t->ctx, "pid %d shares its memory with pid %d%s: asked again once stopped",
		    t->pid, t->sharers[0], t->nsharers > 1 ? " and others" : "");
	return 0;
}

/* A child of a held thread that shares the memory of @self: its pid, 0, or -errno. */
static int children_sharing(struct target *t, pid_t self)
{
	for (size_t i = 0; i < t->sp.nthreads; i++) {
		int r;

		if (t->sp.threads[i].dead)
			continue;
		r = mm_sharing_child(t->dirfd, t->sp.threads[i].tid, self);
		if (r)
			return r;
	}
	return 0;
}

/* A process made since the look that shares the memory of @self: its pid, 0, or -errno. */
static int made_since(struct target *t, pid_t self)
{
	unsigned long now;
	pid_t found;
	size_t n;
	int r;

	/* Nothing was made anywhere since: the common case, one read. */
	if (t->last_pid && !mm_last_pid(t->loadavgfd, &now, NULL) && now == t->last_pid)
		return 0;
	r = children_sharing(t, self);
	if (r != -ENOENT && r != -E2BIG)
		return r;
	/* No list of children to read: every process, while stopped. */
	r = mm_sharers_find(self, t->pid, &found, 1, &n);
	return r ? r : (n ? found : 0);
}

/* A held thread that lives: every thread is stopped, so it stays so. */
static pid_t held_tid(const struct target *t)
{
	for (size_t i = 0; i < t->sp.nthreads; i++)
		if (!t->sp.threads[i].dead)
			return t->sp.threads[i].tid;
	return 0;
}

int target_sharers_once_stopped(struct target *t)
{
	pid_t self = held_tid(t), first = 0;
	size_t n = 0;
	int r;

	if (t->sharers_unknown || !self)
		return 0;
	for (size_t i = 0; i < t->nsharers && i < TARGET_MAX_SHARERS; i++) {
		r = mm_shared_with(self, t->sharers[i]);
		if (r < 0)
			return ctx_set_error(t->ctx, r, "cannot tell whether pid %d still shares the"
					     " memory of pid %d", t->sharers[i], t->pid);
		if (r && !n++)
			first = t->sharers[i];
	}
	if (n)
		return refuse_sharer(t, first, n);
	r = made_since(t, self);
	if (r < 0)
		return ctx_set_error(t->ctx, r, "cannot tell whether a process made since shares"
				     " the memory of pid %d", t->pid);
	return r ? refuse_sharer(t, r, 1) : 0;
}
