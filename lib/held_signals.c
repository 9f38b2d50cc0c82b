// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A --replace deletes some of the target's timers and re-arms others in
 * place.  A signal such a timer had queued stays in the queue; since
 * 6.13 the kernel then drops it at delivery, as it would had the program
 * itself deleted or re-armed the timer.  Three things follow, each of
 * which would otherwise harm the target:
 *
 * - A rollback must queue those signals again, or the program never gets
 *   them: it did not touch its timers, and must not see that we did.
 * - A dump's legacy signal (one below SIGRTMIN, queued once per queue)
 *   queued where a stale one of the same number sits is dropped as a
 *   duplicate, and the stale one at delivery: the restore succeeds, and
 *   the signal never comes.  The stale one is taken out first.
 * - Before 6.13 the signal stays live, so a dump's identical signal (the
 *   same process restored into itself) must not be queued a second time.
 *
 * A purge is rt_sigtimedwait() with a zero timeout, run in the injecting
 * thread: it takes that thread's own queue first, then the process's.  So
 * it reaches a stale signal in the process queue only while the injecting
 * thread has none of that number of its own (of any sender), and never
 * one in another thread's queue.  A legacy signal has one place per
 * queue, so the one the peek found there is the one the purge takes.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "held_signals.h"
#include "internal.h"
#include "kabi.h"
#include "kinds_live.h"
#include "peek_signals.h"
#include "procfs.h"

/* Signals queued again per batch, each a purge and a queueing at most. */
#define HELD_CHUNK	8
#define HELD_SI_SLOT	128	/* a siginfo_t */
#define HELD_PURGE_SLOT	32	/* the kernel's sigset, then a zero timespec at +16 */

