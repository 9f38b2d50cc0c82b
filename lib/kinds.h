/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The kinds of timer besides the POSIX ones (issue 11): interval timers,
 * timerfds and queued timer signals.  struct ptimer_dump is frozen, so
 * they live in the private allocation behind it: the library alone ever
 * allocates a dump (ptimer_dump_new()), as a struct dump_alloc.
 */
#ifndef PTIMER_KINDS_H
#define PTIMER_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptimer.h"

struct dump_kinds {
	unsigned int kinds;		/* enum ptimer_kind bits the dump carries */
	struct ptimer_itimer *itimers;	/* ascending by which */
	size_t nitimers;
	struct ptimer_timerfd *timerfds;	/* ascending by fd */
	size_t ntimerfds;
	struct ptimer_pending_signal *signals;	/* in queue order */
	size_t nsignals;
	/*
	 * While a dump holds its target: timerfds[] holds every descriptor,
	 * each to be probed with timerfd_gettime() (dump_kinds.c).
	 */
	bool fds_unprobed;
	/*
	 * Our clocks once a live dump had read its last value (0 for a dump
	 * it did not read, as one decoded from JSON): an undo counts the
	 * time its timers spent disarmed from then, not from the stamp taken
	 * before them, so that none comes back early (arm_undo_reference()).
	 */
	int64_t read_by_realtime_ns;
	int64_t read_by_monotonic_ns;
	int64_t read_by_boottime_ns;
};

struct dump_alloc {
	struct ptimer_dump pub;
	struct dump_kinds k;
};

static inline struct dump_kinds *dump_kinds_of(struct ptimer_dump *d)
{
	return &((struct dump_alloc *)d)->k;
}

static inline const struct dump_kinds *dump_kinds_ro(const struct ptimer_dump *d)
{
	return &((const struct dump_alloc *)d)->k;
}

/*
 * Whether @it, as getitimer() read it, is armed: a value left, or an
 * ITIMER_REAL with value 0 and an interval, which expired and waits for
 * its pending SIGALRM to be dequeued to re-arm (the kernel re-arms it
 * in dequeue_signal(), not at expiry).  A disarmed ITIMER_REAL has no
 * interval; a CPU itimer re-arms at expiry and may keep an interval
 * while disarmed.
 */
bool kinds_itimer_armed(const struct ptimer_itimer *it);

/* The timerfd clocks the kernel accepts (timerfd_create(2)). */
bool kinds_timerfd_clock_ok(int clockid);

/* The kernel's settime flags and fd flags of a timerfd. */
#define KTFD_TIMER_ABSTIME		1u
#define KTFD_TIMER_CANCEL_ON_SET	2u
#define KTFD_SETTIME_FLAGS		(KTFD_TIMER_ABSTIME | KTFD_TIMER_CANCEL_ON_SET)
#define KO_NONBLOCK			04000u
#define KO_CLOEXEC			02000000u
#define KTFD_FD_FLAGS			(KO_NONBLOCK | KO_CLOEXEC)
/* si_code of a POSIX timer's signal (include/uapi/asm-generic/siginfo.h). */
#define KSI_TIMER			(-2)
/* Interval timers: ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF. */
#define KITIMER_REAL			0
#define KITIMER_COUNT			3

/*
 * @dump as an operation limited to @kinds sees it, in @view, which
 * borrows @dump's arrays: the kinds not asked for are left out.
 */
const struct ptimer_dump *kinds_view(const struct ptimer_dump *dump, unsigned int kinds,
				     struct dump_alloc *view);

/* Sorts the itimers by which and the timerfds by fd; signals keep their order. */
void kinds_sort(struct ptimer_dump *dump);

/*
 * Checks of the new kinds that need the dump alone (restore runs them
 * before attaching): -PTIMER_ERR_BAD_DUMP with the field path.
 */
int kinds_validate(struct ptimer_ctx *ctx, const struct ptimer_dump *dump);

/* Names for the flag bits, for the JSON codec and the CLI. */
const char *kinds_settime_flag_name(unsigned int bit);
const char *kinds_fd_flag_name(unsigned int bit);
int kinds_settime_flag_from_name(const char *name);
int kinds_fd_flag_from_name(const char *name);

#endif
