// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A --replace deletes some of the target's timers and re-arms others in
 * place; a disarming dump disarmed them all, and the re-arm that undoes
 * it queues their signals again (only the purge below serves it).  A
 * signal such a timer had queued stays in the queue; since 6.13 the
 * kernel then drops it at delivery, as it would had the program itself
 * deleted or re-armed the timer.  Three things follow, each of which
 * would otherwise harm the target:
 *
 * - A rollback must queue those signals again, or the program never gets
 *   them: it did not touch its timers, and must not see that we did.
 *   Only those the restore made stale (held_signals_mark_stale()): a
 *   timer not yet deleted or re-armed keeps its own, live.
 * - A dump's standard signal (one below SIGRTMIN, which rt_sigqueueinfo()
 *   queues once per queue) queued where a stale one of the same number
 *   sits is dropped as its duplicate, and the stale one at delivery: the
 *   restore succeeds, and the signal never comes.  The stale one is
 *   taken out first.
 * - Before 6.13 the signal stays live, so a dump's identical signal (the
 *   same process restored into itself) must not be queued a second time.
 *
 * The purge is rt_sigtimedwait() with a zero timeout, in the injecting
 * thread.  The kernel's dequeue takes that thread's queue first, then the
 * process's, and drops each stale entry it meets and goes on: one call
 * takes every stale entry of the number, and then the first live one, if
 * any.  A timer's own signal also bypasses the once-per-queue rule, so
 * several may share a number.  So a purge is made only where every entry
 * of that number it can see, in that thread's queue and the process's,
 * is a held one: then it takes those, all stale, and returns EAGAIN.
 * (One queued, or turned live, since the read is taken all the same: it
 * is put back, and the call made again for the stale ones behind it.)  A
 * held entry counts only as the one entry of its timer: a timer has one
 * signal of its own, and another of its id is a copy that someone queued
 * (an earlier restore, say), live and out of the purge's way only if it
 * is never purged.
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

/* Signals purged or queued again per batch. */
#define HELD_CHUNK	8
#define HELD_SI_SLOT	KSI_MAX_SIZE
#define HELD_PURGE_SLOT	32	/* the kernel's sigset, then a zero timespec at +16 */

struct peek_ctx {
	struct held_signals *h;
	const struct ptimer_timer *timers;
	size_t ntimers;
	pid_t ns_tid;
};

/* The held signals of timer @id, by_timer[*first..] on: how many. */
static size_t of_timer(const struct held_signals *h, int id, size_t *first)
{
	size_t lo = 0, hi = h->nindexed, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->by_timer[mid].timerid < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < h->nindexed && h->by_timer[end].timerid == id; end++)
		;
	*first = lo;
	return end - lo;
}