static bool has_id(const int *ids, size_t n, int id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return true;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

struct peek_ctx {
	struct held_signals *h;
	const int *ids;
	size_t nids;
	pid_t ns_tid;
};

static int hold(void *data, const struct ptimer_pending_signal *s)
{
	struct peek_ctx *p = data;
	struct held_signal *grown;

	if (!has_id(p->ids, p->nids, s->timerid))
		return 0;
	grown = realloc(p->h->sig, (p->h->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->h->sig = grown;
	grown[p->h->n].s = *s;
	grown[p->h->n].s.tid = s->tid ? p->ns_tid : 0;
	grown[p->h->n++].matched = false;
	return 0;
}

int held_signals_read(struct target *t, const int *ids, size_t nids, struct held_signals *h)
{
	struct peek_ctx p = { .h = h, .ids = ids, .nids = nids };
	pid_t inject_tid = target_inject_tid(t), via = target_live_tid(t);
	int ret;

	memset(h, 0, sizeof(*h));
	if (!nids)
		return 0;
	ret = kernel_drops_stale_timer_signals();
	if (ret < 0)
		return ctx_set_error(t->ctx, ret, "cannot tell whether this kernel drops stale"
				     " timer signals");
	h->drops_stale = ret;
	ret = procfs_ns_tid(t->dirfd, t->pid, &h->ns_pid);
	if (!ret)
		ret = procfs_ns_tid(t->dirfd, inject_tid, &h->inject_ns_tid);
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot read the namespace ids of pid %d", t->pid);
	for (size_t i = 0; i < t->sp.nthreads; i++) {
		pid_t tid = t->sp.threads[i].tid;
		uint64_t all;

		if (t->sp.threads[i].dead || target_is_exited_leader(t, tid))
			continue;
		ret = procfs_ns_tid(t->dirfd, tid, &p.ns_tid);
		if (ret)
			return ctx_set_error(t->ctx, ret, "cannot read the namespace id of tid %d",
					     tid);
		ret = peek_timer_signals(t, tid, false, hold, &p, &all);
		if (ret)
			return ret;
		if (tid == inject_tid)
			h->inject_own = all;
	}
	if (!via)
		return ctx_set_error(t->ctx, -ESRCH, "pid %d has no live thread", t->pid);
	return peek_timer_signals(t, via, true, hold, &p, NULL);
}

void held_signals_free(struct held_signals *h)
{
	free(h->sig);
	h->sig = NULL;
	h->n = 0;
}

size_t held_signals_of(const struct held_signals *h, const int *ids, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < h->n; i++)
		count += has_id(ids, n, h->sig[i].s.timerid);
	return count;
}

static bool same_signal(const struct ptimer_pending_signal *a,
			const struct ptimer_pending_signal *b)
{
	return a->signo == b->signo && a->tid == b->tid && a->timerid == b->timerid &&
	       a->sigval == b->sigval;
}

bool held_signals_take_live_copy(struct held_signals *h, const struct ptimer_pending_signal *s)
{
	if (h->drops_stale)
		return false;
	for (size_t i = 0; i < h->n; i++)
		if (!h->sig[i].matched && same_signal(&h->sig[i].s, s)) {
			h->sig[i].matched = true;
			return true;
		}
	return false;
}

/* Whether the injecting thread's purge of @s's number takes the one in @s's queue. */
static bool purge_reaches(const struct held_signals *h, const struct ptimer_pending_signal *s)
{
	if (s->tid)
		return s->tid == h->inject_ns_tid;
	return !(h->inject_own & ksig_bit(s->signo));
}

/* A stale legacy signal of @signo is held in the queue of @tid (0: the process). */
static bool stale_legacy_in(const struct held_signals *h, int signo, pid_t tid)
{
	if (!h->drops_stale || signo >= KSIGRTMIN)
		return false;
	for (size_t i = 0; i < h->n; i++)
		if (h->sig[i].s.signo == signo && h->sig[i].s.tid == tid)
			return true;
	return false;
}

bool held_signals_purge_first(const struct held_signals *h, const struct ptimer_pending_signal *s)
{
	return stale_legacy_in(h, s->signo, s->tid) && purge_reaches(h, s);
}

bool held_signals_unreachable(const struct held_signals *h, const struct ptimer_pending_signal *s)
{
	return stale_legacy_in(h, s->signo, s->tid) && !purge_reaches(h, s);
}

size_t held_signals_scratch_size(void)
{
	return sizeof(struct blob_batch) + 2 * HELD_CHUNK * sizeof(struct blob_call) +
	       HELD_CHUNK * (HELD_SI_SLOT + HELD_PURGE_SLOT);
}

static void add_call(struct blob_batch *b, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3)
{
	b->calls[b->count++] = (struct blob_call){ .nr = nr, .args = { a0, a1, a2, a3 } };
}

/* Queue again @n held signals, @sig, from @base; how many could not be. */
static size_t queue_chunk(struct target *t, const struct held_signals *h,
			  const struct held_signal *const *sig, size_t n, uint64_t base)
{
	uint64_t data = base + sizeof(struct blob_batch) +
			2 * HELD_CHUNK * sizeof(struct blob_call);
	size_t queue_call[HELD_CHUNK], failed = 0;
	struct blob_batch *b;

	b = calloc(1, sizeof(*b) + 2 * HELD_CHUNK * sizeof(b->calls[0]));
	if (!b)
		return n;
	for (size_t k = 0; k < n; k++) {
		const struct ptimer_pending_signal *s = &sig[k]->s;
		uint64_t si_at = data + k * (HELD_SI_SLOT + HELD_PURGE_SLOT);
		uint64_t purge_at = si_at + HELD_SI_SLOT;
		uint64_t purge[4] = { ksig_bit(s->signo), 0, 0, 0 };
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		si.si_signo = s->signo;
		si.si_code = SI_TIMER;
		si.si_timerid = s->timerid;
		si.si_overrun = s->overrun;
		memcpy(&si.si_value, &s->sigval, sizeof(s->sigval));
		if (target_write(t, si_at, &si, sizeof(si)) ||
		    target_write(t, purge_at, purge, sizeof(purge))) {
			free(b);
			return n;
		}
		if (held_signals_purge_first(h, s))
			add_call(b, KNR_RT_SIGTIMEDWAIT, purge_at, 0, purge_at + 16,
				 sizeof(uint64_t));
		queue_call[k] = b->count;
		if (s->tid)
			add_call(b, KNR_RT_TGSIGQUEUEINFO, h->ns_pid, s->tid, s->signo, si_at);
		else
			add_call(b, KNR_RT_SIGQUEUEINFO, h->ns_pid, s->signo, si_at, 0);
	}
	if (target_batch_through(t, b, base))
		b->done = 0;
	for (size_t k = 0; k < n; k++)
		if (queue_call[k] >= b->done || b->calls[queue_call[k]].ret < 0)
			failed++;
	free(b);
	return failed;
}

size_t held_signals_queue_again(struct target *t, const struct held_signals *h, const int *ids,
				size_t n)
{
	const struct held_signal *chunk[HELD_CHUNK];
	size_t nchunk = 0, failed = 0;

	if (!h->drops_stale)
		return 0;
	for (size_t i = 0; i < h->n; i++) {
		const struct held_signal *x = &h->sig[i];

		if (!has_id(ids, n, x->s.timerid))
			continue;
		/* Its stale copy would stay, and a new one be dropped as its duplicate. */
		if (held_signals_unreachable(h, &x->s)) {
			failed++;
			continue;
		}
		chunk[nchunk++] = x;
		if (nchunk == HELD_CHUNK) {
			failed += queue_chunk(t, h, chunk, nchunk, target_scratch(t));
			nchunk = 0;
		}
	}
	if (nchunk)
		failed += queue_chunk(t, h, chunk, nchunk, target_scratch(t));
	return failed;
}
