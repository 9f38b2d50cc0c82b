/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The signals queued, at the stop, for the target's own timers that a
 * --replace deletes or re-arms in place (held_signals.c).  Since 6.13
 * either makes such a signal stale: it stays in the queue and the kernel
 * drops it at delivery.  Before, it stays live.
 */
#ifndef PTIMER_HELD_SIGNALS_H
#define PTIMER_HELD_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptimer.h"
#include "target.h"

struct held_signal {
	struct ptimer_pending_signal s;	/* .tid in the target's namespace; 0: the process */
	bool matched;			/* a dump's identical signal was left to it */
};

struct held_signals {
	struct held_signal *sig;
	size_t n;
	bool drops_stale;	/* kernel_drops_stale_timer_signals() */
	pid_t inject_ns_tid;	/* the injecting thread, in the target's namespace */
	uint64_t inject_own;	/* signals queued for that thread itself, of any kind */
	pid_t ns_pid;		/* the target, in its namespace */
};

/*
 * With the target held: read the SI_TIMER signals queued for any of
 * @ids (@nids, ascending), in every thread's queue and the process's.
 */
int held_signals_read(struct target *t, const int *ids, size_t nids, struct held_signals *h);
void held_signals_free(struct held_signals *h);

/* How many of them belong to the @n ids of @ids (ascending). */
size_t held_signals_of(const struct held_signals *h, const int *ids, size_t n);

/*
 * A dump's signal @s (tid in the target's namespace) about to be queued:
 * whether an identical one is held and stays live (a kernel before 6.13),
 * which then is the dump's; each held one is matched once.
 */
bool held_signals_take_live_copy(struct held_signals *h, const struct ptimer_pending_signal *s);
/*
 * Whether a stale legacy signal held in @s's queue must go first, or
 * @s would be dropped as a duplicate of it (a legacy signal is queued
 * once per queue).  Only where the purge, run in the injecting thread,
 * reaches that one: see held_signals.c.
 */
bool held_signals_purge_first(const struct held_signals *h, const struct ptimer_pending_signal *s);

/* Whether @s will be dropped as the duplicate of a stale one that no purge reaches. */
bool held_signals_unreachable(const struct held_signals *h, const struct ptimer_pending_signal *s);

/* Scratch bytes held_signals_queue_again() needs. */
size_t held_signals_scratch_size(void);
/*
 * Rollback: the signals of the @n timers @ids (ascending), which the
 * restore made stale, queued again as they were, each stale legacy one
 * taken out first.  Nothing on a kernel that delivers stale signals.
 * Best effort; returns how many could not be queued again.
 */
size_t held_signals_queue_again(struct target *t, const struct held_signals *h, const int *ids,
				size_t n);

#endif
