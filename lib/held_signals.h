/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The signals queued, at the stop, for the target's own timers that a
 * --replace collides with, or that the dump of a re-arm disarmed
 * (held_signals.c).  Since 6.13 deleting, disarming or re-arming such a
 * timer makes its signal stale: it stays in the queue and the kernel
 * drops it at delivery.  Before, it stays live.
 */
#ifndef PTIMER_HELD_SIGNALS_H
#define PTIMER_HELD_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kabi.h"
#include "ptimer.h"
#include "target.h"

struct held_signal {
	struct ptimer_pending_signal s;	/* .tid in the target's namespace; 0: the process */
	bool matched;			/* a dump's identical signal was left to it */
	bool stale;			/* its timer deleted or re-armed (held_signals_mark_stale()) */
	bool skip;			/* not to be queued again: the dump's copy was */
};

/* A held signal's place in sig[], found by its timer's id. */
struct held_ref {
	int timerid;
	size_t i;
};

/* A stale standard signal's queue and number (held_signals_stale_standard()). */
struct held_stale_key {
	uint64_t key;		/* tid << 8 | signo; tid 0: the process */
	/* Scratch of held_signals_queue_again(): one of these queued again */
	bool claimed;
};

struct held_signals {
	struct held_signal *sig;
	size_t n, room;		/* room: sig's capacity, grown by half again */
	/*
	 * Lookups that run once per signal, and must not scan them all:
	 * there may be one queued per timer, tens of thousands, while the
	 * target is stopped.  by_timer, sorted by timer id then place,
	 * covers the first nindexed (every one, once a read succeeded);
	 * stale_std, sorted, one key for each queue and number of the stale
	 * standard signals (room for every one indexed, made at each read,
	 * so that marking them stale allocates nothing); purgeable, the
	 * numbers held_signals_purge_reaches() allows, weighed at each read
	 * and each marking.
	 */
	struct held_ref *by_timer;
	size_t nindexed;
	struct held_stale_key *stale_std;
	size_t nstale_std;
	uint64_t purgeable;
	bool drops_stale;	/* kernel_drops_stale_timer_signals() */
	pid_t inject_ns_tid;	/* the injecting thread, in the target's namespace */
	pid_t ns_pid;		/* the target, in its namespace */
	/* What a purge in the injecting thread sees: each signal's entries, of any sender */
	unsigned int inject_count[KSIGMAX + 1];		/* in that thread's queue */
	unsigned int process_count[KSIGMAX + 1];	/* in the process's */
};

/*
 * With the target held: read the SI_TIMER signals queued for any of the
 * @n @timers (ascending ids), in every thread's queue and the process's.
 */
int held_signals_read(struct target *t, const struct ptimer_timer *timers, size_t n,
		      struct held_signals *h);
/*
 * Read again, just before @timers (of those read first) change: a timer
 * that had none queued at the first read may have fired since, and its
 * signal is held too; the counts held_signals_purge_reaches() weighs are
 * read afresh.  (One read first when @h holds nothing yet.)  After a read
 * that failed, @h serves a rollback only: the signals it added are not
 * indexed, and a later read would hold them again.
 */
int held_signals_read_again(struct target *t, const struct ptimer_timer *timers, size_t n,
			    struct held_signals *h);
void held_signals_free(struct held_signals *h);

/* The @n @timers (ascending ids) were deleted or re-armed: their held signals are stale. */
void held_signals_mark_stale(struct held_signals *h, const struct ptimer_timer *timers, size_t n);
/* Mark skip every held signal the same as @s, a dump's that was queued. */
void held_signals_skip_same(struct held_signals *h, const struct ptimer_pending_signal *s);
/* Whether timer @id has a signal held. */
bool held_signals_has(const struct held_signals *h, int id);
/* How many of the @n @timers have a signal held. */
size_t held_signals_timers(const struct held_signals *h, const struct ptimer_timer *timers,
			   size_t n);

/*
 * A dump's signal @s (tid in the target's namespace) about to be queued:
 * whether an identical one is held and stays live (a kernel before 6.13),
 * which then is the dump's; each held one is matched once.
 */
bool held_signals_take_live_copy(struct held_signals *h, const struct ptimer_pending_signal *s);
/*
 * Whether a stale standard signal @signo is held in the queue of @tid (0:
 * the process), where a new one would be dropped as its duplicate; and
 * whether held_signals_purge() can take it out, taking nothing else.
 */
bool held_signals_stale_standard(const struct held_signals *h, int signo, pid_t tid);
bool held_signals_purge_reaches(const struct held_signals *h, int signo, pid_t tid);
/*
 * Take out every stale signal whose bit is in @mask, in one batch run in
 * the injecting thread, where held_signals_purge_reaches() said it can.
 * A live signal taken all the same (one queued since the read) is
 * queued again, and said; but not a timer's own whose copy the caller
 * queues next, one of the @ncopies @copies (its timer fired again since
 * it was re-armed, which turns the stale entry live).
 */
int held_signals_purge(struct target *t, const struct held_signals *h, uint64_t mask,
		       const struct ptimer_pending_signal *copies, size_t ncopies);

/* Scratch bytes held_signals_purge() and held_signals_queue_again() need. */
size_t held_signals_scratch_size(void);
/*
 * Rollback, of the stale ones: first, before the deleted timers are made
 * again (one that then fires at once would queue a live signal a purge
 * could take), held_signals_clear_stale() takes out the stale standard
 * signals that held_signals_purge_reaches() allows, and returns their
 * bits; then, the timers back, held_signals_queue_again() queues their
 * signals again as they were (but those marked skip): one per timer, for
 * a timer has one signal of its own (another of its id is a copy someone
 * queued, which stays live).  Nothing on a kernel that delivers stale
 * signals.  Best effort; returns how many could not be queued again.
 */
uint64_t held_signals_clear_stale(struct target *t, const struct held_signals *h);
size_t held_signals_queue_again(struct target *t, struct held_signals *h, uint64_t cleared);

#endif