static int held_ref_cmp(const void *a, const void *b)
{
	const struct held_ref *x = a, *y = b;

	if (x->timerid != y->timerid)
		return x->timerid < y->timerid ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

static uint64_t stale_key(int signo, pid_t tid)
{
	return (uint64_t)(uint32_t)tid << 8 | (unsigned int)signo;
}

static int stale_key_cmp(const void *a, const void *b)
{
	const struct held_stale_key *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static const struct held_stale_key *find_stale(const struct held_signals *h, int signo,
					       pid_t tid)
{
	struct held_stale_key key = { .key = stale_key(signo, tid) };

	if (!h->nstale_std)
		return NULL;
	return bsearch(&key, h->stale_std, h->nstale_std, sizeof(key), stale_key_cmp);
}

/*
 * The numbers a purge in the injecting thread takes alone: every entry
 * of the number it sees, in that thread's queue and the process's, is a
 * held one, stale, and its timer's one.
 */
static void weigh_purges(struct held_signals *h)
{
	unsigned int inject[KSIGRTMIN] = { 0 }, process[KSIGRTMIN] = { 0 };
	uint64_t spoilt = 0;

	/* In the index's order, where a timer's signals lie side by side; the unindexed last. */
	for (size_t k = 0; k < h->n; k++) {
		bool indexed = k < h->nindexed;
		const struct held_signal *x = &h->sig[indexed ? h->by_timer[k].i : k];
		int id = x->s.timerid, sig = x->s.signo;
		bool alone = indexed && (k == 0 || h->by_timer[k - 1].timerid != id) &&
			     (k + 1 == h->nindexed || h->by_timer[k + 1].timerid != id);

		if (sig >= KSIGRTMIN || (x->s.tid && x->s.tid != h->inject_ns_tid))
			continue;
		if (!x->stale || !alone)
			spoilt |= ksig_bit(sig);
		else if (x->s.tid)
			inject[sig]++;
		else
			process[sig]++;
	}
	h->purgeable = 0;
	for (int sig = 1; sig < KSIGRTMIN; sig++)
		if (!(spoilt & ksig_bit(sig)) && h->inject_count[sig] == inject[sig] &&
		    h->process_count[sig] == process[sig])
			h->purgeable |= ksig_bit(sig);
}

/* Once read: every held signal indexed, and room for each as a stale one. */
static int index_held(struct held_signals *h)
{
	struct held_ref *refs = realloc(h->by_timer, (h->n ? h->n : 1) * sizeof(*refs));
	struct held_stale_key *keys;

	if (!refs)
		return -ENOMEM;
	h->by_timer = refs;
	keys = realloc(h->stale_std, (h->n ? h->n : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	h->stale_std = keys;
	for (size_t i = 0; i < h->n; i++)
		refs[i] = (struct held_ref){ .timerid = h->sig[i].s.timerid, .i = i };
	qsort(refs, h->n, sizeof(*refs), held_ref_cmp);
	h->nindexed = h->n;
	return 0;
}

static int hold(void *data, const struct ptimer_pending_signal *s)
{
	struct peek_ctx *p = data;
	struct held_signals *h = p->h;
	struct held_signal *x;

	/*
	 * A timer held by an earlier read is passed over.  The index is made
	 * again only once this read ends, so all of a new timer's are held.
	 */
	if (!timers_find_id(p->timers, p->ntimers, s->timerid) ||
	    held_signals_has(h, s->timerid))
		return 0;
	if (h->n == h->room) {
		size_t room = h->room + h->room / 2 + 16;

		x = realloc(h->sig, room * sizeof(*x));
		if (!x)
			return -ENOMEM;
		h->sig = x;
		h->room = room;
	}
	x = &h->sig[h->n++];
	*x = (struct held_signal){ .s = *s };
	x->s.tid = s->tid ? p->ns_tid : 0;
	return 0;
}

/* Every thread's queue and the process's, for @timers; the counts afresh. */
static int peek_each_queue(struct target *t, const struct ptimer_timer *timers, size_t n,
			   struct held_signals *h)
{
	struct peek_ctx p = { .h = h, .timers = timers, .ntimers = n };
	pid_t inject_tid = target_inject_tid(t), via = target_live_tid(t);
	unsigned int count[KSIGMAX + 1];
	int ret;

	for (size_t i = 0; i < t->sp.nthreads; i++) {
		pid_t tid = t->sp.threads[i].tid;

		if (t->sp.threads[i].dead || target_is_exited_leader(t, tid))
			continue;
		ret = target_ns_tid(t, tid, &p.ns_tid);
		if (ret)
			return ctx_set_error(t->ctx, ret, "cannot read the namespace id of tid %d",
					     tid);
		ret = peek_timer_signals(t, tid, false, hold, &p, count);
		if (ret)
			return ret;
		if (tid == inject_tid)
			memcpy(h->inject_count, count, sizeof(count));
	}
	if (!via)
		return ctx_set_error(t->ctx, -ESRCH, "pid %d has no live thread", t->pid);
	ret = peek_timer_signals(t, via, true, hold, &p, h->process_count);
	if (!ret)
		ret = index_held(h);
	return ret;
}

/*
 * The counts, and maybe entries, change even in a read that fails part
 * way, which a rollback's purge then weighs: weighed whatever the read's
 * end.  An entry it added but did not index is of a timer not held
 * before, so not stale: its number is not purged.
 */
static int peek_queues(struct target *t, const struct ptimer_timer *timers, size_t n,
		       struct held_signals *h)
{
	int ret = peek_each_queue(t, timers, n, h);

	weigh_purges(h);
	return ret;
}

int held_signals_read(struct target *t, const struct ptimer_timer *timers, size_t n,
		      struct held_signals *h)
{
	int ret;

	memset(h, 0, sizeof(*h));
	if (!n)
		return 0;
	ret = kernel_drops_stale_timer_signals();
	if (ret < 0)
		return ctx_set_error(t->ctx, ret, "cannot tell whether this kernel drops stale"
				     " timer signals");
	h->drops_stale = ret;
	ret = target_ns_tid(t, t->pid, &h->ns_pid);
	if (!ret)
		ret = target_ns_tid(t, target_inject_tid(t), &h->inject_ns_tid);
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot read the namespace ids of pid %d", t->pid);
	return peek_queues(t, timers, n, h);
}

int held_signals_read_again(struct target *t, const struct ptimer_timer *timers, size_t n,
			    struct held_signals *h)
{
	if (!n)
		return 0;
	if (!h->ns_pid)
		return held_signals_read(t, timers, n, h);
	return peek_queues(t, timers, n, h);
}

void held_signals_free(struct held_signals *h)
{
	free(h->sig);
	free(h->by_timer);
	free(h->stale_std);
	h->sig = NULL;
	h->by_timer = NULL;
	h->stale_std = NULL;
	h->n = h->room = h->nindexed = h->nstale_std = 0;
}

bool held_signals_has(const struct held_signals *h, int id)
{
	size_t first;

	return of_timer(h, id, &first);
}

size_t held_signals_timers(const struct held_signals *h, const struct ptimer_timer *timers,
			   size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += held_signals_has(h, timers[i].id);
	return count;
}

bool held_signals_take_live_copy(struct held_signals *h, const struct ptimer_pending_signal *s)
{
	size_t first, n;

	if (h->drops_stale)
		return false;
	n = of_timer(h, s->timerid, &first);
	for (size_t k = first; k < first + n; k++) {
		struct held_signal *x = &h->sig[h->by_timer[k].i];

		if (!x->matched && pending_signal_same(&x->s, s)) {
			x->matched = true;
			return true;
		}
	}
	return false;
}

void held_signals_skip_same(struct held_signals *h, const struct ptimer_pending_signal *s)
{
	size_t first, n = of_timer(h, s->timerid, &first);

	for (size_t k = first; k < first + n; k++) {
		struct held_signal *x = &h->sig[h->by_timer[k].i];

		x->skip |= pending_signal_same(&x->s, s);
	}
}

void held_signals_mark_stale(struct held_signals *h, const struct ptimer_timer *timers, size_t n)
{
	size_t keys = 0;

	/* Those a read added but did not index (it failed): the room made covers the others. */
	for (size_t i = 0; i < h->nindexed; i++) {
		struct held_signal *x = &h->sig[i];

		if (timers_find_id(timers, n, x->s.timerid))
			x->stale = true;
		if (x->stale && x->s.signo < KSIGRTMIN)
			h->stale_std[keys++] =
				(struct held_stale_key){ .key = stale_key(x->s.signo, x->s.tid) };
	}
	/* One key a queue and number: a timer's own signals may share both, one per timer. */
	if (keys)
		qsort(h->stale_std, keys, sizeof(*h->stale_std), stale_key_cmp);
	h->nstale_std = 0;
	for (size_t k = 0; k < keys; k++)
		if (!h->nstale_std || h->stale_std[h->nstale_std - 1].key != h->stale_std[k].key)
			h->stale_std[h->nstale_std++] = h->stale_std[k];
	weigh_purges(h);
}

bool held_signals_stale_standard(const struct held_signals *h, int signo, pid_t tid)
{
	if (!h->drops_stale || signo >= KSIGRTMIN)
		return false;
	return find_stale(h, signo, tid);
}

bool held_signals_purge_reaches(const struct held_signals *h, int signo, pid_t tid)
{
	if (tid && tid != h->inject_ns_tid)
		return false;
	return h->purgeable & ksig_bit(signo);
}

size_t held_signals_scratch_size(void)
{
	return sizeof(struct blob_batch) + HELD_CHUNK * sizeof(struct blob_call) +
	       HELD_CHUNK * (HELD_SI_SLOT + HELD_PURGE_SLOT);
}

static uint64_t si_at(uint64_t base, size_t k)
{
	return base + sizeof(struct blob_batch) + HELD_CHUNK * sizeof(struct blob_call) +
	       k * (HELD_SI_SLOT + HELD_PURGE_SLOT);
}

static struct blob_batch *new_batch(void)
{
	return calloc(1, sizeof(struct blob_batch) + HELD_CHUNK * sizeof(struct blob_call));
}

static void add_call(struct blob_batch *b, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3)
{
	b->calls[b->count++] = (struct blob_call){ .nr = nr, .args = { a0, a1, a2, a3 } };
}

/* Queue @si (a siginfo_t) for @tid (0: the process) in call @k of @b; its data at slot @k. */
static int add_queue(struct target *t, const struct held_signals *h, struct blob_batch *b,
		     size_t k, const siginfo_t *si, pid_t tid)
{
	uint64_t at = si_at(target_scratch(t), k);
	int ret = target_write(t, at, si, sizeof(*si));

	if (ret)
		return ret;
	if (tid)
		add_call(b, KNR_RT_TGSIGQUEUEINFO, h->ns_pid, tid, si->si_signo, at);
	else
		add_call(b, KNR_RT_SIGQUEUEINFO, h->ns_pid, si->si_signo, at, 0);
	return 0;
}

/*
 * A live signal a purge took, as the kernel gave it, queued again for
 * the process: which queue it came from, the purge does not say.  One
 * that a process or the kernel sent (si_code >= 0, or SI_TKILL) may be
 * queued only by a thread to itself (rt_sigqueueinfo(2)): to the
 * injecting thread, then.
 */
static int put_back_taken(struct target *t, const struct held_signals *h,
			  const siginfo_t *taken, size_t n)
{
	struct blob_batch *b = new_batch();
	int ret = 0;

	if (!b)
		return -ENOMEM;
	for (size_t first = 0; !ret && first < n; first += HELD_CHUNK) {
		b->count = 0;
		for (size_t k = 0; !ret && k < HELD_CHUNK && first + k < n; k++) {
			const siginfo_t *si = &taken[first + k];

			ret = add_queue(t, h, b, k, si, si->si_code >= 0 || si->si_code == SI_TKILL ?
					h->inject_ns_tid : 0);
		}
		if (!ret)
			ret = target_batch_through(t, b, target_scratch(t));
		for (size_t k = 0; !ret && k < b->count; k++)
			if ((long)b->calls[k].ret < 0)
				ret = (int)b->calls[k].ret;
	}
	free(b);
	return ret;
}

/* Whether @x is the first held signal of its timer. */
static bool first_of_timer(const struct held_signals *h, const struct held_signal *x)
{
	size_t first;

	return of_timer(h, x->s.timerid, &first) && h->by_timer[first].i == (size_t)(x - h->sig);
}

/*
 * Whether @si, taken by a purge, is the own signal of a changed timer
 * whose copy is queued next: it must have a stale signal held, and a
 * copy among @copies, or with @copies NULL (a rollback's) be queued
 * again itself (held_signals_queue_again()).  A timer re-armed since (the
 * re-arm, or --replace in place) that fired at once turns its stale
 * entry live again, where the kernel would queue a second one; put back
 * beside the copy, it would come twice.  Any other signal taken, even of
 * the same timer id (a copy queued before, or a timer left alone), is
 * put back.
 */
static bool copy_stands_for(const struct held_signals *h, const struct ptimer_pending_signal *copies,
			    size_t ncopies, const siginfo_t *si)
{
	const struct held_signal *held = NULL;
	size_t first, n;

	if (si->si_code != SI_TIMER)
		return false;
	n = of_timer(h, si->si_timerid, &first);
	for (size_t k = first; !held && k < first + n; k++) {
		const struct held_signal *x = &h->sig[h->by_timer[k].i];

		if (x->stale && x->s.signo == si->si_signo)
			held = x;
	}
	if (!held)
		return false;
	if (!copies)
		return !held->skip && first_of_timer(h, held);
	for (size_t k = 0; k < ncopies; k++)
		if (copies[k].signo == si->si_signo && copies[k].timerid == si->si_timerid)
			return true;
	return false;
}

/* A purge's state: what it is to leave to the copies, and the live signals it took. */
struct purge {
	const struct ptimer_pending_signal *copies;
	size_t ncopies;
	siginfo_t *taken;
	size_t ntaken;
	uint64_t again;		/* the numbers whose call took a live one */
};

static int keep_taken(struct target *t, const struct held_signals *h, struct purge *p,
		      const siginfo_t *si)
{
	siginfo_t *grown;

	if (copy_stands_for(h, p->copies, p->ncopies, si)) {
		dbg(t->ctx, "pid %d: its timer %d fired again since its re-arm: the %s taken is"
		    " queued again once, as its copy", t->pid, si->si_timerid,
		    ptimer_signal_name(si->si_signo));
		return 0;
	}
	warn(t->ctx, "pid %d: taking out its stale %s took a live one, queued since: queued"
	     " again", t->pid, ptimer_signal_name(si->si_signo));
	grown = realloc(p->taken, (p->ntaken + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->taken = grown;
	p->taken[p->ntaken++] = *si;
	return 0;
}

static int purge_chunk(struct target *t, const struct held_signals *h, const int *signo,
		       size_t n, struct purge *p)
{
	struct blob_batch *b = new_batch();
	int ret = 0;

	if (!b)
		return -ENOMEM;
	for (size_t k = 0; !ret && k < n; k++) {
		uint64_t info = si_at(target_scratch(t), k), set = info + HELD_SI_SLOT;
		uint64_t purge[4] = { ksig_bit(signo[k]), 0, 0, 0 };

		ret = target_write(t, set, purge, sizeof(purge));
		add_call(b, KNR_RT_SIGTIMEDWAIT, set, info, set + 16, sizeof(uint64_t));
	}
	if (!ret)
		ret = target_batch_through(t, b, target_scratch(t));
	for (size_t k = 0; !ret && k < b->count; k++) {
		long r = (long)b->calls[k].ret;
		siginfo_t si;

		if (r == -EAGAIN)
			continue;
		if (r <= 0) {
			ret = r ? (int)r : -EIO;
			break;
		}
		ret = target_read(t, si_at(target_scratch(t), k), &si, sizeof(si));
		if (!ret)
			ret = keep_taken(t, h, p, &si);
		p->again |= ksig_bit(signo[k]);
	}
	free(b);
	return ret;
}

static int purge_round(struct target *t, const struct held_signals *h, uint64_t mask,
		       struct purge *p)
{
	int signo[HELD_CHUNK];
	size_t n = 0;
	int ret = 0;

	for (int sig = 1; !ret && sig < KSIGRTMIN; sig++) {
		if (!(mask & ksig_bit(sig)))
			continue;
		signo[n++] = sig;
		if (n == HELD_CHUNK) {
			ret = purge_chunk(t, h, signo, n, p);
			n = 0;
		}
	}
	if (!ret && n)
		ret = purge_chunk(t, h, signo, n, p);
	return ret;
}

/*
 * A call that took a live signal (one queued, or turned live, since the
 * read) stopped there, before any stale one behind it: it is made again,
 * till none is left or a few rounds have passed (a timer that fires as
 * fast as we purge).  The live ones taken are put back last, where the
 * next round cannot take them.
 */
#define HELD_PURGE_ROUNDS	4

int held_signals_purge(struct target *t, const struct held_signals *h, uint64_t mask,
		       const struct ptimer_pending_signal *copies, size_t ncopies)
{
	struct purge p = { .copies = copies, .ncopies = ncopies };
	int ret = 0;

	for (int round = 0; !ret && mask && round < HELD_PURGE_ROUNDS; round++) {
		p.again = 0;
		ret = purge_round(t, h, mask, &p);
		mask = p.again;
	}
	if (!ret && mask)
		warn(t->ctx, "pid %d: %d rounds of taking out its stale signals each took a live"
		     " one: a stale one may remain, and the signal queued after it be dropped",
		     t->pid, HELD_PURGE_ROUNDS);
	/* Whatever failed, what was taken goes back. */
	if (p.ntaken) {
		int put = put_back_taken(t, h, p.taken, p.ntaken);

		if (put)
			err(t->ctx, "pid %d: %zu live signals taken with its stale ones could not"
			    " all be queued again: %s", t->pid, p.ntaken, strerror(-put));
		if (!ret)
			ret = put;
	}
	free(p.taken);
	return ret ? ctx_set_error(t->ctx, ret, "taking stale signals out of pid %d", t->pid) : 0;
}

/* Queue again @n held signals; how many could not be. */
static size_t queue_chunk(struct target *t, const struct held_signals *h,
			  const struct held_signal *const *sig, size_t n)
{
	struct blob_batch *b = new_batch();
	size_t failed = 0;

	if (!b)
		return n;
	for (size_t k = 0; k < n; k++) {
		const struct ptimer_pending_signal *s = &sig[k]->s;
		siginfo_t si;

		pending_signal_siginfo(s, &si);
		if (add_queue(t, h, b, k, &si, s->tid)) {
			free(b);
			return n;
		}
	}
	/* What ran is in b->done, even after a failed run. */
	target_batch_through(t, b, target_scratch(t));
	for (size_t k = 0; k < n; k++)
		if (k >= b->done || (long)b->calls[k].ret < 0)
			failed++;
	free(b);
	return failed;
}

uint64_t held_signals_clear_stale(struct target *t, const struct held_signals *h)
{
	uint64_t purge = 0;

	if (!h->drops_stale)
		return 0;
	for (size_t i = 0; i < h->n; i++) {
		const struct ptimer_pending_signal *s = &h->sig[i].s;

		if (!held_signals_stale_standard(h, s->signo, s->tid))
			continue;
		if (held_signals_purge_reaches(h, s->signo, s->tid))
			purge |= ksig_bit(s->signo);
	}
	if (purge && held_signals_purge(t, h, purge, NULL, 0))
		return 0;
	return purge;
}

/*
 * Whether a standard signal like @x's went into its queue before it (the
 * loop below claims each queue and number once): that one holds its place.
 */
static bool queued_before(struct held_signals *h, const struct held_signal *x)
{
	const struct held_stale_key *found = find_stale(h, x->s.signo, x->s.tid);
	struct held_stale_key *k;
	bool claimed;

	if (!found)
		return false;
	k = &h->stale_std[found - h->stale_std];
	claimed = k->claimed;
	k->claimed = true;
	return claimed;
}

size_t held_signals_queue_again(struct target *t, struct held_signals *h, uint64_t cleared)
{
	const struct held_signal *chunk[HELD_CHUNK];
	size_t nchunk = 0, failed = 0;

	if (!h->drops_stale)
		return 0;
	for (size_t i = 0; i < h->nstale_std; i++)
		h->stale_std[i].claimed = false;
	for (size_t i = 0; i < h->n; i++) {
		const struct held_signal *x = &h->sig[i];

		if (!x->stale || x->skip || !first_of_timer(h, x))
			continue;
		/*
		 * A standard signal whose stale copy stays, or that follows
		 * another of its number into its queue, would be dropped as
		 * a duplicate, and rt_sigqueueinfo() would still say 0.
		 */
		if (x->s.signo < KSIGRTMIN &&
		    (!(cleared & ksig_bit(x->s.signo)) || queued_before(h, x))) {
			failed++;
			continue;
		}
		chunk[nchunk++] = x;
		if (nchunk == HELD_CHUNK) {
			failed += queue_chunk(t, h, chunk, nchunk);
			nchunk = 0;
		}
	}
	if (nchunk)
		failed += queue_chunk(t, h, chunk, nchunk);
	return failed;
}
