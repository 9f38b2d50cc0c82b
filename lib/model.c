// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The timer model: a dump, its timer array, and (in the private part of
 * the same allocation, lib/kinds.h) the other kinds of timer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kinds.h"

struct ptimer_dump *ptimer_dump_new(void)
{
	struct dump_alloc *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->pub.version = PTIMER_FORMAT_VERSION;
	a->pub.restore_ids_state = -1;
	a->k.kinds = PTIMER_KIND_POSIX;
	return &a->pub;
}

void ptimer_dump_free(struct ptimer_dump *dump)
{
	struct dump_kinds *k;

	if (!dump)
		return;
	k = dump_kinds_of(dump);
	free(k->itimers);
	free(k->timerfds);
	free(k->signals);
	free(dump->tids);
	free(dump->timers);
	free(dump);
}

/*
 * Make room for element @n of an array whose capacity is implied by its
 * count: 16, then powers of two.  It grows by doubling so that 96k timers
 * do not cost 96k reallocs.
 */
static int grow(void **array, size_t n, size_t size)
{
	size_t cap;
	void *grown;

	if (n && (n < 16 || (n & (n - 1))))
		return 0;
	cap = n ? n * 2 : 16;
	grown = realloc(*array, cap * size);
	if (!grown)
		return -ENOMEM;
	*array = grown;
	return 0;
}

int ptimer_dump_add_timer(struct ptimer_dump *dump, const struct ptimer_timer *t)
{
	if (grow((void **)&dump->timers, dump->ntimers, sizeof(*t)))
		return -ENOMEM;
	dump->timers[dump->ntimers++] = *t;
	return 0;
}

static int timer_id_cmp(const void *a, const void *b)
{
	const struct ptimer_timer *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

struct ptimer_timer *timers_find_id(const struct ptimer_timer *timers, size_t n, int id)
{
	const struct ptimer_timer key = { .id = id };

	if (!n)
		return NULL;
	return bsearch(&key, timers, n, sizeof(*timers), timer_id_cmp);
}

/*
 * timers_find_id() for ids asked in ascending order: @pos, 0 at first,
 * keeps where the last one was looked for, so that a pass over another
 * sorted list is one merge instead of a search per timer (45k timers: a
 * few milliseconds of a stopped target's time).  An id asked out of
 * order is searched for.
 */
struct ptimer_timer *timers_find_next_id(const struct ptimer_timer *timers, size_t n,
					 size_t *pos, int id)
{
	if (*pos > n || (*pos && timers[*pos - 1].id >= id))
		return timers_find_id(timers, n, id);
	while (*pos < n && timers[*pos].id < id)
		(*pos)++;
	return *pos < n && timers[*pos].id == id ? (struct ptimer_timer *)&timers[*pos] : NULL;
}

bool tids_have(const pid_t *tids, size_t n, pid_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (tids[i] == tid)
			return true;
	return false;
}

bool dump_has_thread(const struct ptimer_dump *d, pid_t tid)
{
	return tids_have(d->tids, d->nthreads, tid);
}

/*
 * A thread's exit does not take the SIGEV_THREAD_ID timers aimed at it:
 * they hold its struct pid, which no task has any longer, and
 * /proc/PID/timers goes on printing its number.  Such a timer signals no
 * one: the kernel finds no task when it expires, and, on an hrtimer
 * clock, as for SIGEV_NONE, a periodic one is moved on (and its overruns
 * counted) only when it is read.  It cannot be made again as it is, since
 * timer_create() wants a live thread; a restore makes it with SIGEV_NONE,
 * which timer_gettime() reads alike while it runs (not once disarmed, nor
 * on a CPU clock once expired: ptimerctl(1)) (remap.c, restore.c).
 * Should a later thread of the process get the same number, /proc cannot
 * tell the two apart, and the timer is taken as aimed at that thread.
 */
bool timer_thread_exited(const struct ptimer_dump *d, const struct ptimer_timer *t)
{
	return t->notify == PTIMER_NOTIFY_THREAD_ID && !dump_has_thread(d, t->notify_pid);
}

bool ptimer_private_thread_exited(const struct ptimer_dump *dump, const struct ptimer_timer *t)
{
	return timer_thread_exited(dump, t);
}

/*
 * /proc lists timers newest first, and the kernel hands out ids in
 * ascending order: a list read from it is most often in exactly the
 * reverse order, which a reversal sorts in one pass instead of a qsort()
 * of the stopped target's time (45k timers: about 3 ms).
 */
static bool ids_descending(const struct ptimer_timer *timers, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (timers[i - 1].id <= timers[i].id)
			return false;
	return true;
}

static void reverse_timers(struct ptimer_timer *timers, size_t n)
{
	for (size_t i = 0, j = n - 1; i < j; i++, j--) {
		struct ptimer_timer swap = timers[i];

		timers[i] = timers[j];
		timers[j] = swap;
	}
}

void ptimer_dump_sort(struct ptimer_dump *dump)
{
	if (dump->ntimers > 1 && ids_descending(dump->timers, dump->ntimers))
		reverse_timers(dump->timers, dump->ntimers);
	else if (dump->ntimers)
		qsort(dump->timers, dump->ntimers, sizeof(*dump->timers), timer_id_cmp);
	kinds_sort(dump);
}

unsigned int ptimer_dump_kinds(const struct ptimer_dump *dump)
{
	return dump_kinds_ro(dump)->kinds;
}

void ptimer_dump_set_kinds(struct ptimer_dump *dump, unsigned int kinds)
{
	dump_kinds_of(dump)->kinds = kinds & PTIMER_KIND_ALL;
}

const struct ptimer_itimer *ptimer_dump_itimers(const struct ptimer_dump *dump, size_t *n)
{
	*n = dump_kinds_ro(dump)->nitimers;
	return dump_kinds_ro(dump)->itimers;
}

const struct ptimer_timerfd *ptimer_dump_timerfds(const struct ptimer_dump *dump, size_t *n)
{
	*n = dump_kinds_ro(dump)->ntimerfds;
	return dump_kinds_ro(dump)->timerfds;
}

const struct ptimer_pending_signal *ptimer_dump_signals(const struct ptimer_dump *dump,
							 size_t *n)
{
	*n = dump_kinds_ro(dump)->nsignals;
	return dump_kinds_ro(dump)->signals;
}

int ptimer_dump_add_itimer(struct ptimer_dump *dump, const struct ptimer_itimer *it)
{
	struct dump_kinds *k = dump_kinds_of(dump);

	if (grow((void **)&k->itimers, k->nitimers, sizeof(*it)))
		return -ENOMEM;
	k->itimers[k->nitimers++] = *it;
	k->kinds |= PTIMER_KIND_ITIMER;
	return 0;
}

int ptimer_dump_add_timerfd(struct ptimer_dump *dump, const struct ptimer_timerfd *tfd)
{
	struct dump_kinds *k = dump_kinds_of(dump);

	if (grow((void **)&k->timerfds, k->ntimerfds, sizeof(*tfd)))
		return -ENOMEM;
	k->timerfds[k->ntimerfds++] = *tfd;
	k->kinds |= PTIMER_KIND_TIMERFD;
	return 0;
}

int ptimer_dump_add_signal(struct ptimer_dump *dump, const struct ptimer_pending_signal *sig)
{
	struct dump_kinds *k = dump_kinds_of(dump);

	if (grow((void **)&k->signals, k->nsignals, sizeof(*sig)))
		return -ENOMEM;
	k->signals[k->nsignals++] = *sig;
	k->kinds |= PTIMER_KIND_SIGNALS;
	return 0;
}
